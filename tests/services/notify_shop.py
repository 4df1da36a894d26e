"""Builders for the notification tests: templates enabled, customers opted in, rows read back."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from app.db import Database
from app.domain import (
    Customer,
    NotificationChannel,
    NotificationEvent,
    SalesOrder,
)
from app.domain.notifications import Notification
from app.services.notifications.customers import set_customer_notifications
from app.services.notifications.settings import (
    NotificationSettings,
    SmtpSecurity,
    save_notification_settings,
)
from app.services.notifications.templates import DEFAULTS, save_template


def enable_all(db: Database, *events: NotificationEvent) -> None:
    """Enable the built-in templates of ``events`` (all when none given)."""
    with db.write() as session:
        for event in events or tuple(NotificationEvent):
            subject, body = DEFAULTS[event]
            save_template(session, event, subject, body, enabled=True)


def opt_in(
    db: Database, *codes: str, channel: NotificationChannel = NotificationChannel.EMAIL
) -> None:
    with db.write() as session:
        for code in codes:
            set_customer_notifications(session, code, opt_in=True, channel=channel)
            customer = session.scalar(select(Customer).where(Customer.code == code))
            assert customer is not None
            customer.email = customer.email or f"{code.lower()}@example.com"


def configure(
    db: Database,
    *,
    smtp_port: int = 587,
    webhook_url: str = "",
    security: SmtpSecurity = SmtpSecurity.NONE,
    smtp_user: str = "",
    attach_status_sheet: bool = False,
) -> None:
    with db.write() as session:
        save_notification_settings(
            session,
            NotificationSettings(
                shop_name="Corner Shop",
                smtp_host="127.0.0.1",
                smtp_port=smtp_port,
                smtp_security=security,
                smtp_user=smtp_user,
                from_address="shop@example.com",
                webhook_url=webhook_url,
                attach_status_sheet=attach_status_sheet,
            ),
        )


@dataclass(frozen=True)
class Sent:
    """One outbox row, as a test reads it back."""

    order_ref: str
    event: str
    channel: str
    status: str
    attempts: int
    key: str
    subject: str | None
    body: str | None
    last_error: str


def outbox(db: Database) -> list[Sent]:
    with db.read() as session:
        rows = session.execute(
            select(
                SalesOrder.ref,
                Notification.event,
                Notification.channel,
                Notification.status,
                Notification.attempts,
                Notification.idempotency_key,
                Notification.subject,
                Notification.body,
                Notification.last_error,
            )
            .join(SalesOrder, SalesOrder.id == Notification.order_id)
            .order_by(Notification.id)
        ).all()
    return [
        Sent(ref, event.value, channel.value, status.value, attempts, key, subject, body, error)
        for ref, event, channel, status, attempts, key, subject, body, error in rows
    ]


def events(db: Database) -> list[tuple[str, str]]:
    """(order ref, event) of every outbox row, oldest first."""
    return [(row.order_ref, row.event) for row in outbox(db)]
