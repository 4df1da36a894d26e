"""Fill rate and backorder rate over time: how often a customer got what they asked for from
stock, the moment they ordered.

Fill rate: the share of ordered units that were on hand and allocated when the order was
taken (``qty_ordered - qty_backordered_at_order``); units shipped later were first allocated
at order time or waited, so "shipped or allocated from stock at order time" is the same
count. Backorder rate: the share of order lines that had to wait for at least one unit.
Lines are counted in the period of their order's ``placed_at``, by the shop's local day
(see :mod:`.periods`). Lines placed before migration 0009 did not record their first wait
and are left out (``unknown_lines`` says how many).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from app.domain import OrderLine, SalesOrder
from app.services.reports.periods import (
    Period,
    Slots,
    local_day,
    period_for,
    period_start,
    period_starts,
    range_bounds,
)


@dataclass(frozen=True, slots=True)
class FillRateRow:
    """One period's order lines and units, and how many of each waited at order time."""

    period_start: date
    lines: int
    units_ordered: int
    units_from_stock: int
    lines_backordered: int
    units_backordered: int

    @property
    def fill_rate(self) -> float | None:
        """Units from stock / units ordered; None for a period with no orders."""
        return self.units_from_stock / self.units_ordered if self.units_ordered else None

    @property
    def backorder_rate(self) -> float | None:
        """Lines that waited / lines; None for a period with no orders."""
        return self.lines_backordered / self.lines if self.lines else None


@dataclass(frozen=True, slots=True)
class FillRateReport:
    period: Period
    rows: list[FillRateRow]
    unknown_lines: int  #: lines in the range placed before their first wait was recorded

    @property
    def total(self) -> FillRateRow:
        """The whole range as one row (dated by its first period)."""
        first = self.rows[0].period_start if self.rows else date.min
        return FillRateRow(
            first,
            sum(r.lines for r in self.rows),
            sum(r.units_ordered for r in self.rows),
            sum(r.units_from_stock for r in self.rows),
            sum(r.lines_backordered for r in self.rows),
            sum(r.units_backordered for r in self.rows),
        )


def fill_rate(session: Session, start: date, end: date) -> FillRateReport:
    """Per period of [start, end] (days, weeks or months by the range's length), the order
    lines placed and how much of them stock filled at once. Every period is returned, an
    empty one with zeros."""
    low, high = range_bounds(start, end)
    period = period_for(start, end)
    slots = Slots.for_range(low, high)
    slot = slots.sql(session, SalesOrder.placed_at).label("slot")
    waited = OrderLine.qty_backordered_at_order
    known = waited.is_not(None)
    # One pass over the range's lines, grouped by UTC hour; Python adds each hour to its
    # local period. Lines of unknown first wait are counted apart.
    rows = session.execute(
        select(
            slot,
            func.count(waited),
            func.sum(case((known, OrderLine.qty_ordered), else_=0)),
            func.sum(case((waited > 0, 1), else_=0)),
            func.sum(waited),
            func.sum(case((known, 0), else_=1)),
        )
        .join(SalesOrder, SalesOrder.id == OrderLine.order_id)
        .where(SalesOrder.placed_at >= low, SalesOrder.placed_at < high)
        .group_by(slot)
    ).all()
    found: dict[date, list[int]] = {}
    unknown = 0
    for value, lines, units, lines_waited, units_waited, unknown_lines in rows:
        first = period_start(local_day(slots.start(value)), period)
        sums = found.setdefault(first, [0, 0, 0, 0])
        for place, figure in enumerate((lines, units, lines_waited, units_waited)):
            sums[place] += int(figure or 0)
        unknown += int(unknown_lines or 0)
    result = []
    for first in period_starts(start, end, period):
        lines, units, lines_waited, units_waited = found.get(first, [0, 0, 0, 0])
        result.append(
            FillRateRow(first, lines, units, units - units_waited, lines_waited, units_waited)
        )
    return FillRateReport(period, result, unknown)
