"""Products: what the shop sells, at what price, from which supplier, and what happens when
customers order more than is available (the backorder policy)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import Enum

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain import BackorderPolicy, Product, StockBalance
from app.domain.errors import Duplicate, InvalidInput, InvalidQuantity
from app.domain.permissions import Permission, require
from app.domain.quantities import MAX_QUANTITY
from app.services.catalog.common import (
    _checked_text,
    _required,
    archived_now,
    check_active,
    check_barcode_format,
    check_max_backorder,
    default_location_id,
    find_product,
    get_supplier,
    parse_money,
)
from app.services.changes import Area, Changes

#: The reason the stock ledger gives a new shop's first count of a product.
OPENING_STOCK_REASON = "opening stock"


class Keep(Enum):
    """An update argument left alone (where None means "none": no barcode, no limit)."""

    KEEP = "keep"


KEEP = Keep.KEEP


@dataclass(frozen=True, slots=True)
class SavedProduct:
    id: int
    sku: str
    changes: Changes  #: the catalog (and a new product's empty stock)


def _free_sku(session: Session, sku: str, product_id: int | None = None) -> str:
    sku = _checked_text(_required(sku, "SKU"), "SKU", 64)
    other = session.scalar(select(Product.id).where(Product.sku == sku))
    if other is not None and other != product_id:
        raise Duplicate(f"A product with SKU {sku} already exists")
    return sku


def _free_barcode(
    session: Session, barcode: str | None, product_id: int | None = None
) -> str | None:
    barcode = (barcode or "").strip() or None
    if barcode is not None:
        check_barcode_format(barcode)
        other = session.scalar(select(Product.id).where(Product.barcode == barcode))
        if other is not None and other != product_id:
            raise Duplicate(f"Barcode {barcode} already belongs to another product")
    return barcode


def _reorder_point(value: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInput("Reorder point must be a whole number of units")
    if value < 0:
        raise InvalidInput("Reorder point cannot be negative")
    if value > MAX_QUANTITY:
        raise InvalidInput(f"Reorder point must be at most {MAX_QUANTITY:,}")
    return value


def _supplier_id(session: Session, code: str | None, current: int | None = None) -> int | None:
    """The supplier named by ``code`` (None or empty: none); an archived one only if it is
    already the product's supplier."""
    if not (code or "").strip():
        return None
    supplier = get_supplier(session, code or "")
    if supplier.id != current:
        check_active(supplier.archived_at, f"Supplier {supplier.code}")
    return supplier.id


def _supplier_sku(value: str | None) -> str | None:
    value = (value or "").strip() or None
    if value is not None and len(value) > 64:
        raise InvalidInput("Supplier SKU is longer than 64 characters")
    return value


#: Longest bin (shelf position) a product may have: the column's width.
MAX_BIN_LENGTH = 40


def check_bin(value: str | None) -> str:
    """A product's bin, trimmed ("" or None: no bin)."""
    return _checked_text(value or "", "Bin", MAX_BIN_LENGTH)


def create_product(
    session: Session,
    sku: str,
    name: str,
    *,
    barcode: str | None = None,
    price: Decimal = Decimal("0.00"),
    cost: Decimal = Decimal("0.00"),
    backorder_policy: BackorderPolicy = BackorderPolicy.BACKORDER,
    reorder_point: int = 0,
    supplier_code: str | None = None,
    supplier_sku: str | None = None,
    max_backorder_qty: int | None = None,
    bin: str = "",
    opening_stock: int = 0,
) -> SavedProduct:
    """Create a product with an empty stock balance at the default location; with
    ``opening_stock``, that many units are booked in the stock ledger at once (reason
    "opening stock"), as a new shop's first count."""
    require(session, Permission.EDIT_CATALOG)
    sku = _free_sku(session, sku)
    barcode = _free_barcode(session, barcode)
    product = Product(
        sku=sku,
        name=_checked_text(_required(name, "Product name"), "Product name", 200),
        barcode=barcode,
        price=parse_money(price),
        cost=parse_money(cost, what="Cost"),
        backorder_policy=BackorderPolicy(backorder_policy),
        reorder_point=_reorder_point(reorder_point),
        supplier_id=_supplier_id(session, supplier_code),
        supplier_sku=_supplier_sku(supplier_sku),
        max_backorder_qty=check_max_backorder(max_backorder_qty),
        bin=check_bin(bin),
    )
    _check_opening_stock(opening_stock, allow_zero=True)
    session.add(product)
    session.flush()
    session.add(StockBalance(product_id=product.id, location_id=default_location_id(session)))
    changes = Changes.of(Area.CATALOG, Area.STOCK, product_ids=[product.id])
    if opening_stock:
        session.flush()
        changes |= enter_opening_stock(session, product.sku, opening_stock).changes
    return SavedProduct(product.id, product.sku, changes)


def update_product(
    session: Session,
    code: str,
    *,
    sku: str | None = None,
    name: str | None = None,
    barcode: str | Keep | None = KEEP,
    price: Decimal | str | None = None,
    cost: Decimal | str | None = None,
    backorder_policy: BackorderPolicy | None = None,
    reorder_point: int | None = None,
    supplier_code: str | Keep | None = KEEP,
    supplier_sku: str | Keep | None = KEEP,
    max_backorder_qty: int | Keep | None = KEEP,
    bin: str | None = None,
) -> SavedProduct:
    """Change a product's details (None or KEEP: keep; None for barcode, supplier, supplier
    SKU and max backorder qty: none; "" for bin: none). Lines already ordered keep their
    price and their units; a new backorder policy or limit counts for orders placed from now
    on."""
    require(session, Permission.EDIT_CATALOG)
    product = find_product(session, code)
    if sku is not None:
        product.sku = _free_sku(session, sku, product.id)
    if name is not None:
        product.name = _checked_text(_required(name, "Product name"), "Product name", 200)
    if barcode is not KEEP:
        product.barcode = _free_barcode(session, barcode, product.id)
    if price is not None:
        product.price = parse_money(price)
    if cost is not None:
        product.cost = parse_money(cost, what="Cost")
    if backorder_policy is not None:
        product.backorder_policy = BackorderPolicy(backorder_policy)
    if reorder_point is not None:
        product.reorder_point = _reorder_point(reorder_point)
    if supplier_code is not KEEP:
        product.supplier_id = _supplier_id(session, supplier_code, product.supplier_id)
    if supplier_sku is not KEEP:
        product.supplier_sku = _supplier_sku(supplier_sku)
    if max_backorder_qty is not KEEP:
        product.max_backorder_qty = check_max_backorder(max_backorder_qty)
    if bin is not None:
        product.bin = check_bin(bin)
    session.flush()
    changes = Changes.of(Area.CATALOG, Area.STOCK, product_ids=[product.id])
    return SavedProduct(product.id, product.sku, changes)


def archive_product(session: Session, code: str, *, archived: bool = True) -> SavedProduct:
    """Stop selling a product (``archived=False``: sell it again). Orders and purchase orders
    that name it keep it; new ones cannot while it is archived. Its stock stays booked."""
    require(session, Permission.EDIT_CATALOG)
    product = find_product(session, code)
    product.archived_at = archived_now(product.archived_at, archived)
    session.flush()
    changes = Changes.of(Area.CATALOG, Area.STOCK, product_ids=[product.id])
    return SavedProduct(product.id, product.sku, changes)


def unarchive_product(session: Session, code: str) -> SavedProduct:
    return archive_product(session, code, archived=False)


def set_max_backorder_qty(session: Session, code: str, qty: int | None) -> SavedProduct:
    """Set (or, with None, lift) the most units of a product that may wait at once. Units
    already waiting stay; only new orders are held to the new limit."""
    require(session, Permission.EDIT_CATALOG)
    product = find_product(session, code)
    product.max_backorder_qty = check_max_backorder(qty)
    session.flush()
    return SavedProduct(product.id, product.sku, Changes.of(Area.CATALOG, product_ids=[product.id]))


def _check_opening_stock(qty: int, *, allow_zero: bool = False) -> int:
    if isinstance(qty, bool) or not isinstance(qty, int):
        raise InvalidQuantity("Opening stock must be a whole number of units")
    if qty < 0 or (qty == 0 and not allow_zero):
        raise InvalidQuantity("Opening stock must be at least one unit")
    if qty > MAX_QUANTITY:
        raise InvalidQuantity(f"Opening stock must be at most {MAX_QUANTITY:,} units")
    return qty


@dataclass(frozen=True, slots=True)
class OpeningStock:
    sku: str
    qty: int
    on_hand: int
    changes: Changes  #: the product's stock (and the ETAs of any line waiting for it)


def enter_opening_stock(session: Session, code: str, qty: int) -> OpeningStock:
    """Book a new shop's first count of a product: ``qty`` units added to on hand through the
    stock ledger (an adjustment with the reason "opening stock"), so the ledger and the
    balances agree (``shopkeeper check``)."""
    require(session, Permission.EDIT_CATALOG)
    from app.services.stock import adjust_stock  # stock -> catalog: imported when needed

    adjusted = adjust_stock(session, code, _check_opening_stock(qty), OPENING_STOCK_REASON)
    return OpeningStock(adjusted.sku, qty, adjusted.on_hand, adjusted.changes)
