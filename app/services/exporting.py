"""Exporting stock levels and the backorder queue as CSV, streamed row by row.

Both exports read in batches (``yield_per``) and write each row as it comes, so a database
with a million order lines exports in constant memory. Every text cell a spreadsheet would
run as a formula is written with a quote in front (:mod:`app.services.csv_cells`); numbers
are written as they are. :func:`export_to_path` writes a file whole or not at all, and only
ever a regular file: never through a symbolic link, into a pipe or onto a device.
"""

from __future__ import annotations

import csv
import os
import stat
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
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
from app.services.csv_cells import neutralise
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
    return write_csv(out, columns, rows)


def write_csv(out: TextIO, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    """Write the header and rows; text cells neutralised, numbers as they are."""
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    count = 0
    for row in rows:
        writer.writerow([neutralise(cell) if isinstance(cell, str) else cell for cell in row])
        count += 1
    return count


def export_to_path(session: Session, kind: str, path: Path) -> int:
    """Write one export to a file, whole or not at all (see :func:`replacing_file`)."""
    with replacing_file(path) as temp, temp.open("w", encoding="utf-8", newline="") as out:
        return export_csv(session, kind, out)


def write_csv_to_path(path: Path, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    """Rows already read (a report's table) as a CSV file, whole or not at all."""
    with replacing_file(path) as temp, temp.open("w", encoding="utf-8", newline="") as out:
        return write_csv(out, columns, rows)


@contextmanager
def replacing_file(path: Path) -> Iterator[Path]:
    """A temporary file beside ``path`` to write; put in its place when the block ends
    without an error, so the file is never half written (removed otherwise). A target that
    exists and is not a regular file (a symbolic link, a folder, a named pipe, a device) is
    refused and left as it is. Any file format: the CSV exports and a report's PDF."""
    _check_target(path)
    folder = path.parent if str(path.parent) else Path(".")
    try:
        handle, temp_name = tempfile.mkstemp(prefix=f".{path.name}.", dir=folder)
    except OSError as error:
        raise InvalidInput(f"Cannot write {path}: {error.strerror or error}") from None
    os.close(handle)
    try:
        yield Path(temp_name)
        umask = os.umask(0o022)
        os.umask(umask)
        os.chmod(temp_name, 0o666 & ~umask)
        _check_target(path)  # again: it may have been made a link or a pipe meanwhile
        os.replace(temp_name, path)
    except OSError as error:
        Path(temp_name).unlink(missing_ok=True)
        raise InvalidInput(f"Cannot write {path}: {error.strerror or error}") from None
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise


def _check_target(path: Path) -> None:
    """Refuse a target that exists and is not a regular file (links are not followed)."""
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        return
    except OSError as error:
        raise InvalidInput(f"Cannot write {path}: {error.strerror or error}") from None
    if stat.S_ISREG(mode):
        return
    if stat.S_ISLNK(mode):
        what = "a symbolic link"
    elif stat.S_ISDIR(mode):
        what = "a folder"
    elif stat.S_ISFIFO(mode):
        what = "a named pipe"
    elif stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        what = "a device"
    else:
        what = "not a file"
    raise InvalidInput(
        f"Cannot write {path}: it is {what}, not a regular file; nothing was written "
        "(give the name of a CSV file, or - for standard output)"
    )
