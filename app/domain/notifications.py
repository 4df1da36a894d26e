"""Customer notifications: the outbox of messages to send, and the shop's templates.

A notification is written in the same transaction as the change that causes it (a
transactional outbox): a change that rolls back leaves no message, one that commits cannot
lose its message. The sender (``app.services.notifications.sender``) sends the rows later,
off the till's write, and marks them. Each row carries an idempotency key that travels with
the message (e-mail ``Message-ID``, webhook ``Idempotency-Key``), so a message sent but not
marked (a crash in between) is sent again with the same key and the receiver can drop it.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.domain.base import Base, stored_enum, utcnow


class NotificationEvent(StrEnum):
    """What happened to a customer's order that the customer hears about."""

    BACKORDERED = "backordered"  #: units wait for stock (with each waiting line's ETA range)
    ETA_LATER = "eta_later"  #: a waiting line's ETA moved later
    PART_READY = "part_ready"  #: some units are ready to ship, others still wait
    READY_TO_SHIP = "ready_to_ship"  #: everything still to ship is here
    SHIPPED = "shipped"  #: units left the shop
    CANCELLED = "cancelled"  #: the order was cancelled

    @property
    def label(self) -> str:
        return _EVENT_LABELS[self]


_EVENT_LABELS = {
    NotificationEvent.BACKORDERED: "Order backordered",
    NotificationEvent.ETA_LATER: "Delivery date moved later",
    NotificationEvent.PART_READY: "Part ready to ship",
    NotificationEvent.READY_TO_SHIP: "Ready to ship",
    NotificationEvent.SHIPPED: "Shipped",
    NotificationEvent.CANCELLED: "Cancelled",
}


class NotificationChannel(StrEnum):
    """How a customer wants to hear from the shop."""

    EMAIL = "email"
    WEBHOOK = "webhook"  #: posted to the shop's automation service (Zapier, Make), which sends
    NONE = "none"

    @property
    def label(self) -> str:
        return {"email": "E-mail", "webhook": "Webhook (automation)", "none": "No messages"}[
            self.value
        ]


class NotificationStatus(StrEnum):
    PENDING = "pending"  #: waiting to be sent, or to be tried again
    SENT = "sent"
    FAILED = "failed"  #: gave up after the last try; Retry puts it back to pending

    @property
    def label(self) -> str:
        return self.value.capitalize()


class Notification(Base):
    """One message to one customer about one order (a row of the outbox)."""

    __tablename__ = "notification"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Not indexed, nor is ``created_at``: the view pages by id, and every index is one more
    #: write per message for a receipt that makes thousands of orders ready.
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"))
    order_id: Mapped[int] = mapped_column(ForeignKey("sales_order.id"), index=True)
    event: Mapped[NotificationEvent] = mapped_column(stored_enum(NotificationEvent, "notify_event"))
    channel: Mapped[NotificationChannel] = mapped_column(
        stored_enum(NotificationChannel, "notify_channel")
    )
    #: What the event knew that the order will not remember (JSON), e.g. the ETA a line
    #: showed before it moved later. Rendered with the order's lines at the first try.
    data: Mapped[str] = mapped_column(Text, default="{}")
    #: The exact message, rendered at the first try and kept: every retry sends the same.
    subject: Mapped[str | None] = mapped_column(String(300), default=None)
    body: Mapped[str | None] = mapped_column(Text, default=None)
    status: Mapped[NotificationStatus] = mapped_column(
        stored_enum(NotificationStatus, "notify_status"), default=NotificationStatus.PENDING
    )
    attempts: Mapped[int] = mapped_column(default=0)
    #: When the sender may next try it (a retry's backoff, or a claim's lease).
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_error: Mapped[str] = mapped_column(String(500), default="")
    #: Travels with the message (Message-ID, Idempotency-Key): a resend after a crash between
    #: sending and marking carries the same key, so the receiver drops the duplicate.
    idempotency_key: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(default=None)

    __table_args__ = (
        # The sender's claim: the due rows of one status, oldest first.
        Index("ix_notification_status_next_attempt_at", "status", "next_attempt_at"),
    )


class NotificationTemplate(Base):
    """The shop's own wording of one event's message (no row: the built-in one, disabled)."""

    __tablename__ = "notification_template"

    event: Mapped[NotificationEvent] = mapped_column(
        stored_enum(NotificationEvent, "notify_event"), primary_key=True
    )
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    #: Only enabled events are written to the outbox.
    enabled: Mapped[bool] = mapped_column(default=False)
