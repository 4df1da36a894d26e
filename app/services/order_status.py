"""Order statuses re-derived in bulk, after a change that touched many orders at once.

A receipt or an import can change thousands of order lines in a few statements; loading each
order as an object to call ``SalesOrder.refresh_status`` would cost more than the change
itself. This sums the lines in SQL and applies the same rule (``derive_order_status``) with
the same ship preference (the order's override, else its customer's). Orders whose status
changed get their customer notifications written to the outbox in the same transaction.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Table, bindparam, func, select, update
from sqlalchemy.orm import Session

from app.domain import Customer, NotificationChannel, OrderLine, OrderStatus, SalesOrder
from app.domain.enums import ShipPreference
from app.domain.orders import OrderTotals, derive_order_status
from app.services.notifications.outbox import enqueue_status_changes, reaches

#: Orders per statement: well below SQLite's and psycopg's limits on bound parameters.
CHUNK = 2000


def refresh_order_statuses(session: Session, order_ids: Iterable[int]) -> dict[int, OrderStatus]:
    """Re-derive and store the status of the given orders; returns the new statuses by id.

    Flushes first (the sums are read from the database) and expires the session afterwards,
    so orders already loaded show the stored status. On PostgreSQL the orders are locked in
    id order first (callers hold the balances already: the services' fixed lock order), so a
    concurrent change to another of an order's products commits first and is counted, instead
    of both writing a status that misses the other's lines.
    """
    ids = sorted(set(order_ids))
    if not ids:
        return {}
    session.flush()
    if session.get_bind().dialect.name != "sqlite":
        for start in range(0, len(ids), CHUNK):
            session.execute(
                select(SalesOrder.id)
                .where(SalesOrder.id.in_(ids[start : start + CHUNK]))
                .order_by(SalesOrder.id)
                .with_for_update()
            ).all()
    statuses: dict[int, OrderStatus] = {}
    before: dict[int, OrderStatus] = {}
    reach: dict[int, tuple[int, NotificationChannel]] = {}  # who hears of a change
    # What each order's totals are grouped by: the order and what its status depends on.
    per_order = (
        OrderLine.order_id,
        SalesOrder.status,
        SalesOrder.ship_preference,
        Customer.ship_preference,
        Customer.id,
        Customer.notify_opt_in,
        Customer.notify_channel,
    )
    for start in range(0, len(ids), CHUNK):
        rows = session.execute(
            select(
                *per_order,
                func.sum(OrderLine.qty_ordered),
                func.sum(OrderLine.qty_cancelled),
                func.sum(OrderLine.qty_shipped),
                func.sum(OrderLine.qty_allocated),
                func.sum(OrderLine.qty_backordered),
            )
            .join(SalesOrder, SalesOrder.id == OrderLine.order_id)
            .join(Customer, Customer.id == SalesOrder.customer_id)
            .where(OrderLine.order_id.in_(ids[start : start + CHUNK]))
            .group_by(*per_order)
        )
        for order_id, status, override, preference, customer, opt_in, channel, *totals in rows:
            before[order_id] = status
            if reaches(opt_in, channel):
                reach[order_id] = (customer, channel)
            ship_complete = (override or preference) is ShipPreference.COMPLETE
            statuses[order_id] = derive_order_status(
                OrderTotals(*(int(t or 0) for t in totals)), ship_complete=ship_complete
            )
    if statuses:
        table = _table(SalesOrder)
        session.execute(
            update(table)
            .where(table.c.id == bindparam("order_id"))
            .values(status=bindparam("new_status")),
            [{"order_id": order_id, "new_status": status} for order_id, status in statuses.items()],
        )
        # The customers whose order changed status hear of it, in this same transaction.
        moved = {i: (before[i], s) for i, s in statuses.items() if before[i] != s}
        enqueue_status_changes(session, moved, reach=reach)
    session.expire_all()
    return statuses


def ship_complete_customers(session: Session, customer_ids: Iterable[int]) -> set[int]:
    """The customers among these who want their orders shipped complete (for new orders,
    which carry no override yet: an import derives their statuses from this)."""
    ids = sorted(set(customer_ids))
    found: set[int] = set()
    for start in range(0, len(ids), CHUNK):
        found.update(
            session.scalars(
                select(Customer.id).where(
                    Customer.id.in_(ids[start : start + CHUNK]),
                    Customer.ship_preference == ShipPreference.COMPLETE,
                )
            )
        )
    return found


def _table(mapped: type[object]) -> Table:
    """The Core table of a mapped class, for bulk executemany statements."""
    table = mapped.__table__  # type: ignore[attr-defined]
    assert isinstance(table, Table)
    return table
