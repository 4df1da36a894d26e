"""Products, customers, suppliers and locations: creating them and finding them by code."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from sqlalchemy import or_, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from app.domain import (
    BackorderPolicy,
    Customer,
    CustomerTier,
    Location,
    Product,
    StockBalance,
    Supplier,
)
from app.domain.catalog import DEFAULT_LOCATION_CODE
from app.domain.errors import Duplicate, InvalidInput, NotFound


def default_location_id(session: Session) -> int:
    """The id of the default "Shop" location (created with every database)."""
    location_id = session.scalar(select(Location.id).where(Location.code == DEFAULT_LOCATION_CODE))
    if location_id is None:
        location = Location(code=DEFAULT_LOCATION_CODE, name="Shop")
        session.add(location)
        session.flush()
        return location.id
    return location_id


def parse_money(text: str | Decimal | int, *, what: str = "Price") -> Decimal:
    """A non-negative amount of money with at most two decimals."""
    try:
        value = Decimal(str(text).strip() or "0")
    except InvalidOperation:
        raise InvalidInput(f"{what} must be an amount like 12.50, not {str(text)[:20]!r}") from None
    if not value.is_finite() or value < 0:
        raise InvalidInput(f"{what} must be zero or more")
    if value != value.quantize(Decimal("0.01")):
        raise InvalidInput(f"{what} {value} has more than two decimals")
    if value >= Decimal("10000000000"):
        raise InvalidInput(f"{what} {value} is too large")
    return value.quantize(Decimal("0.01"))


def create_supplier(
    session: Session, code: str, name: str, *, email: str = "", lead_time_days: int = 7
) -> Supplier:
    code = _unused_code(session, Supplier.code, code, "supplier")
    if lead_time_days < 0 or lead_time_days > 3650:
        raise InvalidInput(f"Lead time must be between 0 and 3650 days, not {lead_time_days}")
    supplier = Supplier(
        code=code,
        name=_required(name, "Supplier name"),
        email=email.strip(),
        lead_time_days=lead_time_days,
    )
    session.add(supplier)
    session.flush()
    return supplier


def create_customer(
    session: Session,
    code: str,
    name: str,
    *,
    email: str = "",
    phone: str = "",
    tier: CustomerTier = CustomerTier.STANDARD,
) -> Customer:
    code = _unused_code(session, Customer.code, code, "customer")
    customer = Customer(
        code=code,
        name=_required(name, "Customer name"),
        email=email.strip(),
        phone=phone.strip(),
        tier=tier,
    )
    session.add(customer)
    session.flush()
    return customer


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
) -> Product:
    """Create a product with an empty stock balance at the default location."""
    sku = _required(sku, "SKU")
    if session.scalar(select(Product.id).where(Product.sku == sku)) is not None:
        raise Duplicate(f"A product with SKU {sku} already exists")
    barcode = (barcode or "").strip() or None
    if barcode is not None:
        check_barcode_format(barcode)
        if session.scalar(select(Product.id).where(Product.barcode == barcode)) is not None:
            raise Duplicate(f"Barcode {barcode} already belongs to another product")
    if reorder_point < 0:
        raise InvalidInput("Reorder point cannot be negative")
    supplier_id = None
    if supplier_code:
        supplier_id = get_supplier(session, supplier_code).id
    supplier_sku = (supplier_sku or "").strip() or None
    if supplier_sku is not None and len(supplier_sku) > 64:
        raise InvalidInput("Supplier SKU is longer than 64 characters")
    product = Product(
        sku=sku,
        name=_required(name, "Product name"),
        barcode=barcode,
        price=parse_money(price),
        cost=parse_money(cost, what="Cost"),
        backorder_policy=backorder_policy,
        reorder_point=reorder_point,
        supplier_id=supplier_id,
        supplier_sku=supplier_sku,
    )
    session.add(product)
    session.flush()
    session.add(StockBalance(product_id=product.id, location_id=default_location_id(session)))
    return product


def check_barcode_format(code: str) -> str:
    """A GTIN is 8, 12, 13 or 14 digits; anything else is not a barcode we can store."""
    if not code.isdigit() or len(code) not in (8, 12, 13, 14):
        raise InvalidInput(f"Barcode {code[:30]!r} is not a GTIN (8, 12, 13 or 14 digits)")
    return code


def find_product(session: Session, code: str) -> Product:
    """The product whose SKU or barcode is ``code`` (as typed or scanned)."""
    code = code.strip()
    if not code:
        raise NotFound("Nothing was scanned or typed")
    product = session.scalar(
        select(Product).where(or_(Product.sku == code, Product.barcode == code))
    )
    if product is None:
        raise NotFound(f"No product has the SKU or barcode {code[:40]!r}")
    return product


def get_customer(session: Session, code: str) -> Customer:
    customer = session.scalar(select(Customer).where(Customer.code == code.strip()))
    if customer is None:
        raise NotFound(f"No customer has the code {code[:40]!r}")
    return customer


def get_supplier(session: Session, code: str) -> Supplier:
    supplier = session.scalar(select(Supplier).where(Supplier.code == code.strip()))
    if supplier is None:
        raise NotFound(f"No supplier has the code {code[:40]!r}")
    return supplier


def _unused_code(session: Session, column: InstrumentedAttribute[str], code: str, what: str) -> str:
    """``code`` stripped, checked present and not yet taken by another ``what`` (supplier...)."""
    code = _required(code, f"{what.capitalize()} code")
    if session.scalar(select(column).where(column == code)) is not None:
        raise Duplicate(f"A {what} with code {code} already exists")
    return code


def _required(value: str, what: str) -> str:
    value = (value or "").strip()
    if not value:
        raise InvalidInput(f"{what} is required")
    return value
