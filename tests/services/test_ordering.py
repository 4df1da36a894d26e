"""Placing, shipping and cancelling customer orders."""

from __future__ import annotations

import threading
import time
from datetime import datetime

import pytest
from sqlalchemy import select

from app.db import Database
from app.domain import AllocationEvent, MovementKind, OrderStatus, StockMovement
from app.domain.enums import ShipPreference
from app.domain.errors import (
    BackorderLimitReached,
    Duplicate,
    HeldForCompleteShipment,
    InvalidInput,
    InvalidQuantity,
    InvalidTransition,
    NotEnoughStock,
    NotFound,
)
from app.services import catalog
from app.services.cancelling import cancel_line, cancel_order
from app.services.ordering import LineRequest, place_order, quote_lines
from app.services.shipping import set_order_ship_preference, ship_order
from tests.services.shop import (
    Line,
    Stock,
    add_stock,
    ledger_problems,
    line_of,
    order,
    preview,
    product_id,
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
    # The customer takes partial shipments (the default): the 3 in stock can go now.
    assert placed.status.value == "part_ready"
    assert status_of(shop, "SO-A") == "part_ready"
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
    assert status_of(shop, "SO-A") == "part_ready"
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


# --- maximum backorder quantity ------------------------------------------------------------


def limit_backorders(db: Database, sku: str, qty: int | None) -> None:
    with db.write() as session:
        catalog.set_max_backorder_qty(session, sku, qty)


def test_a_line_beyond_the_max_backorder_is_refused_saying_how_many_more_can_wait(
    shop: Database,
) -> None:
    limit_backorders(shop, "WIDGET", 5)
    order(shop, "ANN", ("WIDGET", 2), ref="SO-A")  # 2 now wait
    before = snapshot(shop)
    with (
        pytest.raises(BackorderLimitReached, match="only 3 more can be backordered"),
        shop.write() as session,
    ):
        place_order(session, "BOB", [LineRequest("WIDGET", 4)], ref="SO-B")
    assert snapshot(shop) == before
    placed = order(shop, "BOB", ("WIDGET", 3), ref="SO-B")  # exactly up to the limit
    assert placed.backordered == 3


def test_the_max_backorder_counts_earlier_lines_of_the_same_order(shop: Database) -> None:
    limit_backorders(shop, "WIDGET", 4)
    with pytest.raises(BackorderLimitReached), shop.write() as session:
        place_order(session, "ANN", [LineRequest("WIDGET", 3), LineRequest("WIDGET", 2)])


def test_units_in_stock_do_not_count_against_the_max_backorder(shop: Database) -> None:
    add_stock(shop, "WIDGET", 10)
    limit_backorders(shop, "WIDGET", 0)
    assert order(shop, "ANN", ("WIDGET", 10), ref="SO-A").backordered == 0
    with (
        pytest.raises(BackorderLimitReached, match="no more units can be backordered"),
        shop.write() as session,
    ):
        place_order(session, "BOB", [LineRequest("WIDGET", 1)])
    limit_backorders(shop, "WIDGET", None)  # lifted: the queue takes anything again
    assert order(shop, "BOB", ("WIDGET", 1), ref="SO-B").backordered == 1


def test_a_negative_max_backorder_is_refused(shop: Database) -> None:
    with pytest.raises(InvalidQuantity), shop.write() as session:
        catalog.set_max_backorder_qty(session, "WIDGET", -1)


# --- the quote before placing ----------------------------------------------------------------


def test_a_quote_shows_what_placing_would_do_and_writes_nothing(shop: Database) -> None:
    add_stock(shop, "WIDGET", 3)
    add_stock(shop, "RARE", 2)
    limit_backorders(shop, "GADGET", 1)
    before = snapshot(shop)
    with shop.read() as session:
        quote = quote_lines(
            session,
            None,
            [LineRequest("WIDGET", 5), LineRequest("RARE", 4), LineRequest("GADGET", 2)],
        )
    assert snapshot(shop) == before
    widget, rare, gadget = quote.lines
    assert (widget.allocated, widget.backordered, widget.refused) == (3, 2, False)
    assert (rare.refused, rare.limit) == (True, 2)  # sold from stock only: only 2 can be sold
    assert "sold from stock only" in rare.refusal
    assert (gadget.refused, gadget.limit, gadget.backorder_limit) == (True, 1, True)
    assert len(quote.refusals) == 2
    assert not quote.held


def test_a_quote_for_a_ship_complete_customer_says_the_order_is_held(shop: Database) -> None:
    add_stock(shop, "WIDGET", 3)
    prefer(shop, "ANN", ShipPreference.COMPLETE)
    with shop.read() as session:
        ann = catalog.get_customer(session, "ANN").id
        lines = [LineRequest("WIDGET", 2), LineRequest("GADGET", 1)]
        assert quote_lines(session, ann, lines).held
        assert not quote_lines(session, ann, lines[:1]).held


# --- ship preference: partial or complete ---------------------------------------------------


def prefer(db: Database, customer: str, preference: ShipPreference) -> None:
    with db.write() as session:
        catalog.update_customer(session, customer, ship_preference=preference)


def test_a_ship_complete_order_is_held_while_any_unit_waits(shop: Database) -> None:
    prefer(shop, "ANN", ShipPreference.COMPLETE)
    add_stock(shop, "WIDGET", 2)
    placed = order(shop, "ANN", ("WIDGET", 2), ("GADGET", 1), ref="SO-A")
    assert placed.status == OrderStatus.BACKORDERED  # held, not part ready
    before = snapshot(shop)
    with (
        pytest.raises(HeldForCompleteShipment, match="ships complete and 1 unit still waits"),
        shop.write() as session,
    ):
        ship_order(session, "SO-A")
    assert snapshot(shop) == before
    receive(shop, ("GADGET", 1))
    assert status_of(shop, "SO-A") == "ready_to_ship"
    with shop.write() as session:
        assert ship_order(session, "SO-A").status == OrderStatus.SHIPPED


def test_a_manager_can_ship_a_held_order_anyway(shop: Database) -> None:
    prefer(shop, "ANN", ShipPreference.COMPLETE)
    add_stock(shop, "WIDGET", 2)
    order(shop, "ANN", ("WIDGET", 2), ("GADGET", 1), ref="SO-A")
    with shop.write() as session:
        result = ship_order(session, "SO-A", override_complete=True)
    assert (result.units, result.status) == (2, OrderStatus.BACKORDERED)
    assert ledger_problems(shop) == []


def test_a_partial_customer_is_part_ready_and_a_receipt_keeps_complete_ones_held(
    shop: Database,
) -> None:
    prefer(shop, "BOB", ShipPreference.COMPLETE)
    order(shop, "ANN", ("WIDGET", 2), ref="SO-A", minute=0)
    order(shop, "BOB", ("WIDGET", 2), ref="SO-B", minute=1)
    receive(shop, ("WIDGET", 3))  # Ann gets 2, Bob 1 of 2
    assert status_of(shop, "SO-A") == "ready_to_ship"
    assert status_of(shop, "SO-B") == "backordered"  # held: he wants both
    prefer(shop, "BOB", ShipPreference.PARTIAL)  # he changes his mind: the status follows
    assert status_of(shop, "SO-B") == "part_ready"


def test_an_order_override_beats_the_customer_preference(shop: Database) -> None:
    add_stock(shop, "WIDGET", 1)
    order(shop, "ANN", ("WIDGET", 3), ref="SO-A")
    assert status_of(shop, "SO-A") == "part_ready"
    with shop.write() as session:
        set_to = set_order_ship_preference(session, "SO-A", ShipPreference.COMPLETE)
        assert set_to.status == OrderStatus.BACKORDERED
    prefer(shop, "ANN", ShipPreference.PARTIAL)  # the customer's own preference no longer rules
    assert status_of(shop, "SO-A") == "backordered"
    with shop.write() as session:
        set_order_ship_preference(session, "SO-A", None)
    assert status_of(shop, "SO-A") == "part_ready"


# --- partial shipments ------------------------------------------------------------------------


def test_part_of_the_allocated_units_can_ship(shop: Database) -> None:
    add_stock(shop, "WIDGET", 3)
    add_stock(shop, "GADGET", 2)
    order(shop, "ANN", ("WIDGET", 3), ("GADGET", 2), ref="SO-A")
    with shop.write() as session:
        result = ship_order(session, "SO-A", {1: 1, 2: 0})
    assert (result.units, result.status) == (1, OrderStatus.READY_TO_SHIP)
    assert line_of(shop, "SO-A", 1) == Line(
        ordered=3, allocated=2, backordered=0, shipped=1, cancelled=0
    )
    assert stock_of(shop, "WIDGET") == Stock(on_hand=2, allocated=2)
    with shop.write() as session:
        assert ship_order(session, "SO-A").status == OrderStatus.SHIPPED
    assert ledger_problems(shop) == []


def test_shipping_more_than_is_allocated_on_a_line_is_refused(shop: Database) -> None:
    add_stock(shop, "WIDGET", 2)
    order(shop, "ANN", ("WIDGET", 5), ref="SO-A")
    before = snapshot(shop)
    with pytest.raises(InvalidQuantity, match="2 allocated"), shop.write() as session:
        ship_order(session, "SO-A", {1: 3})
    with pytest.raises(NotFound, match="no line 7"), shop.write() as session:
        ship_order(session, "SO-A", {7: 1})
    with pytest.raises(InvalidQuantity, match="at least one unit"), shop.write() as session:
        ship_order(session, "SO-A", {1: 0})
    assert snapshot(shop) == before


# --- cancelling with rules ------------------------------------------------------------------


def test_cancelling_part_of_a_line_takes_waiting_units_first(shop: Database) -> None:
    add_stock(shop, "WIDGET", 2)
    order(shop, "ANN", ("WIDGET", 5), ref="SO-A")
    with shop.write() as session:
        result = cancel_line(session, "SO-A", 1, "too many", qty=4)
    assert line_of(shop, "SO-A") == Line(
        ordered=5, allocated=1, backordered=0, shipped=0, cancelled=4
    )
    assert result.freed_product_ids == {product_id(shop, "WIDGET")}
    assert stock_of(shop, "WIDGET").available == 1


def test_cancelling_only_waiting_units_frees_no_product(shop: Database) -> None:
    order(shop, "ANN", ("WIDGET", 5), ref="SO-A")
    with shop.write() as session:
        assert cancel_order(session, "SO-A").freed_product_ids == frozenset()


def test_cancelling_more_than_is_open_says_shipped_units_cannot_be_cancelled(
    shop: Database,
) -> None:
    add_stock(shop, "WIDGET", 2)
    order(shop, "ANN", ("WIDGET", 3), ref="SO-A")
    with shop.write() as session:
        ship_order(session, "SO-A")
    before = snapshot(shop)
    with (
        pytest.raises(InvalidQuantity, match="only 1 unit still open; 2 shipped and cannot be"),
        shop.write() as session,
    ):
        cancel_line(session, "SO-A", 1, qty=3)
    assert snapshot(shop) == before
