"""Importing purchase orders (a row per line)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from app.domain import (
    PurchaseOrder,
    Supplier,
)
from app.domain.errors import ShopError
from app.services import purchasing
from app.services.changes import Area, Changes
from app.services.eta import recompute_etas
from app.services.importing.csvfile import CsvRows, ImportResult, ImportRowError
from app.services.importing.orders import (
    check_known,
    existing_refs,
    gather,
    resolve_codes,
    resolve_products,
)
from app.services.ordering import LineRequest


def import_purchase_orders(session: Session, rows: CsvRows) -> ImportResult:
    """Create each purchase order of the file (open, to be received later)."""
    documents = gather(
        rows,
        what="po",
        party_column="supplier",
        when_column="ordered_at",
        when_required=False,
        has_expected=True,
    )
    suppliers = resolve_codes(
        session, Supplier.code, Supplier.id, (d.party for d in documents.values())
    )
    products = resolve_products(
        session, (line.code for d in documents.values() for line in d.lines)
    )
    taken = existing_refs(session, PurchaseOrder.ref, documents)
    check_known(rows.source, documents, suppliers, "supplier", products, taken, "A purchase order")
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
                recompute=False,
            )
        except ShopError as error:
            raise ImportRowError(rows.source, document.row, str(error)) from None
        lines += len(document.lines)
    # The new incoming stock gives the waiting customers of these products new ETAs.
    product_ids = {product.id for product in products.values()}
    recompute_etas(session, product_ids)
    changes = Changes.of(
        Area.PURCHASE_ORDERS,
        Area.STOCK,
        Area.QUEUE,
        product_ids=product_ids,
        purchase_order_refs=documents,
    )
    return ImportResult("purchase-orders", len(documents), changes, lines)
