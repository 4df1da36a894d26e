"""How late each supplier usually delivers, from its past receipts, for likely and late ETAs.

Each supplier's past deliveries give a delay (receipt date - the PO's expected date, in days;
one sample per receipt and PO). The likely ETA adds the median delay, the late case the 90th
percentile (nearest rank), to each covering PO's expected date; a supplier with no history
adds nothing (likely = late = the stated date). **Delays are clamped at zero**: a supplier who
is always early never moves an ETA before the date it promised, since the shop should not
promise a customer a day the supplier itself did not (early goods are a pleasant surprise, an
early promise broken is not). Kept apart from the walk because the Backorders tab reads it
too, to say where a line's likely and late dates come from. No Qt.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain import (
    PurchaseOrder,
    PurchaseOrderLine,
    Receipt,
    ReceiptLine,
    Supplier,
)

LIKELY_PERCENTILE = 50
LATE_PERCENTILE = 90


@dataclass(frozen=True, slots=True)
class Confidence:
    """How late a supplier usually delivers, from its history."""

    samples: int  #: past deliveries the figures come from (0: no history)
    likely_days: int  #: median delay, clamped at 0
    late_days: int  #: 90th percentile delay, clamped at 0
    raw_likely_days: int = 0  #: the median before clamping (negative: usually early)

    @property
    def days(self) -> tuple[int, int]:
        """(likely, late) days added to a PO's expected date: all a stored ETA depends on."""
        return self.likely_days, self.late_days

    @property
    def reason(self) -> str:
        if self.samples == 0:
            return "no history: the supplier's expected date"
        deliveries = f"{self.samples} past deliver{'y' if self.samples == 1 else 'ies'}"
        if self.raw_likely_days < 0:
            usual = f"usually {-self.raw_likely_days} days early (ETA kept at the expected date)"
        elif self.likely_days == 0:
            usual = "usually on time"
        else:
            usual = f"usually {self.likely_days} days late"
        return f"from {deliveries}: {usual}; {self.late_days} days late in the late case"


NO_HISTORY = Confidence(0, 0, 0)


def percentile(values: Sequence[int], pct: int) -> int:
    """Nearest-rank percentile of sorted or unsorted whole days (the median is the lower one)."""
    if not values:
        raise ValueError("no values")
    ordered = sorted(values)
    rank = max(1, math.ceil(pct / 100 * len(ordered)))
    return ordered[rank - 1]


def confidence_of(delays: Sequence[int]) -> Confidence:
    """Likely and late-case delays from a supplier's past delays in days (negative: early)."""
    if not delays:
        return NO_HISTORY
    likely = percentile(delays, LIKELY_PERCENTILE)
    late = percentile(delays, LATE_PERCENTILE)
    return Confidence(len(delays), max(0, likely), max(0, late), likely)


def supplier_delays(
    session: Session, supplier_ids: Iterable[int] | None = None
) -> dict[int, list[int]]:
    """Past delays per supplier: one per receipt and PO it delivered against (in days)."""
    stmt = (
        select(
            Receipt.id,
            PurchaseOrder.id,
            PurchaseOrder.supplier_id,
            Receipt.received_at,
            PurchaseOrder.expected_date,
        )
        .join(ReceiptLine, ReceiptLine.receipt_id == Receipt.id)
        .join(PurchaseOrderLine, PurchaseOrderLine.id == ReceiptLine.purchase_order_line_id)
        .join(PurchaseOrder, PurchaseOrder.id == PurchaseOrderLine.purchase_order_id)
        # An undone receipt was no delivery.
        .where(PurchaseOrder.expected_date.is_not(None), Receipt.undone_at.is_(None))
        .distinct()
    )
    if supplier_ids is not None:
        ids = sorted(set(supplier_ids))
        if not ids:
            return {}
        stmt = stmt.where(PurchaseOrder.supplier_id.in_(ids))
    delays: dict[int, list[int]] = defaultdict(list)
    for _, _, supplier_id, received_at, expected in session.execute(stmt):
        assert expected is not None
        delays[supplier_id].append((received_at.date() - expected).days)
    return dict(delays)


def supplier_confidence(
    session: Session, supplier_ids: Iterable[int] | None = None
) -> dict[int, Confidence]:
    """Confidence per supplier that has history (others: :data:`NO_HISTORY`)."""
    return {sid: confidence_of(d) for sid, d in supplier_delays(session, supplier_ids).items()}


def suppliers_moved_by(session: Session, deliveries: Mapping[int, Sequence[int]]) -> set[int]:
    """Suppliers whose likely or late delay (what stored ETAs add to their POs' expected
    dates) would change if these deliveries (supplier id -> delays in days) joined their
    history. Another delivery often changes neither (its delay is near the median, or the
    supplier is early and clamped at zero); then no ETA moves."""
    history = supplier_delays(session, deliveries)
    return {
        supplier_id
        for supplier_id, delays in deliveries.items()
        if delays
        and confidence_of(history.get(supplier_id, [])).days
        != confidence_of([*history.get(supplier_id, []), *delays]).days
    }


def lock_supplier_history(
    session: Session, supplier_ids: Iterable[int], *, changing: bool = True
) -> None:
    """Lock the suppliers' rows for this transaction, in id order: for update when their
    delivery history is ``changing`` (a receipt against their POs, re-dating one that has
    had receipts), shared when it is only read to put products on order from them (a new or
    sent PO). Two changes to one supplier's history, or a change and a new PO, then never
    interleave (PostgreSQL; SQLite lets one writer in at a time anyway): the second reads
    the history, and what is on order, as the first committed them. In the services' lock
    order these come right after the purchase order rows, before PO lines and balances."""
    ids = sorted(set(supplier_ids))
    if ids:
        session.execute(
            select(Supplier.id)
            .where(Supplier.id.in_(ids))
            .order_by(Supplier.id)
            .with_for_update(read=not changing)
        ).all()
