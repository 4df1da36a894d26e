"""Read queries behind the window's tables: pages of plain rows, sorted and filtered in SQL.

Every function takes a Session (the caller opens a short read transaction per page) and
returns frozen dataclasses, never ORM objects. Pages are fetched with ORDER BY + LIMIT/OFFSET
on a small, indexed query that returns only ids; the page's figures (balances, incoming,
backordered, line totals) are then computed for those ids alone, so a page costs the same
with a hundred order lines as with a million. Counts are capped (``Count.exact``) so the
footer of a huge table never scans it all. No Qt.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, TypeVar, cast

from sqlalchemy import ColumnElement, Select, and_, case, func, or_, select
from sqlalchemy.orm import Session

from app.domain import (
    BackorderPolicy,
    Customer,
    LineEta,
    OrderLine,
    OrderStatus,
    Product,
    PurchaseOrder,
    PurchaseOrderLine,
    PurchaseOrderStatus,
    SalesOrder,
    StockBalance,
    Supplier,
)
from app.domain.base import utcnow
from app.domain.queue import serving_order
from app.services.eta import IN_STOCK, NO_HISTORY, NOT_ON_ORDER, ON_ORDER, supplier_confidence

#: Rows a table asks for at a time.
PAGE_SIZE = 200
#: Counts stop here: "100,000+ orders" is as useful as the exact number and far cheaper.
COUNT_CAP = 100_000
#: Matching ids (customers, products) up to this many are bound inline in an IN list.
MAX_INLINE_IDS = 5_000
#: Automatic order references: "SO-" and the order number padded to 6 digits, as
#: ``ordering.next_order_ref`` makes them; a bare number typed in a search finds its order.
ORDER_REF_PREFIX = "SO-"
ORDER_REF_DIGITS = 6

INCOMING_STATUSES = tuple(s for s in PurchaseOrderStatus if s.is_incoming)

K = TypeVar("K")
R = TypeVar("R")
S = TypeVar("S", bound=Select[*tuple[Any, ...]])


@dataclass(frozen=True, slots=True)
class Count:
    """How many rows match a filter; ``exact`` is False when counting stopped at the cap."""

    value: int
    exact: bool = True

    def text(self, singular: str, plural: str) -> str:
        """E.g. "1,234 products", "1 product", "100,000+ orders"."""
        noun = singular if self.value == 1 and self.exact else plural
        return f"{self.value:,}{'' if self.exact else '+'} {noun}"


def _capped_count(session: Session, ids: Select[Any], cap: int) -> Count:
    counted = session.scalar(select(func.count()).select_from(ids.limit(cap + 1).subquery())) or 0
    return Count(min(counted, cap), exact=counted <= cap)


def _is_sqlite(session: Session) -> bool:
    return session.get_bind().dialect.name == "sqlite"


def _like(session: Session, text: str, *columns: Any) -> ColumnElement[bool] | None:
    """Case-insensitive "contains" on any of the columns (LIKE/ILIKE, wildcards escaped)."""
    text = text.strip()
    return _matches(session, text, *columns) if text else None


def _matches(session: Session, text: str, *columns: Any) -> ColumnElement[bool]:
    text = text.strip()
    if _is_sqlite(session):
        # SQLite's LIKE already ignores (ASCII) case, as lower() does; without lower() on
        # the column a covering index on it can be scanned instead of the table (3x faster).
        return or_(*(column.contains(text, autoescape=True) for column in columns))
    return or_(*(column.icontains(text, autoescape=True) for column in columns))


def _starts_with(session: Session, column: Any, text: str) -> ColumnElement[bool]:
    """The column starts with the text, ignoring case, as index range scans where possible.

    On SQLite (binary collation) ``prefix <= column < prefix-with-its-last-character-bumped``
    is an index range, where any LIKE would scan the table; it is tried for the text as typed,
    upper- and lower-cased (references are "SO-000123" or as imported). PostgreSQL's collation
    may not order a prefix's extensions inside that range, so there it is a plain ILIKE.
    """
    if not _is_sqlite(session):
        return cast(ColumnElement[bool], column.istartswith(text, autoescape=True))
    ranges: list[ColumnElement[bool]] = []
    for prefix in dict.fromkeys((text, text.upper(), text.lower())):
        last = ord(prefix[-1])
        if last >= 0x10FFFF:
            ranges.append(column >= prefix)
        else:
            ranges.append(and_(column >= prefix, column < prefix[:-1] + chr(last + 1)))
    return or_(*ranges)


def _ids_in(column: Any, ids: Sequence[int], fallback: Select[Any]) -> ColumnElement[bool]:
    """``column IN (ids)`` with the ids inline (so the planner sees how few they are), or
    ``IN (fallback)`` when there are too many to bind."""
    if len(ids) > MAX_INLINE_IDS:
        return cast(ColumnElement[bool], column.in_(fallback))
    return cast(ColumnElement[bool], column.in_(ids))


def _ordered(
    stmt: Select[Any], sorts: dict[str, Any], key: str, descending: bool, tiebreak: Any
) -> Select[Any]:
    if key not in sorts:
        raise ValueError(f"cannot sort by {key!r}; sortable: {', '.join(sorts)}")
    expression = sorts[key]
    if descending:
        return stmt.order_by(expression.desc(), tiebreak.desc())
    return stmt.order_by(expression.asc(), tiebreak.asc())


def _in_page_order(ids: Sequence[K], rows: Iterable[R], key: Callable[[R], K]) -> list[R]:
    by_id = {key(row): row for row in rows}
    return [by_id[i] for i in ids if i in by_id]


# --- Stock -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class StockRow:
    product_id: int
    sku: str
    name: str
    barcode: str | None
    on_hand: int
    allocated: int
    available: int
    incoming: int  #: outstanding units on open and partially received purchase orders
    backordered: int  #: units customers wait for
    policy: BackorderPolicy
    next_expected: date | None = None  #: the soonest expected date of its incoming units


@dataclass(frozen=True, slots=True)
class StockQuery:
    search: str = ""  #: part of a SKU, name or barcode
    sort: str = "sku"
    descending: bool = False


def _on_hand_of_product() -> Any:
    return (
        select(func.coalesce(func.sum(StockBalance.on_hand), 0))
        .where(StockBalance.product_id == Product.id)
        .scalar_subquery()
    )


def _allocated_of_product() -> Any:
    return (
        select(func.coalesce(func.sum(StockBalance.allocated), 0))
        .where(StockBalance.product_id == Product.id)
        .scalar_subquery()
    )


def _stock_sorts() -> dict[str, Any]:
    return {
        "sku": Product.sku,
        "name": Product.name,
        "on_hand": _on_hand_of_product(),
        "allocated": _allocated_of_product(),
        "available": _on_hand_of_product() - _allocated_of_product(),
        "policy": Product.backorder_policy,
    }


#: Columns the Stock tab may sort by (incoming and backordered would aggregate every line).
STOCK_SORTS = frozenset(_stock_sorts())


def _stock_ids(session: Session, query: StockQuery) -> Select[Any]:
    stmt = select(Product.id)
    condition = _like(session, query.search, Product.sku, Product.name, Product.barcode)
    return stmt if condition is None else stmt.where(condition)


def stock_page(session: Session, query: StockQuery, offset: int, limit: int) -> list[StockRow]:
    """One page of the Stock tab: products with their on hand, incoming and backordered."""
    stmt = _ordered(
        _stock_ids(session, query), _stock_sorts(), query.sort, query.descending, Product.id
    )
    ids = list(session.scalars(stmt.offset(offset).limit(limit)))
    if not ids:
        return []
    return stock_rows(session, ids)


def _outstanding_units() -> ColumnElement[int]:
    """A purchase order line's units still due: ordered minus received, never below zero."""
    return case(
        (
            PurchaseOrderLine.qty_ordered > PurchaseOrderLine.qty_received,
            PurchaseOrderLine.qty_ordered - PurchaseOrderLine.qty_received,
        ),
        else_=0,
    )


def stock_figures(
    product_ids: Sequence[int] | None = None,
) -> Select[int, str, Any, Any, Any, Any]:
    """(product id, sku, on hand, allocated, incoming, backordered) per product.

    Incoming is what is still due on open and partially received purchase orders; backordered
    is what customers wait for. With ``product_ids``, only those products (and their figures
    alone) are read; without, every product, for a streamed export.
    """

    def only(stmt: S, column: Any) -> S:
        return stmt if product_ids is None else stmt.where(column.in_(product_ids))

    balances = (
        only(
            select(
                StockBalance.product_id.label("product_id"),
                func.sum(StockBalance.on_hand).label("on_hand"),
                func.sum(StockBalance.allocated).label("allocated"),
            ),
            StockBalance.product_id,
        )
        .group_by(StockBalance.product_id)
        .subquery()
    )
    incoming = (
        only(
            select(
                PurchaseOrderLine.product_id.label("product_id"),
                func.sum(_outstanding_units()).label("incoming"),
            )
            .join(PurchaseOrder, PurchaseOrder.id == PurchaseOrderLine.purchase_order_id)
            .where(PurchaseOrder.status.in_(INCOMING_STATUSES)),
            PurchaseOrderLine.product_id,
        )
        .group_by(PurchaseOrderLine.product_id)
        .subquery()
    )
    waiting = (
        only(
            select(
                OrderLine.product_id.label("product_id"),
                func.sum(OrderLine.qty_backordered).label("backordered"),
            ).where(OrderLine.qty_backordered > 0),
            OrderLine.product_id,
        )
        .group_by(OrderLine.product_id)
        .subquery()
    )
    stmt = (
        select(
            Product.id,
            Product.sku,
            func.coalesce(balances.c.on_hand, 0),
            func.coalesce(balances.c.allocated, 0),
            func.coalesce(incoming.c.incoming, 0),
            func.coalesce(waiting.c.backordered, 0),
        )
        .outerjoin(balances, balances.c.product_id == Product.id)
        .outerjoin(incoming, incoming.c.product_id == Product.id)
        .outerjoin(waiting, waiting.c.product_id == Product.id)
    )
    return only(stmt, Product.id)


def stock_rows(session: Session, product_ids: Sequence[int]) -> list[StockRow]:
    """Stock rows of these products, in the order given (figures computed for them alone)."""
    next_expected = next_expected_dates(session, product_ids)
    stmt = stock_figures(product_ids).add_columns(
        Product.name, Product.barcode, Product.backorder_policy
    )
    rows = [
        StockRow(
            product_id=pid,
            sku=sku,
            name=name,
            barcode=barcode,
            on_hand=int(on_hand),
            allocated=int(allocated),
            available=int(on_hand) - int(allocated),
            incoming=int(incoming),
            backordered=int(backordered),
            policy=policy,
            next_expected=next_expected.get(pid) if incoming else None,
        )
        for pid, sku, on_hand, allocated, incoming, backordered, name, barcode, policy in (
            session.execute(stmt)
        )
    ]
    return _in_page_order(product_ids, rows, lambda row: row.product_id)


def next_expected_dates(session: Session, product_ids: Sequence[int]) -> dict[int, date]:
    """Per product, the soonest expected date of an open PO with units still due for it."""
    rows = session.execute(
        select(PurchaseOrderLine.product_id, func.min(PurchaseOrder.expected_date))
        .join(PurchaseOrder, PurchaseOrder.id == PurchaseOrderLine.purchase_order_id)
        .where(
            PurchaseOrderLine.product_id.in_(product_ids),
            PurchaseOrder.status.in_(INCOMING_STATUSES),
            PurchaseOrderLine.qty_ordered > PurchaseOrderLine.qty_received,
            PurchaseOrder.expected_date.is_not(None),
        )
        .group_by(PurchaseOrderLine.product_id)
    )
    return {pid: expected for pid, expected in rows if expected is not None}


def count_products(session: Session, query: StockQuery, cap: int = COUNT_CAP) -> Count:
    return _capped_count(session, _stock_ids(session, query), cap)


# --- Orders ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class OrderRow:
    order_id: int
    ref: str
    status: OrderStatus
    customer: str
    placed_at: datetime
    lines: int
    ordered: int
    allocated: int
    backordered: int
    shipped: int
    cancelled: int
    eta: OrderEta | None = None  #: None: nothing waits (or no ETA computed yet)


@dataclass(frozen=True, slots=True)
class OrderEta:
    """An order's ETA: that of its latest waiting line."""

    status: str  #: "in_stock" (every waiting line), "on_order", or "not_on_order" (any line)
    likely: date | None  #: the latest likely ETA of its lines (None: not on order / no date)
    late: date | None

    @property
    def text(self) -> str:
        if self.status == IN_STOCK:
            return "in stock now"
        if self.status == NOT_ON_ORDER:
            return "not on order"
        return eta_text(self.likely, self.late)


def eta_text(likely: date | None, late: date | None, today: date | None = None) -> str:
    """ "3 Dec", or "3 Dec - 9 Dec" when the late case is later; "no date" without one;
    "overdue (25 Nov)" when even the late case has passed (the goods should be here)."""
    if likely is None:
        return "no date"
    today = today or date.today()
    if (late or likely) < today:
        return f"overdue ({likely.day} {likely:%b})"
    first = f"{likely.day} {likely:%b}"
    if late is None or late <= likely:
        return first
    return f"{first} \N{EN DASH} {late.day} {late:%b}"


def order_etas(session: Session, order_ids: Sequence[int]) -> dict[int, OrderEta]:
    """Each order's ETA from its waiting lines' stored ETAs (orders with none are absent)."""
    lines: dict[int, list[tuple[str, date | None, date | None]]] = {}
    for order_id, status, likely, late in session.execute(
        select(OrderLine.order_id, LineEta.status, LineEta.likely, LineEta.late)
        .join(LineEta, LineEta.order_line_id == OrderLine.id)
        .where(OrderLine.order_id.in_(order_ids), OrderLine.qty_backordered > 0)
    ):
        lines.setdefault(order_id, []).append((status, likely, late))
    etas: dict[int, OrderEta] = {}
    for order_id, found in lines.items():
        statuses = {status for status, _, _ in found}
        if NOT_ON_ORDER in statuses:
            etas[order_id] = OrderEta(NOT_ON_ORDER, None, None)
        elif statuses == {IN_STOCK}:
            etas[order_id] = OrderEta(IN_STOCK, None, None)
        else:
            dated = [(likely, late) for status, likely, late in found if status == ON_ORDER]
            if any(likely is None for likely, _ in dated):
                etas[order_id] = OrderEta(ON_ORDER, None, None)
            else:
                etas[order_id] = OrderEta(
                    ON_ORDER,
                    max(likely for likely, _ in dated if likely is not None),
                    max(late for _, late in dated if late is not None),
                )
    return etas


@dataclass(frozen=True, slots=True)
class OrderQuery:
    #: the order reference or its start ("SO-0001"), a bare order number ("123"), or part
    #: of the customer's name
    search: str = ""
    status: OrderStatus | None = None
    sort: str = "placed_at"
    descending: bool = True


def _order_sorts() -> dict[str, Any]:
    return {
        "ref": SalesOrder.ref,
        "status": SalesOrder.status,
        "customer": Customer.name,
        "placed_at": SalesOrder.placed_at,
    }


ORDER_SORTS = frozenset(_order_sorts())


def _order_ids(session: Session, query: OrderQuery, *, with_customer: bool) -> Select[Any]:
    stmt = select(SalesOrder.id)
    if with_customer:
        stmt = stmt.join(Customer, Customer.id == SalesOrder.customer_id)
    condition = _order_search(session, query.search)
    if condition is not None:
        stmt = stmt.where(condition)
    if query.status is not None:
        stmt = stmt.where(SalesOrder.status == query.status)
    return stmt


def padded_order_ref(text: str) -> str | None:
    """The automatic reference a bare order number means ("123" or "000123" -> "SO-000123"),
    or None if the text is not a number."""
    text = text.strip()
    if not (text.isascii() and text.isdigit()):
        return None
    return f"{ORDER_REF_PREFIX}{int(text):0{ORDER_REF_DIGITS}d}"


def _order_search(session: Session, text: str) -> ColumnElement[bool] | None:
    """Orders whose ref starts with the text or is the order number typed, or whose
    customer's name contains it.

    Each part is an index lookup: a range on the ref's unique index, and the customers (a
    small table) matched first, then their orders by ``ix_sales_order_customer_id``. No LIKE
    runs over the orders themselves.
    """
    text = text.strip()
    if not text:
        return None
    conditions: list[ColumnElement[bool]] = [_starts_with(session, SalesOrder.ref, text)]
    padded = padded_order_ref(text)
    if padded is not None:
        conditions.append(SalesOrder.ref == padded)
    named = _customers_named(session, text)
    customer_ids = list(session.scalars(named.limit(MAX_INLINE_IDS + 1)))
    if customer_ids:
        conditions.append(_ids_in(SalesOrder.customer_id, customer_ids, named))
    return or_(*conditions)


def orders_page(session: Session, query: OrderQuery, offset: int, limit: int) -> list[OrderRow]:
    """One page of the Orders tab, with each order's line totals."""
    stmt = _order_ids(session, query, with_customer=query.sort == "customer")
    stmt = _ordered(stmt, _order_sorts(), query.sort, query.descending, SalesOrder.id)
    ids = list(session.scalars(stmt.offset(offset).limit(limit)))
    if not ids:
        return []
    return order_rows(session, ids)


def order_rows(session: Session, order_ids: Sequence[int]) -> list[OrderRow]:
    totals = {
        row[0]: row[1:]
        for row in session.execute(
            select(
                OrderLine.order_id,
                func.count(),
                func.sum(OrderLine.qty_ordered),
                func.sum(OrderLine.qty_allocated),
                func.sum(OrderLine.qty_backordered),
                func.sum(OrderLine.qty_shipped),
                func.sum(OrderLine.qty_cancelled),
            )
            .where(OrderLine.order_id.in_(order_ids))
            .group_by(OrderLine.order_id)
        )
    }
    orders = session.execute(
        select(
            SalesOrder.id, SalesOrder.ref, SalesOrder.status, Customer.name, SalesOrder.placed_at
        )
        .join(Customer, Customer.id == SalesOrder.customer_id)
        .where(SalesOrder.id.in_(order_ids))
    )
    etas = order_etas(session, order_ids)
    rows = []
    for oid, ref, status, customer, placed_at in orders:
        lines, ordered, allocated, backordered, shipped, cancelled = totals.get(
            oid, (0, 0, 0, 0, 0, 0)
        )
        rows.append(
            OrderRow(
                order_id=oid,
                ref=ref,
                status=status,
                customer=customer,
                placed_at=placed_at,
                lines=int(lines or 0),
                ordered=int(ordered or 0),
                allocated=int(allocated or 0),
                backordered=int(backordered or 0),
                shipped=int(shipped or 0),
                cancelled=int(cancelled or 0),
                eta=etas.get(oid) if backordered else None,
            )
        )
    return _in_page_order(order_ids, rows, lambda row: row.order_id)


def count_orders(session: Session, query: OrderQuery, cap: int = COUNT_CAP) -> Count:
    return _capped_count(session, _order_ids(session, query, with_customer=False), cap)


# --- Purchase orders -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PurchaseOrderRow:
    po_id: int
    ref: str
    supplier: str
    ordered_at: datetime | None
    expected_date: date | None
    status: PurchaseOrderStatus
    ordered: int
    received: int
    outstanding: int


@dataclass(frozen=True, slots=True)
class PurchaseOrderQuery:
    search: str = ""  #: part of the PO reference or the supplier's name
    sort: str = "ordered_at"
    descending: bool = True


def _po_sorts() -> dict[str, Any]:
    return {
        "ref": PurchaseOrder.ref,
        "supplier": Supplier.name,
        "ordered_at": PurchaseOrder.ordered_at,
        "expected_date": PurchaseOrder.expected_date,
        "status": PurchaseOrder.status,
    }


PURCHASE_ORDER_SORTS = frozenset(_po_sorts())


def _po_ids(session: Session, query: PurchaseOrderQuery) -> Select[Any]:
    stmt = select(PurchaseOrder.id).join(Supplier, Supplier.id == PurchaseOrder.supplier_id)
    condition = _like(session, query.search, PurchaseOrder.ref, Supplier.name)
    return stmt if condition is None else stmt.where(condition)


def purchase_orders_page(
    session: Session, query: PurchaseOrderQuery, offset: int, limit: int
) -> list[PurchaseOrderRow]:
    """One page of the Purchase orders tab, with ordered, received and outstanding units."""
    stmt = _ordered(
        _po_ids(session, query), _po_sorts(), query.sort, query.descending, PurchaseOrder.id
    )
    ids = list(session.scalars(stmt.offset(offset).limit(limit)))
    if not ids:
        return []
    outstanding = _outstanding_units()
    totals = {
        po_id: (ordered, received, due)
        for po_id, ordered, received, due in session.execute(
            select(
                PurchaseOrderLine.purchase_order_id,
                func.sum(PurchaseOrderLine.qty_ordered),
                func.sum(PurchaseOrderLine.qty_received),
                func.sum(outstanding),
            )
            .where(PurchaseOrderLine.purchase_order_id.in_(ids))
            .group_by(PurchaseOrderLine.purchase_order_id)
        )
    }
    rows = []
    for po_id, ref, supplier, ordered_at, expected, status in session.execute(
        select(
            PurchaseOrder.id,
            PurchaseOrder.ref,
            Supplier.name,
            PurchaseOrder.ordered_at,
            PurchaseOrder.expected_date,
            PurchaseOrder.status,
        )
        .join(Supplier, Supplier.id == PurchaseOrder.supplier_id)
        .where(PurchaseOrder.id.in_(ids))
    ):
        ordered, received, due = totals.get(po_id, (0, 0, 0))
        rows.append(
            PurchaseOrderRow(
                po_id=po_id,
                ref=ref,
                supplier=supplier,
                ordered_at=ordered_at,
                expected_date=expected,
                status=status,
                ordered=int(ordered or 0),
                received=int(received or 0),
                outstanding=int(due or 0),
            )
        )
    return _in_page_order(ids, rows, lambda row: row.po_id)


def count_purchase_orders(
    session: Session, query: PurchaseOrderQuery, cap: int = COUNT_CAP
) -> Count:
    return _capped_count(session, _po_ids(session, query), cap)


# --- Backorder queue -------------------------------------------------------------------------


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
class LineEtaView:
    """A waiting line's stored ETA, as the Backorders tab shows it."""

    status: str  #: "in_stock", "on_order" or "not_on_order"
    expected: date | None  #: the covering POs' stated date
    likely: date | None
    late: date | None
    po_ref: str | None  #: the covering PO expected last
    shortfall: int  #: units nothing covers
    was_status: str | None  #: set when the ETA moved later: what it showed before
    was: date | None
    #: Where the likely and late dates come from: the covering PO's supplier's history.
    confidence: str = ""

    @property
    def text(self) -> str:
        if self.status == IN_STOCK:
            return "in stock now"
        if self.status == NOT_ON_ORDER:
            text = f"not on order ({self.shortfall:,} short)"
        else:
            text = eta_text(self.likely, self.late)
        return f"{text} \N{MIDDLE DOT} later" if self.moved_later else text

    @property
    def moved_later(self) -> bool:
        return self.was_status is not None

    @property
    def was_text(self) -> str:
        """What the line showed before its ETA moved later ("" if it did not)."""
        if self.was_status is None:
            return ""
        if self.was_status == IN_STOCK:
            return "in stock now"
        if self.was_status == NOT_ON_ORDER:
            return "not on order"
        return eta_text(self.was, None)


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


def _customers_named(session: Session, text: str) -> Select[Any]:
    return select(Customer.id).where(_matches(session, text, Customer.name))


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


def line_etas(session: Session, line_ids: Sequence[int]) -> dict[int, LineEtaView]:
    """Stored ETAs of these lines, with the covering PO's reference."""
    rows = session.execute(
        select(
            LineEta.order_line_id,
            LineEta.status,
            LineEta.expected,
            LineEta.likely,
            LineEta.late,
            PurchaseOrder.ref,
            LineEta.shortfall,
            LineEta.was_status,
            LineEta.was,
            PurchaseOrder.supplier_id,
        )
        .outerjoin(PurchaseOrderLine, PurchaseOrderLine.id == LineEta.po_line_id)
        .outerjoin(PurchaseOrder, PurchaseOrder.id == PurchaseOrderLine.purchase_order_id)
        .where(LineEta.order_line_id.in_(line_ids))
    ).all()
    suppliers = {row[-1] for row in rows if row[-1] is not None}
    confidence = supplier_confidence(session, suppliers) if suppliers else {}
    views: dict[int, LineEtaView] = {}
    for line_id, status, expected, likely, late, ref, short, was_status, was, supplier in rows:
        views[line_id] = LineEtaView(
            status=status,
            expected=expected,
            likely=likely,
            late=late,
            po_ref=ref,
            shortfall=short,
            was_status=was_status,
            was=was,
            confidence=("" if supplier is None else confidence.get(supplier, NO_HISTORY).reason),
        )
    return views


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
