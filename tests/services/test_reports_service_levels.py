"""Fill rate, backorder rate, waits and the most backordered SKUs against a small shop whose
figures are computed by hand (SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import update

from app.db import Database
from app.domain import AllocationEvent, OrderLine
from app.domain.errors import InvalidInput
from app.services.cancelling import cancel_line
from app.services.importing import import_csv
from app.services.importing.csvfile import ImportMethod
from app.services.reports.backorders import BackorderedSkuRow, most_backordered
from app.services.reports.periods import (
    Period,
    Slots,
    period_for,
    period_starts,
    range_bounds,
)
from app.services.reports.service_levels import FillRateRow, fill_rate
from app.services.reports.tables import REPORTS, run_report
from app.services.reports.waits import WaitBucket, allocation_wait
from tests.services.shop import T0, add_stock, at, line_id, order, receive

DAY0 = T0.date()  # Monday 2026-01-05

SetZone = Callable[[str], None]


@pytest.fixture(autouse=True)
def utc_by_default(time_zone: SetZone) -> None:
    """The hand-computed figures count UTC days unless a test sets another zone."""


def _fill_rate_shop(shop: Database) -> None:
    add_stock(shop, "WIDGET", 2)
    add_stock(shop, "GADGET", 3)
    # Monday: 5 widgets (2 from stock, 3 wait) and 1 gadget from stock.
    order(shop, "ANN", ("WIDGET", 5), ("GADGET", 1), ref="SO-1")
    # Sunday of the same week: 2 gadgets from stock.
    order(shop, "BOB", ("GADGET", 2), ref="SO-2", minute=6 * 24 * 60)
    # The next Tuesday: 4 gadgets, none left: all wait.
    order(shop, "CAT", ("GADGET", 4), ref="SO-3", minute=8 * 24 * 60)
    # A line placed before its first wait was recorded (before migration 0009).
    order(shop, "DAN", ("WIDGET", 1), ref="SO-4", minute=2 * 24 * 60)
    with shop.write() as session:
        session.execute(
            update(OrderLine)
            .where(OrderLine.id == line_id(shop, "SO-4"))
            .values(qty_backordered_at_order=None)
        )


def test_fill_rate_by_day_counts_units_from_stock_at_order_time(shop: Database) -> None:
    _fill_rate_shop(shop)
    with shop.read() as session:
        report = fill_rate(session, DAY0, DAY0 + timedelta(days=13))
    assert report.period is Period.DAY
    assert report.unknown_lines == 1
    assert len(report.rows) == 14
    busy = [r for r in report.rows if r.lines]
    assert busy == [
        FillRateRow(DAY0, 2, 6, 3, 1, 3),
        FillRateRow(DAY0 + timedelta(days=6), 1, 2, 2, 0, 0),
        FillRateRow(DAY0 + timedelta(days=8), 1, 4, 0, 1, 4),
    ]
    assert busy[0].fill_rate == 0.5 and busy[0].backorder_rate == 0.5
    assert report.rows[1].fill_rate is None
    assert report.total == FillRateRow(DAY0, 4, 12, 5, 2, 7)


def test_fill_rate_by_week_puts_sunday_in_the_week_that_began_on_monday(
    shop: Database,
) -> None:
    _fill_rate_shop(shop)
    with shop.read() as session:
        weekly = fill_rate(session, DAY0 - timedelta(days=2), DAY0 + timedelta(days=80))
        monthly = fill_rate(session, date(2026, 1, 1), date(2026, 12, 31))
    assert weekly.period is Period.WEEK
    assert weekly.rows[0].period_start == date(2025, 12, 29)  # the Monday before the range
    assert weekly.rows[1] == FillRateRow(DAY0, 3, 8, 5, 1, 3)
    assert weekly.rows[2] == FillRateRow(DAY0 + timedelta(days=7), 1, 4, 0, 1, 4)
    assert monthly.period is Period.MONTH
    assert len(monthly.rows) == 12
    assert monthly.rows[0] == FillRateRow(date(2026, 1, 1), 4, 12, 5, 2, 7)
    assert monthly.rows[1] == FillRateRow(date(2026, 2, 1), 0, 0, 0, 0, 0)


def test_periods_follow_the_range_length() -> None:
    assert period_for(DAY0, DAY0) is Period.DAY
    assert period_for(DAY0, DAY0 + timedelta(days=44)) is Period.DAY
    assert period_for(DAY0, DAY0 + timedelta(days=45)) is Period.WEEK
    assert period_for(DAY0, DAY0 + timedelta(days=199)) is Period.WEEK
    assert period_for(DAY0, DAY0 + timedelta(days=200)) is Period.MONTH
    assert period_starts(date(2026, 11, 15), date(2027, 2, 1), Period.MONTH) == [
        date(2026, 11, 1),
        date(2026, 12, 1),
        date(2027, 1, 1),
        date(2027, 2, 1),
    ]


def test_a_range_that_ends_before_it_starts_is_refused(shop: Database) -> None:
    with shop.read() as session, pytest.raises(InvalidInput, match="ends"):
        run_report(session, "fill-rate", DAY0, DAY0 - timedelta(days=1))


def _dated_allocation(shop: Database, ref: str, days_after_day0: float) -> None:
    """Date the allocation that served ``ref``'s first line."""
    with shop.write() as session:
        session.execute(
            update(AllocationEvent)
            .where(AllocationEvent.order_line_id == line_id(shop, ref))
            .values(created_at=at(int(days_after_day0 * 24 * 60)))
        )


def test_wait_from_order_to_allocation_averages_and_buckets_each_allocation(
    shop: Database,
) -> None:
    order(shop, "ANN", ("WIDGET", 3), ref="SO-1")  # day 0 09:00
    order(shop, "BOB", ("WIDGET", 2), ref="SO-2", minute=2 * 24 * 60)  # day 2
    order(shop, "CAT", ("GADGET", 1), ref="SO-3")
    receive(shop, ("WIDGET", 5), ("GADGET", 1))
    _dated_allocation(shop, "SO-3", 0.5)  # waited half a day
    _dated_allocation(shop, "SO-1", 4)  # 4 days
    _dated_allocation(shop, "SO-2", 2 + 10.5)  # 10.5 days
    with shop.read() as session:
        every = allocation_wait(session, DAY0, DAY0 + timedelta(days=20))
        early = allocation_wait(session, DAY0, DAY0 + timedelta(days=5))
        none = allocation_wait(session, DAY0 + timedelta(days=30), DAY0 + timedelta(days=40))
    assert (every.allocations, every.units) == (3, 6)
    assert every.average_days == pytest.approx(5.0)
    assert every.p90_days == pytest.approx(10.5)
    assert every.buckets == [
        WaitBucket("0-3", 1, 1),
        WaitBucket("4-7", 1, 3),
        WaitBucket("8-14", 1, 2),
        WaitBucket("15-30", 0, 0),
        WaitBucket(">30", 0, 0),
    ]
    assert (early.allocations, early.average_days, early.p90_days) == (2, 2.25, 4.0)
    assert (none.allocations, none.average_days, none.p90_days) == (0, None, None)


def test_p90_wait_is_the_nearest_rank_not_the_longest(shop: Database) -> None:
    refs = [f"SO-{n}" for n in range(1, 11)]
    for n, ref in enumerate(refs):
        order(shop, "ANN", ("GADGET", 1), ref=ref, minute=n)
    receive(shop, ("GADGET", 10))
    for days, ref in enumerate(refs, start=1):
        _dated_allocation(shop, ref, days)  # waits of about 1, 2, ... 10 days
    with shop.read() as session:
        report = allocation_wait(session, DAY0, DAY0 + timedelta(days=30))
    # 10 waits: the 9th smallest (ceil(0.9 * 10)) is the 90th percentile, not the 10th.
    assert report.p90_days == pytest.approx(9 - 8 / (24 * 60))
    assert report.average_days == pytest.approx(5.5 - 4.5 / (24 * 60))


def test_most_backordered_ranks_units_that_waited_at_order_time(shop: Database) -> None:
    add_stock(shop, "WIDGET", 1)
    order(shop, "ANN", ("WIDGET", 3), ("GADGET", 2), ref="SO-1")  # 2 widgets, 2 gadgets wait
    order(shop, "BOB", ("GADGET", 3), ref="SO-2", minute=24 * 60)  # 3 gadgets wait
    order(shop, "CAT", ("WIDGET", 5), ref="SO-3", minute=20 * 24 * 60)  # 5 widgets wait
    with shop.read() as session:
        first = most_backordered(session, DAY0, DAY0 + timedelta(days=10))
        top_one = most_backordered(session, DAY0, DAY0 + timedelta(days=10), limit=1)
        later = most_backordered(session, DAY0 + timedelta(days=15), DAY0 + timedelta(days=25))
    assert first == [
        BackorderedSkuRow("GADGET", "Gadget", 5, 2, 5),
        BackorderedSkuRow("WIDGET", "Widget", 2, 1, 7),
    ]
    assert top_one == first[:1]
    assert later == [BackorderedSkuRow("WIDGET", "Widget", 5, 1, 7)]
    # A cancel changes what waits now, never what waited when it was ordered.
    with shop.write() as session:
        cancel_line(session, "SO-3", 1, "found elsewhere")
    with shop.read() as session:
        assert most_backordered(session, DAY0 + timedelta(days=15), DAY0 + timedelta(days=25)) == [
            BackorderedSkuRow("WIDGET", "Widget", 5, 1, 2)
        ]


@pytest.mark.parametrize("name", list(REPORTS))
def test_every_report_gives_a_table_and_a_chart_on_an_empty_shop(shop: Database, name: str) -> None:
    with shop.read() as session:
        report = run_report(session, name, DAY0, DAY0 + timedelta(days=60))
    assert report.title == REPORTS[name].title
    assert all(len(row) == len(report.columns) for row in report.rows)
    assert all(len(s.values) == len(report.chart.categories) for s in report.chart.series)


def test_reports_count_the_shops_local_days(shop: Database, time_zone: SetZone) -> None:
    """New York, winter (UTC-5): 02:00 UTC on the 6th is still the evening of the 5th."""
    time_zone("America/New_York")
    from app.domain import PurchaseOrder, Receipt
    from tests.services.shop import confirm, make_po, preview

    late_evening = 17 * 60  # 2026-01-06 02:00 UTC = Jan 5, 21:00 in New York
    order(shop, "ANN", ("WIDGET", 2), ref="SO-1", minute=late_evening)
    order(shop, "BOB", ("GADGET", 1), ref="SO-2", minute=late_evening + 5 * 60)  # Jan 6 02:00
    lines = make_po(shop, ("WIDGET", 2), ref="PO-1")
    with shop.write() as session:
        session.execute(
            update(PurchaseOrder)
            .where(PurchaseOrder.ref == "PO-1")
            .values(expected_date=date(2026, 1, 10))
        )
    confirm(shop, preview(shop, ("WIDGET", 2), po_lines=lines, po_ref="PO-1"))
    with shop.write() as session:
        # 2026-01-11 03:00 UTC: the evening of the 10th in New York, the expected day.
        session.execute(update(Receipt).values(received_at=at((5 * 24 + 18) * 60)))
    with shop.read() as session:
        days = fill_rate(session, date(2026, 1, 5), date(2026, 1, 6))
        aging = run_report(session, "aging", DAY0, DAY0 + timedelta(days=4))
        on_time = run_report(session, "on-time", date(2026, 1, 10), date(2026, 1, 10))
        top = most_backordered(session, DAY0, DAY0)
    assert [(r.period_start, r.lines) for r in days.rows] == [(DAY0, 1), (DAY0 + timedelta(1), 1)]
    # As of the 9th: SO-2 (placed on the 6th) is 3 days old; SO-1's widgets were served.
    assert aging.rows[0] == ("0-3", 1, 1, 1)
    assert on_time.rows[0][:3] == ("SUP", 1, 1)  # on time, not a day late
    assert [r.sku for r in top] == ["WIDGET"]  # SO-2 was placed on the 6th


def test_a_half_hour_zone_splits_one_utc_hour_between_two_local_days(
    shop: Database, time_zone: SetZone
) -> None:
    assert Slots.for_range(*range_bounds(DAY0, DAY0 + timedelta(days=3))) == Slots(0)
    time_zone("Asia/Kolkata")  # UTC+5:30: local days start at 18:30 UTC
    low, high = range_bounds(DAY0, DAY0 + timedelta(days=3))
    assert low == datetime(2026, 1, 4, 18, 30, tzinfo=UTC)
    assert Slots.for_range(low, high) == Slots(30)
    order(shop, "ANN", ("WIDGET", 1), ref="SO-1", minute=9 * 60 + 20)  # 18:20 UTC: 23:50 IST
    order(shop, "BOB", ("WIDGET", 3), ref="SO-2", minute=9 * 60 + 40)  # 18:40 UTC: 00:10 IST
    with shop.read() as session:
        report = fill_rate(session, DAY0, DAY0 + timedelta(days=1))
    assert [(r.period_start, r.units_ordered) for r in report.rows] == [
        (DAY0, 1),
        (DAY0 + timedelta(days=1), 3),
    ]


def test_a_slot_reads_back_as_the_utc_time_it_starts() -> None:
    hour = datetime(2026, 1, 5, 18, tzinfo=UTC)
    assert Slots(0).start("2026-01-05 18") == hour
    assert Slots(30).start("2026-01-05 180") == hour
    assert Slots(30).start("2026-01-05 181") == hour + timedelta(minutes=30)
    assert Slots(-1).start("2026-01-05 18:37") == hour + timedelta(minutes=37)
    assert Slots(45).start(datetime(2026, 1, 5, 18, 45)) == hour + timedelta(minutes=45)


@pytest.mark.parametrize("method", ["bulk", "place_order"])
def test_imported_orders_record_what_waited_for_the_fill_rate(
    shop: Database, tmp_path: Path, method: ImportMethod
) -> None:
    add_stock(shop, "WIDGET", 3)
    orders = tmp_path / "orders.csv"
    orders.write_text(
        "order_ref,customer,placed_at,sku,qty\n"
        "SO-1,ANN,2026-01-05T10:00:00Z,WIDGET,5\n"
        "SO-1,ANN,2026-01-05T10:00:00Z,GADGET,1\n"
    )
    with shop.write() as session:
        import_csv(session, "orders", orders, method=method)
    with shop.read() as session:
        report = fill_rate(session, DAY0, DAY0)
    # 3 of 5 widgets from stock, the gadget waits: 3 of 6 units, 2 of 2 lines waited.
    assert report.rows == [FillRateRow(DAY0, 2, 6, 3, 2, 3)]
