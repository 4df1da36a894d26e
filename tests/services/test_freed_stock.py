"""Freed stock: a cancellation's units offered to the queue, previewed, then confirmed."""

from __future__ import annotations

import pytest

from app.db import Database
from app.domain.allocation import AllocationPlan
from app.domain.enums import CustomerTier, QueuePolicy
from app.domain.errors import StalePlan
from app.services import catalog
from app.services.cancelling import cancel_order
from app.services.freed import confirm_freed_stock, preview_freed_stock
from app.services.queue import set_queue_policy
from tests.services.shop import (
    Line,
    Stock,
    add_stock,
    allocation_reasons,
    ledger_problems,
    line_of,
    order,
    product_id,
    status_of,
    stock_of,
)


def freed_preview(db: Database, *skus: str, policy: QueuePolicy | None = None) -> AllocationPlan:
    ids = [product_id(db, sku) for sku in skus]
    with db.read() as session:
        return preview_freed_stock(session, ids, policy=policy)


def cancel(db: Database, ref: str) -> None:
    with db.write() as session:
        cancel_order(session, ref, "changed mind")


def freed_events(db: Database) -> list[tuple[int, str]]:
    return allocation_reasons(db, "freed")


@pytest.fixture
def waiting_shop(shop: Database) -> Database:
    """ANN holds 4 widgets; BOB then CAT wait for 3 each; GUS (gold) waits for 2, last."""
    with shop.write() as session:
        catalog.create_customer(session, "GUS", "Gus", tier=CustomerTier.GOLD)
    add_stock(shop, "WIDGET", 4)
    order(shop, "ANN", ("WIDGET", 4), ref="SO-1", minute=1)
    order(shop, "BOB", ("WIDGET", 3), ref="SO-2", minute=2)
    order(shop, "CAT", ("WIDGET", 3), ref="SO-3", minute=3)
    order(shop, "GUS", ("WIDGET", 2), ref="SO-4", minute=4)
    return shop


def test_cancelled_units_are_offered_to_the_queue_in_serving_order(waiting_shop: Database) -> None:
    cancel(waiting_shop, "SO-1")
    assert stock_of(waiting_shop, "WIDGET") == Stock(on_hand=4, allocated=0)
    plan = freed_preview(waiting_shop, "WIDGET")
    assert [(a.order_ref, a.qty) for a in plan.allocations] == [
        ("SO-2", 3),
        ("SO-3", 1),
        ("SO-4", 0),
    ]
    assert plan.products[0].received == 4  # units offered
    assert plan.allocations[0].reason.endswith("1st in queue")


def test_confirm_allocates_the_plan_with_reasons_and_statuses(waiting_shop: Database) -> None:
    cancel(waiting_shop, "SO-1")
    plan = freed_preview(waiting_shop, "WIDGET")
    with waiting_shop.write() as session:
        result = confirm_freed_stock(session, plan)
    assert (result.units_offered, result.units_to_customers) == (4, 4)
    assert result.orders_ready == ("SO-2",)
    assert stock_of(waiting_shop, "WIDGET") == Stock(on_hand=4, allocated=4)
    assert line_of(waiting_shop, "SO-2") == Line(3, 3, 0, 0, 0)
    assert line_of(waiting_shop, "SO-3") == Line(3, 1, 2, 0, 0)
    assert status_of(waiting_shop, "SO-2") == "ready_to_ship"
    assert [qty for qty, _ in freed_events(waiting_shop)] == [3, 1]
    assert freed_events(waiting_shop)[1][1].endswith("2nd in queue")
    assert ledger_problems(waiting_shop) == []


def test_under_the_loyalty_policy_the_gold_customer_gets_freed_units_first(
    waiting_shop: Database,
) -> None:
    cancel(waiting_shop, "SO-1")
    with waiting_shop.write() as session:
        set_queue_policy(session, QueuePolicy.LOYALTY)
    plan = freed_preview(waiting_shop, "WIDGET")
    assert plan.policy is QueuePolicy.LOYALTY
    assert [(a.order_ref, a.qty) for a in plan.allocations][:2] == [("SO-4", 2), ("SO-2", 2)]
    assert plan.allocations[0].reason.startswith("gold customer")
    # A what-if for one offer does not change the shop's policy.
    fifo = freed_preview(waiting_shop, "WIDGET", policy=QueuePolicy.FIFO)
    assert fifo.allocations[0].order_ref == "SO-2"


def test_the_clerk_may_keep_some_freed_units_in_stock(waiting_shop: Database) -> None:
    cancel(waiting_shop, "SO-1")
    plan = freed_preview(waiting_shop, "WIDGET")
    with waiting_shop.write() as session:
        result = confirm_freed_stock(session, plan, {plan.allocations[1].order_line_id: 0})
    assert result.units_to_customers == 3
    assert stock_of(waiting_shop, "WIDGET") == Stock(on_hand=4, allocated=3)
    assert [qty for qty, _ in freed_events(waiting_shop)] == [3]


def test_a_stale_freed_stock_plan_is_refused_and_changes_nothing(waiting_shop: Database) -> None:
    cancel(waiting_shop, "SO-1")
    plan = freed_preview(waiting_shop, "WIDGET")
    order(waiting_shop, "DAN", ("WIDGET", 1), ref="SO-5", minute=0)  # takes one available unit
    before = stock_of(waiting_shop, "WIDGET")
    with pytest.raises(StalePlan), waiting_shop.write() as session:
        confirm_freed_stock(session, plan)
    assert stock_of(waiting_shop, "WIDGET") == before
    assert freed_events(waiting_shop) == []
    fresh = freed_preview(waiting_shop, "WIDGET")
    assert fresh.units_received == 3


def test_nothing_is_offered_when_nothing_is_available_or_nobody_waits(shop: Database) -> None:
    add_stock(shop, "GADGET", 5)  # available, but nobody waits
    order(shop, "ANN", ("WIDGET", 2), ref="SO-1")  # waits, but nothing available
    plan = freed_preview(shop, "WIDGET", "GADGET")
    assert plan.allocations == () and plan.products == ()


def test_stock_found_by_a_count_is_offered_too(shop: Database) -> None:
    order(shop, "ANN", ("WIDGET", 2), ref="SO-1")
    add_stock(shop, "WIDGET", 1)
    plan = freed_preview(shop, "WIDGET")
    assert [(a.order_ref, a.qty) for a in plan.allocations] == [("SO-1", 1)]
