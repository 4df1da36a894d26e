"""The order detail view's service: lines with prices, allocations, ETAs, and the history."""

from __future__ import annotations

from decimal import Decimal

import pytest

from app.db import Database
from app.domain.errors import NotFound
from app.services import catalog
from app.services.cancelling import cancel_line
from app.services.eta import NOT_ON_ORDER, ON_ORDER
from app.services.shipping import ship_order
from app.services.views.order_detail import OrderDetail, order_detail
from tests.services.shop import (
    Line,
    add_stock,
    confirm,
    line_of,
    make_po,
    order,
    preview,
    receive,
    stock_of,
)


def detail(db: Database, ref: str) -> OrderDetail:
    with db.read() as session:
        return order_detail(session, ref)


@pytest.fixture
def lamp_shop(shop: Database) -> Database:
    with shop.write() as session:
        catalog.create_product(session, "LAMP", "Lamp", price=Decimal("12.50"), supplier_code="SUP")
    return shop


def test_waiting_lines_show_their_eta_and_the_stock_given_when_ordered(
    lamp_shop: Database,
) -> None:
    add_stock(lamp_shop, "WIDGET", 2)
    order(lamp_shop, "ANN", ("WIDGET", 5), ("LAMP", 2), ref="SO-A")
    make_po(lamp_shop, ("WIDGET", 3), ("LAMP", 1))
    view = detail(lamp_shop, "SO-A")
    widget, lamp = view.lines
    assert (widget.allocated, widget.waiting) == (2, 3)
    assert widget.allocations_text == "2 from stock when ordered"
    assert widget.eta is not None and widget.eta.status == ON_ORDER
    assert widget.eta.po_ref == "PO-1"
    assert widget.queue_position == 1 and "#1 in queue" in widget.eta_text
    assert lamp.eta is not None and lamp.eta.status == NOT_ON_ORDER  # 1 of 2 covered
    assert lamp.eta_text.startswith("not on order (1 short)")
    assert (lamp.unit_price, lamp.total, view.total) == (
        Decimal("12.50"),
        Decimal("25.00"),
        Decimal("25.00"),
    )
    assert view.currency == "EUR" or len(view.currency) == 3
    assert [e.kind for e in view.events] == ["placed"]
    assert view.events[0].text == "Order placed: 7 units on 2 lines; 2 allocated from stock"


def test_history_lists_receipts_shipments_and_cancellations_with_their_reason(
    lamp_shop: Database,
) -> None:
    add_stock(lamp_shop, "WIDGET", 2)
    order(lamp_shop, "ANN", ("WIDGET", 5), ("LAMP", 2), ref="SO-A")
    po_lines = make_po(lamp_shop, ("WIDGET", 3))
    confirm(lamp_shop, preview(lamp_shop, ("WIDGET", 3), po_lines=po_lines, po_ref="PO-1"))
    with lamp_shop.write() as session:
        cancel_line(session, "SO-A", 2, "too long to wait", qty=1)
        ship_order(session, "SO-A")
    view = detail(lamp_shop, "SO-A")
    widget, lamp = view.lines
    assert widget.allocations_text == "2 from stock when ordered, 3 from receipt of PO-1"
    assert (widget.shipped, widget.waiting, widget.eta_text) == (5, 0, "")
    assert (lamp.cancelled, lamp.waiting, lamp.cancel_reason) == (1, 1, "too long to wait")
    assert lamp.total == Decimal("12.50")  # the cancelled lamp is not charged
    kinds = [e.kind for e in view.events]
    assert kinds == ["placed", "allocated", "cancelled", "shipped"]  # in the order they came
    received, cancelled, shipped = view.events[1:]
    assert received.text.startswith("Line 1 (WIDGET): 3 from receipt of PO-1")
    assert shipped.text == "Shipped 5 units: 5 \N{MULTIPLICATION SIGN} WIDGET"
    assert cancelled.at is not None and received.at is not None and shipped.at is not None
    assert received.at <= cancelled.at <= shipped.at  # a waiting unit's cancel is dated too
    assert cancelled.text == "Line 2 (LAMP): 1 unit waiting cancelled \N{EM DASH} too long to wait"


def test_cancelled_allocated_units_are_a_dated_event_with_the_reason(shop: Database) -> None:
    add_stock(shop, "WIDGET", 3)
    order(shop, "ANN", ("WIDGET", 3), ref="SO-A")
    with shop.write() as session:
        cancel_line(session, "SO-A", 1, "duplicate", qty=2)
    view = detail(shop, "SO-A")
    assert view.lines[0].allocations_text == (
        "3 from stock when ordered, \N{MINUS SIGN}2 cancelled and freed"
    )
    cancelled = view.events[-1]
    assert cancelled.kind == "cancelled" and cancelled.at is not None
    assert cancelled.text.endswith("cancelled and freed \N{EM DASH} duplicate")


def test_an_unknown_order_is_not_found(shop: Database) -> None:
    with pytest.raises(NotFound), shop.read() as session:
        order_detail(session, "SO-NOPE")


# --- cancelling part of a line --------------------------------------------------------------


def test_cancelling_part_of_a_waiting_line_keeps_the_rest_in_its_place(shop: Database) -> None:
    order(shop, "ANN", ("WIDGET", 3), ref="SO-A", minute=0)
    order(shop, "BOB", ("WIDGET", 2), ref="SO-B", minute=1)
    with shop.write() as session:
        result = cancel_line(session, "SO-A", 1, qty=2)
    assert result.units_cancelled == 2 and result.freed_product_ids == frozenset()
    assert line_of(shop, "SO-A") == Line(
        ordered=3, allocated=0, backordered=1, shipped=0, cancelled=2
    )
    assert detail(shop, "SO-A").lines[0].queue_position == 1
    receive(shop, ("WIDGET", 1))  # the next unit still goes to Ann, first in the queue
    assert line_of(shop, "SO-A").allocated == 1 and line_of(shop, "SO-B").allocated == 0


def test_cancelling_part_of_an_allocated_line_frees_those_units(shop: Database) -> None:
    add_stock(shop, "WIDGET", 3)
    order(shop, "ANN", ("WIDGET", 3), ref="SO-A")
    with shop.write() as session:
        result = cancel_line(session, "SO-A", 1, qty=1)
    assert [(r.sku, r.qty) for r in result.released] == [("WIDGET", 1)]
    assert stock_of(shop, "WIDGET").available == 1
    assert line_of(shop, "SO-A").allocated == 2


def test_an_undone_receipt_shows_its_units_taken_back_when_it_was_undone(shop: Database) -> None:
    from app.services.undo_receipt import preview_undo_receipt, undo_receipt

    order(shop, "ANN", ("WIDGET", 3), ref="SO-U")
    po_lines = make_po(shop, ("WIDGET", 3))
    received = confirm(shop, preview(shop, ("WIDGET", 3), po_lines=po_lines, po_ref="PO-1"))
    with shop.write() as session:
        plan = preview_undo_receipt(session, received.receipt_id)
        undo_receipt(session, plan.token, "wrong PO")
    view = detail(shop, "SO-U")
    (line,) = view.lines
    assert line.allocations_text == (
        "3 from receipt of PO-1, \N{MINUS SIGN}3 taken back: the receipt of PO-1 was undone"
    )
    assert line.waiting == 3
    given, taken = view.events[1:]
    assert taken.kind == "released"
    assert taken.text.endswith("taken back: the receipt of PO-1 was undone \N{EM DASH} wrong PO")
    assert given.at is not None and taken.at is not None and given.at <= taken.at
