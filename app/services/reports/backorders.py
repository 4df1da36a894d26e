"""Backorder aging, lost demand and the most backordered SKUs, computed in SQL (GROUP BY and
CASE; no rows loaded).

Ages are whole local days (see :mod:`.periods`) from the order's ``placed_at`` day to the
``as_of`` day: a line placed on ``as_of`` is 0 days old. The bucket bounds are turned into
timestamps in Python so the same query runs on SQLite and PostgreSQL with no date arithmetic
in SQL.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from app.domain import OrderLine, Product, SalesOrder
from app.services.ordering import waiting_units
from app.services.reports.periods import day_start, range_bounds

#: (label, lowest age in days, highest age in days or None for open-ended)
AGING_BUCKETS: tuple[tuple[str, int, int | None], ...] = (
    ("0-3", 0, 3),
    ("4-7", 4, 7),
    ("8-14", 8, 14),
    ("15-30", 15, 30),
    (">30", 31, None),
)


@dataclass(frozen=True, slots=True)
class AgingRow:
    """One aging bucket: units still waiting, waiting lines and distinct orders."""

    bucket: str
    units: int
    lines: int
    orders: int


@dataclass(frozen=True, slots=True)
class LostDemandRow:
    """Units and lines cancelled in the range, per product and reason."""

    sku: str
    name: str
    reason: str
    units: int
    lines: int


@dataclass(frozen=True, slots=True)
class BackorderedSkuRow:
    """A product's units that could not be served from stock when ordered in the range, and
    what its customers wait for now."""

    sku: str
    name: str
    units_backordered: int  #: units ordered in the range that waited at order time
    lines_backordered: int
    units_waiting: int  #: units waiting now, whenever ordered


def backorder_aging(session: Session, as_of: date) -> list[AgingRow]:
    """Lines waiting now (``qty_backordered > 0``) placed on or before ``as_of``, bucketed
    by age in days; every bucket is returned, empty ones with zeros."""
    whens = []
    for label, low, _high in AGING_BUCKETS:
        # age >= low  <=>  placed before the start of (as_of - low + 1)
        whens.append((SalesOrder.placed_at < day_start(as_of - timedelta(days=low - 1)), label))
    # Evaluate from the oldest bucket down so the first match is the right one.
    bucket = case(*reversed(whens), else_="0-3").label("bucket")
    rows = session.execute(
        select(
            bucket,
            func.sum(OrderLine.qty_backordered),
            func.count(OrderLine.id),
            func.count(func.distinct(OrderLine.order_id)),
        )
        .join(SalesOrder, SalesOrder.id == OrderLine.order_id)
        .where(
            OrderLine.qty_backordered > 0,
            SalesOrder.placed_at < day_start(as_of + timedelta(days=1)),
        )
        .group_by(bucket)
    ).all()
    found = {row[0]: row for row in rows}
    result = []
    for label, _low, _high in AGING_BUCKETS:
        row = found.get(label)
        result.append(
            AgingRow(label, int(row[1]), int(row[2]), int(row[3]))
            if row
            else AgingRow(label, 0, 0, 0)
        )
    return result


def lost_demand(session: Session, start: date, end: date) -> list[LostDemandRow]:
    """Units cancelled on lines whose ``cancelled_at`` falls in [start, end] (local days),
    per product and reason, most units first."""
    low, high = range_bounds(start, end)
    units = func.sum(OrderLine.qty_cancelled)
    rows = session.execute(
        select(Product.sku, Product.name, OrderLine.cancel_reason, units, func.count(OrderLine.id))
        .join(Product, Product.id == OrderLine.product_id)
        .where(
            OrderLine.qty_cancelled > 0,
            OrderLine.cancelled_at >= low,
            OrderLine.cancelled_at < high,
        )
        .group_by(Product.sku, Product.name, OrderLine.cancel_reason)
        .order_by(units.desc(), Product.sku, OrderLine.cancel_reason)
    ).all()
    return [LostDemandRow(sku, name, reason, int(u), int(n)) for sku, name, reason, u, n in rows]


def most_backordered(
    session: Session, start: date, end: date, limit: int = 15
) -> list[BackorderedSkuRow]:
    """The ``limit`` products with the most units backordered at order time on orders placed
    in [start, end] (local days), most first, with the units their customers wait for now.
    Lines placed before migration 0009 did not record their first wait and are not counted."""
    low, high = range_bounds(start, end)
    waited = func.sum(OrderLine.qty_backordered_at_order)
    top = session.execute(
        select(OrderLine.product_id, waited, func.count(OrderLine.id))
        .join(SalesOrder, SalesOrder.id == OrderLine.order_id)
        .where(
            SalesOrder.placed_at >= low,
            SalesOrder.placed_at < high,
            OrderLine.qty_backordered_at_order > 0,
        )
        .group_by(OrderLine.product_id)
        .order_by(waited.desc(), OrderLine.product_id)
        .limit(limit)
    ).all()
    ids = [product_id for product_id, _units, _lines in top]
    names = {
        pid: (sku, name)
        for pid, sku, name in session.execute(
            select(Product.id, Product.sku, Product.name).where(Product.id.in_(ids))
        )
    }
    waiting = waiting_units(session, ids)
    return [
        BackorderedSkuRow(*names[pid], int(units or 0), int(lines), waiting[pid])
        for pid, units, lines in top
    ]
