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
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
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


#: Who hears about an order: order id -> (customer id, channel), opted-in customers only.
Reach = Mapping[int, tuple[int, NotificationChannel]]


def enqueue(session: Session, events: Iterable[Event], *, reach: Reach | None = None) -> int:
    """Write the notifications of these events (in the caller's transaction); returns how
    many were written. Events the shop did not enable, and customers who did not opt in or
    chose no channel, write nothing. ``reach``: who hears about each order, if the caller
    read it already (a bulk status refresh does, in the query it sums the lines with)."""
    happened = list(events)
    if not happened:
        return 0  # the common case (a sale from the shelf): not even the templates are read
    wanted = enabled_events(session)
    todo = [e for e in happened if e.event in wanted]
    if not todo:
        return 0
    if reach is None:
        reach = _reach(session, sorted({e.order_id for e in todo}))
    now = utcnow()
    rows: list[tuple[Any, ...]] = []
    for e in todo:
        found = reach.get(e.order_id)
        if found is None:
            continue
        data = json.dumps(dict(e.data), sort_keys=True, default=str) if e.data else "{}"
        rows.append((found[0], e.order_id, e.event.value, found[1].value, data, uuid.uuid4().hex))
    if rows:
        _insert(session, rows, now)
    return len(rows)


def _reach(session: Session, order_ids: list[int]) -> dict[int, tuple[int, NotificationChannel]]:
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
    return reach


def reaches(opt_in: bool | None, channel: NotificationChannel | None) -> bool:
    """Whether a customer with this opt-in and channel hears about their orders."""
    return bool(opt_in) and channel is not None and channel != NotificationChannel.NONE


def _insert(session: Session, rows: list[tuple[Any, ...]], now: datetime) -> None:
    """(customer id, order id, event, channel, data, key) rows, pending and due ``now``, in
    one prepared INSERT executed for every row through the driver directly.

    A flash-sale receipt makes ~30k orders ready in one confirm; SQLAlchemy's per-row
    processing of the two times and three enums cost more than the inserts themselves
    (measured in ``benchmarks/bench_notify``), and these values need none once the times
    are written as the UTC text the ``UTCDateTime`` columns store.
    """
    session.flush()
    dialect = session.get_bind().dialect
    mark = "?" if dialect.paramstyle == "qmark" else "%s"
    stamp: Any = now.astimezone(UTC).replace(tzinfo=None)
    if dialect.name == "sqlite":
        stamp = stamp.strftime("%Y-%m-%d %H:%M:%S.%f")  # SQLAlchemy's SQLite storage format
    pending = NotificationStatus.PENDING.value
    sql = (
        "INSERT INTO notification (customer_id, order_id, event, channel, data, "
        "idempotency_key, status, attempts, next_attempt_at, last_error, created_at) "
        f"VALUES ({', '.join([mark] * 11)})"
    )
    cursor = session.connection().connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.executemany(sql, [(*row, pending, 0, stamp, "", stamp) for row in rows])
    finally:
        cursor.close()


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
    session: Session,
    changed: Mapping[int, tuple[OrderStatus | None, OrderStatus]],
    *,
    reach: Reach | None = None,
) -> int:
    """:func:`enqueue` the events of these status changes."""
    return enqueue(session, status_events(changed), reach=reach)
