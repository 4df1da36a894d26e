"""Goodwill coupons: earned when a long-waiting order ships, taken off a later order once.

``earn_coupon`` runs inside ``ship_order``'s transaction; ``checked_coupon`` and
``redeem_coupon`` inside ``place_order``'s; ``quote_coupon`` is New order's preview (it writes
and locks nothing). The rules themselves (codes, the wait, the discount) are
``app.domain.coupons``. No Qt.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.domain import AllocationEvent, OrderLine, SalesOrder
from app.domain.base import utcnow
from app.domain.coupons import (
    Coupon,
    CouponRefused,
    discount_for,
    new_code,
    normalise_code,
    order_wait,
    shown_code,
    waited_long,
)
from app.services.catalog import get_customer
from app.services.formatting import currency_digits, day, money
from app.services.pricing import total
from app.services.shop_settings import get_currency, get_goodwill_rule

#: New codes drawn before giving up: with 10**12 codes, a second clash is already unheard of.
CODE_TRIES = 20


def value_text(percent: Decimal | None, amount: Decimal | None, currency: str) -> str:
    """A coupon's value as the window and the messages show it: "10%" or "€5.00"."""
    if percent is not None:
        return f"{percent.normalize():f}%"
    assert amount is not None
    return money(amount, currency)


def waited_for(session: Session, order: SalesOrder) -> timedelta:
    """How long the customer waited for ``order``: from its placing to the latest
    allocation to one of its lines (receipts and freed stock; units taken from stock when
    the order was placed record no allocation and waited nothing)."""
    latest = session.scalar(
        select(func.max(AllocationEvent.created_at))
        .join(OrderLine, OrderLine.id == AllocationEvent.order_line_id)
        .where(OrderLine.order_id == order.id, AllocationEvent.qty > 0)
    )
    return order_wait(order.placed_at, [] if latest is None else [latest])


def _unused_code(session: Session) -> str:
    for _ in range(CODE_TRIES):
        code = new_code()
        if session.scalar(select(Coupon.id).where(Coupon.code == code)) is None:
            return code
    raise RuntimeError(f"no free coupon code after {CODE_TRIES} tries")


def earn_coupon(session: Session, order: SalesOrder, now: datetime | None = None) -> str | None:
    """Give the order's customer a goodwill coupon if the shop's rule is on, the order
    waited longer than the rule's days, and it has not earned one already; its code, else
    None. Called by ``ship_order`` under the order's lock, in its transaction."""
    rule = get_goodwill_rule(session)
    if not rule.enabled:
        return None
    if session.scalar(select(Coupon.id).where(Coupon.earned_order_id == order.id)) is not None:
        return None
    if not waited_long(waited_for(session, order), rule.days):
        return None
    now = now or utcnow()
    coupon = Coupon(
        code=_unused_code(session),
        customer_id=order.customer_id,
        earned_order_id=order.id,
        percent=rule.percent,
        amount=rule.amount,
        created_at=now,
        expires_at=None if rule.valid_days is None else now + timedelta(days=rule.valid_days),
    )
    session.add(coupon)
    session.flush()
    return coupon.code


def _refusal(coupon: Coupon, customer_id: int, now: datetime) -> str:
    shown = shown_code(coupon.code)
    if coupon.customer_id != customer_id:
        return f"Coupon {shown} belongs to another customer."
    if coupon.redeemed_order_id is not None:
        used_on = coupon.redeemed_order.ref if coupon.redeemed_order else "another order"
        return f"Coupon {shown} was already used on order {used_on}."
    if coupon.expires_at is not None and now > coupon.expires_at:
        return f"Coupon {shown} expired on {day(coupon.expires_at.astimezone().date())}."
    return ""


def checked_coupon(
    session: Session,
    customer_id: int,
    code: str,
    *,
    lock: bool = False,
    now: datetime | None = None,
) -> Coupon:
    """The coupon ``code`` if the customer may take it now, else :class:`CouponRefused`
    saying why (unknown, another customer's, used, expired).

    With ``lock`` the coupon's row is locked and read again: a second till redeeming the
    same code waits for the first and then sees it used."""
    wanted = normalise_code(code)
    if not wanted:
        raise CouponRefused("Type or scan a coupon code.")
    query = select(Coupon).where(Coupon.code == wanted)
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    coupon = session.scalars(query).one_or_none()
    if coupon is None:
        raise CouponRefused(f"No coupon has the code {code.strip()[:20]!r}.")
    refusal = _refusal(coupon, customer_id, now or utcnow())
    if refusal:
        raise CouponRefused(refusal)
    return coupon


def _discount(coupon: Coupon, line_total: Decimal, currency: str) -> Decimal:
    digits = min(currency_digits(currency), 2)
    return discount_for(line_total, percent=coupon.percent, amount=coupon.amount, digits=digits)


def redeem_coupon(
    session: Session, coupon: Coupon, order: SalesOrder, line_total: Decimal, when: datetime
) -> Decimal:
    """Take the (checked, locked) coupon off ``order`` whose lines come to ``line_total``;
    the discount, which it keeps."""
    off = _discount(coupon, line_total, get_currency(session))
    coupon.redeemed_order_id = order.id
    coupon.redeemed_at = when
    coupon.discount = off
    return off


def rework_discount(session: Session, order: SalesOrder) -> bool:
    """After units of ``order`` were cancelled: the discount of the coupon it used, worked
    out again on what is left of it (every unit not cancelled, shipped ones included, at its
    line's price). Returns whether there was a coupon to rework.

    The shop's rule, the same as at the order: a percentage coupon takes its share of what is
    left (10% of an order cut from €80 to €40 is €4, not the €8 of the whole); a fixed
    amount stays whole up to what is left, never more (a €10 coupon on an order cut to €6
    takes €6). So a discount never grows, and a cancel never leaves the customer owing less
    than nothing. An order cancelled entirely (nothing left, nothing shipped) gives its
    coupon back: the customer had no use of it, so the goodwill stays theirs for a next
    order (until the coupon's own expiry)."""
    coupon = session.scalars(
        select(Coupon).where(Coupon.redeemed_order_id == order.id).with_for_update()
    ).one_or_none()
    if coupon is None:
        return False
    if all(line.qty_ordered == line.qty_cancelled for line in order.lines):
        # Nothing of the order is left (by units, not money: a free line that shipped keeps
        # the coupon used).
        coupon.redeemed_order_id = None
        coupon.redeemed_at = None
        coupon.discount = None
    else:
        left = total(
            (line.qty_ordered - line.qty_cancelled, line.unit_price) for line in order.lines
        )
        coupon.discount = _discount(coupon, left, get_currency(session))
    return True


@dataclass(frozen=True, slots=True)
class CouponQuote:
    """What a coupon would take off an order now (New order's preview; nothing written)."""

    code: str
    value: str  #: "10%" or "€5.00"
    discount: Decimal
    total: Decimal  #: the line total less the discount
    currency: str


def quote_coupon(
    session: Session, customer_code: str, code: str, line_total: Decimal
) -> CouponQuote:
    """The discount and new total if the customer used ``code`` on an order whose lines
    come to ``line_total``, or :class:`CouponRefused` saying why not."""
    customer = get_customer(session, customer_code)
    coupon = checked_coupon(session, customer.id, code)
    currency = get_currency(session)
    off = _discount(coupon, line_total, currency)
    return CouponQuote(
        shown_code(coupon.code),
        value_text(coupon.percent, coupon.amount, currency),
        off,
        line_total - off,
        currency,
    )


def order_discount(session: Session, order_id: int) -> Decimal:
    """What a coupon took off the order (zero for none)."""
    found = session.scalar(select(Coupon.discount).where(Coupon.redeemed_order_id == order_id))
    return found if found is not None else Decimal("0.00")
