"""Freed stock: units that became available while customers wait, offered to the queue.

A cancellation (or a count that finds more stock) leaves units available that nobody is
promised. They are never handed out silently: ``preview_freed_stock`` proposes who would get
them, in serving order, with the same kind of :class:`AllocationPlan` a receipt previews; the
clerk adjusts it, then ``confirm_freed_stock`` allocates exactly that, or the clerk keeps the
units in stock by not confirming. A plan whose products changed since the preview is
refused with :class:`StalePlan`, as for a receipt.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain import OrderStatus, StockBalance
from app.domain.allocation import AllocationPlan
from app.domain.enums import QueuePolicy
from app.domain.errors import PlanRejected
from app.domain.permissions import Permission, require
from app.services.catalog import default_location_id
from app.services.changes import Area, Changes
from app.services.eta import recompute_etas
from app.services.order_status import refresh_order_statuses
from app.services.queue import get_queue_policy
from app.services.receiving import apply_allocations, locked_unchanged_balances
from app.services.snapshots import read_queues

__all__ = ["FreedResult", "available_units", "confirm_freed_stock", "preview_freed_stock"]


def available_units(session: Session, product_ids: Iterable[int]) -> dict[int, int]:
    """Units available now (on hand - allocated) per product, for those that have any."""
    ids = sorted(set(product_ids))
    rows = session.execute(
        select(StockBalance.product_id, StockBalance.on_hand - StockBalance.allocated).where(
            StockBalance.location_id == default_location_id(session),
            StockBalance.product_id.in_(ids),
        )
    )
    return {pid: int(free) for pid, free in rows if free and free > 0}


def preview_freed_stock(
    session: Session, product_ids: Iterable[int], *, policy: QueuePolicy | None = None
) -> AllocationPlan:
    """Who would get the units available now of these products: their waiting lines in
    serving order under ``policy`` (None: the shop's). Products with nothing available or
    nobody waiting are left out; an empty plan means there is nothing to offer. Writes
    nothing."""
    available = available_units(session, product_ids)
    snapshot = read_queues(session, available)
    offered = {pid: qty for pid, qty in available.items() if snapshot.lines.get(pid)}
    return snapshot.plan(offered, policy or get_queue_policy(session))


@dataclass(frozen=True, slots=True)
class FreedResult:
    units_offered: int
    units_to_customers: int
    orders_ready: tuple[str, ...]
    #: The products' stock and queues, and the orders that got units.
    changes: Changes


def confirm_freed_stock(
    session: Session, plan: AllocationPlan, adjustments: Mapping[int, int] | None = None
) -> FreedResult:
    """Allocate a previewed freed-stock plan (with the clerk's adjustments) in the caller's
    transaction: order lines, balances, allocation events (source "freed", with reasons),
    order statuses and ETAs. Raises StalePlan, writing nothing, if stock or the queue of any
    of its products changed since the preview."""
    require(session, Permission.RECEIVE_STOCK)
    final = plan.adjusted(adjustments or {})
    balances = locked_unchanged_balances(session, final)
    for product in final.products:
        balance = balances[product.product_id]
        if product.to_customers > balance.available:  # the version check makes this a bug
            raise PlanRejected(f"Only {balance.available} units of {product.sku} are available")
        balance.allocated += product.to_customers
        balance.version += 1
    given = [a for a in final.allocations if a.qty > 0]
    apply_allocations(session, given, source="freed")
    session.flush()
    statuses = refresh_order_statuses(session, {a.order_id for a in given})
    ready = {
        a.order_ref: None for a in given if statuses.get(a.order_id) == OrderStatus.READY_TO_SHIP
    }
    recompute_etas(session, plan.versions)
    changes = Changes.of(
        Area.STOCK,
        Area.QUEUE,
        Area.ORDERS,
        product_ids=plan.versions,
        order_refs={a.order_ref for a in given},
    )
    return FreedResult(final.units_received, final.units_to_customers, tuple(ready), changes)
