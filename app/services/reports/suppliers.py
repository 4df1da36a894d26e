"""Supplier on-time performance: each receipt against its purchase order's expected date.

One receipt is one delivery. Lateness = the receipt's UTC day minus the PO's expected date,
in whole days (negative: early). Receipts without a PO or whose PO has no expected date are
left out. Computed in SQL; the day difference is the one dialect-specific expression.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import Date, Integer, case, cast, func, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from app.domain import PurchaseOrder, Receipt, Supplier
from app.services.reports.periods import range_bounds


@dataclass(frozen=True, slots=True)
class SupplierOnTimeRow:
    """Deliveries in the range: how many, on time or early, and the lateness spread."""

    supplier: str
    deliveries: int
    on_time: int  #: received on or before the expected date
    late_1_3: int
    late_4_7: int
    late_over_7: int
    average_days_late: float  #: mean lateness, early deliveries counted as 0

    @property
    def on_time_share(self) -> float:
        return self.on_time / self.deliveries if self.deliveries else 0.0


def _days_late(session: Session) -> ColumnElement[int]:
    if session.get_bind().dialect.name == "sqlite":
        return cast(
            func.julianday(func.date(Receipt.received_at))
            - func.julianday(PurchaseOrder.expected_date),
            Integer,
        )
    return cast(cast(Receipt.received_at, Date) - PurchaseOrder.expected_date, Integer)


def supplier_on_time(session: Session, start: date, end: date) -> list[SupplierOnTimeRow]:
    """Per supplier, receipts whose ``received_at`` falls in [start, end] (UTC days)."""
    low, high = range_bounds(start, end)
    late = _days_late(session)
    rows = session.execute(
        select(
            Supplier.code,
            func.count(Receipt.id),
            func.sum(case((late <= 0, 1), else_=0)),
            func.sum(case(((late >= 1) & (late <= 3), 1), else_=0)),
            func.sum(case(((late >= 4) & (late <= 7), 1), else_=0)),
            func.sum(case((late > 7, 1), else_=0)),
            func.avg(case((late > 0, late), else_=0)),
        )
        .join(PurchaseOrder, PurchaseOrder.id == Receipt.purchase_order_id)
        .join(Supplier, Supplier.id == PurchaseOrder.supplier_id)
        .where(
            PurchaseOrder.expected_date.is_not(None),
            Receipt.received_at >= low,
            Receipt.received_at < high,
        )
        .group_by(Supplier.code)
        .order_by(Supplier.code)
    ).all()
    return [
        SupplierOnTimeRow(code, int(n), int(a), int(b), int(c), int(d), float(avg))
        for code, n, a, b, c, d, avg in rows
    ]
