"""The Backorders tab's read queries: the waiting lines in serving order, with their ETAs.

The order is the shop's queue policy's (``app.domain.queue``). Each line's queue position
and units ahead are those of its product's queue, stored with its ETA by
``app.services.eta.recompute_etas``, so a filter never changes them and a page reads them
instead of ranking the queue. No Qt.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, case, func, literal, or_, select
from sqlalchemy.orm import Session

from app.domain import (
    Customer,
    LineEta,
    OrderLine,
    Product,
    SalesOrder,
)
from app.domain.base import utcnow
from app.domain.enums import CustomerTier, QueuePolicy
from app.domain.queue import segment_order, serving_order, serving_segments
from app.services.eta import IN_STOCK, NOT_ON_ORDER, ON_ORDER
from app.services.queue import get_queue_policy
from app.services.views.common import COUNT_CAP, Count, _capped_count, _in_page_order
from app.services.views.etas import LineEtaView, line_etas
from app.services.views.orders import _order_search
from app.services.views.search import MAX_INLINE_IDS, _ids_in, _is_sqlite, _matches


@dataclass(frozen=True, slots=True)
class BackorderRow:
    order_line_id: int
    position: int  #: 1-based place in its product's queue (0: not computed yet)
    customer: str
    order_ref: str
    line_no: int
    sku: str
    product_name: str
    qty_waiting: int
    units_ahead: int  #: units of the same product waiting on lines ahead of this one
    placed_at: datetime
    days_waiting: int  #: whole days since the order was placed (a move does not reset it)
    eta: LineEtaView | None = None  #: None: not computed yet
    pinned: bool = False  #: a manager pinned it to the front of its product's queue
    gold: bool = False  #: the customer is a gold customer (served first under loyalty)
    product_id: int = 0
    queue_length: int = 0  #: waiting lines in its product's queue (the last one's position)
    #: Positions of the first and last line of its class in its product's queue (pinned
    #: lines; under loyalty gold, then standard customers; the rest): a manager's move never
    #: leaves its class, so it can move up or down only within these.
    class_first: int = 0
    class_last: int = 0

    @property
    def last_in_queue(self) -> bool:
        return self.position >= self.queue_length

    @property
    def can_move_up(self) -> bool:
        return self.position > 0 and self.position > self.class_first

    @property
    def can_move_down(self) -> bool:
        return 0 < self.position < self.class_last


@dataclass(frozen=True, slots=True)
class BackorderQuery:
    search: str = ""  #: part of a SKU, product name, customer name or order reference
    sort: str = "position"
    descending: bool = False
    not_on_order: bool = False  #: only lines (partly) covered by no purchase order
    product: str = ""  #: part of the product's SKU or name
    customer: str = ""  #: part of the customer's name or code
    min_days: int = 0  #: only lines of orders placed more than this many days ago (0: all)

    @property
    def filtered(self) -> bool:
        """Whether any filter leaves lines out (sorting does not)."""
        return bool(
            self.search.strip()
            or self.not_on_order
            or self.product.strip()
            or self.customer.strip()
            or self.min_days > 0
        )


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


def _conditions(
    session: Session, query: BackorderQuery, now: datetime | None = None
) -> list[ColumnElement[bool]]:
    """The query's filters as conditions on waiting lines joined to their order.

    Products and customers are matched first (small tables, their own indexes) and the
    lines found by ``product_id`` / ``customer_id``, never by LIKE on joined names.
    """
    conditions: list[ColumnElement[bool]] = []
    condition = _backorder_filter(session, query.search)
    if condition is not None:
        conditions.append(condition)
    if query.not_on_order:
        conditions.append(_not_on_order())
    product = query.product.strip()
    if product:
        named = select(Product.id).where(_matches(session, product, Product.sku, Product.name))
        ids = list(session.scalars(named.limit(MAX_INLINE_IDS + 1)))
        conditions.append(_ids_in(OrderLine.product_id, ids, named))
    customer = query.customer.strip()
    if customer:
        named = select(Customer.id).where(_matches(session, customer, Customer.name, Customer.code))
        ids = list(session.scalars(named.limit(MAX_INLINE_IDS + 1)))
        conditions.append(_ids_in(SalesOrder.customer_id, ids, named))
    if query.min_days > 0:
        conditions.append(
            SalesOrder.placed_at <= (now or utcnow()) - timedelta(days=query.min_days)
        )
    return conditions


def _backorder_page_ids(
    session: Session,
    query: BackorderQuery,
    offset: int,
    limit: int,
    policy: QueuePolicy,
    now: datetime | None = None,
) -> list[int]:
    sort, descending = query.sort, query.descending
    if sort == "days_waiting":  # longest wait first = first in the queue first
        sort, descending = "position", not descending
    if sort not in BACKORDER_SORTS:
        raise ValueError(f"cannot sort by {sort!r}; sortable: {', '.join(sorted(BACKORDER_SORTS))}")
    stmt = _waiting_lines([OrderLine.id]).where(*_conditions(session, query, now))
    if policy is QueuePolicy.LOYALTY:
        stmt = stmt.join(Customer, Customer.id == SalesOrder.customer_id)
    if sort == "position":
        return _serving_page(session, stmt, policy, offset, limit, descending=descending)
    serving = list(serving_order(policy))
    if sort == "eta":
        stmt = stmt.outerjoin(LineEta, LineEta.order_line_id == OrderLine.id)
        rank = case(
            (LineEta.status == IN_STOCK, 0),
            (and_(LineEta.status == ON_ORDER, LineEta.likely.is_not(None)), 1),
            else_=2,
        )
        keys = [rank, func.coalesce(LineEta.likely, date.max), *serving]
    else:
        expression = _backorder_sorts()[sort]
        if expression.table is Customer.__table__ and policy is not QueuePolicy.LOYALTY:
            stmt = stmt.join(Customer, Customer.id == SalesOrder.customer_id)
        elif expression.table is Product.__table__:
            stmt = stmt.join(Product, Product.id == OrderLine.product_id)
        keys = [expression, *serving]
    stmt = stmt.order_by(*(key.desc() if descending else key.asc() for key in keys))
    return list(session.scalars(stmt.offset(offset).limit(limit)))


def _serving_page(
    session: Session,
    stmt: Select[Any],
    policy: QueuePolicy,
    offset: int,
    limit: int,
    *,
    descending: bool,
) -> list[int]:
    """A page of ``stmt``'s lines in serving order, read segment by segment.

    Each segment (pinned lines; under loyalty gold, then standard; the rest) is in
    queue-time order, which the queue's time index gives without sorting the whole queue;
    a segment is counted only when a page starts beyond it.
    """
    segments = list(serving_segments(policy))
    order = [term.desc() if descending else term.asc() for term in segment_order()]
    if descending:
        segments.reverse()
    ids: list[int] = []
    skip = offset
    for segment in segments:
        want = limit - len(ids)
        if want <= 0:
            break
        part = stmt.where(segment)
        found = list(session.scalars(part.order_by(*order).offset(skip).limit(want)))
        ids.extend(found)
        if found:
            skip = 0
        elif skip:
            skip -= session.scalar(select(func.count()).select_from(part.subquery())) or 0
            skip = max(skip, 0)
    return ids


def backorders_page(
    session: Session,
    query: BackorderQuery,
    offset: int,
    limit: int,
    *,
    now: datetime | None = None,
) -> list[BackorderRow]:
    """One page of the backorder queue, in the shop policy's serving order by default."""
    now = now or utcnow()
    policy = get_queue_policy(session)
    ids = _backorder_page_ids(session, query, offset, limit, policy, now)
    if not ids:
        return []
    etas = line_etas(session, ids)
    rows = []
    for (
        line_id,
        customer,
        tier,
        ref,
        line_no,
        product_id,
        sku,
        name,
        qty,
        placed,
        pinned,
        position,
        ahead,
    ) in session.execute(
        select(
            OrderLine.id,
            Customer.name,
            Customer.tier,
            SalesOrder.ref,
            OrderLine.line_no,
            Product.id,
            Product.sku,
            Product.name,
            OrderLine.qty_backordered,
            SalesOrder.placed_at,
            OrderLine.pinned,
            LineEta.position,
            LineEta.units_ahead,
        )
        .join(SalesOrder, SalesOrder.id == OrderLine.order_id)
        .join(Customer, Customer.id == SalesOrder.customer_id)
        .join(Product, Product.id == OrderLine.product_id)
        .outerjoin(LineEta, LineEta.order_line_id == OrderLine.id)
        .where(OrderLine.id.in_(ids))
    ):
        placed_at = _aware(placed)
        rows.append(
            BackorderRow(
                order_line_id=line_id,
                position=int(position or 0),
                customer=customer,
                order_ref=ref,
                line_no=line_no,
                sku=sku,
                product_name=name,
                qty_waiting=int(qty),
                units_ahead=int(ahead or 0),
                placed_at=placed_at,
                days_waiting=max(0, (now - placed_at).days),
                eta=etas.get(line_id),
                pinned=bool(pinned),
                gold=tier is CustomerTier.GOLD,
                product_id=product_id,
            )
        )
    classes = _queue_classes(session, {row.product_id for row in rows}, policy)
    rows = [_with_class(row, *classes.get(row.product_id, (0, 0, 0)), policy) for row in rows]
    return _in_page_order(ids, rows, lambda row: row.order_line_id)


def count_backorders(session: Session, query: BackorderQuery, cap: int = COUNT_CAP) -> Count:
    """Waiting lines matching the filter."""
    conditions = _conditions(session, query)
    stmt = select(OrderLine.id).where(OrderLine.qty_backordered > 0, *conditions)
    if query.customer.strip() or query.min_days > 0:
        stmt = stmt.join(SalesOrder, SalesOrder.id == OrderLine.order_id)
    return _capped_count(session, stmt, cap)


def units_waiting(
    session: Session, query: BackorderQuery | None = None, cap: int = COUNT_CAP
) -> int:
    """Backordered units in the queue: all of them, or those of the lines matching
    ``query``'s filters (summed over at most ``cap`` + 1 lines, as the count stops there)."""
    if query is None or not query.filtered:
        total = session.scalar(
            select(func.sum(OrderLine.qty_backordered)).where(OrderLine.qty_backordered > 0)
        )
        return int(total or 0)
    stmt = select(OrderLine.qty_backordered.label("qty")).where(
        OrderLine.qty_backordered > 0, *_conditions(session, query)
    )
    if query.customer.strip() or query.min_days > 0:
        stmt = stmt.join(SalesOrder, SalesOrder.id == OrderLine.order_id)
    lines = stmt.limit(cap + 1).subquery()
    return int(session.scalar(select(func.sum(lines.c.qty))) or 0)


def _queue_classes(
    session: Session, product_ids: set[int], policy: QueuePolicy
) -> dict[int, tuple[int, int, int]]:
    """Per product: (waiting lines, pinned ones, unpinned gold ones under loyalty; else 0)."""
    pinned = func.sum(case((OrderLine.pinned, 1), else_=0))
    waiting = OrderLine.qty_backordered > 0, OrderLine.product_id.in_(product_ids)
    if policy is not QueuePolicy.LOYALTY:
        rows = session.execute(
            select(OrderLine.product_id, func.count(), pinned, literal(0))
            .where(*waiting)
            .group_by(OrderLine.product_id)
        )
    else:
        gold = and_(OrderLine.pinned.is_(False), Customer.tier == CustomerTier.GOLD.value)
        rows = session.execute(
            select(
                OrderLine.product_id,
                func.count(),
                pinned,
                func.sum(case((gold, 1), else_=0)),
            )
            .join(SalesOrder, SalesOrder.id == OrderLine.order_id)
            .join(Customer, Customer.id == SalesOrder.customer_id)
            .where(*waiting)
            .group_by(OrderLine.product_id)
        )
    return {pid: (int(n), int(p or 0), int(g or 0)) for pid, n, p, g in rows}


def _with_class(
    row: BackorderRow, length: int, pinned: int, gold: int, policy: QueuePolicy
) -> BackorderRow:
    """The row with its queue's length and the positions its class spans."""
    if row.pinned:
        first, last = 1, pinned
    elif policy is QueuePolicy.LOYALTY and row.gold:
        first, last = pinned + 1, pinned + gold
    elif policy is QueuePolicy.LOYALTY:
        first, last = pinned + gold + 1, length
    else:
        first, last = pinned + 1, length
    return replace(row, queue_length=length, class_first=first, class_last=last)


def _aware(value: Any) -> datetime:
    """A time as stored (naive UTC) made timezone-aware, whatever path it was read by."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    assert isinstance(value, datetime)
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)
