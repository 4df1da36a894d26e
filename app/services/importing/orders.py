"""Importing customer orders: gathered per reference, checked, placed in serving order."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import or_, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from app.domain import (
    Customer,
    Product,
    SalesOrder,
)
from app.domain.errors import InvalidInput, ShopError
from app.domain.quantities import MAX_QUANTITY, parse_quantity
from app.services.changes import Area, Changes
from app.services.eta import recompute_etas
from app.services.importing.bulk import DocumentLine, OrderDocument, ProductRef, place_in_bulk
from app.services.importing.csvfile import (
    CHUNK,
    CsvRows,
    ImportMethod,
    ImportResult,
    ImportRowError,
    check_text,
    each_row,
    parse_date,
    parse_timestamp,
)
from app.services.ordering import LineRequest, place_order
from app.services.pricing import parse_price
from app.services.shop_settings import get_currency

_QTY_DIGITS = len(str(MAX_QUANTITY))


def gather(
    rows: CsvRows,
    *,
    what: str,
    party_column: str,
    when_column: str,
    when_required: bool,
    has_expected: bool,
    price_currency: str | None = None,
) -> dict[str, OrderDocument]:
    """Group rows into documents by reference, checking that their headers agree.

    This runs once per row of files with 100k+ lines, so the common case is kept cheap:
    the careful (slower) checks only run to find the reason a value is wrong.

    ``price_currency``: the rows end with an optional unit price, checked as an amount in
    that currency (an empty one is None: the product's price).
    """
    documents: dict[str, OrderDocument] = {}
    ref_column = f"{what}_ref"
    prices: dict[str, Decimal] = {}

    def handle(row_no: int, values: tuple[str, ...]) -> None:
        price: Decimal | None = None
        if price_currency is not None:
            price_text, values = values[-1], values[:-1]
            if price_text:
                price = prices.get(price_text)
                if price is None:
                    price = prices[price_text] = parse_price(
                        price_text, price_currency, what="price"
                    )
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
        # A quick int() for the plain case; parse_quantity says why anything else is wrong
        # (int() alone would choke on thousands of digits).
        plain = len(qty_text) <= _QTY_DIGITS and qty_text.isascii() and qty_text.isdigit()
        qty = int(qty_text) if plain else 0
        if not 0 < qty <= MAX_QUANTITY:
            qty = parse_quantity(qty_text, what="qty")
        document = documents.get(ref)
        if document is None:
            when = None
            if when_text or when_required:
                when = parse_timestamp(when_text, when_column)
            expected = parse_date(expected_text, "expected_date") if expected_text else None
            documents[ref] = document = OrderDocument(
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
        document.lines.append(DocumentLine(row_no, code, qty, price))

    each_row(rows, handle)
    return documents


def _check_same(document: OrderDocument, column: str, first: object, value: object) -> None:
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
    for start in range(0, len(values), CHUNK):
        yield values[start : start + CHUNK]


def resolve_products(session: Session, codes: Iterable[str]) -> dict[str, ProductRef]:
    """SKU or barcode -> product, like catalog.find_product (a SKU wins over a barcode)."""
    wanted = sorted(set(codes))
    by_sku: dict[str, ProductRef] = {}
    by_barcode: dict[str, ProductRef] = {}
    for chunk in _chunks(wanted):
        rows = session.execute(
            select(
                Product.id,
                Product.sku,
                Product.name,
                Product.backorder_policy,
                Product.barcode,
                Product.max_backorder_qty,
                Product.price,
            ).where(or_(Product.sku.in_(chunk), Product.barcode.in_(chunk)))
        )
        for product_id, sku, name, policy, barcode, max_backorder, price in rows:
            product = ProductRef(product_id, sku, name, policy, max_backorder, price)
            by_sku[sku] = product
            if barcode:
                by_barcode[barcode] = product
    return {
        code: by_sku.get(code) or by_barcode[code]
        for code in wanted
        if code in by_sku or code in by_barcode
    }


def resolve_codes(
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


def existing_refs(
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


def serving_sequence(documents: Iterable[OrderDocument]) -> list[OrderDocument]:
    """Orders as they are placed: by placed_at, then reference."""
    return sorted(documents, key=lambda d: (d.when or datetime.min.replace(tzinfo=UTC), d.ref))


def import_orders(
    session: Session, rows: CsvRows, *, method: ImportMethod = "bulk"
) -> ImportResult:
    """Place every order of the file, oldest first, allocating and backordering as usual."""
    documents = gather(
        rows,
        what="order",
        party_column="customer",
        when_column="placed_at",
        when_required=True,
        has_expected=False,
        price_currency=get_currency(session),
    )
    source = rows.source
    customers = resolve_codes(
        session, Customer.code, Customer.id, (d.party for d in documents.values())
    )
    products = resolve_products(
        session, (line.code for d in documents.values() for line in d.lines)
    )
    taken = existing_refs(session, SalesOrder.ref, documents)
    check_known(source, documents, customers, "customer", products, taken, "An order")
    refuse_archived(session, source, documents, customers, products)

    ordered = serving_sequence(documents.values())
    changes = Changes.of(
        Area.ORDERS,
        Area.STOCK,
        Area.QUEUE,
        product_ids=(product.id for product in products.values()),
        order_refs=documents,
    )
    if method == "place_order":
        return _place_one_by_one(session, source, ordered, changes)
    result = place_in_bulk(session, source, ordered, customers, products, changes)
    # place_order recomputes ETAs order by order; the bulk path does it once for the file.
    recompute_etas(session, {product.id for product in products.values()})
    return result


def check_known(
    source: str,
    documents: dict[str, OrderDocument],
    parties: dict[str, int],
    party_what: str,
    products: dict[str, ProductRef],
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


def refuse_archived(
    session: Session,
    source: str,
    documents: dict[str, OrderDocument],
    customers: dict[str, int],
    products: dict[str, ProductRef],
) -> None:
    """Raise for the first row naming an archived customer or product: a new order may not
    use one (as in the window), and the bulk path places orders without ``place_order``."""
    archived_customers = _archived(session, Customer, customers.values())
    archived_products = _archived(session, Product, (p.id for p in products.values()))
    problems: list[tuple[int, str]] = []
    for document in documents.values():
        if customers[document.party] in archived_customers:
            problems.append((document.row, f"customer {document.party[:40]!r} is archived"))
        for line in document.lines:
            if products[line.code].id in archived_products:
                problems.append((line.row, f"product {products[line.code].sku!r} is archived"))
                break
    if problems:
        row, reason = min(problems)
        raise ImportRowError(source, row, f"{reason}: unarchive it in the catalog first")


def _archived(
    session: Session, model: type[Customer] | type[Product], ids: Iterable[int]
) -> set[int]:
    found: set[int] = set()
    wanted = sorted(set(ids))
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        found.update(
            session.scalars(
                select(model.id).where(model.id.in_(chunk), model.archived_at.is_not(None))
            )
        )
    return found


def _place_one_by_one(
    session: Session, source: str, ordered: list[OrderDocument], changes: Changes
) -> ImportResult:
    lines = backordered = 0
    for document in ordered:
        try:
            placed = place_order(
                session,
                document.party,
                [LineRequest(line.code, line.qty, line.price) for line in document.lines],
                ref=document.ref,
                placed_at=document.when,
            )
        except ShopError as error:
            raise ImportRowError(source, document.row, str(error)) from None
        lines += len(placed.lines)
        backordered += placed.backordered
    return ImportResult("orders", len(ordered), changes, lines, backordered)
