"""Suggested purchase orders: the uncovered shortfall plus reorder points, per supplier."""

from __future__ import annotations

import pytest

from app.db import Database
from app.domain import PurchaseOrderStatus
from app.services import catalog
from app.services.purchasing import (
    cancel_purchase_order,
    get_purchase_order,
    send_purchase_order,
)
from app.services.suggestions import (
    NO_SUPPLIER,
    SuggestedPO,
    create_suggested_purchase_orders,
    suggest_purchase_orders,
)
from tests.services.shop import add_stock, confirm, make_po, order, preview


def suggested(db: Database) -> dict[str, dict[str, int]]:
    """Supplier code ("-" for none) -> SKU -> suggested units."""
    with db.read() as session:
        return {
            po.supplier_code or "-": {line.sku: line.qty for line in po.lines}
            for po in suggest_purchase_orders(session)
        }


def suggestions(db: Database) -> list[SuggestedPO]:
    with db.read() as session:
        return suggest_purchase_orders(session)


def test_nothing_is_suggested_when_nobody_waits_and_no_reorder_point_is_set(
    shop: Database,
) -> None:
    add_stock(shop, "WIDGET", 3)
    order(shop, "ANN", ("WIDGET", 3), ref="SO-1")
    assert suggested(shop) == {}


def test_suggested_units_equal_the_uncovered_shortfall(shop: Database) -> None:
    add_stock(shop, "WIDGET", 2)
    order(shop, "ANN", ("WIDGET", 5), ref="SO-1", minute=1)  # 2 allocated, 3 waiting
    order(shop, "BOB", ("WIDGET", 4), ("GADGET", 1), ref="SO-2", minute=2)
    make_po(shop, ("WIDGET", 5))  # covers 5 of the 7 waiting
    assert suggested(shop) == {"SUP": {"GADGET": 1, "WIDGET": 2}}
    (po,) = suggestions(shop)
    widget = next(line for line in po.lines if line.sku == "WIDGET")
    assert (widget.backordered, widget.incoming, widget.not_on_order) == (7, 5, 2)
    assert widget.reason == "2 waiting, not on order"


def test_what_is_already_on_order_is_never_ordered_twice(shop: Database) -> None:
    order(shop, "ANN", ("WIDGET", 6), ("GADGET", 2), ref="SO-1")
    with shop.write() as session:
        refs = create_suggested_purchase_orders(session, suggest_purchase_orders(session)).refs
    assert len(refs) == 1
    with shop.write() as session:
        send_purchase_order(session, refs[0])
    assert suggested(shop) == {}


def test_drafts_are_not_counted_as_incoming(shop: Database) -> None:
    order(shop, "ANN", ("WIDGET", 6), ref="SO-1")
    make_po(shop, ("WIDGET", 6), draft=True)
    assert suggested(shop) == {"SUP": {"WIDGET": 6}}
    (po,) = suggestions(shop)
    assert po.lines[0].in_drafts == 6
    assert "6 already on drafts" in po.lines[0].reason


def test_a_partly_received_po_counts_only_what_is_still_outstanding(shop: Database) -> None:
    order(shop, "ANN", ("WIDGET", 12), ref="SO-1")
    lines = make_po(shop, ("WIDGET", 10))
    confirm(shop, preview(shop, ("WIDGET", 6), po_lines=lines, po_ref="PO-1"))
    # 6 arrived and went to ANN; 6 still wait; 4 are outstanding -> 2 not on order.
    assert suggested(shop) == {"SUP": {"WIDGET": 2}}


def test_a_cancelled_po_no_longer_covers_anyone(shop: Database) -> None:
    order(shop, "ANN", ("WIDGET", 3), ref="SO-1")
    make_po(shop, ("WIDGET", 3))
    assert suggested(shop) == {}
    with shop.write() as session:
        cancel_purchase_order(session, "PO-1")
    assert suggested(shop) == {"SUP": {"WIDGET": 3}}


@pytest.mark.parametrize(
    ("on_hand", "promised", "incoming", "expected"),
    [
        (4, 0, 0, 6),  # below the point: order up to it
        (4, 0, 3, 3),  # incoming counts
        (6, 3, 0, 7),  # promised units are not free stock
        (10, 0, 0, 0),  # at the point: nothing
        (12, 0, 0, 0),
    ],
)
def test_a_product_below_its_reorder_point_is_topped_up_to_it(
    shop: Database, on_hand: int, promised: int, incoming: int, expected: int
) -> None:
    with shop.write() as session:
        catalog.create_product(session, "BOLT", "Bolt", supplier_code="SUP", reorder_point=10)
    add_stock(shop, "BOLT", on_hand)
    if promised:
        order(shop, "ANN", ("BOLT", promised), ref="SO-1")
    if incoming:
        make_po(shop, ("BOLT", incoming))
    assert suggested(shop).get("SUP", {}).get("BOLT", 0) == expected


def test_waiting_customers_and_the_reorder_point_add_up(shop: Database) -> None:
    with shop.write() as session:
        catalog.create_product(session, "BOLT", "Bolt", supplier_code="SUP", reorder_point=5)
    order(shop, "ANN", ("BOLT", 3), ref="SO-1")
    (po,) = suggestions(shop)
    assert (po.lines[0].qty, po.lines[0].reason) == (
        8,
        "3 waiting, not on order; 5 to reach reorder point 5",
    )


def test_suggestions_are_grouped_by_preferred_supplier_and_no_supplier_comes_last(
    shop: Database,
) -> None:
    with shop.write() as session:
        catalog.create_supplier(session, "ALT", "Alternative Co", lead_time_days=3)
        catalog.create_product(session, "NUT", "Nut", supplier_code="ALT")
        catalog.create_product(session, "ODD", "Oddment")
    order(shop, "ANN", ("WIDGET", 1), ("NUT", 2), ("ODD", 3), ref="SO-1")
    result = suggestions(shop)
    assert [(po.supplier_code, po.supplier_name) for po in result] == [
        ("ALT", "Alternative Co"),
        ("SUP", "Supplies Ltd"),
        (None, NO_SUPPLIER),
    ]
    assert suggested(shop) == {"ALT": {"NUT": 2}, "SUP": {"WIDGET": 1}, "-": {"ODD": 3}}
    assert result[0].lead_time_days == 3


def test_drafts_are_created_per_supplier_with_the_owners_quantities(shop: Database) -> None:
    with shop.write() as session:
        catalog.create_supplier(session, "ALT", "Alternative Co")
        catalog.create_product(session, "NUT", "Nut", supplier_code="ALT")
        catalog.create_product(session, "ODD", "Oddment")
    order(shop, "ANN", ("WIDGET", 1), ("GADGET", 2), ("NUT", 2), ("ODD", 3), ref="SO-1")
    result = suggestions(shop)
    edited = [
        result[0].with_quantities({result[0].lines[0].product_id: 0}),  # ALT: nothing
        result[1].with_quantities({result[1].lines[0].product_id: 10}),  # GADGET 10
        result[2],
    ]
    with shop.write() as session:
        refs = create_suggested_purchase_orders(session, edited).refs
    assert refs == ("PO-00001",)
    with shop.read() as session:
        po = get_purchase_order(session, refs[0])
        assert po.status == PurchaseOrderStatus.DRAFT
        assert po.supplier.code == "SUP"
        assert [(ln.product.sku, ln.qty_ordered) for ln in po.lines] == [
            ("GADGET", 10),
            ("WIDGET", 1),
        ]
