"""Placing a whole file of orders at once, exactly as place_order would one by one."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any, NamedTuple

from sqlalchemy import Table, func, select
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Session

from app.domain import (
    BackorderPolicy,
    OrderLine,
    SalesOrder,
    StockBalance,
)
from app.domain.orders import OrderTotals, derive_order_status
from app.services import catalog
from app.services.changes import Changes
from app.services.importing.csvfile import CHUNK, ImportResult, ImportRowError
from app.services.order_status import ship_complete_customers
from app.services.ordering import backorder_limit_refusal, waiting_units
from app.services.stock import lock_balances


class DocumentLine(NamedTuple):
    row: int
    code: str
    qty: int
    price: Decimal | None = None  #: the unit price the file gives (None: the product's)


@dataclass(slots=True)
class OrderDocument:
    """An order or purchase order gathered from its rows."""

    ref: str
    party: str  #: customer or supplier code
    when_text: str
    when: datetime | None
    expected_text: str
    expected: date | None
    row: int  #: the first row naming this reference
    lines: list[DocumentLine] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class ProductRef:
    id: int
    sku: str
    name: str
    policy: BackorderPolicy
    max_backorder: int | None = None  #: Product.max_backorder_qty
    price: Decimal = Decimal("0.00")  #: Product.price, a line's unit price by default


def place_in_bulk(
    session: Session,
    source: str,
    ordered: list[OrderDocument],
    customers: dict[str, int],
    products: dict[str, ProductRef],
    changes: Changes,
) -> ImportResult:
    """place_order for many orders at once: the same allocations, a few statements.

    Mirrors place_order line by line: take min(qty, available) in placing order, refuse an
    out-of-stock-policy product beyond what is available, bump the balance version once per
    line, derive the order status from the line totals. No allocation events are written
    (place_order writes none either).
    """
    product_ids = {products[line.code].id for d in ordered for line in d.lines}
    # New orders carry no override: the customer's ship preference decides a part-filled
    # order's status, exactly as refresh_order_statuses would.
    ship_complete = ship_complete_customers(session, {customers[d.party] for d in ordered})
    location_id = catalog.default_location_id(session)
    available = _lock_available(session, product_ids, location_id)
    allocated = dict.fromkeys(product_ids, 0)
    bumps = dict.fromkeys(product_ids, 0)
    backorder_only = {
        product.id for product in products.values() if product.policy == BackorderPolicy.BACKORDER
    }
    limits = {p.id: p.max_backorder for p in products.values() if p.max_backorder is not None}
    waiting = waiting_units(session, limits)  # read under the balance locks, as place_order
    orders_table, lines_table = table_of(SalesOrder), table_of(OrderLine)
    placed_at_value = _to_driver(session, orders_table, "placed_at")
    queued_at_value = _to_driver(session, lines_table, "queued_at")
    status_value = _to_driver(session, orders_table, "status")
    price_value = _to_driver(session, lines_table, "unit_price")
    order_rows: list[tuple[object, ...]] = []
    line_rows: list[list[tuple[object, ...]]] = []
    backordered_units = 0
    for document in ordered:
        queued_at = queued_at_value(document.when)
        lines: list[tuple[object, ...]] = []
        totals_allocated = totals_backordered = totals_ordered = 0
        for line_no, (row_no, code, qty, price) in enumerate(document.lines, start=1):
            product_id = products[code].id
            free = available[product_id]
            take = qty if qty <= free else free
            if take < qty and product_id not in backorder_only:
                product = products[code]
                # The same refusal as place_order's NotEnoughStock, with the row.
                raise ImportRowError(
                    source,
                    row_no,
                    f"{product.sku} {product.name} is sold from stock only: "
                    f"{free} available, {qty} ordered",
                )
            limit = limits.get(product_id)
            if limit is not None and take < qty:
                if qty - take > limit - waiting[product_id]:
                    product = products[code]
                    raise ImportRowError(
                        source,
                        row_no,
                        backorder_limit_refusal(
                            product.sku, product.name, limit, waiting[product_id], take, qty
                        ),
                    )
                waiting[product_id] += qty - take
            available[product_id] = free - take
            allocated[product_id] += take
            bumps[product_id] += 1
            totals_ordered += qty
            totals_allocated += take
            totals_backordered += qty - take
            unit_price = price_value(products[code].price if price is None else price)
            lines.append(
                (
                    line_no,
                    product_id,
                    qty,
                    take,
                    0,
                    0,
                    qty - take,
                    queued_at,
                    "",
                    False,
                    0,
                    unit_price,
                    qty - take,
                )
            )
        backordered_units += totals_backordered
        status = derive_order_status(
            OrderTotals(
                ordered=totals_ordered, allocated=totals_allocated, backordered=totals_backordered
            ),
            ship_complete=customers[document.party] in ship_complete,
        )
        order_rows.append(
            (
                document.ref,
                customers[document.party],
                placed_at_value(document.when),
                status_value(status),
                "",
            )
        )
        line_rows.append(lines)

    if order_rows:
        before = session.scalar(select(func.max(SalesOrder.id))) or 0
        _insert_many(
            session,
            orders_table,
            ("ref", "customer_id", "placed_at", "status", "note"),
            order_rows,
        )
        ids = dict(
            session.execute(
                select(SalesOrder.ref, SalesOrder.id).where(SalesOrder.id > before)
            ).all()
        )
        _insert_many(
            session,
            lines_table,
            ORDER_LINE_COLUMNS,
            [
                (ids[document.ref], *line)
                for document, lines in zip(ordered, line_rows, strict=True)
                for line in lines
            ],
        )
    _update_balances(session, location_id, allocated, bumps)
    return ImportResult(
        "orders",
        len(order_rows),
        changes,
        sum(len(lines) for lines in line_rows),
        backordered_units,
    )


def _lock_available(session: Session, product_ids: set[int], location_id: int) -> dict[int, int]:
    """Available units per product, with the balance rows locked as lock_balances locks them
    (in product-id order), read as plain values: tens of thousands of ORM objects would cost
    more than the whole insert."""
    session.flush()
    ids = sorted(product_ids)
    available: dict[int, int] = {}
    for start in range(0, len(ids), CHUNK):
        rows = session.execute(
            select(StockBalance.product_id, StockBalance.on_hand - StockBalance.allocated)
            .where(
                StockBalance.location_id == location_id,
                StockBalance.product_id.in_(ids[start : start + CHUNK]),
            )
            .order_by(StockBalance.product_id)
            .with_for_update()
        )
        available.update(rows.all())
    missing = [pid for pid in ids if pid not in available]
    if missing:  # products without a balance row yet: lock_balances creates them
        for product_id, balance in lock_balances(session, missing, location_id).items():
            available[product_id] = balance.available
    return available


def _update_balances(
    session: Session, location_id: int, allocated: dict[int, int], bumps: dict[int, int]
) -> None:
    """Add the new allocations to the (locked) balances and bump their versions, as
    place_order does once per line."""
    if not bumps:
        return  # no lines: an empty executemany is an error on some drivers
    connection = session.connection()
    preparer = connection.dialect.identifier_preparer
    quote, mark = preparer.quote, _marker(connection.dialect)
    allocated_col, version_col = quote("allocated"), quote("version")
    connection.exec_driver_sql(
        f"UPDATE {preparer.format_table(table_of(StockBalance))} "
        f"SET {allocated_col} = {allocated_col} + {mark}, {version_col} = {version_col} + {mark} "
        f"WHERE {quote('product_id')} = {mark} AND {quote('location_id')} = {mark}",
        [
            (allocated[product_id], bumps[product_id], product_id, location_id)
            for product_id in sorted(bumps)
        ],
    )
    # Balances this session already loaded must not keep their old numbers.
    for item in list(session.identity_map.values()):
        if isinstance(item, StockBalance):
            session.expire(item)


ORDER_LINE_COLUMNS = (
    "order_id",
    "line_no",
    "product_id",
    "qty_ordered",
    "qty_allocated",
    "qty_shipped",
    "qty_cancelled",
    "qty_backordered",
    "queued_at",
    "cancel_reason",
    "pinned",
    "queue_nudge",
    "unit_price",
    "qty_backordered_at_order",
)


def _insert_many(
    session: Session, table: Table, columns: Sequence[str], rows: list[tuple[object, ...]]
) -> None:
    """INSERT many rows with one executemany, handing the driver values in its own form.

    Skips SQLAlchemy's per-row parameter handling, which is most of the time of importing
    100k order lines; callers convert values with :func:`_to_driver` (once per distinct value).
    """
    if not rows:
        return
    connection = session.connection()
    mark = _marker(connection.dialect)
    quote = connection.dialect.identifier_preparer.quote
    sql = (
        f"INSERT INTO {connection.dialect.identifier_preparer.format_table(table)} "
        f"({', '.join(quote(name) for name in columns)}) "
        f"VALUES ({', '.join(mark for _ in columns)})"
    )
    connection.exec_driver_sql(sql, rows)


def _marker(dialect: Dialect) -> str:
    """The driver's positional parameter marker (sqlite3: ?, psycopg: %s)."""
    if dialect.paramstyle == "qmark":
        return "?"
    if dialect.paramstyle in ("format", "pyformat"):
        return "%s"
    raise NotImplementedError(f"paramstyle {dialect.paramstyle}")  # pragma: no cover


def _to_driver(session: Session, table: Table, column: str) -> Callable[[Any], object]:
    """The column type's bind conversion for this database (UTC time -> stored text, enum ->
    its value...), cached per distinct value, as SQLAlchemy would apply it."""
    dialect = session.connection().dialect
    column_type = table.c[column].type
    processor = column_type.dialect_impl(dialect).bind_processor(dialect)
    if processor is None:
        return lambda value: value
    cache: dict[object, object] = {}

    def convert(value: object) -> object:
        if value is None:
            return None
        try:
            return cache[value]
        except KeyError:
            result = cache[value] = processor(value)
            return result

    return convert


def table_of(mapped: type[object]) -> Table:
    table = mapped.__table__  # type: ignore[attr-defined]
    assert isinstance(table, Table)
    return table
