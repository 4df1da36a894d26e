"""Supplier on-time performance: each receipt against its purchase order's expected date.

One receipt is one delivery. Lateness = the receipt's local day (see :mod:`.periods`) minus
the PO's expected date, in whole days (negative: early). Receipts without a PO or whose PO
has no expected date are left out. SQL counts the receipts per supplier, expected date and
UTC hour of arrival; Python turns each hour into its local day and sums the lateness spread.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.domain import PurchaseOrder, Receipt, Supplier
from app.services.reports.periods import (
    Slots,
    local_day,
    range_bounds,
)


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


def supplier_on_time(session: Session, start: date, end: date) -> list[SupplierOnTimeRow]:
    """Per supplier, receipts whose ``received_at`` falls in [start, end] (local days)."""
    low, high = range_bounds(start, end)
    slots = Slots.for_range(low, high)
    slot = slots.sql(session, Receipt.received_at).label("slot")
    rows = session.execute(
        select(Supplier.code, PurchaseOrder.expected_date, slot, func.count(Receipt.id))
        .join(PurchaseOrder, PurchaseOrder.id == Receipt.purchase_order_id)
        .join(Supplier, Supplier.id == PurchaseOrder.supplier_id)
        .where(
            PurchaseOrder.expected_date.is_not(None),
            Receipt.undone_at.is_(None),  # an undone receipt was no delivery
            Receipt.received_at >= low,
            Receipt.received_at < high,
        )
        .group_by(Supplier.code, PurchaseOrder.expected_date, slot)
    ).all()
    # Per supplier: deliveries, on time, late 1-3, late 4-7, late > 7, days late in all.
    sums: dict[str, list[int]] = {}
    for code, expected, value, count in rows:
        assert expected is not None  # the query keeps dated POs only
        late = (local_day(slots.start(value)) - expected).days
        spread = sums.setdefault(code, [0, 0, 0, 0, 0, 0])
        spread[0] += count
        spread[1 if late <= 0 else 2 if late <= 3 else 3 if late <= 7 else 4] += count
        spread[5] += max(late, 0) * count
    return [
        SupplierOnTimeRow(code, n, on_time, a, b, c, days / n)
        for code, (n, on_time, a, b, c, days) in sorted(sums.items())
    ]
