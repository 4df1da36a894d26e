"""Goodwill coupons: a customer who waited long for an order gets money off their next one.

A coupon is earned by one order (when it ships after a long wait), belongs to that order's
customer, and is redeemed at most once, on a later order of the same customer. Its value is a
percentage of the order's line total or a fixed amount in the shop's currency; the discount
never takes an order below zero. The rules that need no database live here; earning and
redeeming are ``app.services.coupons``. No Qt.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.domain.base import Base, utcnow
from app.domain.catalog import Customer
from app.domain.errors import ShopError
from app.domain.orders import SalesOrder

#: Letters and digits that cannot be misread for one another: no 0/O, no 1/I.
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
#: Eight characters: 32**8 (about 10**12) codes, short enough to read out over the phone.
CODE_LENGTH = 8


class CouponRefused(ShopError):
    """A coupon code that cannot be taken on this order (unknown, used, expired, someone
    else's); the message says which."""


def new_code() -> str:
    """A random coupon code (``secrets``, so codes cannot be guessed from earlier ones)."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalise_code(text: str) -> str:
    """A code as typed or scanned ("abcd-efgh ", "ABCD EFGH") in the form it is stored."""
    return "".join(ch for ch in text.upper() if ch not in " -\t")


def shown_code(code: str) -> str:
    """A code split in two halves ("ABCD-EFGH") so a person can read it back."""
    half = len(code) // 2
    return f"{code[:half]}-{code[half:]}" if len(code) == CODE_LENGTH else code


def order_wait(placed_at: datetime, allocated_at: Iterable[datetime]) -> timedelta:
    """How long the customer waited for an order: from its placing to the latest time units
    were allocated to one of its lines (a line served from stock at the order waited
    nothing). Zero when nothing was allocated after the order."""
    return max((moment - placed_at for moment in allocated_at), default=timedelta(0))


def waited_long(wait: timedelta, days: int) -> bool:
    """Whether a wait earns a goodwill coupon: strictly more than ``days`` whole days."""
    return wait > timedelta(days=days)


def discount_for(
    line_total: Decimal, *, percent: Decimal | None, amount: Decimal | None, digits: int = 2
) -> Decimal:
    """What a coupon takes off an order whose lines come to ``line_total``: ``percent`` of
    it (rounded half up to the currency's ``digits``), or the fixed ``amount``; never more
    than the total itself."""
    if percent is not None:
        off = (line_total * percent / 100).quantize(
            Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP
        )
    elif amount is not None:
        off = amount
    else:
        raise ValueError("a coupon is worth a percentage or an amount")
    return max(min(off, line_total), Decimal("0.00"))


class Coupon(Base):
    """One goodwill coupon: who it is for, the order that earned it, what it is worth, and
    the order that used it (once)."""

    __tablename__ = "coupon"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"), index=True)
    #: The order whose long wait earned it (an order earns one coupon at most).
    earned_order_id: Mapped[int] = mapped_column(ForeignKey("sales_order.id"), unique=True)
    #: Percent of the order's line total (1-100), or None for a fixed amount.
    percent: Mapped[Decimal | None] = mapped_column(default=None)
    #: A fixed amount in the shop's currency, or None for a percentage.
    amount: Mapped[Decimal | None] = mapped_column(default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: After this moment the coupon is refused (None: it never expires).
    expires_at: Mapped[datetime | None] = mapped_column(default=None)
    #: The order it was taken off (None: not used yet); an order takes one coupon at most.
    redeemed_order_id: Mapped[int | None] = mapped_column(
        ForeignKey("sales_order.id"), unique=True, default=None
    )
    redeemed_at: Mapped[datetime | None] = mapped_column(default=None)
    #: What it took off that order (None until redeemed).
    discount: Mapped[Decimal | None] = mapped_column(default=None)

    customer: Mapped[Customer] = relationship()
    earned_order: Mapped[SalesOrder] = relationship(foreign_keys=[earned_order_id])
    redeemed_order: Mapped[SalesOrder | None] = relationship(foreign_keys=[redeemed_order_id])

    __table_args__ = (
        CheckConstraint("(percent IS NULL) <> (amount IS NULL)", name="percent_or_amount"),
        CheckConstraint(
            "percent IS NULL OR (percent > 0 AND percent <= 100)", name="percent_in_range"
        ),
        CheckConstraint("amount IS NULL OR amount > 0", name="amount_positive"),
        CheckConstraint(
            "(redeemed_order_id IS NULL) = (redeemed_at IS NULL)", name="redeemed_together"
        ),
    )
