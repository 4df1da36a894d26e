"""Writing customer notifications to the outbox, in the transaction of the change.

The services that change an order call these in their own transaction: placing an order
(backordered), a status refresh (part ready, ready to ship, backordered again), shipping,
cancelling, and an ETA recompute that moved a waiting line later (once per change: the
recompute flags only lines whose ETA moved). Nothing is sent here; the sender reads the
committed rows. A bulk change (a receipt filling thousands of lines) writes all its rows with
one multi-row insert. Only events whose template the shop enabled, for customers who opted
in with a channel, are written. No Qt.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Table, insert, select
from sqlalchemy.orm import Session

from app.domain import (
    Customer,
    NotificationChannel,
    NotificationEvent,
    NotificationStatus,
    NotificationTemplate,
    OrderLine,
    OrderStatus,
    SalesOrder,
)
from app.domain.base import utcnow
from app.domain.notifications import Notification

#: Orders read per statement (well below SQLite's and psycopg's limits on bound parameters).
_CHUNK = 2000

#: The event a new status tells the customer about (other statuses: nothing to say).
_STATUS_EVENTS: dict[OrderStatus, NotificationEvent] = {
    OrderStatus.BACKORDERED: NotificationEvent.BACKORDERED,
    OrderStatus.PART_READY: NotificationEvent.PART_READY,
    OrderStatus.READY_TO_SHIP: NotificationEvent.READY_TO_SHIP,
    OrderStatus.CANCELLED: NotificationEvent.CANCELLED,
}


@dataclass(frozen=True, slots=True)
class Event:
    """Something that happened to one order that its customer may hear about."""

    order_id: int
    event: NotificationEvent
    #: What the order itself will not remember (e.g. the ETAs lines showed before).
    data: Mapping[str, Any] | None = None


def enabled_events(session: Session) -> frozenset[NotificationEvent]:
    """The events the shop turned on (a template saved as enabled)."""
    return frozenset(
        session.scalars(
            select(NotificationTemplate.event).where(NotificationTemplate.enabled.is_(True))
        )
    )


def status_events(changed: Mapping[int, tuple[OrderStatus | None, OrderStatus]]) -> list[Event]:
    """The events of status changes (order id -> (status before or None for a new order, now)).

    A new order tells its customer only that units wait (backordered, or part ready: some
    units wait); a sale that takes everything from the shelf says nothing. Shipping has its
    own event (``shipped``), written by the shipping service with the units sent.
    """
    events: list[Event] = []
    for order_id, (before, now) in changed.items():
        if before == now:
            continue
        if before is None:
            if now in (OrderStatus.BACKORDERED, OrderStatus.PART_READY):
                events.append(Event(order_id, NotificationEvent.BACKORDERED))
            continue
        event = _STATUS_EVENTS.get(now)
        if event is not None:
            events.append(Event(order_id, event))
    return events


def enqueue(session: Session, events: Iterable[Event]) -> int:
    """Write the notifications of these events (in the caller's transaction); returns how
    many were written. Events the shop did not enable, and customers who did not opt in or
    chose no channel, write nothing."""
    wanted = enabled_events(session)
    if not wanted:
        return 0
    todo = [e for e in events if e.event in wanted]
    if not todo:
        return 0
    order_ids = sorted({e.order_id for e in todo})
    reach: dict[int, tuple[int, NotificationChannel]] = {}
    for start in range(0, len(order_ids), _CHUNK):
        rows = session.execute(
            select(SalesOrder.id, Customer.id, Customer.notify_channel)
            .join(Customer, Customer.id == SalesOrder.customer_id)
            .where(
                SalesOrder.id.in_(order_ids[start : start + _CHUNK]),
                Customer.notify_opt_in.is_(True),
                Customer.notify_channel != NotificationChannel.NONE,
            )
        )
        for order_id, customer_id, channel in rows:
            reach[order_id] = (customer_id, channel)
    now = utcnow()
    rows_to_write: list[dict[str, Any]] = []
    for e in todo:
        found = reach.get(e.order_id)
        if found is None:
            continue
        rows_to_write.append(
            {
                "customer_id": found[0],
                "order_id": e.order_id,
                "event": e.event,
                "channel": found[1],
                "data": json.dumps(dict(e.data or {}), sort_keys=True, default=str),
                "status": NotificationStatus.PENDING,
                "attempts": 0,
                "next_attempt_at": now,
                "last_error": "",
                "idempotency_key": uuid.uuid4().hex,
                "created_at": now,
            }
        )
    if rows_to_write:
        # One statement: SQLAlchemy sends it as multi-row INSERT ... VALUES batches.
        session.execute(insert(_table()), rows_to_write)
    return len(rows_to_write)


def enqueue_eta_later(session: Session, moved: Mapping[int, Mapping[str, Any]]) -> int:
    """One "delivery date moved later" per order, for these waiting lines (line id -> what it
    showed before and shows now). The ETA recompute flags a line only when its ETA moves, so
    a recompute that changes nothing writes nothing."""
    if not moved or NotificationEvent.ETA_LATER not in enabled_events(session):
        return 0
    line_ids = sorted(moved)
    by_order: dict[int, dict[str, Any]] = {}
    for start in range(0, len(line_ids), _CHUNK):
        rows = session.execute(
            select(OrderLine.id, OrderLine.order_id).where(
                OrderLine.id.in_(line_ids[start : start + _CHUNK])
            )
        )
        for line_id, order_id in rows:
            by_order.setdefault(order_id, {})[str(line_id)] = dict(moved[line_id])
    return enqueue(
        session,
        [
            Event(order_id, NotificationEvent.ETA_LATER, {"moved": lines})
            for order_id, lines in by_order.items()
        ],
    )


def enqueue_status_changes(
    session: Session, changed: Mapping[int, tuple[OrderStatus | None, OrderStatus]]
) -> int:
    """:func:`enqueue` the events of these status changes."""
    return enqueue(session, status_events(changed))


def _table() -> Table:
    table = Notification.__table__
    assert isinstance(table, Table)
    return table
