"""Goodwill coupons as the window and ``shopkeeper coupons`` list them: plain rows, per
customer or for the whole shop, newest first. No Qt."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session, aliased

from app.domain import Customer, SalesOrder
from app.domain.base import utcnow
from app.domain.coupons import Coupon, shown_code
from app.services.catalog import get_customer
from app.services.coupons import value_text
from app.services.shop_settings import get_currency

#: A coupon with its customer's code and name, the earning order's ref and the redeeming one's.
_CouponQuery = Select[Coupon, str, str, str, str]

#: Most coupons one listing shows (a customer has a handful; a whole shop, its newest).
MAX_COUPON_ROWS = 1000


@dataclass(frozen=True, slots=True)
class CouponRow:
    code: str  #: as shown: "ABCD-EFGH"
    customer_code: str
    customer: str
    value: str  #: "10 %" or "€5.00"
    earned_by: str  #: the order whose wait earned it
    created_at: datetime
    expires_at: datetime | None
    redeemed_on: str | None  #: the order it was used on (None: not used)
    redeemed_at: datetime | None
    discount: Decimal | None  #: what it took off that order
    currency: str

    def state(self, now: datetime | None = None) -> str:
        """ "used", "expired" or "open" (may still be used)."""
        if self.redeemed_on is not None:
            return "used"
        if self.expires_at is not None and (now or utcnow()) > self.expires_at:
            return "expired"
        return "open"


def _rows(session: Session, query: _CouponQuery) -> list[CouponRow]:
    currency = get_currency(session)
    return [
        CouponRow(
            shown_code(coupon.code),
            customer_code,
            customer,
            value_text(coupon.percent, coupon.amount, currency),
            earned_by,
            coupon.created_at,
            coupon.expires_at,
            redeemed_on,
            coupon.redeemed_at,
            coupon.discount,
            currency,
        )
        for coupon, customer_code, customer, earned_by, redeemed_on in session.execute(query)
    ]


def _query() -> _CouponQuery:
    earned, redeemed = aliased(SalesOrder), aliased(SalesOrder)
    return (
        select(Coupon, Customer.code, Customer.name, earned.ref, redeemed.ref)
        .join(Customer, Customer.id == Coupon.customer_id)
        .join(earned, earned.id == Coupon.earned_order_id)
        .outerjoin(redeemed, redeemed.id == Coupon.redeemed_order_id)
        .order_by(Coupon.created_at.desc(), Coupon.id.desc())
        .limit(MAX_COUPON_ROWS)
    )


def coupons_list(session: Session, customer_code: str | None = None) -> list[CouponRow]:
    """Every coupon (newest first), or one customer's (``NotFound`` for an unknown code)."""
    query = _query()
    if customer_code is not None:
        query = query.where(Coupon.customer_id == get_customer(session, customer_code).id)
    return _rows(session, query)


def order_coupons(session: Session, ref: str) -> list[CouponRow]:
    """The coupon the order ``ref`` earned and the one it used (either, both or none)."""
    order_id = select(SalesOrder.id).where(SalesOrder.ref == ref.strip()).scalar_subquery()
    query = _query().where(
        or_(Coupon.earned_order_id == order_id, Coupon.redeemed_order_id == order_id)
    )
    return _rows(session, query)
