"""The Backorders tab's read queries: the waiting lines in serving order, with their ETAs.

Position and units ahead are global (the whole queue's serving order, whatever the filter),
computed as window functions over only the stretch of the queue a page spans. No Qt.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, case, func, or_, select
from sqlalchemy.orm import Session

from app.domain import (
    Customer,
    LineEta,
    OrderLine,
    Product,
    SalesOrder,
)
from app.domain.base import utcnow
from app.domain.queue import serving_order
from app.services.eta import IN_STOCK, NOT_ON_ORDER, ON_ORDER
from app.services.views.common import COUNT_CAP, Count, _capped_count, _in_page_order
from app.services.views.etas import LineEtaView, line_etas
from app.services.views.orders import _order_search
from app.services.views.search import MAX_INLINE_IDS, _ids_in, _is_sqlite, _matches


@dataclass(frozen=True, slots=True)
class BackorderRow:
    order_line_id: int
    position: int  #: 1-based place in the whole queue (serving order), whatever the filter
    customer: str
    order_ref: str
    line_no: int
    sku: str
    product_name: str
    qty_waiting: int
    units_ahead: int  #: units of the same product promised to lines ahead of this one
    placed_at: datetime
    days_waiting: int
    eta: LineEtaView | None = None  #: None: not computed yet


@dataclass(frozen=True, slots=True)
class BackorderQuery:
    search: str = ""  #: part of a SKU, product name, customer name or order reference
    sort: str = "position"
    descending: bool = False
    not_on_order: bool = False  #: only lines (partly) covered by no purchase order


def _waiting_lines(columns: Sequence[Any]) -> Select[Any]:
    """Waiting order lines joined to their order (needed for the serving order)."""
    return (
        select(*columns)
        .join(SalesOrder, SalesOrder.id == OrderLine.order_id)
        .where(OrderLine.qty_backordered > 0)
    )


def _backorder_filter(session: Session, text: str) -> ColumnElement[bool] | None:
    """Lines whose product's SKU or name contains the text, or whose order the text finds
    as the Orders tab's search does (ref, order number, customer name).

    Products and orders are matched first, each by their own indexes, and the lines looked
    up by ``product_id`` / ``order_id``, rather than running LIKE on every waiting line's
    joined names.
    """
    text = text.strip()
    if not text:
        return None
    named = select(Product.id).where(_matches(session, text, Product.sku, Product.name))
    product_ids = list(session.scalars(named.limit(MAX_INLINE_IDS + 1)))
    orders = _order_search(session, text)
    assert orders is not None
    # On SQLite "+ 0" keeps the planner from looking up the lines of every matching order
    # one by one (a customer with many old orders has many lines, few of them waiting);
    # walking the waiting lines' own covering index is bounded by the queue's length.
    order_id = OrderLine.order_id + 0 if _is_sqlite(session) else OrderLine.order_id
    conditions: list[ColumnElement[bool]] = [order_id.in_(select(SalesOrder.id).where(orders))]
    if product_ids:
        conditions.append(_ids_in(OrderLine.product_id, product_ids, named))
    return or_(*conditions)


def _backorder_sorts() -> dict[str, Any]:
    return {
        "customer": Customer.name,
        "order_ref": SalesOrder.ref,
        "sku": Product.sku,
        "product_name": Product.name,
        "qty_waiting": OrderLine.qty_backordered,
        "placed_at": SalesOrder.placed_at,
    }


#: Position (= serving order), days waiting (its reverse) and ETA (in stock now, then by
#: likely date, then no date and not on order) are sortable too; units ahead is computed for
#: a page's lines only, so it is not.
BACKORDER_SORTS = frozenset([*_backorder_sorts(), "position", "days_waiting", "eta"])


def _not_on_order() -> ColumnElement[bool]:
    return OrderLine.id.in_(select(LineEta.order_line_id).where(LineEta.status == NOT_ON_ORDER))


def _backorder_page_ids(
    session: Session, query: BackorderQuery, offset: int, limit: int
) -> list[int]:
    sort, descending = query.sort, query.descending
    if sort == "days_waiting":  # longest wait first = first in the queue first
        sort, descending = "position", not descending
    if sort not in BACKORDER_SORTS:
        raise ValueError(f"cannot sort by {sort!r}; sortable: {', '.join(sorted(BACKORDER_SORTS))}")
    stmt = _waiting_lines([OrderLine.id])
    condition = _backorder_filter(session, query.search)
    if condition is not None:
        stmt = stmt.where(condition)
    if query.not_on_order:
        stmt = stmt.where(_not_on_order())
    serving = list(serving_order())
    if sort == "position":
        keys = serving
    elif sort == "eta":
        stmt = stmt.outerjoin(LineEta, LineEta.order_line_id == OrderLine.id)
        rank = case(
            (LineEta.status == IN_STOCK, 0),
            (and_(LineEta.status == ON_ORDER, LineEta.likely.is_not(None)), 1),
            else_=2,
        )
        keys = [rank, func.coalesce(LineEta.likely, date.max), *serving]
    else:
        expression = _backorder_sorts()[sort]
        if expression.table is Customer.__table__:
            stmt = stmt.join(Customer, Customer.id == SalesOrder.customer_id)
        elif expression.table is Product.__table__:
            stmt = stmt.join(Product, Product.id == OrderLine.product_id)
        keys = [expression, *serving]
    stmt = stmt.order_by(*(key.desc() if descending else key.asc() for key in keys))
    return list(session.scalars(stmt.offset(offset).limit(limit)))


def _queue_figures(session: Session, line_ids: Sequence[int]) -> dict[int, tuple[int, int]]:
    """(position, units ahead) of these waiting lines, in the whole queue.

    Both are window functions in serving order, computed only over the part of the queue
    that can matter: for the position, lines queued from the first to the last of these
    (those before are counted); for units ahead, the lines of these lines' products queued
    no later than the last of these.
    """
    first, last = session.execute(
        select(func.min(OrderLine.queued_at), func.max(OrderLine.queued_at)).where(
            OrderLine.id.in_(line_ids)
        )
    ).one()
    if last is None:
        return {}
    # Serving order starts with queued_at: every line queued before the first of these is
    # ahead of them all, so those are only counted (from the queue index alone), and the
    # window runs over the stretch of the queue these lines span.
    before = session.scalar(
        select(func.count()).where(OrderLine.qty_backordered > 0, OrderLine.queued_at < first)
    )
    products = select(OrderLine.product_id).where(OrderLine.id.in_(line_ids)).distinct()
    order = serving_order()
    ranked = (
        _waiting_lines(
            [
                OrderLine.id.label("line_id"),
                func.row_number().over(order_by=order).label("position"),
            ]
        )
        .where(OrderLine.queued_at >= first, OrderLine.queued_at <= last)
        .subquery()
    )
    positions = dict(
        session.execute(
            select(ranked.c.line_id, ranked.c.position).where(ranked.c.line_id.in_(line_ids))
        ).all()
    )
    ahead_of = (
        _waiting_lines(
            [
                OrderLine.id.label("line_id"),
                (
                    func.sum(OrderLine.qty_backordered).over(
                        partition_by=OrderLine.product_id, order_by=order, rows=(None, 0)
                    )
                    - OrderLine.qty_backordered
                ).label("ahead"),
            ]
        )
        .where(OrderLine.product_id.in_(products), OrderLine.queued_at <= last)
        .subquery()
    )
    ahead = dict(
        session.execute(
            select(ahead_of.c.line_id, ahead_of.c.ahead).where(ahead_of.c.line_id.in_(line_ids))
        ).all()
    )
    return {
        line_id: (int(before or 0) + int(position), int(ahead.get(line_id) or 0))
        for line_id, position in positions.items()
    }


def backorders_page(
    session: Session,
    query: BackorderQuery,
    offset: int,
    limit: int,
    *,
    now: datetime | None = None,
) -> list[BackorderRow]:
    """One page of the backorder queue (position and units ahead are global, not filtered)."""
    now = now or utcnow()
    ids = _backorder_page_ids(session, query, offset, limit)
    if not ids:
        return []
    figures = _queue_figures(session, ids)
    etas = line_etas(session, ids)
    rows = []
    for line_id, customer, ref, line_no, sku, name, qty, placed, queued in session.execute(
        select(
            OrderLine.id,
            Customer.name,
            SalesOrder.ref,
            OrderLine.line_no,
            Product.sku,
            Product.name,
            OrderLine.qty_backordered,
            SalesOrder.placed_at,
            OrderLine.queued_at,
        )
        .join(SalesOrder, SalesOrder.id == OrderLine.order_id)
        .join(Customer, Customer.id == SalesOrder.customer_id)
        .join(Product, Product.id == OrderLine.product_id)
        .where(OrderLine.id.in_(ids))
    ):
        position, ahead = figures.get(line_id, (0, 0))
        rows.append(
            BackorderRow(
                order_line_id=line_id,
                position=position,
                customer=customer,
                order_ref=ref,
                line_no=line_no,
                sku=sku,
                product_name=name,
                qty_waiting=int(qty),
                units_ahead=ahead,
                placed_at=_aware(placed),
                days_waiting=max(0, (now - _aware(queued)).days),
                eta=etas.get(line_id),
            )
        )
    return _in_page_order(ids, rows, lambda row: row.order_line_id)


def count_backorders(session: Session, query: BackorderQuery, cap: int = COUNT_CAP) -> Count:
    """Waiting lines matching the filter (the filter needs no join: it matches orders by id)."""
    stmt = select(OrderLine.id).where(OrderLine.qty_backordered > 0)
    condition = _backorder_filter(session, query.search)
    if condition is not None:
        stmt = stmt.where(condition)
    if query.not_on_order:
        stmt = stmt.where(_not_on_order())
    return _capped_count(session, stmt, cap)


def units_waiting(session: Session) -> int:
    """All backordered units in the queue."""
    total = session.scalar(
        select(func.sum(OrderLine.qty_backordered)).where(OrderLine.qty_backordered > 0)
    )
    return int(total or 0)


def _aware(value: Any) -> datetime:
    """A time as stored (naive UTC) made timezone-aware, whatever path it was read by."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    assert isinstance(value, datetime)
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)
