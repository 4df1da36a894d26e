"""The shop's message templates, and rendering one notification into its exact message.

A template is a subject and a body with placeholders in braces (``{customer_name}``); the
shop edits them and enables each event after a preview of the real message for a real order
(:func:`preview`). Rendering reads the order as it is at the first try (its lines, each
waiting line's ETA range) plus what the event itself recorded (the ETA a line showed before
it moved later, the units a shipment sent); the sender stores the result on the row, so a
retry sends exactly the same message. No Qt.
"""

from __future__ import annotations

import json
import string
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain import (
    Customer,
    LineEta,
    NotificationEvent,
    NotificationTemplate,
    OrderLine,
    Product,
    SalesOrder,
)
from app.domain.coupons import Coupon, shown_code
from app.domain.errors import InvalidInput, NotFound
from app.domain.permissions import Permission, require
from app.services import formatting
from app.services.changes import Area, Changes
from app.services.coupons import value_text
from app.services.eta.pegging import IN_STOCK
from app.services.shop_settings import get_currency

#: The placeholders a template may use, and what each becomes (shown beside the editor).
PLACEHOLDERS: dict[str, str] = {
    "customer_name": "the customer's name",
    "order_ref": "the order's reference",
    "lines": "the order's lines, one a row, with what is ready, shipped or waiting (and when)",
    "eta_range": "when the waiting units are expected, earliest to latest",
    "shop_name": "the shop's name (Settings > Notifications, else Settings > Shop)",
    "coupon": "the goodwill coupon a long wait earned (code, value, until when), after a blank "
    "line; nothing without one",
}

_TIMES = "\N{MULTIPLICATION SIGN}"
_SIGNATURE = "\n\nThank you for your patience,\n{shop_name}"

#: The built-in wording of each event (used until the shop saves its own).
DEFAULTS: dict[NotificationEvent, tuple[str, str]] = {
    NotificationEvent.BACKORDERED: (
        "Your order {order_ref} is on backorder",
        "Dear {customer_name},\n\nsome items of your order {order_ref} are not in stock yet. "
        "We expect them {eta_range}:\n\n{lines}" + _SIGNATURE,
    ),
    NotificationEvent.ETA_LATER: (
        "Your order {order_ref} will arrive later than we said",
        "Dear {customer_name},\n\nour supplier is late: the waiting items of your order "
        "{order_ref} are now expected {eta_range}.\n\n{lines}\n\nYou can cancel the waiting "
        "items at any time; just reply to this message." + _SIGNATURE,
    ),
    NotificationEvent.PART_READY: (
        "Part of your order {order_ref} is ready",
        "Dear {customer_name},\n\npart of your order {order_ref} is ready; the rest is "
        "expected {eta_range}:\n\n{lines}" + _SIGNATURE,
    ),
    NotificationEvent.READY_TO_SHIP: (
        "Your order {order_ref} is ready",
        "Dear {customer_name},\n\neverything in your order {order_ref} is here and ready:"
        "\n\n{lines}" + _SIGNATURE,
    ),
    NotificationEvent.SHIPPED: (
        "Your order {order_ref} has shipped",
        "Dear {customer_name},\n\nwe have sent you:\n\n{lines}{coupon}" + _SIGNATURE,
    ),
    NotificationEvent.CANCELLED: (
        "Your order {order_ref} is cancelled",
        "Dear {customer_name},\n\nyour order {order_ref} has been cancelled:\n\n{lines}"
        + _SIGNATURE,
    ),
}


@dataclass(frozen=True, slots=True)
class Template:
    event: NotificationEvent
    subject: str
    body: str
    enabled: bool


@dataclass(frozen=True, slots=True)
class TemplateSaved:
    template: Template
    changes: Changes


@dataclass(frozen=True, slots=True)
class Rendered:
    """One message exactly as it is sent."""

    subject: str
    body: str
    #: The file the e-mail attaches (the order status sheet), "" when the shop attaches none.
    attachment: str = ""


def get_template(session: Session, event: NotificationEvent) -> Template:
    """The shop's template for ``event`` (the built-in one, disabled, until it saves one)."""
    row = session.get(NotificationTemplate, event)
    if row is None:
        subject, body = DEFAULTS[event]
        return Template(event, subject, body, False)
    return Template(event, row.subject, row.body, row.enabled)


def get_templates(session: Session) -> list[Template]:
    return [get_template(session, event) for event in NotificationEvent]


def check_template(text: str, *, what: str) -> str:
    """``text`` if every placeholder in it is one of :data:`PLACEHOLDERS`, else a refusal
    naming the wrong one (a typo would otherwise reach customers as a broken message)."""
    try:
        fields = [name for _, name, spec, _ in string.Formatter().parse(text) if name is not None]
    except ValueError as error:
        raise InvalidInput(
            f"The {what} has an unmatched brace: write {{{{ or }}}} for a brace itself."
        ) from error
    for name in fields:
        if name not in PLACEHOLDERS:
            known = ", ".join("{" + key + "}" for key in PLACEHOLDERS)
            raise InvalidInput(
                f"The {what} uses {{{name}}}, which is not a placeholder: use {known}."
            )
    return text


def save_template(
    session: Session, event: NotificationEvent, subject: str, body: str, *, enabled: bool
) -> TemplateSaved:
    """Save the shop's wording of one event's message, and whether it is sent."""
    require(session, Permission.CHANGE_SETTINGS)
    subject = check_template(subject.strip(), what="subject")
    body = check_template(body.strip(), what="message")
    if not subject:
        raise InvalidInput("A message needs a subject.")
    if len(subject) > 300:
        raise InvalidInput("A subject can be at most 300 characters.")
    row = session.get(NotificationTemplate, event)
    if row is None:
        session.add(NotificationTemplate(event=event, subject=subject, body=body, enabled=enabled))
    else:
        row.subject, row.body, row.enabled = subject, body, enabled
    session.flush()
    return TemplateSaved(
        Template(event, subject, body, enabled), Changes.of(Area.SETTINGS, Area.NOTIFICATIONS)
    )


def render(
    session: Session,
    template: Template,
    order_id: int,
    data: Mapping[str, Any] | None = None,
    *,
    shop_name: str,
) -> Rendered:
    """The exact message of ``template`` for this order, as it is now."""
    values = _values(session, template.event, order_id, data or {}, shop_name)
    return Rendered(
        template.subject.format_map(values).replace("\n", " ").strip(),
        template.body.format_map(values),
    )


def preview(
    session: Session, event: NotificationEvent, subject: str, body: str, order_ref: str
) -> Rendered:
    """What a template (perhaps not saved yet) would send about a real order, before the
    shop enables it."""
    from app.services.notifications.settings import get_notification_settings

    order_id = session.scalar(select(SalesOrder.id).where(SalesOrder.ref == order_ref.strip()))
    if order_id is None:
        raise NotFound(f"No order has the reference {order_ref.strip()[:40]!r}")
    template = Template(
        event, check_template(subject, what="subject"), check_template(body, what="message"), False
    )
    from app.services.notifications.smtp import sheet_file_name

    settings = get_notification_settings(session)
    shown = render(
        session,
        template,
        order_id,
        _sample_data(session, event, order_id),
        shop_name=settings.signature_name,
    )
    if not settings.attach_status_sheet:
        return shown
    return replace(shown, attachment=sheet_file_name(order_ref.strip()))


def notification_data(text: str) -> dict[str, Any]:
    """The event data stored on a notification row."""
    loaded = json.loads(text or "{}")
    return loaded if isinstance(loaded, dict) else {}


def _sample_data(session: Session, event: NotificationEvent, order_id: int) -> dict[str, Any]:
    """What a preview shows for the event's own data: a shipment of every allocated unit."""
    if event is not NotificationEvent.SHIPPED:
        return {}
    rows = session.execute(
        select(OrderLine.id, OrderLine.qty_allocated + OrderLine.qty_shipped).where(
            OrderLine.order_id == order_id
        )
    )
    return {"shipped": {str(line_id): qty for line_id, qty in rows if qty}}


def _values(
    session: Session,
    event: NotificationEvent,
    order_id: int,
    data: Mapping[str, Any],
    shop_name: str,
) -> dict[str, str]:
    ref, customer_name = session.execute(
        select(SalesOrder.ref, Customer.name)
        .join(Customer, Customer.id == SalesOrder.customer_id)
        .where(SalesOrder.id == order_id)
    ).one()
    rows = session.execute(
        select(
            OrderLine.id,
            Product.name,
            Product.sku,
            OrderLine.qty_ordered,
            OrderLine.qty_allocated,
            OrderLine.qty_shipped,
            OrderLine.qty_cancelled,
            OrderLine.qty_backordered,
            LineEta.status,
            LineEta.likely,
            LineEta.late,
        )
        .join(Product, Product.id == OrderLine.product_id)
        .outerjoin(LineEta, LineEta.order_line_id == OrderLine.id)
        .where(OrderLine.order_id == order_id)
        .order_by(OrderLine.line_no)
    ).all()
    shipped: Mapping[str, int] = data.get("shipped", {})
    moved: Mapping[str, Mapping[str, Any]] = data.get("moved", {})
    texts: list[str] = []
    firsts: list[date] = []
    lasts: list[date] = []
    for (
        line_id,
        name,
        sku,
        ordered,
        allocated,
        ship,
        cancelled,
        waiting,
        status,
        likely,
        late,
    ) in rows:
        item = f"{name} ({sku})"
        if event is NotificationEvent.SHIPPED:
            if shipped.get(str(line_id)):
                texts.append(f"- {shipped[str(line_id)]:,} {_TIMES} {item}")
            continue
        if event is NotificationEvent.CANCELLED:
            texts.append(
                f"- {cancelled:,} {_TIMES} {item}" + (f", {ship:,} shipped" if ship else "")
            )
            continue
        if cancelled == ordered:
            continue
        parts: list[str] = []
        if ship:
            parts.append(f"{ship:,} shipped")
        if allocated:
            parts.append(f"{allocated:,} ready")
        if waiting:
            when = _when(status, likely, late)
            if likely is not None:
                firsts.append(_as_date(likely))
                lasts.append(_as_date(late or likely))
            was = moved.get(str(line_id))
            if was is not None and was.get("was"):
                when += f" (was {formatting.day(_as_date(was['was']))})"
            parts.append(f"{waiting:,} waiting, expected {when}")
        texts.append(f"- {ordered - cancelled:,} {_TIMES} {item}: " + ", ".join(parts))
    if firsts:
        eta_range = formatting.day_range(min(firsts), max(lasts))
    else:
        eta_range = "as soon as we know a date" if any(r[7] for r in rows) else ""
    return {
        "customer_name": customer_name,
        "order_ref": ref,
        "lines": "\n".join(texts),
        "eta_range": eta_range,
        "shop_name": shop_name,
        "coupon": _coupon_text(session, order_id),
    }


def _coupon_text(session: Session, order_id: int) -> str:
    """The goodwill coupon the order earned and is still to be used, as a paragraph of its
    own (a blank line first, so a template reads the same without one); "" without one."""
    coupon = session.scalars(
        select(Coupon).where(Coupon.earned_order_id == order_id, Coupon.redeemed_at.is_(None))
    ).one_or_none()
    if coupon is None:
        return ""
    value = value_text(coupon.percent, coupon.amount, get_currency(session))
    until = f" (valid until {formatting.day(coupon.expires_at)})" if coupon.expires_at else ""
    return (
        f"\n\nThank you for waiting: your coupon {shown_code(coupon.code)} takes {value} off "
        f"your next order{until}. Give the code when you order."
    )


def _when(status: str | None, likely: Any, late: Any) -> str:
    if status == IN_STOCK:
        return "now"
    if likely is None:
        return "as soon as we know a date"
    return formatting.day_range(_as_date(likely), _as_date(late or likely))


def _as_date(value: Any) -> date:
    """A stored date as a date (SQLite hands back text on raw paths; JSON keeps ISO text)."""
    if isinstance(value, str):
        return date.fromisoformat(value[:10])
    if isinstance(value, datetime):
        return value.date()
    assert isinstance(value, date)
    return value
