"""What New order says of money and waiting: prices in the shop's currency, each waiting
line's expected dates, and the warning when a wait is long. Plain text; the Qt models and
widgets show it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from PySide6.QtGui import QBrush, QColor, QFont

from app.services import formatting
from app.services.eta import IN_STOCK, NOT_ON_ORDER
from app.services.eta.preview import WaitPreview
from app.services.ordering import LineDecision
from app.services.pricing import parse_price
from app.services.shop_settings import DEFAULT_CURRENCY, DEFAULT_LONG_WAIT_DAYS
from app.services.views.etas import eta_text

_ERROR = QBrush(QColor("#b3261e"))
_WARN = QBrush(QColor("#8a5a00"))
_OK = QBrush(QColor("#1e6b30"))


def _italic() -> QFont:
    font = QFont()
    font.setItalic(True)
    return font


@dataclass(slots=True)
class LineMoney:
    """The shop's currency and long-wait setting, as the last preview read them."""

    currency: str = DEFAULT_CURRENCY
    long_wait_days: int = DEFAULT_LONG_WAIT_DAYS
    today: date = field(default_factory=date.today)
    agreed_font: QFont = field(default_factory=_italic)  #: a price the clerk typed

    def parse(self, text: str, *, what: str) -> Decimal | None:
        """A typed unit price; empty means the product's own price (None)."""
        return parse_price(text, self.currency, what=what) if text else None

    def show(self, amount: Decimal) -> str:
        return formatting.money(amount, self.currency)


def wait_text(wait: WaitPreview) -> str:
    """ "Dec 12, 2026 - Dec 16, 2026" (likely - late case), "not on order", "in stock now"."""
    if wait.status == IN_STOCK:
        return "in stock now"
    if wait.status == NOT_ON_ORDER:
        return "not on order"
    if wait.likely is None:
        return "on order, no date"
    return eta_text(wait.likely, wait.late)


def wait_tip(wait: WaitPreview, long_wait_days: int, today: date) -> str:
    units = f"{wait.waiting:,} unit{'' if wait.waiting == 1 else 's'}"
    if wait.status == IN_STOCK:
        return f"{units} will wait, but stock freed since covers them"
    if wait.status == NOT_ON_ORDER:
        return (
            f"{units} will wait and no open purchase order covers {wait.shortfall:,} of them: "
            "no date can be promised yet"
        )
    if wait.likely is None:
        return f"{units} will wait for a purchase order that has no expected date"
    if wait.overdue(today):
        return (
            f"{units} will wait for a purchase order that is overdue (likely "
            f"{formatting.day(wait.likely)}, late case {formatting.day(wait.last_day)}): "
            "ask the supplier before promising a date"
        )
    days = wait.wait_days(today) or 0
    text = (
        f"{units} will wait: likely {formatting.day(wait.likely)}, "
        f"late case {formatting.day(wait.late or wait.likely)} ({days:,} days from today)"
    )
    if wait.is_long(long_wait_days, today):
        text += f"; longer than the {long_wait_days}-day wait the shop calls long"
    return text


def long_wait_warning(
    waits: Sequence[tuple[str, WaitPreview]], long_wait_days: int, today: date
) -> str:
    """The warning over the lines when some waits are long ((product label, wait) pairs,
    already the long ones); empty when none is."""
    if not waits:
        return ""
    parts = []
    for label, wait in waits[:3]:
        if wait.status == NOT_ON_ORDER:
            parts.append(f"{label}: not on order, no date yet")
        elif wait.likely is None:
            parts.append(f"{label}: on order with no date")
        elif wait.overdue(today):
            parts.append(f"{label}: on an overdue purchase order, no date to promise")
        else:
            parts.append(f"{label}: up to {wait.wait_days(today) or 0:,} days ({wait_text(wait)})")
    more = f" and {len(waits) - 3} more" if len(waits) > 3 else ""
    return (
        f"Long wait (over {long_wait_days} days): {'; '.join(parts)}{more}. "
        "Tell the customer before they pay."
    )


def availability_hint(
    decision: LineDecision | None, *, held: bool = False
) -> tuple[str, str, str, QBrush | None]:
    """What placing a line now would do, as (ships now or allocated, backordered, note,
    colour). ``held``: the customer wants the order complete and some of it waits, so the
    allocated units are kept for the order rather than shipped now."""
    if decision is None:
        return "", "", "", None
    if decision.refused:
        return f"{decision.allocated:,}", "", f"Only {decision.limit or 0:,} can be sold", _ERROR
    waits = f"{decision.backordered:,}" if decision.backordered else ""
    if not decision.backordered and held:
        return f"{decision.allocated:,}", "", "Allocated · held", _WARN
    if not decision.backordered:
        return f"{decision.allocated:,}", "", "Ships now", _OK
    if not decision.allocated:
        return "0", waits, "Waits for stock", _WARN
    return f"{decision.allocated:,}", waits, "Part waits for stock", _WARN
