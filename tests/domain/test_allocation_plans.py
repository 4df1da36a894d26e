"""Plans from a queue snapshot: each policy's serving order, reasons, and the what-if diff."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from app.domain.allocation import AllocationPlan, QueueLine
from app.domain.allocation_reasons import allocation_reason
from app.domain.enums import CustomerTier, QueuePolicy
from app.domain.errors import PlanRejected
from app.domain.planning import LOOKAHEAD_LINES, CustomerChange, QueueSnapshot, compare_plans

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
NOW = T0 + timedelta(days=12, hours=1)
GOLD, STANDARD = CustomerTier.GOLD, CustomerTier.STANDARD
FIFO, LOYALTY = QueuePolicy.FIFO, QueuePolicy.LOYALTY
WIDGET, GADGET = 1, 2
CUSTOMER_IDS: dict[str, int] = {}


def line(
    line_id: int,
    customer: str,
    waiting: int,
    *,
    minute: int = 0,
    ref: str | None = None,
    line_no: int = 1,
    tier: CustomerTier = STANDARD,
    pinned: bool = False,
    moved_to: int | None = None,
    nudge: int = 0,
    order_id: int | None = None,
) -> QueueLine:
    placed = T0 + timedelta(minutes=minute)
    queued = placed if moved_to is None else T0 + timedelta(minutes=moved_to)
    return QueueLine(
        order_line_id=line_id,
        order_id=order_id or line_id,
        order_ref=ref or f"SO-{line_id}",
        line_no=line_no,
        customer_id=CUSTOMER_IDS.setdefault(customer, len(CUSTOMER_IDS) + 1),
        customer=customer,
        tier=tier,
        pinned=pinned,
        queued_at=queued,
        nudge=nudge,
        placed_at=placed,
        waiting=waiting,
        days_waiting=(NOW - placed).days,
    )


def snapshot(
    *lines: QueueLine, product: int = WIDGET, more: tuple[QueueLine, ...] = ()
) -> QueueSnapshot:
    queues: dict[int, list[QueueLine]] = {WIDGET: [], GADGET: []}
    queues[product].extend(lines)
    queues[GADGET if product == WIDGET else WIDGET].extend(more)
    waiting: dict[int, int] = {}
    for entry in [*lines, *more]:
        waiting[entry.order_id] = waiting.get(entry.order_id, 0) + entry.waiting
    return QueueSnapshot(
        products={WIDGET: ("WIDGET", "Widget"), GADGET: ("GADGET", "Gadget")},
        lines=queues,
        versions={WIDGET: 7, GADGET: 3},
        order_waiting=waiting,
        taken_at=NOW,
    )


def given(plan: AllocationPlan) -> list[tuple[str, int]]:
    return [(a.customer, a.qty) for a in plan.allocations]


# --- serving order under each policy --------------------------------------------------------


def test_first_come_first_served_ignores_tiers_and_fills_partially() -> None:
    snap = snapshot(
        line(1, "Ann", 3, minute=1),
        line(2, "Gus", 2, minute=2, tier=GOLD),
        line(3, "Cat", 4, minute=3),
    )
    plan = snap.plan({WIDGET: 6}, FIFO)
    assert given(plan) == [("Ann", 3), ("Gus", 2), ("Cat", 1)]
    assert plan.policy is FIFO
    assert plan.versions == {WIDGET: 7}


def test_loyalty_serves_gold_customers_first_then_first_come_within_a_tier() -> None:
    snap = snapshot(
        line(1, "Ann", 3, minute=1),
        line(2, "Gus", 2, minute=5, tier=GOLD),
        line(3, "Cat", 4, minute=3),
        line(4, "Gil", 1, minute=9, tier=GOLD),
    )
    assert given(snap.plan({WIDGET: 5}, LOYALTY)) == [
        ("Gus", 2),
        ("Gil", 1),
        ("Ann", 2),
        ("Cat", 0),
    ]


def test_ties_on_queue_time_go_by_order_ref_then_line_number_under_both_policies() -> None:
    snap = snapshot(
        line(1, "Bob", 1, ref="SO-2"),
        line(2, "Ann", 1, ref="SO-1", line_no=2, order_id=9),
        line(3, "Ann", 1, ref="SO-1", line_no=1, order_id=9),
    )
    for policy in (FIFO, LOYALTY):
        plan = snap.plan({WIDGET: 3}, policy)
        assert [(a.order_ref, a.line_no) for a in plan.allocations] == [
            ("SO-1", 1),
            ("SO-1", 2),
            ("SO-2", 1),
        ]


def test_pinned_lines_go_first_even_before_gold_customers() -> None:
    snap = snapshot(
        line(1, "Gus", 2, minute=1, tier=GOLD),
        line(2, "Pat", 2, minute=30, pinned=True, moved_to=-5),
        line(3, "Ann", 2, minute=2),
    )
    assert given(snap.plan({WIDGET: 3}, LOYALTY)) == [("Pat", 2), ("Gus", 1), ("Ann", 0)]
    assert given(snap.plan({WIDGET: 3}, FIFO)) == [("Pat", 2), ("Gus", 1), ("Ann", 0)]


def test_a_few_lines_after_the_last_filled_one_are_shown_with_nothing_given() -> None:
    snap = snapshot(*(line(n, "Ann", 1, minute=n) for n in range(1, 10)))
    plan = snap.plan({WIDGET: 2}, FIFO)
    assert [a.qty for a in plan.allocations] == [1, 1] + [0] * LOOKAHEAD_LINES
    assert plan.units_to_stock == 0


def test_units_beyond_the_queue_go_to_stock_and_orders_complete_across_products() -> None:
    both = line(1, "Ann", 2, order_id=50, ref="SO-1")
    other = line(2, "Ann", 1, order_id=50, ref="SO-1", line_no=2)
    snap = snapshot(both, more=(other,))
    plan = snap.plan({WIDGET: 5}, FIFO)
    assert plan.units_to_stock == 3
    assert plan.orders_ready == ()  # still waits for a gadget
    plan = snap.plan({WIDGET: 5, GADGET: 1}, FIFO)
    assert plan.orders_ready == ("SO-1",)
    assert [p.sku for p in plan.products] == ["GADGET", "WIDGET"]


def test_a_product_outside_the_snapshot_is_refused() -> None:
    with pytest.raises(PlanRejected):
        snapshot(line(1, "Ann", 1)).plan({99: 1}, FIFO)


def test_the_snapshot_orders_each_policy_once_and_plans_again_for_other_quantities() -> None:
    snap = snapshot(line(1, "Ann", 3, minute=1), line(2, "Gus", 3, minute=2, tier=GOLD))
    assert snap.queue(WIDGET, LOYALTY) is snap.queue(WIDGET, LOYALTY)
    assert given(snap.plan({WIDGET: 1}, LOYALTY)) == [("Gus", 1), ("Ann", 0)]
    assert given(snap.plan({WIDGET: 4}, LOYALTY)) == [("Gus", 3), ("Ann", 1)]


# --- reasons --------------------------------------------------------------------------------


def test_reasons_say_tier_days_waiting_and_place_in_the_queue() -> None:
    snap = snapshot(
        line(1, "Ann", 1, minute=0),
        line(2, "Gus", 1, minute=60 * 24 * 10, tier=GOLD),
        line(3, "Pat", 1, minute=60 * 24 * 11, pinned=True),
        line(4, "Mo", 1, minute=60 * 24 * 12, moved_to=1),
    )
    loyalty = {a.customer: a.reason for a in snap.plan({WIDGET: 4}, LOYALTY).allocations}
    assert loyalty == {
        "Pat": "pinned by a manager, 1st in queue",
        "Gus": "gold customer, waiting 2 days, 2nd in queue",
        "Ann": "waiting 12 days, 3rd in queue",
        "Mo": "moved in the queue by a manager, placed today, 4th in queue",
    }
    fifo = {a.customer: a.reason for a in snap.plan({WIDGET: 4}, FIFO).allocations}
    # Under first come, first served being gold is not why a customer is served.
    assert fifo["Gus"] == "waiting 2 days, 4th in queue"
    assert fifo["Ann"] == "waiting 12 days, 2nd in queue"


def test_a_quantity_the_clerk_changed_says_so_in_its_reason() -> None:
    snap = snapshot(line(1, "Ann", 3), line(2, "Bob", 3, minute=1))
    plan = snap.plan({WIDGET: 3}, FIFO)
    adjusted = plan.adjusted(
        {plan.allocations[1].order_line_id: 2, plan.allocations[0].order_line_id: 1}
    )
    assert (
        adjusted.allocations[1].reason == "waiting 12 days, 2nd in queue; quantity set by the clerk"
    )
    assert not plan.allocations[1].by_clerk


def test_reason_wording_for_one_day_and_large_places() -> None:
    assert allocation_reason(priority="", days_waiting=1, position=1021, by_clerk=False) == (
        "waiting 1 day, 1,021st in queue"
    )
    assert allocation_reason(priority="gold", days_waiting=0, position=12, by_clerk=False) == (
        "gold customer, placed today, 12th in queue"
    )


# --- what if --------------------------------------------------------------------------------


def test_compare_plans_lists_who_gains_and_who_loses_biggest_change_first() -> None:
    snap = snapshot(
        line(1, "Ann", 3, minute=1),
        line(2, "Bob", 1, minute=2),
        line(3, "Gus", 4, minute=3, tier=GOLD),
        line(4, "Gil", 1, minute=4, tier=GOLD),
    )
    fifo = snap.plan({WIDGET: 5}, FIFO)  # Ann 3, Bob 1, Gus 1
    loyalty = snap.plan({WIDGET: 5}, LOYALTY)  # Gus 4, Gil 1
    ids = CUSTOMER_IDS
    assert compare_plans(fifo, loyalty) == (
        CustomerChange(ids["Gus"], "Gus", 1, 4),
        CustomerChange(ids["Ann"], "Ann", 3, 0),
        CustomerChange(ids["Gil"], "Gil", 0, 1),
        CustomerChange(ids["Bob"], "Bob", 1, 0),
    )
    assert [c.change for c in compare_plans(fifo, loyalty)] == [3, -3, 1, -1]


def test_customers_whose_units_do_not_change_are_left_out() -> None:
    snap = snapshot(line(1, "Ann", 2, minute=1), line(2, "Bob", 2, minute=2))
    fifo = snap.plan({WIDGET: 4}, FIFO)
    assert compare_plans(fifo, snap.plan({WIDGET: 4}, LOYALTY)) == ()
    assert compare_plans(fifo, fifo) == ()
