"""When the waiting part of a line not yet placed would likely arrive: New order's ETAs.

The clerk sees, before placing the order, the date range a customer can be told for each
line that will wait ("12 Dec - 16 Dec", or "not on order" when no open purchase order covers
it), and a warning when that is longer than the shop calls a long wait
(``shop_settings.get_long_wait_days``). A new line joins the end of its product's queue, as
:mod:`~app.services.eta.joining` explains: every unit already waiting is ahead of it, and the
walk over the units available now and the open PO lines gives its ETA exactly as storing it
would. (Under the loyalty policy a gold customer may be served earlier: the preview then
says the later, standard date, never a promise the shop may not keep.) Writes nothing. No Qt.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.domain import OrderLine
from app.services.eta.confidence import supplier_confidence
from app.services.eta.pegging import IN_STOCK, NOT_ON_ORDER, ON_ORDER, _walk
from app.services.eta.reading import _available, incoming_lines

#: The walk's id of "every unit already waiting" (real line ids are > 0).
_AHEAD = -1
#: The walk's id of the new line.
_NEW = 0


@dataclass(frozen=True, slots=True)
class WaitPreview:
    """What a customer would be told of the units of a product that would wait."""

    product_id: int
    waiting: int  #: units of the new line that wait
    status: str  #: IN_STOCK, ON_ORDER or NOT_ON_ORDER
    likely: date | None  #: likely arrival (None: not on order, or the PO has no date)
    late: date | None  #: the late case (the supplier's usual worst delay)
    shortfall: int  #: units no open PO covers

    @property
    def last_day(self) -> date | None:
        """The latest day the wait would likely end: the late case, else the likely date."""
        return self.late or self.likely

    def overdue(self, today: date) -> bool:
        """The covering purchase order is late: even its late case has passed."""
        last = self.last_day
        return self.status == ON_ORDER and last is not None and last < today

    def wait_days(self, today: date) -> int | None:
        """Days until the late case (None when there is no date to count to: not on order,
        a PO with no date, or one already overdue)."""
        last = self.last_day
        if self.status != ON_ORDER or last is None or last < today:
            return None
        return (last - today).days

    def is_long(self, long_wait_days: int, today: date) -> bool:
        """Whether the customer should hear before paying that this wait is long: beyond
        ``long_wait_days``, or of unknown length (not on order, on a PO with no date, or on
        one that is overdue)."""
        if self.status == IN_STOCK:
            return False
        days = self.wait_days(today)
        return days is None or days > long_wait_days


def preview_waits(
    session: Session,
    backordered: Mapping[int, int],
    allocated: Mapping[int, int] | None = None,
) -> dict[int, WaitPreview]:
    """The ETA of a new line per product: ``backordered`` units of it would wait after the
    line took ``allocated`` units available now (both per product id, as ``quote_lines``
    decides them). Products with nothing waiting are left out."""
    ids = sorted(pid for pid, units in backordered.items() if units > 0)
    if not ids:
        return {}
    ahead = dict(
        session.execute(
            select(OrderLine.product_id, func.sum(OrderLine.qty_backordered))
            .where(OrderLine.product_id.in_(ids), OrderLine.qty_backordered > 0)
            .group_by(OrderLine.product_id)
        ).all()
    )
    available = _available(session, ids)
    for pid, taken in (allocated or {}).items():
        if pid in available:
            available[pid] = max(0, available[pid] - taken)
    incoming = incoming_lines(session, ids)
    confidence = supplier_confidence(session, {line.supplier_id for line in incoming})
    rows: list[tuple[int, int, int]] = []
    for pid in ids:
        if ahead.get(pid):
            rows.append((_AHEAD, pid, int(ahead[pid])))
        rows.append((_NEW, pid, backordered[pid]))
    previews: dict[int, WaitPreview] = {}
    for line_id, pid, waiting, _, _, eta in _walk(
        rows, available, incoming, confidence, with_covers=False
    ):
        if line_id == _NEW:
            status, _, likely, late, _, shortfall = eta
            previews[pid] = WaitPreview(pid, waiting, status, likely, late, shortfall)
    return previews


__all__ = ["IN_STOCK", "NOT_ON_ORDER", "ON_ORDER", "WaitPreview", "preview_waits"]
