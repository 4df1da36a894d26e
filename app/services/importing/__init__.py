"""Importing products, customers, suppliers, orders and purchase orders from CSV files.

Every import runs in the caller's transaction and is all-or-nothing: the first bad row raises
:class:`ImportRowError` ("orders.csv row 7: ...", numbered as a spreadsheet shows the file:
the header is row 1) and the caller rolls back, so nothing is written. A file with a header
and no rows imports nothing and says so.

Orders are placed in ``placed_at`` order (then by reference) so they allocate and backorder
exactly as if the clerk had typed them in. The default ``bulk`` method reproduces
:func:`app.services.ordering.place_order` for a whole file at once (one query per kind of
record, one lock per product, executemany inserts); ``method="place_order"`` calls the service
order by order and exists to prove the two give identical results.
"""

from __future__ import annotations

from pathlib import Path
from typing import TextIO

from sqlalchemy.orm import Session

from app.domain.errors import InvalidInput
from app.domain.permissions import Permission, require
from app.services.audit import record_event
from app.services.changes import NO_CHANGES
from app.services.importing.catalog import import_customers, import_products, import_suppliers
from app.services.importing.csvfile import (
    COLUMNS,
    KINDS,
    OPTIONAL_COLUMNS,
    CsvRows,
    ImportMethod,
    ImportResult,
    ImportRowError,
    open_source,
    read_csv,
)
from app.services.importing.orders import import_orders
from app.services.importing.purchase_orders import import_purchase_orders

__all__ = ["COLUMNS", "KINDS", "OPTIONAL_COLUMNS", "ImportResult", "ImportRowError", "import_csv"]


def import_csv(
    session: Session,
    kind: str,
    source: str | Path | TextIO,
    *,
    name: str | None = None,
    method: ImportMethod = "bulk",
) -> ImportResult:
    """Import one CSV file of ``kind`` (see COLUMNS) in the caller's transaction."""
    require(session, Permission.IMPORT_DATA)
    if kind not in COLUMNS:
        raise InvalidInput(f"Cannot import {kind!r}; choose one of {', '.join(KINDS)}")
    stream, label, owned = open_source(source, name)
    try:
        rows = read_csv(stream, label, COLUMNS[kind], OPTIONAL_COLUMNS.get(kind, ()))
    finally:
        if owned:
            stream.close()
    if not rows.rows:
        # A header and nothing else (a day without orders): done, and the database untouched.
        return ImportResult(kind, 0, NO_CHANGES)
    result = _import(session, kind, rows, method)
    # The import's bulk statements each leave a summary row; this one names the file.
    record_event(session, "imported", f"{result.summary()} from {label}", entity=kind)
    return result


def _import(session: Session, kind: str, rows: CsvRows, method: ImportMethod) -> ImportResult:
    if kind == "products":
        return import_products(session, rows)
    if kind == "customers":
        return import_customers(session, rows)
    if kind == "suppliers":
        return import_suppliers(session, rows)
    if kind == "orders":
        return import_orders(session, rows, method=method)
    return import_purchase_orders(session, rows)
