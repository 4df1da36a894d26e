"""Sending, re-dating, cancelling purchase orders and editing a draft's lines."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from app.db import Database
from app.domain.errors import InvalidInput, InvalidQuantity, InvalidTransition, NotFound
from app.services.ordering import LineRequest
from app.services.purchasing import (
    add_draft_line,
    cancel_purchase_order,
    create_purchase_order,
    get_purchase_order,
    open_purchase_order_refs,
    remove_draft_line,
    send_purchase_order,
    set_draft_line_qty,
    set_draft_lines,
    set_expected_date,
)
from tests.services.shop import (
    confirm,
    make_po,
    order,
    po_state,
    preview,
    snapshot,
    stock_of,
)

MARCH_1 = datetime(2026, 3, 1, 10, tzinfo=UTC)
MARCH_4 = datetime(2026, 3, 4, 10, tzinfo=UTC)


def draft(db: Database, *, expected: date | None = None) -> str:
    with db.write() as session:
        po = create_purchase_order(
            session,
            "SUP",
            [LineRequest("WIDGET", 5), LineRequest("GADGET", 2)],
            ordered_at=MARCH_1,
            expected_date=expected,
            draft=True,
        )
        return po.ref


def expected_of(db: Database, ref: str) -> tuple[str, date | None, datetime | None]:
    with db.read() as session:
        po = get_purchase_order(session, ref)
        return po.status.value, po.expected_date, po.ordered_at


def test_sending_a_draft_opens_it_and_moves_its_default_date_with_it(shop: Database) -> None:
    ref = draft(shop)
    assert expected_of(shop, ref)[1] == date(2026, 3, 8)  # created + 7 days' lead time
    with shop.write() as session:
        change = send_purchase_order(session, ref, sent_at=MARCH_4)
    assert change.status.value == "open"
    assert expected_of(shop, ref) == ("open", date(2026, 3, 11), MARCH_4)
    with shop.read() as session:
        assert open_purchase_order_refs(session) == [ref]


def test_sending_keeps_an_expected_date_the_owner_chose(shop: Database) -> None:
    ref = draft(shop, expected=date(2026, 3, 20))
    with shop.write() as session:
        send_purchase_order(session, ref, sent_at=MARCH_4)
    assert expected_of(shop, ref)[1] == date(2026, 3, 20)


def test_a_po_is_sent_only_once(shop: Database) -> None:
    make_po(shop, ("WIDGET", 1))
    with pytest.raises(InvalidTransition, match="already sent"), shop.write() as session:
        send_purchase_order(session, "PO-1")


def test_changing_the_expected_date_says_whether_it_moved_later(shop: Database) -> None:
    make_po(shop, ("WIDGET", 1))
    old = expected_of(shop, "PO-1")[1]
    assert old is not None
    later = date(old.year + 1, 1, 15)
    with shop.write() as session:
        change = set_expected_date(session, "PO-1", later)
    assert (change.previous_expected_date, change.expected_date, change.moved_later) == (
        old,
        later,
        True,
    )
    assert expected_of(shop, "PO-1")[1] == later


def test_moving_a_date_later_or_cancelling_reports_the_waiting_lines_it_delays(
    shop: Database,
) -> None:
    order(shop, "ANN", ("WIDGET", 2), ref="SO-1", minute=1)
    order(shop, "BOB", ("WIDGET", 1), ("GADGET", 1), ref="SO-2", minute=2)
    make_po(shop, ("WIDGET", 3))
    with shop.write() as session:
        assert set_expected_date(session, "PO-1", date(2031, 1, 1)).lines_moved_later == 2
        assert set_expected_date(session, "PO-1", date(2030, 1, 1)).lines_moved_later == 0
        assert cancel_purchase_order(session, "PO-1").lines_moved_later == 2


def test_an_expected_date_before_the_order_date_is_refused(shop: Database) -> None:
    ref = draft(shop)
    before = snapshot(shop)
    with pytest.raises(InvalidInput, match="before"), shop.write() as session:
        set_expected_date(session, ref, date(2026, 2, 28))
    assert snapshot(shop) == before


def test_cancelling_an_open_po_stops_its_incoming_units(shop: Database) -> None:
    make_po(shop, ("WIDGET", 4), ("GADGET", 1))
    with shop.write() as session:
        change = cancel_purchase_order(session, "PO-1", "supplier out of business")
    assert (change.status.value, change.units_cancelled) == ("cancelled", 5)
    with shop.read() as session:
        assert open_purchase_order_refs(session) == []
        assert "supplier out of business" in get_purchase_order(session, "PO-1").note


def test_cancelling_a_partly_received_po_keeps_what_arrived(shop: Database) -> None:
    lines = make_po(shop, ("WIDGET", 10))
    confirm(shop, preview(shop, ("WIDGET", 6), po_lines=lines, po_ref="PO-1"))
    with shop.write() as session:
        change = cancel_purchase_order(session, "PO-1", "rest discontinued")
    assert change.units_cancelled == 4
    assert po_state(shop, "PO-1") == ("cancelled", [6])
    assert stock_of(shop, "WIDGET").on_hand == 6


def test_received_and_cancelled_pos_cannot_be_cancelled_or_redated(shop: Database) -> None:
    lines = make_po(shop, ("WIDGET", 2), ref="PO-DONE")
    confirm(shop, preview(shop, ("WIDGET", 2), po_lines=lines, po_ref="PO-DONE"))
    make_po(shop, ("WIDGET", 2), ref="PO-GONE")
    with shop.write() as session:
        cancel_purchase_order(session, "PO-GONE")
    for ref, word in (("PO-DONE", "fully received"), ("PO-GONE", "cancelled")):
        with pytest.raises(InvalidTransition, match=word), shop.write() as session:
            cancel_purchase_order(session, ref)
        with pytest.raises(InvalidTransition, match=word), shop.write() as session:
            set_expected_date(session, ref, date(2030, 1, 1))
    with pytest.raises(NotFound), shop.write() as session:
        cancel_purchase_order(session, "PO-404")


def test_a_drafts_lines_can_be_added_changed_and_removed(shop: Database) -> None:
    ref = draft(shop)
    with shop.write() as session:
        assert add_draft_line(session, ref, "WIDGET", 3) == 1  # more on its line
        assert add_draft_line(session, ref, "RARE", "2") == 3
        set_draft_line_qty(session, ref, 2, 9)
        remove_draft_line(session, ref, 1)
    with shop.read() as session:
        po = get_purchase_order(session, ref)
        assert [(ln.line_no, ln.product.sku, ln.qty_ordered) for ln in po.lines] == [
            (2, "GADGET", 9),
            (3, "RARE", 2),
        ]


def test_only_a_drafts_lines_change_and_a_draft_keeps_one_line(shop: Database) -> None:
    make_po(shop, ("WIDGET", 1))
    with pytest.raises(InvalidTransition, match="only a draft"), shop.write() as session:
        add_draft_line(session, "PO-1", "GADGET", 1)
    make_po(shop, ("WIDGET", 1), ref="PO-D", draft=True)
    with pytest.raises(InvalidTransition, match="cancel the draft"), shop.write() as session:
        remove_draft_line(session, "PO-D", 1)
    with pytest.raises(InvalidQuantity), shop.write() as session:
        set_draft_line_qty(session, "PO-D", 1, "0")
    with pytest.raises(NotFound), shop.write() as session:
        set_draft_line_qty(session, "PO-D", 7, 1)


def test_a_drafts_lines_are_replaced_keeping_the_line_numbers_of_kept_products(
    shop: Database,
) -> None:
    ref = draft(shop)  # WIDGET 5 (line 1), GADGET 2 (line 2)
    with shop.write() as session:
        set_draft_lines(
            session, ref, [LineRequest("RARE", 1), LineRequest("GADGET", 4), LineRequest("RARE", 2)]
        )
    with shop.read() as session:
        po = get_purchase_order(session, ref)
        assert [(ln.line_no, ln.product.sku, ln.qty_ordered) for ln in po.lines] == [
            (2, "GADGET", 4),
            (3, "RARE", 3),
        ]
    with pytest.raises(InvalidInput, match="at least one line"), shop.write() as session:
        set_draft_lines(session, ref, [])
