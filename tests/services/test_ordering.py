"""Placing, shipping and cancelling customer orders."""

from __future__ import annotations

import threading
import time
from datetime import datetime

import pytest
from sqlalchemy import select

from app.db import Database
from app.domain import AllocationEvent, MovementKind, StockMovement
from app.domain.errors import (
    Duplicate,
    InvalidInput,
    InvalidQuantity,
    InvalidTransition,
    NotEnoughStock,
    NotFound,
)
from app.services.ordering import (
    LineRequest,
    cancel_line,
    cancel_order,
    place_order,
    ship_order,
)
from tests.services.shop import (
    Line,
    Stock,
    add_stock,
    ledger_problems,
    line_of,
    order,
    preview,
    receive,
    snapshot,
    status_of,
    stock_of,
)

# --- placing -------------------------------------------------------------------------------


def test_an_order_takes_available_stock_at_once(shop: Database) -> None:
    add_stock(shop, "WIDGET", 10)
    placed = order(shop, "ANN", ("WIDGET", 4), ref="SO-A")
    assert (placed.lines[0].allocated, placed.lines[0].backordered) == (4, 0)
    assert placed.status.value == "ready_to_ship"
    assert stock_of(shop, "WIDGET").available == 6
    assert line_of(shop, "SO-A") == Line(
        ordered=4, allocated=4, backordered=0, shipped=0, cancelled=0
    )


def test_units_already_promised_are_not_available_to_the_next_order(shop: Database) -> None:
    add_stock(shop, "WIDGET", 5)
    order(shop, "ANN", ("WIDGET", 3), ref="SO-A")
    placed = order(shop, "BOB", ("WIDGET", 4), ref="SO-B")
    assert (placed.lines[0].allocated, placed.lines[0].backordered) == (2, 2)
    assert stock_of(shop, "WIDGET") == Stock(on_hand=5, allocated=5)


def test_a_backorder_product_beyond_available_waits_for_the_rest(shop: Database) -> None:
    add_stock(shop, "WIDGET", 3)
    placed = order(shop, "ANN", ("WIDGET", 10), ref="SO-A")
    assert placed.backordered == 7
    assert placed.status.value == "backordered"
    assert status_of(shop, "SO-A") == "backordered"
    assert line_of(shop, "SO-A").allocated == 3


def test_a_backorder_product_with_no_stock_waits_for_everything(shop: Database) -> None:
    placed = order(shop, "ANN", ("WIDGET", 2), ref="SO-A")
    assert (placed.lines[0].allocated, placed.lines[0].backordered) == (0, 2)
    assert stock_of(shop, "WIDGET").allocated == 0


def test_an_out_of_stock_product_beyond_available_is_refused_naming_it_and_writing_nothing(
    shop: Database,
) -> None:
    add_stock(shop, "RARE", 2)
    add_stock(shop, "WIDGET", 5)
    before = snapshot(shop)
    with pytest.raises(NotEnoughStock) as raised, shop.write() as session:
        place_order(session, "ANN", [LineRequest("WIDGET", 1), LineRequest("RARE", 3)], ref="SO-X")
    message = str(raised.value)
    assert "RARE" in message
    assert "2 available" in message
    assert snapshot(shop) == before


def test_a_refused_order_leaves_no_trace_even_if_the_caller_carries_on(shop: Database) -> None:
    """A window that shows the error and commits the same session must not save half an order."""
    add_stock(shop, "RARE", 1)
    add_stock(shop, "WIDGET", 5)
    before = snapshot(shop)
    with shop.write() as session, pytest.raises(NotEnoughStock):
        place_order(session, "ANN", [LineRequest("WIDGET", 2), LineRequest("RARE", 2)], ref="SO-X")
    assert snapshot(shop) == before
    assert ledger_problems(shop) == []


def test_an_out_of_stock_product_within_available_is_sold(shop: Database) -> None:
    add_stock(shop, "RARE", 2)
    placed = order(shop, "ANN", ("RARE", 2), ref="SO-A")
    assert placed.status.value == "ready_to_ship"
    assert stock_of(shop, "RARE").available == 0
    with pytest.raises(NotEnoughStock, match="0 available, 1 ordered"):
        order(shop, "BOB", ("RARE", 1), ref="SO-B")


def test_several_lines_of_one_product_share_what_is_available_in_line_order(
    shop: Database,
) -> None:
    add_stock(shop, "WIDGET", 5)
    placed = order(shop, "ANN", ("WIDGET", 3), ("WIDGET", 4), ref="SO-A")
    assert [(pl.allocated, pl.backordered) for pl in placed.lines] == [(3, 0), (2, 2)]
    assert stock_of(shop, "WIDGET").allocated == 5
    assert ledger_problems(shop) == []


def test_several_lines_of_an_out_of_stock_product_are_refused_together(shop: Database) -> None:
    add_stock(shop, "RARE", 5)
    before = snapshot(shop)
    with pytest.raises(NotEnoughStock, match="2 available, 3 ordered"):
        order(shop, "ANN", ("RARE", 3), ("RARE", 3), ref="SO-A")
    assert snapshot(shop) == before


@pytest.mark.parametrize("qty", [0, -1, 1_000_000, True, 2.5])
def test_invalid_quantities_are_refused(shop: Database, qty: int) -> None:
    before = snapshot(shop)
    with pytest.raises(InvalidQuantity):
        order(shop, "ANN", ("WIDGET", qty), ref="SO-A")
    assert snapshot(shop) == before


def test_the_largest_allowed_quantity_is_accepted(shop: Database) -> None:
    assert order(shop, "ANN", ("WIDGET", 999_999), ref="SO-A").backordered == 999_999


def test_an_unknown_customer_is_refused(shop: Database) -> None:
    with pytest.raises(NotFound, match="NOBODY"):
        order(shop, "NOBODY", ("WIDGET", 1), ref="SO-A")


def test_an_unknown_product_is_refused_and_nothing_is_written(shop: Database) -> None:
    add_stock(shop, "WIDGET", 5)
    before = snapshot(shop)
    with pytest.raises(NotFound, match="NOPE"):
        order(shop, "ANN", ("WIDGET", 1), ("NOPE", 1), ref="SO-A")
    assert snapshot(shop) == before


def test_a_duplicate_order_ref_is_refused(shop: Database) -> None:
    order(shop, "ANN", ("WIDGET", 1), ref="SO-A")
    with pytest.raises(Duplicate, match="SO-A"):
        order(shop, "BOB", ("WIDGET", 1), ref=" SO-A ")


def test_an_order_needs_lines_and_a_usable_ref(shop: Database) -> None:
    with pytest.raises(InvalidInput), shop.write() as session:
        place_order(session, "ANN", [], ref="SO-A")
    with pytest.raises(InvalidInput):
        order(shop, "ANN", ("WIDGET", 1), ref="   ")
    with pytest.raises(InvalidInput):
        order(shop, "ANN", ("WIDGET", 1), ref="X" * 41)


def test_a_naive_order_time_is_refused(shop: Database) -> None:
    with pytest.raises(InvalidInput), shop.write() as session:
        place_order(session, "ANN", [LineRequest("WIDGET", 1)], placed_at=datetime(2026, 1, 1))


def test_orders_without_a_ref_are_numbered(shop: Database) -> None:
    with shop.write() as session:
        first = place_order(session, "ANN", [LineRequest("WIDGET", 1)])
        second = place_order(session, "ANN", [LineRequest("WIDGET", 1)])
    assert first.ref == "SO-000001"
    assert second.ref == "SO-000002"


def test_order_status_across_its_life(shop: Database) -> None:
    add_stock(shop, "WIDGET", 2)
    order(shop, "ANN", ("WIDGET", 2), ("GADGET", 1), ref="SO-A")
    assert status_of(shop, "SO-A") == "backordered"
    receive(shop, ("GADGET", 1))
    assert status_of(shop, "SO-A") == "ready_to_ship"
    with shop.write() as session:
        ship_order(session, "SO-A")
    assert status_of(shop, "SO-A") == "shipped"
    order(shop, "BOB", ("GADGET", 1), ref="SO-B")
    with shop.write() as session:
        cancel_order(session, "SO-B")
    assert status_of(shop, "SO-B") == "cancelled"


# --- the queue -----------------------------------------------------------------------------


def test_the_queue_serves_the_first_placed_order_first(shop: Database) -> None:
    order(shop, "ANN", ("WIDGET", 2), ref="SO-LATE", minute=10)
    order(shop, "BOB", ("WIDGET", 2), ref="SO-EARLY", minute=5)
    plan = preview(shop, ("WIDGET", 3))
    assert [(a.order_ref, a.qty) for a in plan.allocations] == [("SO-EARLY", 2), ("SO-LATE", 1)]


def test_orders_placed_at_the_same_time_are_served_by_ref_then_line(shop: Database) -> None:
    order(shop, "ANN", ("WIDGET", 1), ref="SO-B", minute=0)
    order(shop, "BOB", ("WIDGET", 1), ("GADGET", 1), ("WIDGET", 1), ref="SO-A", minute=0)
    order(shop, "CAT", ("WIDGET", 1), ref="SO-C", minute=0)
    plan = preview(shop, ("WIDGET", 10))
    assert [(a.order_ref, a.line_no) for a in plan.allocations] == [
        ("SO-A", 1),
        ("SO-A", 3),
        ("SO-B", 1),
        ("SO-C", 1),
    ]


def test_the_queue_compares_times_not_the_order_of_entry(shop: Database) -> None:
    """A back-dated order (entered later, placed earlier) is served first."""
    order(shop, "ANN", ("WIDGET", 1), ref="SO-1", minute=60)
    order(shop, "BOB", ("WIDGET", 1), ref="SO-2", minute=59)
    result = receive(shop, ("WIDGET", 1))
    assert result.orders_ready == ("SO-2",)
    assert status_of(shop, "SO-1") == "backordered"


# --- shipping ------------------------------------------------------------------------------


def test_shipping_sends_only_the_allocated_units(shop: Database) -> None:
    add_stock(shop, "WIDGET", 3)
    order(shop, "ANN", ("WIDGET", 5), ref="SO-A")
    with shop.write() as session:
        result = ship_order(session, "SO-A")
    assert result.units == 3
    assert result.status.value == "backordered"
    assert line_of(shop, "SO-A") == Line(
        ordered=5, allocated=0, backordered=2, shipped=3, cancelled=0
    )
    assert stock_of(shop, "WIDGET") == Stock(on_hand=0, allocated=0)
    with shop.read() as session:
        movements = session.execute(
            select(StockMovement.qty, StockMovement.kind, StockMovement.document).where(
                StockMovement.kind == MovementKind.SHIPMENT
            )
        ).all()
    assert [tuple(m) for m in movements] == [(-3, MovementKind.SHIPMENT, "SO-A")]
    assert ledger_problems(shop) == []


def test_shipping_an_order_with_nothing_allocated_is_refused(shop: Database) -> None:
    order(shop, "ANN", ("WIDGET", 5), ref="SO-A")
    before = snapshot(shop)
    with pytest.raises(InvalidTransition, match="nothing allocated"), shop.write() as session:
        ship_order(session, "SO-A")
    assert snapshot(shop) == before


def test_shipping_twice_is_refused(shop: Database) -> None:
    add_stock(shop, "WIDGET", 1)
    order(shop, "ANN", ("WIDGET", 1), ref="SO-A")
    with shop.write() as session:
        ship_order(session, "SO-A")
    with pytest.raises(InvalidTransition), shop.write() as session:
        ship_order(session, "SO-A")


def test_shipping_an_unknown_order_is_refused(shop: Database) -> None:
    with pytest.raises(NotFound), shop.write() as session:
        ship_order(session, "SO-NONE")


# --- cancelling ----------------------------------------------------------------------------


def test_cancelling_frees_allocated_units_for_sale_not_for_the_queue(shop: Database) -> None:
    add_stock(shop, "WIDGET", 2)
    order(shop, "ANN", ("WIDGET", 2), ref="SO-A", minute=0)
    order(shop, "BOB", ("WIDGET", 2), ref="SO-B", minute=1)
    with shop.write() as session:
        result = cancel_order(session, "SO-A", reason="changed mind")
    assert [(r.sku, r.qty) for r in result.released] == [("WIDGET", 2)]
    assert result.status.value == "cancelled"
    assert stock_of(shop, "WIDGET").available == 2
    assert line_of(shop, "SO-B").backordered == 2  # the waiting customer did not get them
    assert status_of(shop, "SO-B") == "backordered"
    with shop.read() as session:
        events = session.execute(select(AllocationEvent.qty, AllocationEvent.source)).all()
    assert (-2, "cancel") in [tuple(e) for e in events]
    assert ledger_problems(shop) == []


def test_cancelling_a_waiting_line_takes_it_out_of_the_queue(shop: Database) -> None:
    order(shop, "ANN", ("WIDGET", 2), ref="SO-A", minute=0)
    order(shop, "BOB", ("WIDGET", 2), ref="SO-B", minute=1)
    with shop.write() as session:
        result = cancel_line(session, "SO-A", 1)
    assert result.units_cancelled == 2
    assert result.released == ()
    assert line_of(shop, "SO-A") == Line(
        ordered=2, allocated=0, backordered=0, shipped=0, cancelled=2
    )
    plan = preview(shop, ("WIDGET", 2))
    assert [(a.order_ref, a.qty) for a in plan.allocations] == [("SO-B", 2)]


def test_cancelling_one_line_keeps_the_others(shop: Database) -> None:
    add_stock(shop, "WIDGET", 1)
    order(shop, "ANN", ("WIDGET", 1), ("GADGET", 3), ref="SO-A")
    with shop.write() as session:
        result = cancel_line(session, "SO-A", 2)
    assert result.status.value == "ready_to_ship"
    assert line_of(shop, "SO-A", 1).allocated == 1
    assert line_of(shop, "SO-A", 2).cancelled == 3


def test_cancelling_after_a_partial_shipment_keeps_the_shipped_units(shop: Database) -> None:
    add_stock(shop, "WIDGET", 2)
    order(shop, "ANN", ("WIDGET", 5), ref="SO-A")
    with shop.write() as session:
        ship_order(session, "SO-A")
    with shop.write() as session:
        result = cancel_order(session, "SO-A")
    assert result.units_cancelled == 3
    assert line_of(shop, "SO-A") == Line(
        ordered=5, allocated=0, backordered=0, shipped=2, cancelled=3
    )
    assert status_of(shop, "SO-A") == "shipped"


def test_shipped_units_cannot_be_cancelled(shop: Database) -> None:
    add_stock(shop, "WIDGET", 2)
    order(shop, "ANN", ("WIDGET", 2), ref="SO-A")
    with shop.write() as session:
        ship_order(session, "SO-A")
    before = snapshot(shop)
    with (
        pytest.raises(InvalidTransition, match="shipped units cannot be cancelled"),
        shop.write() as session,
    ):
        cancel_order(session, "SO-A")
    assert snapshot(shop) == before


def test_cancelling_twice_says_it_is_already_cancelled(shop: Database) -> None:
    order(shop, "ANN", ("WIDGET", 2), ref="SO-A")
    with shop.write() as session:
        cancel_order(session, "SO-A")
    before = snapshot(shop)
    with pytest.raises(InvalidTransition, match="already cancelled"), shop.write() as session:
        cancel_order(session, "SO-A")
    with pytest.raises(InvalidTransition, match="already cancelled"), shop.write() as session:
        cancel_line(session, "SO-A", 1)
    assert snapshot(shop) == before


def test_cancelling_a_line_that_does_not_exist_is_refused(shop: Database) -> None:
    order(shop, "ANN", ("WIDGET", 2), ref="SO-A")
    with pytest.raises(NotFound, match="no line 5"), shop.write() as session:
        cancel_line(session, "SO-A", 5)


def test_an_order_placed_after_a_cancel_gets_the_freed_units(shop: Database) -> None:
    add_stock(shop, "WIDGET", 2)
    order(shop, "ANN", ("WIDGET", 2), ref="SO-A", minute=0)
    with shop.write() as session:
        cancel_order(session, "SO-A")
    placed = order(shop, "BOB", ("WIDGET", 2), ref="SO-B", minute=1)
    assert placed.status.value == "ready_to_ship"


def test_two_tills_selling_the_last_unit_at_once_sell_it_only_once(shop: Database) -> None:
    """The first till holds its transaction open; the second must wait and then see that the
    unit is gone (balance rows are locked; SQLite writers take the write lock up front)."""
    add_stock(shop, "RARE", 1)
    first_placed = threading.Event()
    outcomes: dict[str, str] = {}

    def first_till() -> None:
        with shop.write() as session:
            place_order(session, "ANN", [LineRequest("RARE", 1)], ref="SO-A")
            first_placed.set()
            time.sleep(0.3)  # still uncommitted while the second till tries
        outcomes["A"] = "sold"

    def second_till() -> None:
        first_placed.wait(5)
        try:
            with shop.write() as session:
                place_order(session, "BOB", [LineRequest("RARE", 1)], ref="SO-B")
            outcomes["B"] = "sold"
        except NotEnoughStock:
            outcomes["B"] = "refused"

    threads = [threading.Thread(target=first_till), threading.Thread(target=second_till)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert outcomes == {"A": "sold", "B": "refused"}
    assert stock_of(shop, "RARE") == Stock(on_hand=1, allocated=1)
