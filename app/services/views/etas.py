"""ETAs as the Orders and Backorders tabs show them, read from the stored ``order_line_eta``.

The ETAs themselves are computed and stored by ``app.services.eta``; this module only reads
them for a page's lines or orders and words them ("3 Dec - 9 Dec", "not on order"), so both
tabs word an ETA the same way. No Qt.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain import LineEta, OrderLine, PurchaseOrder, PurchaseOrderLine
from app.services.eta import IN_STOCK, NO_HISTORY, NOT_ON_ORDER, ON_ORDER, supplier_confidence
from app.services.formatting import day, day_range


@dataclass(frozen=True, slots=True)
class OrderEta:
    """An order's ETA: that of its latest waiting line."""

    status: str  #: "in_stock" (every waiting line), "on_order", or "not_on_order" (any line)
    likely: date | None  #: the latest likely ETA of its lines (None: not on order / no date)
    late: date | None

    @property
    def text(self) -> str:
        if self.status == IN_STOCK:
            return "in stock now"
        if self.status == NOT_ON_ORDER:
            return "not on order"
        return eta_text(self.likely, self.late)


def eta_text(likely: date | None, late: date | None, today: date | None = None) -> str:
    """The likely date ("Dec 3, 2026", as ``formatting.day`` shows dates), or the range from
    it to the late case when that is later ("Dec 3 - 9, 2026", ``formatting.day_range``);
    "no date" without one; "overdue (Nov 25, 2026)" when even the late case has passed (the
    goods should be here)."""
    if likely is None:
        return "no date"
    today = today or date.today()
    if (late or likely) < today:
        return f"overdue ({day(likely)})"
    if late is None or late <= likely:
        return day(likely)
    return day_range(likely, late)


def order_etas(session: Session, order_ids: Sequence[int]) -> dict[int, OrderEta]:
    """Each order's ETA from its waiting lines' stored ETAs (orders with none are absent)."""
    lines: dict[int, list[tuple[str, date | None, date | None]]] = {}
    for order_id, status, likely, late in session.execute(
        select(OrderLine.order_id, LineEta.status, LineEta.likely, LineEta.late)
        .join(LineEta, LineEta.order_line_id == OrderLine.id)
        .where(OrderLine.order_id.in_(order_ids), OrderLine.qty_backordered > 0)
    ):
        lines.setdefault(order_id, []).append((status, likely, late))
    etas: dict[int, OrderEta] = {}
    for order_id, found in lines.items():
        statuses = {status for status, _, _ in found}
        if NOT_ON_ORDER in statuses:
            etas[order_id] = OrderEta(NOT_ON_ORDER, None, None)
        elif statuses == {IN_STOCK}:
            etas[order_id] = OrderEta(IN_STOCK, None, None)
        else:
            dated = [(likely, late) for status, likely, late in found if status == ON_ORDER]
            if any(likely is None for likely, _ in dated):
                etas[order_id] = OrderEta(ON_ORDER, None, None)
            else:
                etas[order_id] = OrderEta(
                    ON_ORDER,
                    max(likely for likely, _ in dated if likely is not None),
                    max(late for _, late in dated if late is not None),
                )
    return etas


@dataclass(frozen=True, slots=True)
class LineEtaView:
    """A waiting line's stored ETA, as the Backorders tab shows it."""

    status: str  #: "in_stock", "on_order" or "not_on_order"
    expected: date | None  #: the covering POs' stated date
    likely: date | None
    late: date | None
    po_ref: str | None  #: the covering PO expected last
    shortfall: int  #: units nothing covers
    was_status: str | None  #: set when the ETA moved later: what it showed before
    was: date | None
    #: Where the likely and late dates come from: the covering PO's supplier's history.
    confidence: str = ""

    @property
    def text(self) -> str:
        if self.status == IN_STOCK:
            return "in stock now"
        if self.status == NOT_ON_ORDER:
            text = f"not on order ({self.shortfall:,} short)"
        else:
            text = eta_text(self.likely, self.late)
        return f"{text} \N{MIDDLE DOT} later" if self.moved_later else text

    @property
    def moved_later(self) -> bool:
        return self.was_status is not None

    @property
    def was_text(self) -> str:
        """What the line showed before its ETA moved later ("" if it did not)."""
        if self.was_status is None:
            return ""
        if self.was_status == IN_STOCK:
            return "in stock now"
        if self.was_status == NOT_ON_ORDER:
            return "not on order"
        return eta_text(self.was, None)


def line_etas(session: Session, line_ids: Sequence[int]) -> dict[int, LineEtaView]:
    """Stored ETAs of these lines, with the covering PO's reference."""
    rows = session.execute(
        select(
            LineEta.order_line_id,
            LineEta.status,
            LineEta.expected,
            LineEta.likely,
            LineEta.late,
            PurchaseOrder.ref,
            LineEta.shortfall,
            LineEta.was_status,
            LineEta.was,
            PurchaseOrder.supplier_id,
        )
        .outerjoin(PurchaseOrderLine, PurchaseOrderLine.id == LineEta.po_line_id)
        .outerjoin(PurchaseOrder, PurchaseOrder.id == PurchaseOrderLine.purchase_order_id)
        .where(LineEta.order_line_id.in_(line_ids))
    ).all()
    suppliers = {row[-1] for row in rows if row[-1] is not None}
    confidence = supplier_confidence(session, suppliers) if suppliers else {}
    views: dict[int, LineEtaView] = {}
    for line_id, status, expected, likely, late, ref, short, was_status, was, supplier in rows:
        views[line_id] = LineEtaView(
            status=status,
            expected=expected,
            likely=likely,
            late=late,
            po_ref=ref,
            shortfall=short,
            was_status=was_status,
            was=was,
            confidence=("" if supplier is None else confidence.get(supplier, NO_HISTORY).reason),
        )
    return views
