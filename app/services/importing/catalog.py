"""Importing suppliers, customers and products (all rows or none)."""

from __future__ import annotations

from sqlalchemy import insert
from sqlalchemy.orm import Session

from app.domain import (
    BackorderPolicy,
    Customer,
    CustomerTier,
    Product,
    StockBalance,
    Supplier,
)
from app.domain.enums import ShipPreference
from app.domain.errors import Duplicate, InvalidInput, NotFound
from app.domain.quantities import parse_quantity
from app.services import catalog
from app.services.changes import Area, Changes
from app.services.importing.bulk import table_of
from app.services.importing.csvfile import (
    MAX_LEAD_TIME_DAYS,
    CsvRows,
    ImportResult,
    check_text,
    each_row,
    parse_choice,
)
from app.services.importing.orders import existing_refs, resolve_codes


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
    taken = existing_refs(session, Supplier.code, _column(rows, 0))
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

    records = each_row(rows, handle)
    if records:
        session.execute(insert(table_of(Supplier)), records)
    return ImportResult("suppliers", len(records), Changes.of(Area.CATALOG))


def import_customers(session: Session, rows: CsvRows) -> ImportResult:
    """Create customers (the same checks as catalog.create_customer, one insert)."""
    taken = existing_refs(session, Customer.code, _column(rows, 0))
    seen: dict[str, int] = {}

    def handle(row_no: int, values: tuple[str, ...]) -> dict[str, object]:
        code, name, email, phone, tier, ship_preference = values
        check_text(code, "code", 40, required=True)
        check_text(name, "name", 200, required=True)
        email = catalog.check_email(email)
        check_text(phone, "phone", 40)
        _claim(seen, taken, code, row_no, "code", f"A customer with code {code} already exists")
        return {
            "code": code,
            "name": name,
            "email": email,
            "phone": phone,
            "tier": parse_choice(CustomerTier, tier, "tier", CustomerTier.STANDARD),
            "ship_preference": parse_choice(
                ShipPreference, ship_preference, "ship_preference", ShipPreference.PARTIAL
            ),
        }

    records = each_row(rows, handle)
    if records:
        session.execute(insert(table_of(Customer)), records)
    return ImportResult("customers", len(records), Changes.of(Area.CATALOG))


def import_products(session: Session, rows: CsvRows) -> ImportResult:
    """Create products with empty stock balances (catalog.create_product's checks, in bulk)."""
    taken_skus = existing_refs(session, Product.sku, _column(rows, 0))
    taken_barcodes = existing_refs(session, Product.barcode, _column(rows, 2))
    suppliers = resolve_codes(session, Supplier.code, Supplier.id, _column(rows, 7))
    seen_skus: dict[str, int] = {}
    seen_barcodes: dict[str, int] = {}

    def handle(row_no: int, values: tuple[str, ...]) -> dict[str, object]:
        sku, name, barcode, price, cost, policy, reorder_point, supplier = values[:8]
        supplier_sku, max_backorder, bin_ = values[8:]
        check_text(sku, "sku", 64, required=True)
        check_text(supplier_sku, "supplier_sku", 64)
        check_text(bin_, "bin", catalog.MAX_BIN_LENGTH)
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
            "supplier_sku": supplier_sku or None,
            "max_backorder_qty": (
                parse_quantity(max_backorder, allow_zero=True, what="max_backorder_qty")
                if max_backorder
                else None
            ),
            "bin": bin_,
        }

    records = each_row(rows, handle)
    created: list[int] = []
    if records:
        products = table_of(Product)
        ids = session.execute(
            insert(products).returning(products.c.id, sort_by_parameter_order=True), records
        ).scalars()
        created = list(ids.all())
        location_id = catalog.default_location_id(session)
        session.execute(
            insert(table_of(StockBalance)),
            [
                {
                    "product_id": product_id,
                    "location_id": location_id,
                    "on_hand": 0,
                    "allocated": 0,
                    "version": 0,
                }
                for product_id in created
            ],
        )
    changes = Changes.of(Area.CATALOG, Area.STOCK, product_ids=created)
    return ImportResult("products", len(records), changes)
