"""How long customers wait: from the order to the allocation that gave a waiting line its
units, in days.

Each allocation of waiting units to a line (a receipt or freed stock; ``allocation_event``
rows with a positive quantity from those sources) counts once, dated by when it was made;
the range picks allocations made in it. A line served in two deliveries counts twice, each
with its own wait. The wait runs from the order's ``placed_at``: a manager's move or pin
changes a line's place in the queue, never how long its customer has waited.

The 90th percentile is the nearest-rank one (the smallest wait at least 90% of allocations
did not exceed), read with ORDER BY and OFFSET so SQLite and PostgreSQL give the same figure.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from app.domain import AllocationEvent, OrderLine, Receipt, SalesOrder
from app.services.reports.backorders import AGING_BUCKETS
from app.services.reports.periods import range_bounds, sql_days_between

#: Sources of allocations that end a wait (units given to a line that was waiting).
SERVING_SOURCES = ("receipt", "freed")

#: The aging report's buckets of whole days, so a wait and an age read side by side.
WAIT_BUCKETS = AGING_BUCKETS


@dataclass(frozen=True, slots=True)
class WaitBucket:
    """Allocations whose wait, in whole days, falls in the bucket, and their units."""

    bucket: str
    allocations: int
    units: int


@dataclass(frozen=True, slots=True)
class WaitReport:
    allocations: int
    units: int
    average_days: float | None  #: None when nothing was allocated in the range
    p90_days: float | None
    buckets: list[WaitBucket]


def allocation_wait(session: Session, start: date, end: date) -> WaitReport:
    """Allocations to waiting lines made in [start, end]: the average and 90th percentile
    wait, and how many fall in each wait bucket (every bucket, empty ones with zeros)."""
    low, high = range_bounds(start, end)
    wait = sql_days_between(session, AllocationEvent.created_at, SalesOrder.placed_at)
    serving = (
        select()
        .select_from(AllocationEvent)
        .join(OrderLine, OrderLine.id == AllocationEvent.order_line_id)
        .join(SalesOrder, SalesOrder.id == OrderLine.order_id)
        .outerjoin(Receipt, Receipt.id == AllocationEvent.receipt_id)
        .where(
            AllocationEvent.created_at >= low,
            AllocationEvent.created_at < high,
            AllocationEvent.qty > 0,
            AllocationEvent.source.in_(SERVING_SOURCES),
            # The units of an undone receipt were taken back: that wait did not end.
            Receipt.undone_at.is_(None),
        )
    )
    whens = [(wait >= lowest, label) for label, lowest, _ in reversed(WAIT_BUCKETS)]
    bucket = case(*whens, else_=WAIT_BUCKETS[0][0]).label("bucket")
    rows = session.execute(
        serving.add_columns(
            bucket, func.count(AllocationEvent.id), func.sum(AllocationEvent.qty), func.avg(wait)
        ).group_by(bucket)
    ).all()
    found = {label: (int(n), int(units)) for label, n, units, _avg in rows}
    allocations = sum(n for n, _ in found.values())
    units = sum(u for _, u in found.values())
    average = (
        sum(float(avg) * int(n) for _label, n, _units, avg in rows) / allocations
        if allocations
        else None
    )
    p90 = None
    if allocations:
        rank = math.ceil(0.9 * allocations)  # nearest rank, 1-based
        p90 = float(
            session.execute(
                serving.add_columns(wait.label("wait")).order_by(wait).offset(rank - 1).limit(1)
            ).scalar_one()
        )
    buckets = [WaitBucket(label, *found.get(label, (0, 0))) for label, _, _ in WAIT_BUCKETS]
    return WaitReport(allocations, units, average, p90, buckets)
