"""Receiving goods: the preview (who would get what) and the confirm (it happens)."""

from __future__ import annotations

import pytest
from sqlalchemy import event, select, update

from app.db import Database
from app.domain import (
    AllocationEvent,
    MovementKind,
    PurchaseOrder,
    PurchaseOrderStatus,
    Receipt,
    ReceiptLine,
    StockMovement,
)
from app.domain.enums import CustomerTier, QueuePolicy
from app.domain.errors import (
    InvalidQuantity,
    InvalidTransition,
    OverReceipt,
    PlanRejected,
    StalePlan,
)
from app.services import catalog
from app.services.cancelling import cancel_line, cancel_order
from app.services.purchasing import receivable_purchase_order
from app.services.queue import pin_line, set_queue_policy
from app.services.receiving import LOOKAHEAD_LINES, ReceiptInput, preview_receipt
from app.services.shipping import ship_order
from tests.services.shop import (
    Line,
    Stock,
    add_stock,
    allocation_reasons,
    confirm,
    ledger_problems,
    line_id,
    line_of,
    make_po,
    order,
    po_state,
    preview,
    product_id,
    receive,
    snapshot,
    status_of,
    stock_of,
)


def given_of(plan_allocations: object) -> list[tuple[str, int]]:
    return [(a.order_ref, a.qty) for a in plan_allocations]  # type: ignore[attr-defined]


def receipt_events(db: Database) -> list[tuple[int, int]]:
    """(order line id, units) of every allocation a receipt made, in the order written."""
    with db.read() as session:
        rows = session.execute(
            select(AllocationEvent.order_line_id, AllocationEvent.qty)
            .where(AllocationEvent.source == "receipt")
            .order_by(AllocationEvent.id)
        ).all()
    return [(row[0], row[1]) for row in rows]


# --- preview -------------------------------------------------------------------------------


def test_preview_fills_waiting_lines_in_queue_order_and_sends_the_rest_to_stock(
    shop: Database,
) -> None:
    order(shop, "ANN", ("WIDGET", 3), ref="SO-1", minute=1)
    order(shop, "BOB", ("WIDGET", 2), ref="SO-2", minute=2)
    order(shop, "CAT", ("WIDGET", 4), ref="SO-3", minute=3)
    plan = preview(shop, ("WIDGET", 6))
    assert given_of(plan.allocations) == [("SO-1", 3), ("SO-2", 2), ("SO-3", 1)]
    assert plan.units_to_customers == 6
    assert plan.units_to_stock == 0
    assert plan.orders_ready == ("SO-1", "SO-2")

    plan = preview(shop, ("WIDGET", 20))
    assert given_of(plan.allocations) == [("SO-1", 3), ("SO-2", 2), ("SO-3", 4)]
    assert plan.units_to_stock == 11
    assert plan.products[0].to_stock == 11


def test_preview_partially_fills_the_first_waiting_line(shop: Database) -> None:
    order(shop, "ANN", ("WIDGET", 5), ref="SO-1", minute=1)
    order(shop, "BOB", ("WIDGET", 1), ref="SO-2", minute=2)
    plan = preview(shop, ("WIDGET", 2))
    assert [(a.order_ref, a.waiting, a.qty) for a in plan.allocations] == [
        ("SO-1", 5, 2),
        ("SO-2", 1, 0),
    ]
    assert plan.orders_ready == ()


def test_preview_shows_a_few_more_waiting_lines_with_nothing_given(shop: Database) -> None:
    for minute in range(8):
        order(shop, "ANN", ("WIDGET", 1), ref=f"SO-{minute}", minute=minute)
    plan = preview(shop, ("WIDGET", 2))
    assert given_of(plan.allocations) == [("SO-0", 1), ("SO-1", 1)] + [
        (f"SO-{n}", 0) for n in range(2, 2 + LOOKAHEAD_LINES)
    ]


def test_a_receipt_with_nobody_waiting_goes_to_stock(shop: Database) -> None:
    plan = preview(shop, ("WIDGET", 4))
    assert plan.allocations == ()
    result = confirm(shop, plan)
    assert result.units_to_stock == 4
    assert stock_of(shop, "WIDGET") == Stock(on_hand=4, allocated=0)


def test_preview_writes_nothing(shop: Database) -> None:
    po = make_po(shop, ("WIDGET", 10), ("GADGET", 5))
    order(shop, "ANN", ("WIDGET", 3), ("GADGET", 3), ref="SO-1")
    before = snapshot(shop)
    preview(shop, ("WIDGET", 10), ("GADGET", 5), po_lines=po, po_ref="PO-1")
    assert snapshot(shop) == before


def test_a_multi_product_order_is_ready_only_when_both_products_are_covered(
    shop: Database,
) -> None:
    order(shop, "ANN", ("WIDGET", 2), ("GADGET", 1), ref="SO-1")
    plan = preview(shop, ("WIDGET", 2))
    assert plan.orders_ready == ()
    assert not plan.allocations[0].completes_order
    both = preview(shop, ("WIDGET", 2), ("GADGET", 1))
    assert both.orders_ready == ("SO-1",)

    result = confirm(shop, plan)
    assert result.orders_ready == ()
    assert status_of(shop, "SO-1") == "part_ready"  # issue 3: part allocated, part waiting
    result = receive(shop, ("GADGET", 1))
    assert result.orders_ready == ("SO-1",)
    assert status_of(shop, "SO-1") == "ready_to_ship"


def test_the_ready_orders_reported_are_those_really_ready_after_confirming(
    shop: Database,
) -> None:
    """A preview for WIDGET, then another till receives the GADGET the order also waited
    for: confirming the WIDGET plan must report the order as ready."""
    order(shop, "ANN", ("WIDGET", 2), ("GADGET", 1), ref="SO-1")
    widget_plan = preview(shop, ("WIDGET", 2))
    assert widget_plan.orders_ready == ()
    receive(shop, ("GADGET", 1))  # does not touch WIDGET: the plan is still good
    result = confirm(shop, widget_plan)
    assert result.orders_ready == ("SO-1",)
    assert status_of(shop, "SO-1") == "ready_to_ship"


def test_preview_refuses_an_empty_or_bad_receipt(shop: Database) -> None:
    pid = product_id(shop, "WIDGET")
    with shop.read() as session:
        with pytest.raises(InvalidQuantity):
            preview_receipt(session, [])
        for qty in (0, -1, 1_000_000):
            with pytest.raises(InvalidQuantity):
                preview_receipt(session, [ReceiptInput(pid, qty)])
        with pytest.raises(PlanRejected):
            preview_receipt(session, [ReceiptInput(999_999, 1)])


def test_two_scans_of_one_product_add_up(shop: Database) -> None:
    order(shop, "ANN", ("WIDGET", 3), ref="SO-1")
    plan = preview(shop, ("WIDGET", 2), ("WIDGET", 2))
    assert given_of(plan.allocations) == [("SO-1", 3)]
    confirm(shop, plan)
    assert stock_of(shop, "WIDGET") == Stock(on_hand=4, allocated=3)
    assert ledger_problems(shop) == []


# --- confirm -------------------------------------------------------------------------------


def test_confirming_against_a_po_records_everything(shop: Database) -> None:
    po = make_po(shop, ("WIDGET", 10), ("GADGET", 4))
    order(shop, "ANN", ("WIDGET", 3), ref="SO-1", minute=1)
    order(shop, "BOB", ("WIDGET", 5), ("GADGET", 2), ref="SO-2", minute=2)
    plan = preview(shop, ("WIDGET", 6), po_lines=po, po_ref="PO-1")
    result = confirm(shop, plan)

    assert (result.units_received, result.units_to_customers, result.units_to_stock) == (6, 6, 0)
    assert result.orders_ready == ("SO-1",)
    assert line_of(shop, "SO-1") == Line(3, 3, 0, 0, 0)
    assert line_of(shop, "SO-2") == Line(5, 3, 2, 0, 0)
    assert status_of(shop, "SO-1") == "ready_to_ship"
    assert status_of(shop, "SO-2") == "part_ready"  # issue 3: part allocated, part waiting
    assert stock_of(shop, "WIDGET") == Stock(on_hand=6, allocated=6)
    assert po_state(shop, "PO-1") == ("partially_received", [6, 0])
    with shop.read() as session:
        movements = session.execute(
            select(StockMovement.qty, StockMovement.kind, StockMovement.document)
        ).all()
        receipt_po = session.scalar(select(Receipt.purchase_order_id))
    assert [tuple(m) for m in movements] == [(6, MovementKind.RECEIPT, "PO-1")]
    assert receipt_po is not None
    assert receipt_events(shop) == [(line_id(shop, "SO-1"), 3), (line_id(shop, "SO-2"), 3)]

    rest = preview(shop, ("WIDGET", 4), ("GADGET", 4), po_lines=po, po_ref="PO-1")
    result = confirm(shop, rest)
    assert result.orders_ready == ("SO-2",)
    assert po_state(shop, "PO-1") == ("received", [10, 4])
    assert stock_of(shop, "WIDGET") == Stock(on_hand=10, allocated=8)
    assert stock_of(shop, "GADGET") == Stock(on_hand=4, allocated=2)
    assert ledger_problems(shop) == []


def test_receiving_more_than_ordered_puts_the_surplus_in_stock(shop: Database) -> None:
    po = make_po(shop, ("WIDGET", 10))
    order(shop, "ANN", ("WIDGET", 4), ref="SO-1")
    plan = preview(shop, ("WIDGET", 12), po_lines=po, po_ref="PO-1")
    result = confirm(shop, plan, accept_over_receipt=True)
    assert (result.units_to_customers, result.units_to_stock) == (4, 8)
    assert po_state(shop, "PO-1") == ("received", [12])
    assert stock_of(shop, "WIDGET") == Stock(on_hand=12, allocated=4)
    with shop.read() as session:
        outstanding = receivable_purchase_order(session, "PO-1").lines[0].qty_outstanding
    assert outstanding == 0


def test_a_surplus_on_one_po_line_does_not_complete_another(shop: Database) -> None:
    po = make_po(shop, ("WIDGET", 2), ("GADGET", 2))
    confirm(
        shop, preview(shop, ("WIDGET", 5), po_lines=po, po_ref="PO-1"), accept_over_receipt=True
    )
    assert po_state(shop, "PO-1") == ("partially_received", [5, 0])


def test_a_scanned_delivery_without_a_po_is_received(shop: Database) -> None:
    order(shop, "ANN", ("GADGET", 1), ref="SO-1")
    result = receive(shop, ("GADGET", 3))
    assert result.orders_ready == ("SO-1",)
    assert stock_of(shop, "GADGET") == Stock(on_hand=3, allocated=1)
    with shop.read() as session:
        document = session.scalar(select(StockMovement.document))
        receipt_po = session.scalar(select(Receipt.purchase_order_id))
    assert document == f"RCPT-{result.receipt_id}"
    assert receipt_po is None


def test_a_po_line_named_without_the_po_ref_still_updates_the_po(shop: Database) -> None:
    po = make_po(shop, ("WIDGET", 3))
    confirm(shop, preview(shop, ("WIDGET", 3), po_lines=po))
    assert po_state(shop, "PO-1") == ("received", [3])


def test_a_po_line_of_another_product_is_refused(shop: Database) -> None:
    po = make_po(shop, ("WIDGET", 3))
    plan = preview(shop, ("GADGET", 3), po_lines={"GADGET": po["WIDGET"]}, po_ref="PO-1")
    before = snapshot(shop)
    with pytest.raises(PlanRejected):
        confirm(shop, plan)
    assert snapshot(shop) == before


def test_a_po_line_of_another_po_is_refused(shop: Database) -> None:
    make_po(shop, ("WIDGET", 3), ref="PO-1")
    other = make_po(shop, ("WIDGET", 3), ref="PO-2")
    plan = preview(shop, ("WIDGET", 3), po_lines=other, po_ref="PO-1")
    with pytest.raises(PlanRejected, match="PO-1"):
        confirm(shop, plan)


@pytest.mark.parametrize("status", [PurchaseOrderStatus.DRAFT, PurchaseOrderStatus.CANCELLED])
def test_a_draft_or_cancelled_po_cannot_be_received(
    shop: Database, status: PurchaseOrderStatus
) -> None:
    po = make_po(shop, ("WIDGET", 3))
    plan = preview(shop, ("WIDGET", 3), po_lines=po, po_ref="PO-1")
    with shop.write() as session:
        session.execute(update(PurchaseOrder).values(status=status))
    before = snapshot(shop)
    with pytest.raises(InvalidTransition, match="PO-1"):
        confirm(shop, plan)
    with pytest.raises(InvalidTransition):
        confirm(shop, preview(shop, ("WIDGET", 3), po_lines=po))
    with pytest.raises(InvalidTransition, match="PO-1"), shop.read() as session:
        receivable_purchase_order(session, "PO-1")
    assert snapshot(shop) == before


# --- adjustments ---------------------------------------------------------------------------


def test_giving_a_line_fewer_units_keeps_them_in_stock(shop: Database) -> None:
    order(shop, "ANN", ("WIDGET", 4), ref="SO-1", minute=1)
    order(shop, "BOB", ("WIDGET", 2), ref="SO-2", minute=2)
    plan = preview(shop, ("WIDGET", 6))
    result = confirm(shop, plan, {line_id(shop, "SO-1"): 1})
    assert (result.units_to_customers, result.units_to_stock) == (3, 3)
    assert result.orders_ready == ("SO-2",)
    assert line_of(shop, "SO-1") == Line(4, 1, 3, 0, 0)
    assert line_of(shop, "SO-2") == Line(2, 2, 0, 0, 0)
    assert stock_of(shop, "WIDGET") == Stock(on_hand=6, allocated=3)
    assert ledger_problems(shop) == []


def test_units_can_be_redirected_to_a_line_further_back(shop: Database) -> None:
    order(shop, "ANN", ("WIDGET", 2), ref="SO-1", minute=1)
    order(shop, "BOB", ("WIDGET", 2), ref="SO-2", minute=2)
    plan = preview(shop, ("WIDGET", 2))
    assert given_of(plan.allocations) == [("SO-1", 2), ("SO-2", 0)]
    adjustments = {line_id(shop, "SO-1"): 0, line_id(shop, "SO-2"): 2}
    adjusted = plan.adjusted(adjustments)
    assert adjusted.orders_ready == ("SO-2",)
    result = confirm(shop, plan, adjustments)
    assert result.orders_ready == ("SO-2",)
    assert line_of(shop, "SO-1").backordered == 2
    assert line_of(shop, "SO-2").allocated == 2


def test_an_adjusted_plan_can_be_confirmed_as_it_is(shop: Database) -> None:
    order(shop, "ANN", ("WIDGET", 3), ref="SO-1")
    plan = preview(shop, ("WIDGET", 3)).adjusted({line_id(shop, "SO-1"): 2})
    confirm(shop, plan)
    assert line_of(shop, "SO-1").allocated == 2
    assert stock_of(shop, "WIDGET") == Stock(on_hand=3, allocated=2)


def test_a_line_cannot_be_given_more_than_it_waits_for(shop: Database) -> None:
    order(shop, "ANN", ("WIDGET", 2), ref="SO-1")
    plan = preview(shop, ("WIDGET", 5))
    before = snapshot(shop)
    with pytest.raises(PlanRejected, match="waits for 2"):
        confirm(shop, plan, {line_id(shop, "SO-1"): 3})
    assert snapshot(shop) == before


def test_lines_cannot_be_given_more_than_arrived(shop: Database) -> None:
    order(shop, "ANN", ("WIDGET", 2), ref="SO-1", minute=1)
    order(shop, "BOB", ("WIDGET", 2), ref="SO-2", minute=2)
    plan = preview(shop, ("WIDGET", 2))
    with pytest.raises(PlanRejected, match="only 2 arrived"):
        confirm(shop, plan, {line_id(shop, "SO-2"): 1})


def test_a_line_not_in_the_plan_cannot_be_given_units(shop: Database) -> None:
    order(shop, "ANN", ("WIDGET", 2), ref="SO-1")
    order(shop, "BOB", ("GADGET", 2), ref="SO-2")
    plan = preview(shop, ("WIDGET", 2))
    with pytest.raises(PlanRejected, match="not waiting"):
        confirm(shop, plan, {line_id(shop, "SO-2"): 1})


@pytest.mark.parametrize("qty", [-1, True, 1.0, 1_000_000])
def test_adjustments_must_be_whole_units(shop: Database, qty: int) -> None:
    order(shop, "ANN", ("WIDGET", 2), ref="SO-1")
    plan = preview(shop, ("WIDGET", 2))
    before = snapshot(shop)
    with pytest.raises((InvalidQuantity, PlanRejected)):
        confirm(shop, plan, {line_id(shop, "SO-1"): qty})
    assert snapshot(shop) == before


# --- stale plans ---------------------------------------------------------------------------


def _place_another(db: Database) -> None:
    order(db, "DAN", ("WIDGET", 1), ref="SO-9", minute=0)


def _cancel_the_waiting_line(db: Database) -> None:
    with db.write() as session:
        cancel_line(session, "SO-1", 1)


def _adjust(db: Database) -> None:
    add_stock(db, "WIDGET", 1)


def _receive_other(db: Database) -> None:
    receive(db, ("WIDGET", 1))


def _ship_some(db: Database) -> None:
    with db.write() as session:
        ship_order(session, "SO-0")


@pytest.mark.parametrize(
    "change", [_place_another, _cancel_the_waiting_line, _adjust, _receive_other, _ship_some]
)
def test_a_plan_goes_stale_when_the_product_changes_and_nothing_is_written(
    shop: Database, change: object
) -> None:
    add_stock(shop, "WIDGET", 1)
    order(shop, "BOB", ("WIDGET", 1), ref="SO-0", minute=0)  # takes the unit in stock
    order(shop, "ANN", ("WIDGET", 3), ref="SO-1", minute=1)
    plan = preview(shop, ("WIDGET", 2))
    change(shop)  # type: ignore[operator]
    before = snapshot(shop)
    with pytest.raises(StalePlan, match="WIDGET") as raised:
        confirm(shop, plan)
    assert "Nothing was saved" in str(raised.value)
    assert snapshot(shop) == before


def test_a_change_to_another_product_does_not_make_the_plan_stale(shop: Database) -> None:
    order(shop, "ANN", ("WIDGET", 3), ref="SO-1")
    plan = preview(shop, ("WIDGET", 2))
    order(shop, "BOB", ("GADGET", 1), ref="SO-2")
    add_stock(shop, "GADGET", 5)
    receive(shop, ("RARE", 2))
    with shop.write() as session:
        cancel_order(session, "SO-2")
    confirm(shop, plan)
    assert line_of(shop, "SO-1").allocated == 2


def test_a_cancel_between_the_previews_reads_makes_the_plan_stale(shop: Database) -> None:
    """A cancel committed while the preview reads (after the queue, before the versions)
    must leave the plan stale: on PostgreSQL each statement of a read sees its own commits,
    and a version read after the queue once let a receipt give a unit to a cancelled line
    (found by the eight-till race)."""
    order(shop, "ANN", ("WIDGET", 3), ref="SO-1")
    cancelled = []

    def cancel_after_the_queue_read(conn, cursor, statement, *args: object) -> None:
        if not cancelled and "FROM order_line" in statement and "qty_backordered >" in statement:
            cancelled.append(True)
            with shop.write() as session:
                cancel_order(session, "SO-1")

    engine = shop.engine
    event.listen(engine, "after_cursor_execute", cancel_after_the_queue_read)
    try:
        plan = preview(shop, ("WIDGET", 2))
    finally:
        event.remove(engine, "after_cursor_execute", cancel_after_the_queue_read)
    assert cancelled and given_of(plan.allocations) == [("SO-1", 2)]
    before = snapshot(shop)
    with pytest.raises(StalePlan):
        confirm(shop, plan)
    assert snapshot(shop) == before


def test_a_plan_can_be_confirmed_only_once(shop: Database) -> None:
    order(shop, "ANN", ("WIDGET", 3), ref="SO-1")
    plan = preview(shop, ("WIDGET", 2))
    confirm(shop, plan)
    with pytest.raises(StalePlan):
        confirm(shop, plan)
    assert stock_of(shop, "WIDGET") == Stock(on_hand=2, allocated=2)


# --- policies and reasons (issue 3) ----------------------------------------------------------


def gold_shop(shop: Database) -> Database:
    """ANN and BOB (standard) wait before GUS (gold)."""
    with shop.write() as session:
        catalog.create_customer(session, "GUS", "Gus", tier=CustomerTier.GOLD)
    order(shop, "ANN", ("WIDGET", 2), ref="SO-1", minute=1)
    order(shop, "BOB", ("WIDGET", 2), ref="SO-2", minute=2)
    order(shop, "GUS", ("WIDGET", 2), ref="SO-3", minute=3)
    return shop


def test_preview_follows_the_shops_policy_or_the_one_asked_for(shop: Database) -> None:
    gold_shop(shop)
    assert given_of(preview(shop, ("WIDGET", 3)).allocations) == [
        ("SO-1", 2),
        ("SO-2", 1),
        ("SO-3", 0),
    ]
    with shop.write() as session:
        set_queue_policy(session, QueuePolicy.LOYALTY)
    plan = preview(shop, ("WIDGET", 3))
    assert plan.policy is QueuePolicy.LOYALTY
    assert given_of(plan.allocations) == [("SO-3", 2), ("SO-1", 1), ("SO-2", 0)]
    with shop.read() as session:
        inputs = [ReceiptInput(product_id(shop, "WIDGET"), 3)]
        fifo = preview_receipt(session, inputs, policy=QueuePolicy.FIFO)
    assert given_of(fifo.allocations)[0] == ("SO-1", 2)


def test_a_pinned_line_is_served_first_and_says_why(shop: Database) -> None:
    gold_shop(shop)
    with shop.write() as session:
        pin_line(session, line_id(shop, "SO-2"))
    plan = preview(shop, ("WIDGET", 2))
    assert given_of(plan.allocations)[0] == ("SO-2", 2)
    assert plan.allocations[0].reason == "pinned by a manager, 1st in queue"


def test_confirm_stores_each_allocations_reason(shop: Database) -> None:
    gold_shop(shop)
    with shop.read() as session:
        inputs = [ReceiptInput(product_id(shop, "WIDGET"), 3)]
        plan = preview_receipt(session, inputs, policy=QueuePolicy.LOYALTY)
    confirm(shop, plan)  # a what-if applied to this receipt only
    reasons = allocation_reasons(shop, "receipt")
    assert reasons[0][0] == 2 and reasons[0][1].startswith("gold customer, waiting ")
    assert reasons[0][1].endswith(", 1st in queue")
    assert reasons[1][0] == 1 and reasons[1][1].endswith("days, 2nd in queue")


# --- what is still outstanding on a PO line (issue 9) ----------------------------------------


def accepted_surplus(db: Database) -> list[tuple[int, int]]:
    """(units, accepted over-receipt) of every receipt line, in the order written."""
    with db.read() as session:
        rows = session.execute(
            select(ReceiptLine.qty, ReceiptLine.qty_over).order_by(ReceiptLine.id)
        ).all()
    return [(qty, over) for qty, over in rows]


def test_a_po_received_by_another_till_meanwhile_is_not_received_again(shop: Database) -> None:
    """Two tills read PO-B's outstanding units; one receives them. The other previews what
    it read (after the first receipt: its plan is not stale) and confirms: refused, plainly,
    with what is outstanding now, and nothing is written."""
    po = make_po(shop, ("WIDGET", 4), ("GADGET", 6), ref="PO-B")
    order(shop, "ANN", ("WIDGET", 2), ref="SO-1")
    arrivals = (("WIDGET", 4), ("GADGET", 6))
    confirm(shop, preview(shop, *arrivals, po_lines=po, po_ref="PO-B"))
    late = preview(shop, *arrivals, po_lines=po, po_ref="PO-B")
    before = snapshot(shop)
    with pytest.raises(OverReceipt) as raised:
        confirm(shop, late)
    assert str(raised.value) == (
        "This receipt takes more than is still outstanding: PO-B line 1 WIDGET: 0 outstanding "
        "now, this receipt says 4; line 2 GADGET: 0 outstanding now, this receipt says 6. "
        "Nothing was saved. If another till received it meanwhile, receive only what is still "
        "outstanding; if more arrived than was ordered, accept the extra units as an "
        "over-receipt."
    )
    assert raised.value.outstanding == {po["WIDGET"]: 0, po["GADGET"]: 0}
    assert snapshot(shop) == before
    assert po_state(shop, "PO-B") == ("received", [4, 6])
    assert stock_of(shop, "WIDGET") == Stock(on_hand=4, allocated=2)


def test_a_stale_confirm_previewed_again_with_the_same_quantities_is_refused(
    shop: Database,
) -> None:
    """The receive dialog's old way to a double receipt: refused as stale, previewed again
    with the quantities it read first, confirmed again. Refused at the first confirm
    already: nothing outstanding is checked before the plan's stock figures."""
    po = make_po(shop, ("WIDGET", 4), ref="PO-B")
    order(shop, "ANN", ("WIDGET", 1), ref="SO-1")
    first = preview(shop, ("WIDGET", 4), po_lines=po, po_ref="PO-B")
    second = preview(shop, ("WIDGET", 4), po_lines=po, po_ref="PO-B")
    confirm(shop, first)
    with pytest.raises(OverReceipt):
        confirm(shop, second)
    with pytest.raises(OverReceipt):
        confirm(shop, preview(shop, ("WIDGET", 4), po_lines=po, po_ref="PO-B"))
    assert po_state(shop, "PO-B") == ("received", [4])
    assert stock_of(shop, "WIDGET") == Stock(on_hand=4, allocated=1)


def test_a_receipt_beyond_a_partly_received_line_names_what_is_left(shop: Database) -> None:
    po = make_po(shop, ("WIDGET", 6), ("GADGET", 2), ref="PO-B")
    confirm(shop, preview(shop, ("WIDGET", 4), po_lines=po, po_ref="PO-B"))
    plan = preview(shop, ("WIDGET", 6), ("GADGET", 2), po_lines=po, po_ref="PO-B")
    with pytest.raises(OverReceipt) as raised:
        confirm(shop, plan)
    assert "line 1 WIDGET: 2 outstanding now, this receipt says 6. Nothing" in str(raised.value)
    assert "GADGET" not in str(raised.value)  # within what is outstanding
    assert raised.value.outstanding == {po["WIDGET"]: 2}
    assert po_state(shop, "PO-B") == ("partially_received", [4, 0])


def test_more_than_ordered_is_refused_unless_accepted_for_this_confirm(shop: Database) -> None:
    po = make_po(shop, ("WIDGET", 4), ref="PO-B")
    plan = preview(shop, ("WIDGET", 6), po_lines=po, po_ref="PO-B")
    before = snapshot(shop)
    with pytest.raises(OverReceipt, match="4 outstanding now, this receipt says 6"):
        confirm(shop, plan)
    assert snapshot(shop) == before
    result = confirm(shop, plan, accept_over_receipt=True)
    assert result.units_received == 6
    assert po_state(shop, "PO-B") == ("received", [6])
    assert accepted_surplus(shop) == [(6, 2)]  # the 2 beyond the 4 outstanding, recorded


def test_an_accepted_over_receipt_after_a_partial_one_records_only_the_surplus(
    shop: Database,
) -> None:
    """Two scans of one PO line in one receipt: the outstanding units are taken first."""
    po = make_po(shop, ("WIDGET", 5), ref="PO-B")
    confirm(shop, preview(shop, ("WIDGET", 2), po_lines=po, po_ref="PO-B"))
    with shop.read() as session:
        widget = catalog.find_product(session, "WIDGET").id
        plan = preview_receipt(
            session,
            [ReceiptInput(widget, 2, po["WIDGET"]), ReceiptInput(widget, 3, po["WIDGET"])],
            purchase_order_ref="PO-B",
        )
    confirm(shop, plan, accept_over_receipt=True)
    assert accepted_surplus(shop) == [(2, 0), (2, 0), (3, 2)]
    confirm(
        shop, preview(shop, ("WIDGET", 1), po_lines=po, po_ref="PO-B"), accept_over_receipt=True
    )
    assert accepted_surplus(shop)[-1] == (1, 1)
    assert po_state(shop, "PO-B") == ("received", [8])


def test_a_scanned_delivery_never_counts_as_an_over_receipt(shop: Database) -> None:
    make_po(shop, ("WIDGET", 1), ref="PO-B")
    receive(shop, ("WIDGET", 5))
    assert accepted_surplus(shop) == [(5, 0)]
    assert po_state(shop, "PO-B") == ("open", [0])
