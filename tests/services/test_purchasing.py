"""Purchase orders: creating them, and what is outstanding when goods arrive."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from app.db import Database
from app.domain import PurchaseOrderStatus
from app.domain.errors import Duplicate, InvalidInput, InvalidQuantity, InvalidTransition, NotFound
from app.services.catalog import create_supplier
from app.services.ordering import LineRequest
from app.services.purchasing import (
    create_purchase_order,
    open_purchase_order_refs,
    receivable_purchase_order,
)
from tests.services.shop import confirm, make_po, po_state, preview


def test_the_expected_date_defaults_to_the_supplier_lead_time(shop: Database) -> None:
    with shop.write() as session:
        create_supplier(session, "SLOW", "Slow Ltd", lead_time_days=14)
        po = create_purchase_order(
            session,
            "SLOW",
            [LineRequest("WIDGET", 5)],
            ordered_at=datetime(2026, 3, 1, 10, tzinfo=UTC),
        )
        assert po.expected_date == date(2026, 3, 15)
        assert po.status == PurchaseOrderStatus.OPEN
        assert po.ref == "PO-00001"


def test_an_explicit_expected_date_is_kept(shop: Database) -> None:
    with shop.write() as session:
        po = create_purchase_order(
            session, "SUP", [LineRequest("WIDGET", 5)], expected_date=date(2026, 5, 1)
        )
        assert po.expected_date == date(2026, 5, 1)


def test_a_receivable_po_lists_what_is_still_outstanding(shop: Database) -> None:
    lines = make_po(shop, ("WIDGET", 10), ("GADGET", 4))
    confirm(shop, preview(shop, ("WIDGET", 6), po_lines=lines, po_ref="PO-1"))
    with shop.read() as session:
        receivable = receivable_purchase_order(session, "PO-1")
    assert receivable.status == PurchaseOrderStatus.PARTIALLY_RECEIVED
    assert [
        (ln.sku, ln.qty_ordered, ln.qty_received, ln.qty_outstanding) for ln in receivable.lines
    ] == [("WIDGET", 10, 6, 4), ("GADGET", 4, 0, 4)]
    assert receivable.supplier == "Supplies Ltd"


def test_only_open_and_partly_received_pos_are_offered_for_receiving(shop: Database) -> None:
    make_po(shop, ("WIDGET", 1), ref="PO-OPEN")
    part = make_po(shop, ("WIDGET", 2), ref="PO-PART")
    done = make_po(shop, ("WIDGET", 1), ref="PO-DONE")
    make_po(shop, ("WIDGET", 1), ref="PO-DRAFT", draft=True)
    confirm(shop, preview(shop, ("WIDGET", 1), po_lines=part, po_ref="PO-PART"))
    confirm(shop, preview(shop, ("WIDGET", 1), po_lines=done, po_ref="PO-DONE"))
    assert po_state(shop, "PO-DONE")[0] == "received"
    with shop.read() as session:
        assert sorted(open_purchase_order_refs(session)) == ["PO-OPEN", "PO-PART"]


def test_a_draft_po_is_not_receivable(shop: Database) -> None:
    make_po(shop, ("WIDGET", 1), draft=True)
    with pytest.raises(InvalidTransition, match="draft"), shop.read() as session:
        receivable_purchase_order(session, "PO-1")


@pytest.mark.parametrize("qty", [0, -2, 1_000_000, True])
def test_po_quantities_must_be_whole_units(shop: Database, qty: int) -> None:
    with pytest.raises(InvalidQuantity), shop.write() as session:
        create_purchase_order(session, "SUP", [LineRequest("WIDGET", qty)])


def test_a_po_needs_lines_a_known_supplier_and_a_free_ref(shop: Database) -> None:
    make_po(shop, ("WIDGET", 1), ref="PO-1")
    with pytest.raises(InvalidInput), shop.write() as session:
        create_purchase_order(session, "SUP", [])
    with pytest.raises(NotFound), shop.write() as session:
        create_purchase_order(session, "NOPE", [LineRequest("WIDGET", 1)])
    with pytest.raises(NotFound), shop.write() as session:
        create_purchase_order(session, "SUP", [LineRequest("NOPE", 1)])
    with pytest.raises(Duplicate), shop.write() as session:
        create_purchase_order(session, "SUP", [LineRequest("WIDGET", 1)], ref="PO-1")
    with pytest.raises(NotFound), shop.read() as session:
        receivable_purchase_order(session, "PO-404")
