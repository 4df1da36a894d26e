"""Every report as one shape: a title, a table (columns and plain rows) and the chart to
draw above it. The window's Reports tab, its CSV and PDF exports and ``shopkeeper report``
all take reports from here, so a figure reads the same wherever it is shown.

A chart is described, not drawn: :class:`Chart` names its kind (vertical bars, horizontal
bars, lines over time), its categories and its series of numbers; the window paints it. Rows
hold numbers, text and dates (never formatted), so a CSV keeps numbers a spreadsheet can sum.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from sqlalchemy.orm import Session

from app.domain.errors import InvalidInput
from app.services.formatting import day
from app.services.reports.backorders import backorder_aging, lost_demand, most_backordered
from app.services.reports.periods import Period
from app.services.reports.service_levels import fill_rate
from app.services.reports.suppliers import supplier_on_time
from app.services.reports.waits import allocation_wait

Cell = str | int | float | date | None


class ChartKind(StrEnum):
    BARS = "bars"  #: vertical bars per category, one bar per series side by side
    HORIZONTAL_BARS = "horizontal_bars"  #: one bar per category, longest names readable
    LINES = "lines"  #: one line per series over the categories (periods)


@dataclass(frozen=True, slots=True)
class Series:
    name: str
    values: tuple[float | None, ...]  #: one per category; None: no figure (a gap)


@dataclass(frozen=True, slots=True)
class Chart:
    kind: ChartKind
    categories: tuple[str, ...]
    series: tuple[Series, ...]
    category_axis: str
    value_axis: str
    percent: bool = False  #: values are shares 0..100 shown with a % sign


@dataclass(frozen=True, slots=True)
class ReportTable:
    name: str
    title: str
    start: date
    end: date
    columns: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]
    summary: str  #: one line of headline figures (may be empty)
    chart: Chart


@dataclass(frozen=True, slots=True)
class ReportKind:
    name: str  #: what the CLI takes (``shopkeeper report NAME``)
    title: str
    uses_start: bool  #: False: the report is as of the range's last day
    build: Callable[[Session, date, date], ReportTable]


def _percent(part: int, whole: int) -> float | None:
    return round(100.0 * part / whole, 1) if whole else None


def _days(value: float | None) -> str:
    return f"{value or 0:.1f} days"


def _aging(session: Session, start: date, end: date) -> ReportTable:
    rows = backorder_aging(session, end)
    return ReportTable(
        "aging",
        "Backorder aging",
        start,
        end,
        ("age (days)", "units", "lines", "orders"),
        tuple((r.bucket, r.units, r.lines, r.orders) for r in rows),
        f"{sum(r.units for r in rows):,} units waiting on {sum(r.orders for r in rows):,} orders"
        f" on {day(end)}",
        Chart(
            ChartKind.BARS,
            tuple(r.bucket for r in rows),
            (
                Series("Units waiting", tuple(float(r.units) for r in rows)),
                Series("Orders waiting", tuple(float(r.orders) for r in rows)),
            ),
            "Days waiting",
            "Units / orders",
        ),
    )


_PERIOD_WORD = {Period.DAY: "day", Period.WEEK: "week (from Monday)", Period.MONTH: "month"}


def _fill_rate(session: Session, start: date, end: date) -> ReportTable:
    report = fill_rate(session, start, end)
    total = report.total
    summary = (
        f"Fill rate {_percent(total.units_from_stock, total.units_ordered) or 0:.1f}%,"
        f" backorder rate {_percent(total.lines_backordered, total.lines) or 0:.1f}%"
        f" over {total.lines:,} lines"
    )
    if report.unknown_lines:
        summary += f" ({report.unknown_lines:,} older lines did not record their wait)"
    rows = report.rows
    return ReportTable(
        "fill-rate",
        "Fill rate and backorder rate",
        start,
        end,
        (
            _PERIOD_WORD[report.period],
            "lines",
            "units ordered",
            "units from stock",
            "fill rate (%)",
            "lines backordered",
            "backorder rate (%)",
        ),
        tuple(
            (
                r.period_start,
                r.lines,
                r.units_ordered,
                r.units_from_stock,
                _percent(r.units_from_stock, r.units_ordered),
                r.lines_backordered,
                _percent(r.lines_backordered, r.lines),
            )
            for r in rows
        ),
        summary,
        Chart(
            ChartKind.LINES,
            tuple(r.period_start.isoformat() for r in rows),
            (
                Series(
                    "Fill rate (units)",
                    tuple(_percent(r.units_from_stock, r.units_ordered) for r in rows),
                ),
                Series(
                    "Backorder rate (lines)",
                    tuple(_percent(r.lines_backordered, r.lines) for r in rows),
                ),
            ),
            f"Orders placed, by {report.period.value}",
            "Share (%)",
            percent=True,
        ),
    )


def _wait(session: Session, start: date, end: date) -> ReportTable:
    report = allocation_wait(session, start, end)
    return ReportTable(
        "wait",
        "Wait from order to allocation",
        start,
        end,
        ("wait (days)", "allocations", "units"),
        tuple((b.bucket, b.allocations, b.units) for b in report.buckets),
        (
            f"Average wait {_days(report.average_days)}, 90% within {_days(report.p90_days)}"
            f" ({report.allocations:,} allocations, {report.units:,} units)"
            if report.allocations
            else "No waiting customer was given units in this range"
        ),
        Chart(
            ChartKind.BARS,
            tuple(b.bucket for b in report.buckets),
            (Series("Allocations", tuple(float(b.allocations) for b in report.buckets)),),
            "Days from order to allocation",
            "Allocations",
        ),
    )


def _top_skus(session: Session, start: date, end: date) -> ReportTable:
    rows = most_backordered(session, start, end)
    return ReportTable(
        "top-skus",
        "Most backordered products",
        start,
        end,
        ("sku", "name", "units backordered", "lines backordered", "units waiting now"),
        tuple(
            (r.sku, r.name, r.units_backordered, r.lines_backordered, r.units_waiting) for r in rows
        ),
        f"Top {len(rows)} by units that could not be served from stock when ordered",
        Chart(
            ChartKind.HORIZONTAL_BARS,
            tuple(r.sku for r in rows),
            (Series("Units backordered", tuple(float(r.units_backordered) for r in rows)),),
            "Product",
            "Units backordered at order",
        ),
    )


def _on_time(session: Session, start: date, end: date) -> ReportTable:
    rows = supplier_on_time(session, start, end)
    deliveries = sum(r.deliveries for r in rows)
    on_time = sum(r.on_time for r in rows)
    buckets = ("on time or early", "1-3 days late", "4-7 days late", ">7 days late")
    return ReportTable(
        "on-time",
        "Supplier on-time deliveries",
        start,
        end,
        (
            "supplier",
            "deliveries",
            "on time",
            "on time (%)",
            "late 1-3 days",
            "late 4-7 days",
            "late >7 days",
            "average days late",
        ),
        tuple(
            (
                r.supplier,
                r.deliveries,
                r.on_time,
                _percent(r.on_time, r.deliveries),
                r.late_1_3,
                r.late_4_7,
                r.late_over_7,
                round(r.average_days_late, 1),
            )
            for r in rows
        ),
        f"{on_time:,} of {deliveries:,} deliveries on time"
        + (f" ({_percent(on_time, deliveries)}%)" if deliveries else ""),
        Chart(
            ChartKind.BARS,
            buckets,
            (
                Series(
                    "Deliveries",
                    (
                        float(on_time),
                        float(sum(r.late_1_3 for r in rows)),
                        float(sum(r.late_4_7 for r in rows)),
                        float(sum(r.late_over_7 for r in rows)),
                    ),
                ),
            ),
            "Receipt day against the expected date",
            "Deliveries",
        ),
    )


def _lost_demand(session: Session, start: date, end: date) -> ReportTable:
    rows = lost_demand(session, start, end)
    by_reason: dict[str, int] = {}
    for r in rows:
        by_reason[r.reason or "(no reason)"] = by_reason.get(r.reason or "(no reason)", 0) + r.units
    reasons = sorted(by_reason.items(), key=lambda item: (-item[1], item[0]))[:12]
    return ReportTable(
        "lost-demand",
        "Lost demand (cancelled)",
        start,
        end,
        ("sku", "name", "reason", "units", "lines"),
        tuple((r.sku, r.name, r.reason, r.units, r.lines) for r in rows),
        f"{sum(r.units for r in rows):,} units cancelled on {sum(r.lines for r in rows):,} lines",
        Chart(
            ChartKind.HORIZONTAL_BARS,
            tuple(reason for reason, _ in reasons),
            (Series("Units cancelled", tuple(float(units) for _, units in reasons)),),
            "Reason",
            "Units cancelled",
        ),
    )


REPORTS: dict[str, ReportKind] = {
    kind.name: kind
    for kind in (
        ReportKind("aging", "Backorder aging", False, _aging),
        ReportKind("fill-rate", "Fill rate and backorder rate", True, _fill_rate),
        ReportKind("wait", "Wait from order to allocation", True, _wait),
        ReportKind("top-skus", "Most backordered products", True, _top_skus),
        ReportKind("on-time", "Supplier on-time deliveries", True, _on_time),
        ReportKind("lost-demand", "Lost demand (cancelled)", True, _lost_demand),
    )
}


def run_report(session: Session, name: str, start: date, end: date) -> ReportTable:
    """The named report over [start, end] (local days; aging is as of ``end``)."""
    kind = REPORTS.get(name)
    if kind is None:
        raise InvalidInput(f"There is no report called {name!r}")
    if end < start:
        raise InvalidInput(f"The range ends ({end}) before it starts ({start})")
    return kind.build(session, start, end)
