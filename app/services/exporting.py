"""Exporting stock levels and the backorder queue as CSV, streamed row by row.

Both exports read in batches (``yield_per``) and write each row as it comes, so a database
with a million order lines exports in constant memory.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any, Literal, TextIO

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain import (
    Customer,
    OrderLine,
    Product,
    SalesOrder,
)
from app.domain.errors import InvalidInput
from app.domain.queue import serving_order
from app.services.queue import get_queue_policy
from app.services.views import stock_figures

ExportKind = Literal["stock", "backorders"]

STOCK_COLUMNS = ("sku", "on_hand", "allocated", "available", "incoming", "backordered")
BACKORDER_COLUMNS = (
    "position",
    "order_ref",
    "line",
    "customer",
    "sku",
    "qty_waiting",
    "placed_at",
)
KINDS: tuple[str, ...] = ("stock", "backorders")

#: Rows fetched per round trip while streaming.
BATCH = 2000


def stock_rows(session: Session) -> Iterator[tuple[str, int, int, int, int, int]]:
    """(sku, on hand, allocated, available, incoming, backordered) per product, by SKU."""
    stmt = stock_figures().order_by(Product.sku).execution_options(yield_per=BATCH)
    for _pid, sku, on_hand, allocated, incoming_units, backordered in session.execute(stmt):
        on_hand, allocated = int(on_hand), int(allocated)
        yield sku, on_hand, allocated, on_hand - allocated, int(incoming_units), int(backordered)


def backorder_rows(session: Session) -> Iterator[tuple[int, str, int, str, str, int, str]]:
    """The backorder queue in serving order under the shop's policy (pins first; gold
    customers first under loyalty): (position, order ref, line, customer code, sku, units
    waiting, placed at as ISO 8601 UTC). Position counts from 1 over the whole queue."""
    stmt = (
        select(
            SalesOrder.ref,
            OrderLine.line_no,
            Customer.code,
            Product.sku,
            OrderLine.qty_backordered,
            SalesOrder.placed_at,
        )
        .join(SalesOrder, SalesOrder.id == OrderLine.order_id)
        .join(Customer, Customer.id == SalesOrder.customer_id)
        .join(Product, Product.id == OrderLine.product_id)
        .where(OrderLine.qty_backordered > 0)
        .order_by(*serving_order(get_queue_policy(session)))
        .execution_options(yield_per=BATCH)
    )
    for position, (ref, line_no, customer, sku, waiting, placed_at) in enumerate(
        session.execute(stmt), start=1
    ):
        yield position, ref, line_no, customer, sku, waiting, iso_utc(placed_at)


def iso_utc(value: datetime) -> str:
    """2026-01-05T09:00:00Z (seconds, UTC)."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def export_csv(session: Session, kind: str, out: TextIO) -> int:
    """Write one export (header and rows) to ``out``; returns the number of data rows."""
    columns: tuple[str, ...]
    rows: Iterator[tuple[Any, ...]]
    if kind == "stock":
        columns, rows = STOCK_COLUMNS, stock_rows(session)
    elif kind == "backorders":
        columns, rows = BACKORDER_COLUMNS, backorder_rows(session)
    else:
        raise InvalidInput(f"Cannot export {kind!r}; choose one of {', '.join(KINDS)}")
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    count = 0
    for row in rows:
        writer.writerow(row)
        count += 1
    return count
