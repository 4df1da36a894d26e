"""Backorder aging and lost demand, computed in SQL (GROUP BY and CASE; no rows loaded).

Ages are whole days from the order's ``placed_at`` to the end of the ``as_of`` day, in UTC:
a line placed on ``as_of`` is 0 days old. The bucket bounds are turned into timestamps in
Python so the same query runs on SQLite and PostgreSQL with no date arithmetic in SQL.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from app.domain import OrderLine, Product, SalesOrder

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


def _day_start(day: date) -> datetime:
    # The UTCDateTime column type takes aware times and stores them as naive UTC.
    return datetime.combine(day, time.min, tzinfo=UTC)


def backorder_aging(session: Session, as_of: date) -> list[AgingRow]:
    """Lines waiting now (``qty_backordered > 0``) placed on or before ``as_of``, bucketed
    by age in days; every bucket is returned, empty ones with zeros."""
    start_of = _day_start(as_of)
    whens = []
    for label, low, _high in AGING_BUCKETS:
        # age >= low  <=>  placed before the start of (as_of - low + 1)
        whens.append((SalesOrder.placed_at < start_of - timedelta(days=low - 1), label))
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
        .where(OrderLine.qty_backordered > 0, SalesOrder.placed_at < start_of + timedelta(days=1))
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
    """Units cancelled on lines whose ``cancelled_at`` falls in [start, end] (UTC days),
    per product and reason, most units first."""
    units = func.sum(OrderLine.qty_cancelled)
    rows = session.execute(
        select(Product.sku, Product.name, OrderLine.cancel_reason, units, func.count(OrderLine.id))
        .join(Product, Product.id == OrderLine.product_id)
        .where(
            OrderLine.qty_cancelled > 0,
            OrderLine.cancelled_at >= _day_start(start),
            OrderLine.cancelled_at < _day_start(end) + timedelta(days=1),
        )
        .group_by(Product.sku, Product.name, OrderLine.cancel_reason)
        .order_by(units.desc(), Product.sku, OrderLine.cancel_reason)
    ).all()
    return [LostDemandRow(sku, name, reason, int(u), int(n)) for sku, name, reason, u, n in rows]
