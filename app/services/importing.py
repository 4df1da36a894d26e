"""Importing products, customers, suppliers, orders and purchase orders from CSV files.

Every import runs in the caller's transaction and is all-or-nothing: the first bad row raises
:class:`ImportRowError` ("orders.csv row 7: ...", counting the header as row 1) and the caller
rolls back, so nothing is written.

Orders are placed in ``placed_at`` order (then by reference) so they allocate and backorder
exactly as if the clerk had typed them in. The default ``bulk`` method reproduces
:func:`app.services.ordering.place_order` for a whole file at once (one query per kind of
record, one lock per product, executemany inserts); ``method="place_order"`` calls the service
order by order and exists to prove the two give identical results.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from enum import StrEnum
from operator import itemgetter
from pathlib import Path
from typing import Any, Literal, NamedTuple, TextIO, TypeVar

from sqlalchemy import Table, func, insert, or_, select
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import InstrumentedAttribute, Session

from app.domain import (
    BackorderPolicy,
    Customer,
    CustomerTier,
    OrderLine,
    Product,
    PurchaseOrder,
    SalesOrder,
    StockBalance,
    Supplier,
)
from app.domain.errors import Duplicate, InvalidInput, NotFound, ShopError
from app.domain.orders import OrderTotals, derive_order_status
from app.domain.quantities import MAX_QUANTITY, parse_quantity
from app.services import catalog, purchasing
from app.services.ordering import LineRequest, place_order
from app.services.stock import lock_balances

ImportKind = Literal["products", "customers", "suppliers", "orders", "purchase-orders"]
ImportMethod = Literal["bulk", "place_order"]

#: The header of each kind of file (any column order; names are case-insensitive).
COLUMNS: dict[str, tuple[str, ...]] = {
    "products": (
        "sku",
        "name",
        "barcode",
        "price",
        "cost",
        "backorder_policy",
        "reorder_point",
        "supplier",
    ),
    "customers": ("code", "name", "email", "phone", "tier"),
    "suppliers": ("code", "name", "email", "lead_time_days"),
    "orders": ("order_ref", "customer", "placed_at", "sku", "qty"),
    "purchase-orders": ("po_ref", "supplier", "ordered_at", "expected_date", "sku", "qty"),
}

KINDS: tuple[str, ...] = tuple(COLUMNS)

#: The longest supplier lead time catalog.create_supplier accepts.
MAX_LEAD_TIME_DAYS = 3650

#: Rows per IN (...) query when resolving codes, well under every backend's parameter limit.
_CHUNK = 500


class ImportRowError(InvalidInput):
    """A row (or the header) of an import file that cannot be accepted; nothing was imported."""

    def __init__(self, source: str, row: int, reason: str) -> None:
        super().__init__(f"{source} row {row}: {reason}")
        self.source = source
        self.row = row
        self.reason = reason


@dataclass(frozen=True, slots=True)
class ImportResult:
    kind: str
    records: int  #: products, customers, suppliers, orders or purchase orders created
    lines: int = 0  #: order or purchase order lines (0 for catalog imports)
    backordered: int = 0  #: units of imported orders left waiting for stock

    def summary(self) -> str:
        """'Imported 3 orders (7 lines, 2 units backordered)' and the like."""
        noun = self.kind.replace("-", " ")
        if self.records == 1:
            noun = noun.removesuffix("s")
        text = f"Imported {self.records} {noun}"
        if self.kind in ("orders", "purchase-orders"):
            text += f" ({self.lines} line{'' if self.lines == 1 else 's'}"
            if self.kind == "orders":
                text += f", {self.backordered} units backordered"
            text += ")"
        return text


# --- Reading ---------------------------------------------------------------------------------


@dataclass(slots=True)
class CsvRows:
    """The data rows of an import file: (row number, values in COLUMNS order)."""

    source: str
    rows: list[tuple[int, tuple[str, ...]]]


def read_csv(stream: TextIO, source: str, columns: Sequence[str]) -> CsvRows:
    """Read and check the header, then every non-blank row (values stripped of spaces)."""
    reader = csv.reader(stream)
    try:
        header = next(reader, None)
        if header is None:
            raise ImportRowError(source, 1, f"the file is empty; expected {','.join(columns)}")
        names = [name.strip().lower() for name in header]
        if names and names[0].startswith("\ufeff"):  # a BOM the stream did not remove
            names[0] = names[0][1:]
        _check_header(source, names, columns)
        pick = itemgetter(*(names.index(column) for column in columns))
        width = len(names)
        rows: list[tuple[int, tuple[str, ...]]] = []
        previous_end = reader.line_num
        for record in reader:
            row_no = previous_end + 1
            previous_end = reader.line_num
            if not record or not any(value.strip() for value in record):
                continue
            if len(record) != width:
                raise ImportRowError(
                    source, row_no, f"expected {width} fields like the header, found {len(record)}"
                )
            values = pick(record)
            rows.append((row_no, tuple(map(str.strip, values))))
    except csv.Error as error:
        raise ImportRowError(source, reader.line_num, f"not valid CSV ({error})") from None
    except UnicodeDecodeError:
        raise ImportRowError(
            source, reader.line_num + 1, "the file is not UTF-8 text; save it as CSV UTF-8"
        ) from None
    return CsvRows(source, rows)


def _check_header(source: str, names: list[str], columns: Sequence[str]) -> None:
    expected = ",".join(columns)
    duplicated = sorted({name for name in names if names.count(name) > 1})
    if duplicated:
        raise ImportRowError(source, 1, f"column {', '.join(duplicated)} appears twice")
    missing = [column for column in columns if column not in names]
    extra = [name or "(blank)" for name in names if name not in columns]
    problems = []
    if missing:
        problems.append(f"missing column{'s' if len(missing) > 1 else ''} {', '.join(missing)}")
    if extra:
        problems.append(f"unknown column{'s' if len(extra) > 1 else ''} {', '.join(extra)}")
    if problems:
        raise ImportRowError(source, 1, f"{'; '.join(problems)} (expected {expected})")


def open_source(source: str | Path | TextIO, name: str | None) -> tuple[TextIO, str, bool]:
    """The text stream, its name for messages, and whether we opened it (and must close)."""
    if isinstance(source, (str, Path)):
        label = name or str(source)
        try:
            return Path(source).open(encoding="utf-8-sig", newline=""), label, True
        except OSError as error:
            raise InvalidInput(f"Cannot read {label}: {error.strerror or error}") from None
    return source, name or str(getattr(source, "name", "input")), False


def import_csv(
    session: Session,
    kind: str,
    source: str | Path | TextIO,
    *,
    name: str | None = None,
    method: ImportMethod = "bulk",
) -> ImportResult:
    """Import one CSV file of ``kind`` (see COLUMNS) in the caller's transaction."""
    if kind not in COLUMNS:
        raise InvalidInput(f"Cannot import {kind!r}; choose one of {', '.join(KINDS)}")
    stream, label, owned = open_source(source, name)
    try:
        rows = read_csv(stream, label, COLUMNS[kind])
    finally:
        if owned:
            stream.close()
    if kind == "products":
        return import_products(session, rows)
    if kind == "customers":
        return import_customers(session, rows)
    if kind == "suppliers":
        return import_suppliers(session, rows)
    if kind == "orders":
        return import_orders(session, rows, method=method)
    return import_purchase_orders(session, rows)


# --- Field parsing ---------------------------------------------------------------------------

_E = TypeVar("_E", bound=StrEnum)


def parse_choice(enum: type[_E], text: str, what: str, default: _E) -> _E:
    """An enum value as written in a file ("out_of_stock", "Out of stock", "gold")."""
    cleaned = text.strip().lower().replace("-", "_").replace(" ", "_")
    if not cleaned:
        return default
    try:
        return enum(cleaned)
    except ValueError:
        allowed = ", ".join(member.value for member in enum)
        raise InvalidInput(f"{what} {text[:30]!r} is not one of: {allowed}") from None


def parse_timestamp(text: str, what: str) -> datetime:
    """An ISO 8601 time in UTC; a time without an offset is taken as local time."""
    cleaned = text.strip()
    if not cleaned:
        raise InvalidInput(f"{what} is empty; give a time like 2026-03-01T14:30")
    try:
        value = datetime.fromisoformat(cleaned)
    except ValueError:
        raise InvalidInput(
            f"{what} {cleaned[:40]!r} is not an ISO 8601 time (like 2026-03-01T14:30:00+01:00)"
        ) from None
    if value.tzinfo is None:
        value = value.astimezone()  # naive: the computer's local time
    return value.astimezone(UTC)


def parse_date(text: str, what: str) -> date:
    cleaned = text.strip()
    try:
        return date.fromisoformat(cleaned)
    except ValueError:
        raise InvalidInput(f"{what} {cleaned[:40]!r} is not a date like 2026-03-01") from None


def check_text(value: str, what: str, max_length: int, *, required: bool = False) -> str:
    if required and not value:
        raise InvalidInput(f"{what} is empty")
    if len(value) > max_length:
        raise InvalidInput(f"{what} is longer than {max_length} characters")
    return value


_T = TypeVar("_T")


def _each_row(rows: CsvRows, handle: Callable[[int, tuple[str, ...]], _T]) -> list[_T]:
    """Apply ``handle`` to every row, turning any user error into an ImportRowError."""
    results: list[_T] = []
    for row_no, values in rows.rows:
        try:
            results.append(handle(row_no, values))
        except ImportRowError:
            raise
        except ShopError as error:
            raise ImportRowError(rows.source, row_no, str(error)) from None
    return results


# --- Catalog ---------------------------------------------------------------------------------


def _claim(
    seen: dict[str, int], taken: set[str], value: str, row: int, what: str, already: str
) -> None:
    """Check that a value meant to be unique is neither in the database nor on an earlier row."""
    if value in taken:
        raise Duplicate(already)
    earlier = seen.get(value)
    if earlier is not None:
        raise Duplicate(f"{what} {value} is also on row {earlier}")
    seen[value] = row


def _column(rows: CsvRows, index: int) -> list[str]:
    return [values[index] for _row, values in rows.rows if values[index]]


def import_suppliers(session: Session, rows: CsvRows) -> ImportResult:
    """Create suppliers (the same checks as catalog.create_supplier, one insert)."""
    taken = _existing_refs(session, Supplier.code, _column(rows, 0))
    seen: dict[str, int] = {}

    def handle(row_no: int, values: tuple[str, ...]) -> dict[str, object]:
        code, name, email, lead_time = values
        check_text(code, "code", 40, required=True)
        check_text(name, "name", 200, required=True)
        check_text(email, "email", 200)
        _claim(seen, taken, code, row_no, "code", f"A supplier with code {code} already exists")
        days = parse_quantity(lead_time, allow_zero=True, what="lead_time_days") if lead_time else 7
        if days > MAX_LEAD_TIME_DAYS:
            raise InvalidInput(
                f"lead_time_days must be between 0 and {MAX_LEAD_TIME_DAYS}, not {days}"
            )
        return {"code": code, "name": name, "email": email, "lead_time_days": days}

    records = _each_row(rows, handle)
    if records:
        session.execute(insert(_table(Supplier)), records)
    return ImportResult("suppliers", len(records))


def import_customers(session: Session, rows: CsvRows) -> ImportResult:
    """Create customers (the same checks as catalog.create_customer, one insert)."""
    taken = _existing_refs(session, Customer.code, _column(rows, 0))
    seen: dict[str, int] = {}

    def handle(row_no: int, values: tuple[str, ...]) -> dict[str, object]:
        code, name, email, phone, tier = values
        check_text(code, "code", 40, required=True)
        check_text(name, "name", 200, required=True)
        check_text(email, "email", 200)
        check_text(phone, "phone", 40)
        _claim(seen, taken, code, row_no, "code", f"A customer with code {code} already exists")
        return {
            "code": code,
            "name": name,
            "email": email,
            "phone": phone,
            "tier": parse_choice(CustomerTier, tier, "tier", CustomerTier.STANDARD),
        }

    records = _each_row(rows, handle)
    if records:
        session.execute(insert(_table(Customer)), records)
    return ImportResult("customers", len(records))


def import_products(session: Session, rows: CsvRows) -> ImportResult:
    """Create products with empty stock balances (catalog.create_product's checks, in bulk)."""
    taken_skus = _existing_refs(session, Product.sku, _column(rows, 0))
    taken_barcodes = _existing_refs(session, Product.barcode, _column(rows, 2))
    suppliers = _resolve_codes(session, Supplier.code, Supplier.id, _column(rows, 7))
    seen_skus: dict[str, int] = {}
    seen_barcodes: dict[str, int] = {}

    def handle(row_no: int, values: tuple[str, ...]) -> dict[str, object]:
        sku, name, barcode, price, cost, policy, reorder_point, supplier = values
        check_text(sku, "sku", 64, required=True)
        check_text(name, "name", 200, required=True)
        _claim(
            seen_skus, taken_skus, sku, row_no, "SKU", f"A product with SKU {sku} already exists"
        )
        if barcode:
            catalog.check_barcode_format(barcode)
            _claim(
                seen_barcodes,
                taken_barcodes,
                barcode,
                row_no,
                "barcode",
                f"Barcode {barcode} already belongs to another product",
            )
        if supplier and supplier not in suppliers:
            raise NotFound(f"No supplier has the code {supplier[:40]!r}")
        return {
            "sku": sku,
            "name": name,
            "barcode": barcode or None,
            "price": catalog.parse_money(price, what="price"),
            "cost": catalog.parse_money(cost, what="cost"),
            "backorder_policy": parse_choice(
                BackorderPolicy, policy, "backorder_policy", BackorderPolicy.BACKORDER
            ),
            "reorder_point": (
                parse_quantity(reorder_point, allow_zero=True, what="reorder_point")
                if reorder_point
                else 0
            ),
            "supplier_id": suppliers.get(supplier) if supplier else None,
        }

    records = _each_row(rows, handle)
    if records:
        products = _table(Product)
        ids = session.execute(
            insert(products).returning(products.c.id, sort_by_parameter_order=True), records
        ).scalars()
        location_id = catalog.default_location_id(session)
        session.execute(
            insert(_table(StockBalance)),
            [
                {
                    "product_id": product_id,
                    "location_id": location_id,
                    "on_hand": 0,
                    "allocated": 0,
                    "version": 0,
                }
                for product_id in ids.all()
            ],
        )
    return ImportResult("products", len(records))


# --- Orders ----------------------------------------------------------------------------------


class _Line(NamedTuple):
    row: int
    code: str
    qty: int


@dataclass(slots=True)
class _Document:
    """An order or purchase order gathered from its rows."""

    ref: str
    party: str  #: customer or supplier code
    when_text: str
    when: datetime | None
    expected_text: str
    expected: date | None
    row: int  #: the first row naming this reference
    lines: list[_Line] = field(default_factory=list)


def _gather(
    rows: CsvRows,
    *,
    what: str,
    party_column: str,
    when_column: str,
    when_required: bool,
    has_expected: bool,
) -> dict[str, _Document]:
    """Group rows into documents by reference, checking that their headers agree.

    This runs once per row of files with 100k+ lines, so the common case is kept cheap:
    the careful (slower) checks only run to find the reason a value is wrong.
    """
    documents: dict[str, _Document] = {}
    ref_column = f"{what}_ref"

    def handle(row_no: int, values: tuple[str, ...]) -> None:
        if has_expected:
            ref, party, when_text, expected_text, code, qty_text = values
        else:
            ref, party, when_text, code, qty_text = values
            expected_text = ""
        if not ref or len(ref) > 40:
            check_text(ref, ref_column, 40, required=True)
        if not party or len(party) > 40:
            check_text(party, party_column, 40, required=True)
        if not code or len(code) > 64:
            check_text(code, "sku", 64, required=True)
        qty = int(qty_text) if qty_text.isascii() and qty_text.isdigit() else 0
        if not 0 < qty <= MAX_QUANTITY:
            qty = parse_quantity(qty_text, what="qty")
        document = documents.get(ref)
        if document is None:
            when = None
            if when_text or when_required:
                when = parse_timestamp(when_text, when_column)
            expected = parse_date(expected_text, "expected_date") if expected_text else None
            documents[ref] = document = _Document(
                ref, party, when_text, when, expected_text, expected, row_no
            )
        elif (party, when_text, expected_text) != (
            document.party,
            document.when_text,
            document.expected_text,
        ):
            _check_same(document, party_column, document.party, party)
            if when_text != document.when_text:
                when = parse_timestamp(when_text, when_column) if when_text else None
                _check_same(document, when_column, document.when, when)
            if expected_text != document.expected_text:
                expected = parse_date(expected_text, "expected_date") if expected_text else None
                _check_same(document, "expected_date", document.expected, expected)
        document.lines.append(_Line(row_no, code, qty))

    _each_row(rows, handle)
    return documents


def _check_same(document: _Document, column: str, first: object, value: object) -> None:
    if first != value:
        raise InvalidInput(
            f"{document.ref} has {column} {_show(first)} on row {document.row} "
            f"but {_show(value)} here; all lines of one reference must agree"
        )


def _show(value: object) -> str:
    if value is None or value == "":
        return "(empty)"
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


def _chunks(values: Sequence[str]) -> Iterator[Sequence[str]]:
    for start in range(0, len(values), _CHUNK):
        yield values[start : start + _CHUNK]


@dataclass(frozen=True, slots=True)
class _ProductRef:
    id: int
    sku: str
    name: str
    policy: BackorderPolicy


def resolve_products(session: Session, codes: Iterable[str]) -> dict[str, _ProductRef]:
    """SKU or barcode -> product, like catalog.find_product (a SKU wins over a barcode)."""
    wanted = sorted(set(codes))
    by_sku: dict[str, _ProductRef] = {}
    by_barcode: dict[str, _ProductRef] = {}
    for chunk in _chunks(wanted):
        rows = session.execute(
            select(
                Product.id, Product.sku, Product.name, Product.backorder_policy, Product.barcode
            ).where(or_(Product.sku.in_(chunk), Product.barcode.in_(chunk)))
        )
        for product_id, sku, name, policy, barcode in rows:
            product = _ProductRef(product_id, sku, name, policy)
            by_sku[sku] = product
            if barcode:
                by_barcode[barcode] = product
    return {
        code: by_sku.get(code) or by_barcode[code]
        for code in wanted
        if code in by_sku or code in by_barcode
    }


def _resolve_codes(
    session: Session,
    column: InstrumentedAttribute[str],
    id_column: InstrumentedAttribute[int],
    codes: Iterable[str],
) -> dict[str, int]:
    """Code -> id for the codes that exist (one query per chunk)."""
    wanted = sorted(set(codes))
    found: dict[str, int] = {}
    for chunk in _chunks(wanted):
        found.update(session.execute(select(column, id_column).where(column.in_(chunk))).all())
    return found


def _existing_refs(
    session: Session,
    column: InstrumentedAttribute[str] | InstrumentedAttribute[str | None],
    refs: Iterable[str],
) -> set[str]:
    """Which of these codes (or refs, barcodes) the database already holds."""
    wanted = sorted(set(refs))
    taken: set[str] = set()
    for chunk in _chunks(wanted):
        taken.update(v for v in session.scalars(select(column).where(column.in_(chunk))) if v)
    return taken


def serving_sequence(documents: Iterable[_Document]) -> list[_Document]:
    """Orders as they are placed: by placed_at, then reference."""
    return sorted(documents, key=lambda d: (d.when or datetime.min.replace(tzinfo=UTC), d.ref))


def import_orders(
    session: Session, rows: CsvRows, *, method: ImportMethod = "bulk"
) -> ImportResult:
    """Place every order of the file, oldest first, allocating and backordering as usual."""
    documents = _gather(
        rows,
        what="order",
        party_column="customer",
        when_column="placed_at",
        when_required=True,
        has_expected=False,
    )
    source = rows.source
    customers = _resolve_codes(
        session, Customer.code, Customer.id, (d.party for d in documents.values())
    )
    products = resolve_products(
        session, (line.code for d in documents.values() for line in d.lines)
    )
    taken = _existing_refs(session, SalesOrder.ref, documents)
    _check_known(source, documents, customers, "customer", products, taken, "An order")

    ordered = serving_sequence(documents.values())
    if method == "place_order":
        return _place_one_by_one(session, source, ordered)
    return _place_in_bulk(session, source, ordered, customers, products)


def _check_known(
    source: str,
    documents: dict[str, _Document],
    parties: dict[str, int],
    party_what: str,
    products: dict[str, _ProductRef],
    taken: set[str],
    document_what: str,
) -> None:
    """Raise for the first row (in file order) naming something unknown or a taken ref."""
    problems: list[tuple[int, str]] = []
    for document in documents.values():
        if document.ref in taken:
            problems.append(
                (document.row, f"{document_what} with reference {document.ref} already exists")
            )
        if document.party not in parties:
            problems.append((document.row, f"unknown {party_what} {document.party[:40]!r}"))
        for line in document.lines:
            if line.code not in products:
                problems.append((line.row, f"unknown sku {line.code[:40]!r}"))
                break
    if problems:
        row, reason = min(problems)
        raise ImportRowError(source, row, reason)


def _place_one_by_one(session: Session, source: str, ordered: list[_Document]) -> ImportResult:
    lines = backordered = 0
    for document in ordered:
        try:
            placed = place_order(
                session,
                document.party,
                [LineRequest(line.code, line.qty) for line in document.lines],
                ref=document.ref,
                placed_at=document.when,
            )
        except ShopError as error:
            raise ImportRowError(source, document.row, str(error)) from None
        lines += len(placed.lines)
        backordered += placed.backordered
    return ImportResult("orders", len(ordered), lines, backordered)


def _place_in_bulk(
    session: Session,
    source: str,
    ordered: list[_Document],
    customers: dict[str, int],
    products: dict[str, _ProductRef],
) -> ImportResult:
    """place_order for many orders at once: the same allocations, a few statements.

    Mirrors place_order line by line: take min(qty, available) in placing order, refuse an
    out-of-stock-policy product beyond what is available, bump the balance version once per
    line, derive the order status from the line totals. No allocation events are written
    (place_order writes none either).
    """
    product_ids = {products[line.code].id for d in ordered for line in d.lines}
    location_id = catalog.default_location_id(session)
    available = _lock_available(session, product_ids, location_id)
    allocated = dict.fromkeys(product_ids, 0)
    bumps = dict.fromkeys(product_ids, 0)
    backorder_only = {
        product.id for product in products.values() if product.policy == BackorderPolicy.BACKORDER
    }
    orders_table, lines_table = _table(SalesOrder), _table(OrderLine)
    placed_at_value = _to_driver(session, orders_table, "placed_at")
    queued_at_value = _to_driver(session, lines_table, "queued_at")
    status_value = _to_driver(session, orders_table, "status")
    order_rows: list[tuple[object, ...]] = []
    line_rows: list[list[tuple[object, ...]]] = []
    backordered_units = 0
    for document in ordered:
        queued_at = queued_at_value(document.when)
        lines: list[tuple[object, ...]] = []
        totals_allocated = totals_backordered = totals_ordered = 0
        for line_no, (row_no, code, qty) in enumerate(document.lines, start=1):
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
            available[product_id] = free - take
            allocated[product_id] += take
            bumps[product_id] += 1
            totals_ordered += qty
            totals_allocated += take
            totals_backordered += qty - take
            lines.append((line_no, product_id, qty, take, 0, 0, qty - take, queued_at, ""))
        backordered_units += totals_backordered
        status = derive_order_status(
            OrderTotals(
                ordered=totals_ordered, allocated=totals_allocated, backordered=totals_backordered
            )
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
        "orders", len(order_rows), sum(len(lines) for lines in line_rows), backordered_units
    )


def _lock_available(session: Session, product_ids: set[int], location_id: int) -> dict[int, int]:
    """Available units per product, with the balance rows locked as lock_balances locks them
    (in product-id order), read as plain values: tens of thousands of ORM objects would cost
    more than the whole insert."""
    session.flush()
    ids = sorted(product_ids)
    available: dict[int, int] = {}
    for start in range(0, len(ids), _CHUNK):
        rows = session.execute(
            select(StockBalance.product_id, StockBalance.on_hand - StockBalance.allocated)
            .where(
                StockBalance.location_id == location_id,
                StockBalance.product_id.in_(ids[start : start + _CHUNK]),
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
    connection = session.connection()
    preparer = connection.dialect.identifier_preparer
    quote, mark = preparer.quote, _marker(connection.dialect)
    allocated_col, version_col = quote("allocated"), quote("version")
    connection.exec_driver_sql(
        f"UPDATE {preparer.format_table(_table(StockBalance))} "
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


def _table(mapped: type[object]) -> Table:
    table = mapped.__table__  # type: ignore[attr-defined]
    assert isinstance(table, Table)
    return table


# --- Purchase orders -------------------------------------------------------------------------


def import_purchase_orders(session: Session, rows: CsvRows) -> ImportResult:
    """Create each purchase order of the file (open, to be received later)."""
    documents = _gather(
        rows,
        what="po",
        party_column="supplier",
        when_column="ordered_at",
        when_required=False,
        has_expected=True,
    )
    suppliers = _resolve_codes(
        session, Supplier.code, Supplier.id, (d.party for d in documents.values())
    )
    products = resolve_products(
        session, (line.code for d in documents.values() for line in d.lines)
    )
    taken = _existing_refs(session, PurchaseOrder.ref, documents)
    _check_known(rows.source, documents, suppliers, "supplier", products, taken, "A purchase order")
    lines = 0
    for document in documents.values():
        try:
            purchasing.create_purchase_order(
                session,
                document.party,
                [LineRequest(products[line.code].sku, line.qty) for line in document.lines],
                ref=document.ref,
                ordered_at=document.when,
                expected_date=document.expected,
            )
        except ShopError as error:
            raise ImportRowError(rows.source, document.row, str(error)) from None
        lines += len(document.lines)
    return ImportResult("purchase-orders", len(documents), lines)
