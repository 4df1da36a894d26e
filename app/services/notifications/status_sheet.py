"""The order status sheet that travels with a customer message, when the shop asks for it
(Settings > Notifications: "Attach the order status sheet").

The sheet is taken when the message itself is written: at the sender's first try, in the
transaction that stores the rendered subject and body (``sender.claim_due``), and kept in the
row's ``data`` as the structured values below. So the sheet always shows the moment the
message's own text describes (the lines and dates in the body and in the sheet agree), and a
retry, or a resend after a crash, carries exactly the same sheet as the same text. Taking it
when the event is enqueued instead would read every order's lines and ETAs inside the change's
own transaction: ~30k sheets in a flash-sale receipt's confirm, for messages the sender writes
within the minute anyway (the window's sender runs every minute).

The e-mail attaches the sheet as one HTML page (``documents.html``, as printed), rendered from
these values at each try; the webhook's JSON carries the values themselves (each line's units
and status, its ETA range as ISO dates). HTML rather than PDF: PDF needs Qt's layout and
painting, and ``shopkeeper send-notifications`` runs on servers without a display or Qt's
system libraries; the HTML needs nothing, opens in any mail program and browser, and prints
as the shop's own Order status document. No Qt.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain import OrderStatus, SalesOrder
from app.services.documents import OrderStatusSheet, StatusLine, order_status_sheet
from app.services.documents.orders import OrderHeader
from app.services.shop_settings import ShopIdentity
from app.services.views.coupons import CouponRow

#: The key of the sheet in a notification's data.
SHEET_KEY = "order_status"


def take_sheet(session: Session, order_id: int) -> dict[str, Any]:
    """The order's status sheet as it is now, as JSON values."""
    ref = session.scalars(select(SalesOrder.ref).where(SalesOrder.id == order_id)).one()
    return sheet_values(order_status_sheet(session, ref))


def _iso(value: date | datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def sheet_values(sheet: OrderStatusSheet) -> dict[str, Any]:
    """``sheet`` as JSON values: what a webhook receives, and what the e-mail's page is
    rendered from (:func:`sheet_of`)."""
    order = sheet.order
    coupon = sheet.coupon
    return {
        "order_ref": order.ref,
        "status": order.status.value,
        "status_text": order.status.label,
        "placed_at": order.placed_at.isoformat(),
        "as_of": sheet.printed_on.isoformat(),
        "customer_code": order.customer_code,
        "customer_name": order.customer_name,
        "ships_complete": order.ships_complete,
        "currency": sheet.currency,
        "total": str(sheet.total),
        "coupon": None
        if coupon is None
        else {
            "code": coupon.code,
            "value": coupon.value,
            "discount": None if coupon.discount is None else str(coupon.discount),
            "earned_by": coupon.earned_by,
            "created_at": _iso(coupon.created_at),
            "expires_at": _iso(coupon.expires_at),
            "redeemed_at": _iso(coupon.redeemed_at),
        },
        "lines": [
            {
                "line_no": line.line_no,
                "sku": line.sku,
                "name": line.name,
                "ordered": line.ordered,
                "shipped": line.shipped,
                "ready": line.ready,
                "waiting": line.waiting,
                "cancelled": line.cancelled,
                "status_text": line.status,
                "unit_price": str(line.unit_price),
                "amount": str(line.amount),
                "expected": line.eta,
                "eta_from": _iso(line.eta_from),
                "eta_to": _iso(line.eta_to),
            }
            for line in sheet.lines
        ],
    }


def _day(value: Any) -> date | None:
    return None if value is None else date.fromisoformat(value)


def _time(value: Any) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)


def sheet_of(values: Mapping[str, Any], shop: ShopIdentity) -> OrderStatusSheet:
    """The sheet :func:`sheet_values` described, on the shop's letterhead, to render."""
    coupon = values.get("coupon")
    placed_at = _time(values["placed_at"])
    if placed_at is None:
        raise ValueError("the sheet has no time the order was placed")
    return OrderStatusSheet(
        shop=shop,
        order=OrderHeader(
            ref=values["order_ref"],
            placed_at=placed_at,
            status=OrderStatus(values["status"]),
            customer_code=values["customer_code"],
            customer_name=values["customer_name"],
            customer_email="",
            customer_phone="",
            note="",
            ships_complete=values["ships_complete"],
        ),
        lines=tuple(
            StatusLine(
                line_no=line["line_no"],
                sku=line["sku"],
                name=line["name"],
                ordered=line["ordered"],
                shipped=line["shipped"],
                ready=line["ready"],
                waiting=line["waiting"],
                cancelled=line["cancelled"],
                unit_price=Decimal(line["unit_price"]),
                eta=line["expected"],
                eta_from=_day(line["eta_from"]),
                eta_to=_day(line["eta_to"]),
            )
            for line in values["lines"]
        ),
        currency=values["currency"],
        printed_on=date.fromisoformat(values["as_of"]),
        coupon=None
        if coupon is None
        else CouponRow(
            code=coupon["code"],
            customer_code=values["customer_code"],
            customer=values["customer_name"],
            value=coupon["value"],
            earned_by=coupon["earned_by"],
            created_at=_time(coupon["created_at"]) or placed_at,
            expires_at=_time(coupon["expires_at"]),
            redeemed_on=values["order_ref"],
            redeemed_at=_time(coupon["redeemed_at"]),
            discount=None if coupon["discount"] is None else Decimal(coupon["discount"]),
            currency=values["currency"],
        ),
    )
