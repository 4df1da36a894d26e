"""Sending the outbox: claim the due rows, send each, mark it sent or due again later.

Three short transactions per batch, none held while a message is on the wire:

1. *claim*: the due pending rows (``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so two tills
   sending at once never take the same row; SQLite has a single writer) get their message
   rendered and stored (the first time), one more attempt counted, and a lease: they are not
   due again until ``LEASE`` has passed;
2. *send*, outside any transaction, through the channel's transport;
3. *mark*: sent, or due again after an exponential backoff, or failed for good after
   ``MAX_ATTEMPTS`` (visible in the Notifications view, where Retry puts it back).

A sender that dies between 2 and 3 leaves the row pending; once the lease runs out it is sent
again, with the same stored message and the same idempotency key, so the receiver (the mail
server's Message-ID, the webhook's ``Idempotency-Key``) can drop the duplicate. No Qt.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol, TypeVar

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.domain import (
    Customer,
    NotificationChannel,
    NotificationEvent,
    NotificationStatus,
    SalesOrder,
)
from app.domain.base import utcnow
from app.domain.notifications import Notification
from app.domain.permissions import Permission, require
from app.services.changes import Area, Changes
from app.services.documents.html import render_html
from app.services.notifications.settings import get_notification_settings
from app.services.notifications.status_sheet import SHEET_KEY, sheet_of, take_sheet
from app.services.notifications.templates import (
    get_template,
    notification_data,
    render,
)
from app.services.shop_settings import ShopIdentity, get_shop_identity

log = logging.getLogger(__name__)

T = TypeVar("T")

#: Tries before a message is marked failed (then only a person's Retry sends it again).
MAX_ATTEMPTS = 6
#: The wait after the first failed try; each further failure doubles it (1, 2, 4, 8, 16 min).
FIRST_BACKOFF = timedelta(minutes=1)
#: How long a claimed message is left alone: a sender that died holding it is presumed dead
#: after this, and the message is sent again (with the same idempotency key).
LEASE = timedelta(minutes=10)
#: Messages claimed per transaction.
BATCH = 50


class SendFailed(Exception):
    """A transport could not deliver a message; ``str()`` says why, for the Notifications
    view (a bad address, a refused login, a webhook answering 500)."""


@dataclass(frozen=True, slots=True)
class OutgoingMessage:
    """One claimed message, as plain values a transport needs (no ORM objects)."""

    notification_id: int
    idempotency_key: str
    channel: NotificationChannel
    event: NotificationEvent | None  #: None: a test message from the settings page
    order_ref: str
    customer_code: str
    customer_name: str
    email: str
    subject: str
    body: str
    created_at: datetime
    attempt: int
    #: The order status sheet taken with the message (``status_sheet``), when the shop
    #: attaches it: its JSON values (the webhook's) and the page the e-mail attaches.
    status_sheet: Mapping[str, Any] | None = None
    status_sheet_html: str = ""


class Transport(Protocol):
    def send(self, message: OutgoingMessage) -> None:
        """Deliver the message or raise (:class:`SendFailed` for a reason to show)."""


class Runner(Protocol):
    """What runs a write transaction and retries it on a conflict (``Database.run``)."""

    def run(self, fn: Callable[[Session], T]) -> T: ...


@dataclass(frozen=True, slots=True)
class SendReport:
    sent: int = 0
    retrying: int = 0  #: failed this time, tried again later
    failed: int = 0  #: failed for good (shown in the Notifications view)
    changes: Changes = field(default_factory=lambda: Changes.of(Area.NOTIFICATIONS))

    def __or__(self, other: SendReport) -> SendReport:
        return SendReport(
            self.sent + other.sent,
            self.retrying + other.retrying,
            self.failed + other.failed,
            self.changes | other.changes,
        )

    @property
    def attempted(self) -> int:
        return self.sent + self.retrying + self.failed

    def summary(self) -> str:
        return f"Sent {self.sent:,}; {self.retrying:,} to try again later; {self.failed:,} failed."


def backoff(attempts: int) -> timedelta:
    """The wait after the ``attempts``-th failed try: 1, 2, 4, 8... minutes."""
    return FIRST_BACKOFF * (1 << max(0, attempts - 1))


def claim_due(
    session: Session, *, now: datetime | None = None, limit: int = BATCH
) -> list[OutgoingMessage]:
    """Take the due pending messages for this sender (see the module's step 1)."""
    now = now or utcnow()
    stmt = (
        select(Notification)
        .where(
            Notification.status == NotificationStatus.PENDING,
            Notification.next_attempt_at <= now,
        )
        .order_by(Notification.next_attempt_at, Notification.id)
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True)
    rows = list(session.scalars(stmt))
    if not rows:
        return []
    people = {
        order_id: (ref, code, name, email)
        for order_id, ref, code, name, email in session.execute(
            select(SalesOrder.id, SalesOrder.ref, Customer.code, Customer.name, Customer.email)
            .join(Customer, Customer.id == SalesOrder.customer_id)
            .where(SalesOrder.id.in_({row.order_id for row in rows}))
        )
    }
    settings = get_notification_settings(session)
    templates = {event: get_template(session, event) for event in {row.event for row in rows}}
    letterhead: ShopIdentity | None = None
    claimed: list[OutgoingMessage] = []
    for row in rows:
        row.attempts += 1
        row.next_attempt_at = now + LEASE
        data = notification_data(row.data)
        if row.subject is None or row.body is None:
            try:
                message = render(
                    session,
                    templates[row.event],
                    row.order_id,
                    data,
                    shop_name=settings.signature_name,
                )
            except (KeyError, ValueError, IndexError) as error:
                _give_up(row, f"The message could not be written: {error}")
                continue
            row.subject, row.body = message.subject[:300], message.body
            if settings.attach_status_sheet:
                # Taken with the text, kept for every retry (see ``status_sheet``).
                data[SHEET_KEY] = take_sheet(session, row.order_id)
                row.data = json.dumps(data, sort_keys=True)
                data = notification_data(row.data)  # as a retry reads it: the same bytes out
        sheet: Mapping[str, Any] | None = data.get(SHEET_KEY)
        sheet_html = ""
        if sheet is not None:
            letterhead = letterhead or get_shop_identity(session)
            try:
                sheet_html = render_html(sheet_of(sheet, letterhead))
            except (KeyError, ValueError, TypeError, IndexError, ArithmeticError) as error:
                # One unreadable sheet (kept by another version, say) fails its own message,
                # not the whole batch every minute.
                _give_up(row, f"The order status sheet could not be written: {error!r}")
                continue
        ref, code, name, email = people[row.order_id]
        claimed.append(
            OutgoingMessage(
                row.id,
                row.idempotency_key,
                row.channel,
                row.event,
                ref,
                code,
                name,
                email,
                row.subject,
                row.body,
                row.created_at,
                row.attempts,
                sheet,
                sheet_html,
            )
        )
    session.flush()
    return claimed


def mark_sent(session: Session, notification_id: int, *, now: datetime | None = None) -> None:
    session.execute(
        update(Notification)
        .where(Notification.id == notification_id)
        .values(status=NotificationStatus.SENT, sent_at=now or utcnow(), last_error="")
    )


def mark_not_sent(
    session: Session,
    notification_id: int,
    error: str,
    *,
    now: datetime | None = None,
    max_attempts: int = MAX_ATTEMPTS,
) -> bool:
    """Record a failed try: due again after the backoff, or failed for good after
    ``max_attempts``. Returns whether it gave up."""
    row = session.get_one(Notification, notification_id)
    if row.status is not NotificationStatus.PENDING:
        return False  # someone pressed Retry or another sender marked it meanwhile
    row.last_error = error[:500]
    if row.attempts >= max_attempts:
        _give_up(row, row.last_error)
        return True
    row.next_attempt_at = (now or utcnow()) + backoff(row.attempts)
    return False


def _give_up(row: Notification, error: str) -> None:
    row.status = NotificationStatus.FAILED
    row.last_error = error[:500]


def send_due(
    runner: Runner,
    transports: Mapping[NotificationChannel, Transport],
    *,
    now: Callable[[], datetime] = utcnow,
    limit: int = BATCH,
    max_attempts: int = MAX_ATTEMPTS,
    batches: int | None = None,
) -> SendReport:
    """Send every message due now (``batches`` claims at most; None: until none is due)."""
    report = SendReport(changes=Changes())
    done = 0
    while batches is None or done < batches:
        done += 1
        claimed = runner.run(lambda session: claim_due(session, now=now(), limit=limit))
        if not claimed:
            break
        for message in claimed:
            report |= _send_one(runner, transports, message, now, max_attempts)
    return report


def _send_one(
    runner: Runner,
    transports: Mapping[NotificationChannel, Transport],
    message: OutgoingMessage,
    now: Callable[[], datetime],
    max_attempts: int,
) -> SendReport:
    transport = transports.get(message.channel)
    try:
        if transport is None:
            raise SendFailed(_missing(message.channel))
        if message.channel is NotificationChannel.EMAIL and "@" not in message.email:
            raise SendFailed(f"Customer {message.customer_code} has no e-mail address")
        transport.send(message)
    except Exception as error:  # any failure of a send is the message's, shown on its row
        if not isinstance(error, SendFailed | OSError):
            log.exception("sending notification %s failed", message.notification_id)
        reason = str(error) or type(error).__name__

        def not_sent(session: Session) -> bool:
            return mark_not_sent(
                session, message.notification_id, reason, now=now(), max_attempts=max_attempts
            )

        gave_up = runner.run(not_sent)
        return SendReport(0, 0 if gave_up else 1, 1 if gave_up else 0)
    runner.run(lambda session: mark_sent(session, message.notification_id, now=now()))
    return SendReport(1, 0, 0)


def _missing(channel: NotificationChannel) -> str:
    if channel is NotificationChannel.EMAIL:
        return "No SMTP server is set (Settings > Notifications)"
    if channel is NotificationChannel.WEBHOOK:
        return "No webhook address is set (Settings > Notifications)"
    return "The customer chose no messages"


def retry(session: Session, notification_ids: list[int]) -> SendReport:
    """Put failed (or waiting) messages back to be sent now, with their tries counted from
    zero. Sent messages are never sent again."""
    require(session, Permission.NOTIFY_CUSTOMERS)
    values: dict[str, Any] = {
        "status": NotificationStatus.PENDING,
        "attempts": 0,
        "next_attempt_at": utcnow(),
    }
    session.execute(
        update(Notification)
        .where(
            Notification.id.in_(notification_ids),
            Notification.status != NotificationStatus.SENT,
        )
        .values(**values)
    )
    return SendReport()
