"""Whether a customer hears about their orders, and how (e-mail, the shop's webhook, none)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain import Customer, NotificationChannel
from app.domain.permissions import Permission, require
from app.services.catalog.common import get_customer
from app.services.changes import Area, Changes


@dataclass(frozen=True, slots=True)
class CustomerNotifications:
    code: str
    opt_in: bool
    channel: NotificationChannel
    changes: Changes


def get_customer_notifications(session: Session, code: str) -> CustomerNotifications:
    row = session.execute(
        select(Customer.code, Customer.notify_opt_in, Customer.notify_channel).where(
            Customer.id == get_customer(session, code).id
        )
    ).one()
    return CustomerNotifications(row[0], row[1], row[2], Changes())


def set_customer_notifications(
    session: Session, code: str, *, opt_in: bool, channel: NotificationChannel
) -> CustomerNotifications:
    """Record the customer's answer: messages about their orders or not, and the channel.
    Messages already written stay as they are; from now on only what the customer chose."""
    require(session, Permission.EDIT_CATALOG)
    customer = get_customer(session, code)
    customer.notify_opt_in = opt_in
    customer.notify_channel = channel
    session.flush()
    return CustomerNotifications(customer.code, opt_in, channel, Changes.of(Area.CATALOG))
