"""Reading the backorder queue of some products once, into a :class:`QueueSnapshot`.

Both previews plan from it (a receipt in ``app.services.receiving``, freed stock in
``app.services.freed``), for any policy and as often as the clerk changes a quantity. It is
separate because it is the one bulk read of the queue, tuned for a flash sale (50k waiting
lines: raw rows, each distinct time or tier converted once), while the planning itself is
pure (``app.domain.allocation``) and the confirming writes are ``receiving``'s.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any, TypeVar

from sqlalchemy import Connection, func, select, type_coerce
from sqlalchemy.orm import Session
from sqlalchemy.sql.sqltypes import NullType

from app.domain import Customer, OrderLine, Product, SalesOrder, StockBalance
from app.domain.allocation import QueueLine, gc_paused
from app.domain.base import utcnow
from app.domain.enums import CustomerTier
from app.domain.errors import PlanRejected
from app.domain.planning import QueueSnapshot
from app.services.catalog import default_location_id

__all__ = ["read_queues"]


def read_queues(session: Session, product_ids: Iterable[int]) -> QueueSnapshot:
    """The waiting lines of these products and what a plan needs besides, read once (no
    lock: a preview must not block other tills). Plan from it with ``snapshot.plan``, for
    any policy and any quantities of these products, as often as needed."""
    with gc_paused():
        return _read_queues(session, sorted(set(product_ids)))


def _read_queues(session: Session, ids: list[int]) -> QueueSnapshot:
    now = utcnow()
    # Times, tiers and days waiting converted once per distinct value (50k lines share far
    # fewer): SQLAlchemy's per-value conversion was a third of a flash-sale preview.
    times: _Memo[Any, datetime] = _Memo(_utc)
    tiers: _Memo[Any, CustomerTier] = _Memo(CustomerTier)
    days: _Memo[datetime, int] = _Memo(lambda placed_at: (now - placed_at).days)
    # Versions first. On PostgreSQL (READ COMMITTED) each statement sees what was committed
    # when it started: read after the queue, a version could already include a cancel that
    # the queue read missed, and confirm would then take a stale plan for a fresh one (seen:
    # a receipt giving a unit to a line cancelled in between). Read before, any change in
    # between leaves the version behind, and confirm refuses the plan as stale.
    versions = _balance_versions(session, ids)
    connection = session.connection()
    products: dict[int, tuple[str, str]] = {}
    lines: dict[int, list[QueueLine]] = {pid: [] for pid in ids}
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        products.update(
            (pid, (sku, name))
            for pid, sku, name in connection.execute(
                select(Product.id, Product.sku, Product.name).where(Product.id.in_(chunk))
            )
        )
        rows = connection.execute(
            select(
                OrderLine.product_id,
                OrderLine.id,
                OrderLine.order_id,
                SalesOrder.ref,
                OrderLine.line_no,
                Customer.id,
                Customer.name,
                type_coerce(Customer.tier, NullType()),
                OrderLine.pinned,
                type_coerce(OrderLine.queued_at, NullType()),
                OrderLine.queue_nudge,
                type_coerce(SalesOrder.placed_at, NullType()),
                OrderLine.qty_backordered,
            )
            .join(SalesOrder, SalesOrder.id == OrderLine.order_id)
            .join(Customer, Customer.id == SalesOrder.customer_id)
            .where(OrderLine.product_id.in_(chunk), OrderLine.qty_backordered > 0)
        )
        for row in rows:  # (product id, then QueueLine's fields from line id to waiting)
            placed_at = times[row[11]]
            lines[row[0]].append(
                QueueLine(
                    *row[1:7],
                    tier=tiers[row[7]],
                    pinned=bool(row[8]),
                    queued_at=times[row[9]],
                    nudge=row[10],
                    placed_at=placed_at,
                    waiting=row[12],
                    days_waiting=days[placed_at],
                )
            )
    if len(products) != len(ids):
        raise PlanRejected("A received product no longer exists")
    order_ids = {line.order_id for queue in lines.values() for line in queue}
    return QueueSnapshot(
        products=products,
        lines=lines,
        versions=versions,
        order_waiting=_waiting_per_order(connection, order_ids),
        taken_at=now,
    )


#: Ids bound per IN list.
_CHUNK = 500

K = TypeVar("K")
V = TypeVar("V")


class _Memo(dict[K, V]):
    """``convert(key)``, computed once per distinct key."""

    def __init__(self, convert: Callable[[K], V]) -> None:
        super().__init__()
        self._convert = convert

    def __missing__(self, key: K) -> V:
        value = self[key] = self._convert(key)
        return value


def _utc(raw: str | datetime) -> datetime:
    """A stored time as the driver returns it (ISO text on SQLite, a naive datetime on
    PostgreSQL; both UTC), timezone-aware: what ``UTCDateTime`` would give."""
    value = datetime.fromisoformat(raw) if isinstance(raw, str) else raw
    return value.replace(tzinfo=UTC)


def _balance_versions(session: Session, product_ids: Iterable[int]) -> dict[int, int]:
    """Current balance versions (without locking: a preview must not block other tills)."""
    location_id = default_location_id(session)
    ids = list(product_ids)
    versions = {pid: 0 for pid in ids}
    for start in range(0, len(ids), 500):
        rows = session.execute(
            select(StockBalance.product_id, StockBalance.version).where(
                StockBalance.location_id == location_id,
                StockBalance.product_id.in_(ids[start : start + 500]),
            )
        )
        versions.update(dict(rows.all()))
    return versions


def _waiting_per_order(connection: Connection, order_ids: set[int]) -> dict[int, int]:
    """Units waiting on each order, over all its lines (to tell which orders complete)."""
    ids = sorted(order_ids)
    waiting: dict[int, int] = {}
    for start in range(0, len(ids), 2000):
        rows = connection.execute(
            select(OrderLine.order_id, func.sum(OrderLine.qty_backordered))
            .where(OrderLine.order_id.in_(ids[start : start + 2000]))
            .group_by(OrderLine.order_id)
        )
        waiting.update({order_id: int(total or 0) for order_id, total in rows})
    return waiting
