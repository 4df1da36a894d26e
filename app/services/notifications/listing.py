"""The Notifications view's reads: the outbox newest first, filtered and paged in SQL."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from app.domain import (
    Customer,
    NotificationChannel,
    NotificationEvent,
    NotificationStatus,
    SalesOrder,
)
from app.domain.notifications import Notification

#: Rows per page the view fetches as it scrolls.
PAGE = 200


@dataclass(frozen=True, slots=True)
class NotificationRow:
    id: int
    created_at: datetime
    order_ref: str
    customer_name: str
    event: NotificationEvent
    channel: NotificationChannel
    status: NotificationStatus
    attempts: int
    next_attempt_at: datetime
    sent_at: datetime | None
    last_error: str
    subject: str | None


@dataclass(frozen=True, slots=True)
class NotificationFilter:
    status: NotificationStatus | None = None
    event: NotificationEvent | None = None
    #: Part of an order reference or a customer's name or code.
    text: str = ""


def list_notifications(
    session: Session,
    where: NotificationFilter = NotificationFilter(),
    *,
    before_id: int | None = None,
    limit: int = PAGE,
) -> list[NotificationRow]:
    """The newest ``limit`` rows matching ``where`` (older than ``before_id``: the next page,
    by key, so a page costs the same however far the clerk scrolled)."""
    stmt = (
        select(
            Notification.id,
            Notification.created_at,
            SalesOrder.ref,
            Customer.name,
            Notification.event,
            Notification.channel,
            Notification.status,
            Notification.attempts,
            Notification.next_attempt_at,
            Notification.sent_at,
            Notification.last_error,
            Notification.subject,
        )
        .join(SalesOrder, SalesOrder.id == Notification.order_id)
        .join(Customer, Customer.id == Notification.customer_id)
        .order_by(Notification.id.desc())
        .limit(limit)
    )
    if where.status is not None:
        stmt = stmt.where(Notification.status == where.status)
    if where.event is not None:
        stmt = stmt.where(Notification.event == where.event)
    text = where.text.strip()
    if text:
        pattern = f"%{text.lower()}%"
        stmt = stmt.where(
            or_(
                func.lower(SalesOrder.ref).like(pattern),
                func.lower(Customer.name).like(pattern),
                func.lower(Customer.code).like(pattern),
            )
        )
    if before_id is not None:
        stmt = stmt.where(Notification.id < before_id)
    rows: list[Any] = list(session.execute(stmt))  # 12 columns: past the typed Row arity
    return [NotificationRow(*row) for row in rows]


def count_by_status(session: Session) -> dict[NotificationStatus, int]:
    """How many messages wait, were sent and failed (the view's filter shows them)."""
    counts = dict.fromkeys(NotificationStatus, 0)
    for status, count in session.execute(
        select(Notification.status, func.count()).group_by(Notification.status)
    ):
        counts[status] = count
    return counts


def message_of(session: Session, notification_id: int) -> tuple[str, str] | None:
    """(subject, body) as sent or to be sent (None: not written yet, rendered at the first
    try)."""
    row = session.execute(
        select(Notification.subject, Notification.body).where(Notification.id == notification_id)
    ).one_or_none()
    if row is None or row[0] is None:
        return None
    return row[0], row[1] or ""
