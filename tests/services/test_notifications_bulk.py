"""The outbox's bulk write (issue 11, part 6): thousands of messages in a few statements,
each row exactly what the mapped class would write, all in the transaction of the change."""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import func, insert, select

from app.db import Database
from app.domain import (
    Customer,
    NotificationChannel,
    NotificationEvent,
    NotificationStatus,
    OrderStatus,
    SalesOrder,
)
from app.domain.base import utcnow
from app.domain.errors import DatabaseConflict
from app.domain.notifications import Notification
from app.services.notifications import outbox
from app.services.notifications.outbox import Event, enqueue, new_keys
from app.services.receiving import confirm_receipt
from tests.services.notify_shop import enable_all, events, opt_in
from tests.services.shop import order, preview, receive, status_of, stock_of

#: Messages of the big write: on SQLite held to its limit of 999 bound parameters a
#: statement (before 3.32; 8 a message), the write crosses 67 statements. PostgreSQL binds an
#: array per column: one statement whatever the count.
MANY = 8_200


def _many_orders(db: Database, count: int) -> dict[int, int]:
    """``count`` orders (order id -> customer id) spread over the shop's customers."""
    with db.write() as session:
        customers = list(session.scalars(select(Customer.id).order_by(Customer.id)))
        session.execute(
            insert(SalesOrder),
            [
                {
                    "ref": f"SO-BULK-{n}",
                    "customer_id": customers[n % len(customers)],
                    "status": OrderStatus.BACKORDERED,
                }
                for n in range(count)
            ],
        )
        rows = session.execute(
            select(SalesOrder.id, SalesOrder.customer_id).where(SalesOrder.ref.like("SO-BULK-%"))
        )
        return {order_id: customer_id for order_id, customer_id in rows}


def _columns(row: Notification) -> dict[str, object]:
    return {
        "customer_id": row.customer_id,
        "order_id": row.order_id,
        "event": row.event,
        "channel": row.channel,
        "data": row.data,
        "subject": row.subject,
        "body": row.body,
        "status": row.status,
        "attempts": row.attempts,
        "last_error": row.last_error,
        "sent_at": row.sent_at,
    }


def test_a_bulk_enqueue_writes_every_row_exactly_as_the_mapped_class_would(
    shop: Database,
) -> None:
    enable_all(shop)
    orders = _many_orders(shop, MANY)
    channels = (NotificationChannel.EMAIL, NotificationChannel.WEBHOOK)
    reach = {
        order_id: (customer_id, channels[order_id % 2]) for order_id, customer_id in orders.items()
    }
    moved = {"moved": {"7": {"before": "2026-01-09", "now": "2026-01-20"}}}
    happened = [
        Event(order_id, NotificationEvent.ETA_LATER, moved)
        if order_id % 2
        else Event(order_id, NotificationEvent.READY_TO_SHIP)
        for order_id in orders
    ]
    first = min(orders)
    before = utcnow()
    with shop.write() as session:
        connection = session.connection().connection.dbapi_connection
        if isinstance(connection, sqlite3.Connection):
            # As an SQLite before 3.32 (this one allows 250,000): one statement would fail.
            limit = connection.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, 999)
        assert enqueue(session, happened, reach=reach) == MANY
        if isinstance(connection, sqlite3.Connection):
            connection.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, limit)
        # The same message through the ORM, for the columns the bulk write fills itself.
        session.add(
            Notification(
                customer_id=orders[first],
                order_id=first,
                event=NotificationEvent.READY_TO_SHIP,
                channel=channels[first % 2],
                data="{}",
                idempotency_key=uuid.uuid4().hex,
            )
        )
    after = utcnow()

    with shop.read() as session:
        rows = list(session.scalars(select(Notification).order_by(Notification.id)))
        by_orm = _columns(rows.pop())
        written = [_columns(row) for row in rows]
        keys = [row.idempotency_key for row in rows]
        times = {(row.created_at, row.next_attempt_at) for row in rows}
    assert len(rows) == MANY
    expected = [
        {
            **by_orm,
            "customer_id": orders[e.order_id],
            "order_id": e.order_id,
            "event": e.event,
            "channel": channels[e.order_id % 2],
            "data": (
                '{"moved": {"7": {"before": "2026-01-09", "now": "2026-01-20"}}}'
                if e.data
                else "{}"
            ),
        }
        for e in happened
    ]
    assert written == expected
    assert by_orm["status"] is NotificationStatus.PENDING
    # Unique version-4 UUIDs, as ``uuid4().hex`` gives.
    assert len(set(keys)) == MANY
    assert all(uuid.UUID(key).version == 4 and uuid.UUID(key).hex == key for key in keys)
    # Due at once, written in the transaction's time (read back as aware UTC times).
    ((created, due),) = times
    assert created == due
    assert before - timedelta(seconds=1) <= created <= after


def test_an_enqueue_for_customers_who_hear_nothing_writes_nothing(shop: Database) -> None:
    enable_all(shop)
    orders = _many_orders(shop, 3)
    with shop.write() as session:
        written = enqueue(session, [Event(o, NotificationEvent.SHIPPED) for o in orders], reach={})
    assert written == 0
    assert events(shop) == []


def test_new_keys_are_distinct_version_4_uuids() -> None:
    keys = new_keys(5_000)
    assert len(set(keys)) == 5_000
    assert all(uuid.UUID(k).variant == uuid.RFC_4122 and uuid.UUID(k).version == 4 for k in keys)
    assert new_keys(0) == []


@pytest.fixture
def one_row_per_statement(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """SQLite's write cut into one statement per message, so a receipt's few messages cross
    statements as a flash sale's thousands do."""
    monkeypatch.setattr(outbox, "_sqlite_rows_per_statement", lambda _connection: 1)
    yield


def test_a_receipt_whose_later_outbox_statement_fails_saves_nothing_at_all(
    shop: Database, one_row_per_statement: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    enable_all(shop)
    opt_in(shop, "ANN", "BOB", "CAT", "DAN")
    for minute, code in enumerate(("ANN", "BOB", "CAT", "DAN")):
        order(shop, code, ("WIDGET", 1), ref=f"SO-{code}", minute=minute)
    waiting = events(shop)
    # The last message of the receipt repeats the first one's key: its statement (the last
    # on SQLite, the only one on PostgreSQL) fails after the others were written.
    first, *others = new_keys(3)
    monkeypatch.setattr(outbox, "new_keys", lambda count: [first, *others, first][:count])

    with pytest.raises(DatabaseConflict):  # the driver's unique violation, in words
        receive(shop, ("WIDGET", 4))

    assert events(shop) == waiting
    assert stock_of(shop, "WIDGET").on_hand == 0
    assert status_of(shop, "SO-ANN") == OrderStatus.BACKORDERED.value
    monkeypatch.undo()
    receive(shop, ("WIDGET", 4))
    assert events(shop)[len(waiting) :] == [
        (f"SO-{code}", "ready_to_ship") for code in ("ANN", "BOB", "CAT", "DAN")
    ]


def test_a_receipt_writes_its_messages_in_its_own_transaction(shop: Database) -> None:
    enable_all(shop)
    opt_in(shop, "ANN", "BOB")
    order(shop, "ANN", ("WIDGET", 1), ref="SO-ANN")
    order(shop, "BOB", ("WIDGET", 1), ref="SO-BOB", minute=1)
    plan = preview(shop, ("WIDGET", 2))
    with pytest.raises(RuntimeError), shop.write() as session:
        confirm_receipt(session, plan)
        assert session.scalar(select(func.count()).select_from(Notification)) == 4
        raise RuntimeError("the till lost power before the commit")
    assert events(shop) == [("SO-ANN", "backordered"), ("SO-BOB", "backordered")]
