"""Report figures against a small shop whose figures are computed by hand."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy import select

from app.db import Database
from app.services.cancelling import cancel_line
from app.services.reports.backorders import (
    AgingRow,
    LostDemandRow,
    backorder_aging,
    lost_demand,
)
from tests.services.shop import T0, add_stock, order

DAY0 = T0.date()  # 2026-01-05, the first order's day


@pytest.fixture(autouse=True)
def utc_by_default(time_zone: Callable[[str], None]) -> None:
    """The hand-computed figures count UTC days (the reports count the computer's)."""


def test_aging_with_no_orders_has_every_bucket_empty(shop: Database) -> None:
    with shop.read() as session:
        rows = backorder_aging(session, DAY0)
    assert [(r.bucket, r.units, r.lines, r.orders) for r in rows] == [
        ("0-3", 0, 0, 0),
        ("4-7", 0, 0, 0),
        ("8-14", 0, 0, 0),
        ("15-30", 0, 0, 0),
        (">30", 0, 0, 0),
    ]


def test_aging_buckets_waiting_units_by_days_since_the_order(shop: Database) -> None:
    add_stock(shop, "WIDGET", 2)
    # SO-1 day 0: 5 widgets, 2 from stock (a line partly allocated at order time), 3 wait;
    # and 1 gadget waiting.
    order(shop, "ANN", ("WIDGET", 5), ("GADGET", 1), ref="SO-1")
    # SO-2 day 5: 4 gadgets wait.
    order(shop, "BOB", ("GADGET", 4), ref="SO-2", minute=5 * 24 * 60)
    # SO-3 day 40: 2 widgets wait (placed after as_of in one check below).
    order(shop, "CAT", ("WIDGET", 2), ref="SO-3", minute=40 * 24 * 60)
    with shop.read() as session:
        # As of day 9: SO-1 is 9 days old (8-14), SO-2 is 4 days (4-7), SO-3 not placed yet.
        day9 = backorder_aging(session, DAY0 + timedelta(days=9))
        # As of day 40: SO-1 40 days (>30), SO-2 35 days (>30), SO-3 0 days (0-3).
        day40 = backorder_aging(session, DAY0 + timedelta(days=40))
    assert day9 == [
        AgingRow("0-3", 0, 0, 0),
        AgingRow("4-7", 4, 1, 1),
        AgingRow("8-14", 4, 2, 1),
        AgingRow("15-30", 0, 0, 0),
        AgingRow(">30", 0, 0, 0),
    ]
    assert day40 == [
        AgingRow("0-3", 2, 1, 1),
        AgingRow("4-7", 0, 0, 0),
        AgingRow("8-14", 0, 0, 0),
        AgingRow("15-30", 0, 0, 0),
        AgingRow(">30", 8, 3, 2),
    ]


def test_aging_bucket_edges_are_inclusive_whole_days(shop: Database) -> None:
    order(shop, "ANN", ("WIDGET", 1), ref="SO-1")
    with shop.read() as session:
        ages = {
            days: next(
                r.bucket for r in backorder_aging(session, DAY0 + timedelta(days=days)) if r.lines
            )
            for days in (0, 3, 4, 7, 8, 14, 15, 30, 31)
        }
    assert ages == {
        0: "0-3",
        3: "0-3",
        4: "4-7",
        7: "4-7",
        8: "8-14",
        14: "8-14",
        15: "15-30",
        30: "15-30",
        31: ">30",
    }


def test_lost_demand_counts_cancelled_units_by_product_and_reason(shop: Database) -> None:
    order(shop, "ANN", ("WIDGET", 5), ("GADGET", 2), ref="SO-1")
    order(shop, "BOB", ("WIDGET", 3), ref="SO-2", minute=1)
    with shop.write() as session:
        cancel_line(session, "SO-1", 1, "found elsewhere", qty=2)
        cancel_line(session, "SO-2", 1, "found elsewhere")
        cancel_line(session, "SO-1", 2, "too slow")
    today = datetime.now(UTC).date()
    with shop.read() as session:
        rows = lost_demand(session, today - timedelta(days=1), today)
        empty = lost_demand(session, DAY0, DAY0)
    assert rows == [
        LostDemandRow("WIDGET", "Widget", "found elsewhere", 5, 2),
        LostDemandRow("GADGET", "Gadget", "too slow", 2, 1),
    ]
    assert empty == []


def test_supplier_on_time_measures_receipts_against_the_po_expected_date(
    shop: Database,
) -> None:
    from sqlalchemy import update

    from app.domain import PurchaseOrder, Receipt
    from app.services.reports.suppliers import SupplierOnTimeRow, supplier_on_time
    from tests.services.shop import confirm, make_po, preview

    expected = date(2026, 2, 10)
    received_days = {"PO-1": date(2026, 2, 8), "PO-2": date(2026, 2, 12), "PO-3": date(2026, 2, 20)}
    for ref, day in received_days.items():
        lines = make_po(shop, ("WIDGET", 1), ref=ref)
        with shop.write() as session:
            session.execute(
                update(PurchaseOrder).where(PurchaseOrder.ref == ref).values(expected_date=expected)
            )
        confirm(shop, preview(shop, ("WIDGET", 1), po_lines=lines, po_ref=ref))
        with shop.write() as session:
            po_id = session.scalar(select(PurchaseOrder.id).where(PurchaseOrder.ref == ref))
            session.execute(
                update(Receipt)
                .where(Receipt.purchase_order_id == po_id)
                .values(received_at=datetime.combine(day, time(15), tzinfo=UTC))
            )
    with shop.read() as session:
        rows = supplier_on_time(session, date(2026, 2, 1), date(2026, 2, 28))
        empty = supplier_on_time(session, date(2026, 3, 1), date(2026, 3, 31))
    # Early by 2 (on time), late by 2 (1-3), late by 10 (>7): mean lateness (0 + 2 + 10) / 3.
    assert rows == [SupplierOnTimeRow("SUP", 3, 1, 1, 0, 1, 4.0)]
    assert empty == []
