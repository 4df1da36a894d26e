"""Products, customers, suppliers and locations: creating them and finding them by code."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import case, or_, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from app.domain import (
    BackorderPolicy,
    Customer,
    CustomerTier,
    Location,
    Product,
    SalesOrder,
    StockBalance,
    Supplier,
)
from app.domain.barcodes import looks_like_barcode, validate_gtin
from app.domain.base import Money
from app.domain.catalog import DEFAULT_LOCATION_CODE
from app.domain.enums import OrderStatus, ShipPreference
from app.domain.errors import Duplicate, InvalidInput, InvalidQuantity, NotFound
from app.domain.quantities import MAX_QUANTITY
from app.services.changes import Area, Changes
from app.services.order_status import refresh_order_statuses
from app.services.views.search import _matches, _starts_with

#: Most customers a type-ahead search returns: enough to pick from, few enough to read.
CUSTOMER_MATCHES = 12
#: Most products a search by name may match before the clerk is asked to type more.
PRODUCT_NAME_MATCHES = 8


def default_location_id(session: Session) -> int:
    """The id of the default "Shop" location (created with every database)."""
    location_id = session.scalar(select(Location.id).where(Location.code == DEFAULT_LOCATION_CODE))
    if location_id is None:
        location = Location(code=DEFAULT_LOCATION_CODE, name="Shop")
        session.add(location)
        session.flush()
        return location.id
    return location_id


#: The largest amount a Money column (Numeric(12, 2)) holds: 9999999999.99.
_MONEY_PLACES = Money.scale or 0
_CENT = Decimal(1).scaleb(-_MONEY_PLACES)
MAX_MONEY = Decimal(10) ** ((Money.precision or 0) - _MONEY_PLACES) - _CENT
#: An amount as people and spreadsheets write it: ASCII digits, a decimal point, perhaps an
#: exponent ("12.50", ".5", "1.5E+3"); not "1_000", "12,50", "NaN" or other scripts' digits.
_AMOUNT = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")


def parse_money(text: str | Decimal | int, *, what: str = "Price") -> Decimal:
    """A non-negative amount of money with at most two decimals, at most MAX_MONEY (what the
    database column holds); anything else is an InvalidInput saying why."""
    if isinstance(text, Decimal):
        value, shown = text, str(text)
    else:
        shown = str(text).strip() or "0"
        if isinstance(text, bool) or not _AMOUNT.fullmatch(shown):
            raise InvalidInput(f"{what} must be an amount like 12.50, not {shown[:20]!r}")
        value = Decimal(shown)
    if not value.is_finite():
        raise InvalidInput(f"{what} must be an amount like 12.50, not {shown[:20]!r}")
    if value < 0:
        raise InvalidInput(f"{what} cannot be negative ({shown[:20]})")
    # Checked before rounding to cents: quantize() fails beyond 28 digits (1e30).
    if value > MAX_MONEY:
        raise InvalidInput(f"{what} {shown[:20]} is too large (at most {MAX_MONEY})")
    cents = value.quantize(_CENT)
    if cents != value:
        raise InvalidInput(f"{what} {shown[:20]} has more than two decimals")
    return cents.copy_abs()  # -0 is 0.00


@dataclass(frozen=True, slots=True)
class SavedSupplier:
    id: int
    code: str
    changes: Changes  #: the catalog


@dataclass(frozen=True, slots=True)
class SavedProduct:
    id: int
    sku: str
    changes: Changes  #: the catalog (and a new product's empty stock)


def create_supplier(
    session: Session, code: str, name: str, *, email: str = "", lead_time_days: int = 7
) -> SavedSupplier:
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
    return SavedSupplier(supplier.id, supplier.code, Changes.of(Area.CATALOG))


def create_customer(
    session: Session,
    code: str,
    name: str,
    *,
    email: str = "",
    phone: str = "",
    tier: CustomerTier = CustomerTier.STANDARD,
    ship_preference: ShipPreference = ShipPreference.PARTIAL,
) -> SavedCustomer:
    name = _required(name, "Customer name")  # before the code: it is suggested from the name
    code = _unused_code(session, Customer.code, code, "customer")
    customer = Customer(
        code=code,
        name=name,
        email=check_email(email),
        phone=_checked_text(phone, "Phone", 40),
        tier=tier,
        ship_preference=ship_preference,
    )
    session.add(customer)
    session.flush()
    return SavedCustomer(_row_of(customer), Changes.of(Area.CATALOG))


#: Something@something.tld: catches a phone number or a name typed in the email field.
_EMAIL = re.compile(r"[^@\s]+@[^@\s.]+(\.[^@\s.]+)*\.[^@\s.]{2,}")


def check_email(email: str) -> str:
    """An email address stripped, empty or plausible (name@example.com), at most 200 long."""
    email = _checked_text(email, "Email", 200)
    if email and not _EMAIL.fullmatch(email):
        raise InvalidInput(f"Email {email[:60]!r} does not look like an address (name@example.com)")
    return email


@dataclass(frozen=True, slots=True)
class CustomerRow:
    """A customer as a picker or a customer dialog shows it (plain values)."""

    id: int
    code: str
    name: str
    email: str
    phone: str
    tier: CustomerTier
    ship_preference: ShipPreference
    #: The type-ahead matched the phone: the label shows it rather than the email.
    phone_matched: bool = False

    @property
    def label(self) -> str:
        """ "C042 — Ana Lima · ana@example.com" (or the phone, when the search matched it):
        what a type-ahead list shows."""
        contact = self.phone if self.phone_matched and self.phone else self.email or self.phone
        return f"{self.code} — {self.name}" + (f" · {contact}" if contact else "")


@dataclass(frozen=True, slots=True)
class SavedCustomer:
    """A customer as saved, and what saving changed."""

    customer: CustomerRow
    #: The catalog; a new tier may re-serve queues, a new ship preference re-derive the
    #: statuses of the customer's open orders.
    changes: Changes


def _row_of(customer: Customer) -> CustomerRow:
    return CustomerRow(*(getattr(customer, column.key) for column in _CUSTOMER_COLUMNS))


#: The columns of a CustomerRow, in its field order.
_CUSTOMER_COLUMNS = (
    Customer.id,
    Customer.code,
    Customer.name,
    Customer.email,
    Customer.phone,
    Customer.tier,
    Customer.ship_preference,
)


def _customer_rows(session: Session, condition: object | None, limit: int) -> list[CustomerRow]:
    stmt = select(*_CUSTOMER_COLUMNS)
    if condition is not None:
        stmt = stmt.where(condition)  # type: ignore[arg-type]
    return [CustomerRow(*row) for row in session.execute(stmt.limit(limit)).all()]


def search_customers(
    session: Session, text: str, *, limit: int = CUSTOMER_MATCHES
) -> list[CustomerRow]:
    """Customers whose name, code, email or phone contains ``text`` (ignoring case), for a
    type-ahead: an exact code first, then codes and names starting with the text, then the
    rest by name; at most ``limit``. Runs in SQL, so it stays quick with 100k customers."""
    text = text.strip()
    if not text:
        return []
    condition = _matches(session, text, Customer.name, Customer.code, Customer.email)
    rank = case(
        (Customer.code == text, 0),
        (_starts_with(session, Customer.code, text), 1),
        (_starts_with(session, Customer.name, text), 2),
        else_=3,
    )
    rows = session.execute(
        select(*_CUSTOMER_COLUMNS)
        .where(or_(condition, Customer.phone.contains(text, autoescape=True)))  # digits: exact
        .order_by(rank, Customer.name, Customer.code)
        .limit(limit)
    ).all()
    return [CustomerRow(*row, phone_matched=text in row.phone) for row in rows]


def customers_named(session: Session, name: str) -> list[CustomerRow]:
    """Customers whose name is ``name``, ignoring case and surrounding spaces (a few at most):
    a clerk adding "ruth ashworth" may be adding Ruth Ashworth again."""
    name = name.strip()
    if not name:
        return []
    pattern = name.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    rows = _customer_rows(session, Customer.name.ilike(pattern, escape="\\"), CUSTOMER_MATCHES)
    return [row for row in rows if row.name.strip().casefold() == name.casefold()]


def customer_row(session: Session, code: str) -> CustomerRow:
    """The customer with this code, as a plain row (NotFound otherwise)."""
    rows = _customer_rows(session, Customer.code == code.strip(), 1)
    if not rows:
        raise NotFound(f"No customer has the code {code[:40]!r}")
    return rows[0]


def suggest_customer_code(session: Session, name: str) -> str:
    """A free, readable code for a new customer: the first name's initial and up to five
    letters of the last name ("Ana Lima" -> "ALIMA"), with a number when taken ("ALIMA2").
    The clerk may type another."""
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    words = [w for w in re.split(r"[^A-Za-z0-9]+", plain.upper()) if w]
    if not words:
        base = "CUST"
    elif len(words) == 1:
        base = words[0][:6]
    else:
        base = words[0][0] + words[-1][:5]
    taken = set(session.scalars(select(Customer.code).where(Customer.code.startswith(base))))
    if base not in taken:
        return base
    number = 2
    while f"{base}{number}" in taken:
        number += 1
    return f"{base}{number}"


def update_customer(
    session: Session,
    code: str,
    *,
    name: str | None = None,
    email: str | None = None,
    phone: str | None = None,
    tier: CustomerTier | None = None,
    ship_preference: ShipPreference | None = None,
) -> SavedCustomer:
    """Change a customer's details (None: keep). A new ship preference re-derives the status
    of the customer's open orders that carry no override of their own (an order held for
    completion may become part ready, or the other way round); a new tier re-serves the
    queues they wait in when gold customers are served first."""
    customer = get_customer(session, code)
    changes = Changes.of(Area.CATALOG)
    if name is not None:
        customer.name = _required(name, "Customer name")
    if email is not None:
        customer.email = check_email(email)
    if phone is not None:
        customer.phone = _checked_text(phone, "Phone", 40)
    if tier is not None and tier != customer.tier:
        customer.tier = tier
        # Under "gold customers first" the customer's waiting lines change places.
        from app.services.queue import reserve_customer  # queue -> eta: imported when needed

        changes |= reserve_customer(session, customer.id)
    if ship_preference is not None and ship_preference != customer.ship_preference:
        customer.ship_preference = ship_preference
        session.flush()
        open_orders = session.execute(
            select(SalesOrder.id, SalesOrder.ref).where(
                SalesOrder.customer_id == customer.id,
                SalesOrder.ship_preference.is_(None),
                SalesOrder.status.in_((OrderStatus.BACKORDERED, OrderStatus.PART_READY)),
            )
        ).all()
        refresh_order_statuses(session, [order_id for order_id, _ in open_orders])
        if open_orders:
            changes |= Changes.of(Area.ORDERS, order_refs=[ref for _, ref in open_orders])
        customer = get_customer(session, code)
    session.flush()
    return SavedCustomer(_row_of(customer), changes)


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
) -> SavedProduct:
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
        max_backorder_qty=check_max_backorder(max_backorder_qty),
    )
    session.add(product)
    session.flush()
    session.add(StockBalance(product_id=product.id, location_id=default_location_id(session)))
    changes = Changes.of(Area.CATALOG, Area.STOCK, product_ids=[product.id])
    return SavedProduct(product.id, product.sku, changes)


def check_barcode_format(code: str) -> str:
    """A GTIN-8/12/13/14 with a right check digit; anything else is not a barcode we store
    (a product saved with a mistyped barcode could never be scanned)."""
    validate_gtin(code)
    return code


def check_max_backorder(qty: int | None) -> int | None:
    """A maximum backorder quantity: None (no limit) or a whole number from 0 (0: never
    backordered, though the policy says backorder)."""
    if qty is None:
        return None
    if isinstance(qty, bool) or not isinstance(qty, int) or not 0 <= qty <= MAX_QUANTITY:
        raise InvalidQuantity(
            f"Maximum backorder quantity must be a whole number from 0 to {MAX_QUANTITY:,}"
        )
    return qty


def set_max_backorder_qty(session: Session, code: str, qty: int | None) -> SavedProduct:
    """Set (or, with None, lift) the most units of a product that may wait at once. Units
    already waiting stay; only new orders are held to the new limit."""
    product = find_product(session, code)
    product.max_backorder_qty = check_max_backorder(qty)
    session.flush()
    return SavedProduct(product.id, product.sku, Changes.of(Area.CATALOG, product_ids=[product.id]))


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


def find_product_by_code(session: Session, code: str) -> Product:
    """The product whose SKU or barcode a clerk scanned or typed into an item field.

    An all-digit code that matches nothing is checked as a GTIN first, so a misread scan
    (wrong check digit, a digit missing) says so and asks for a scan again, and a well-formed
    barcode nobody stocks says that, instead of only "not found".
    """
    code = code.strip()
    if not code:
        raise NotFound("Nothing was scanned or typed")
    product = session.scalar(
        select(Product).where(or_(Product.sku == code, Product.barcode == code))
    )
    if product is not None:
        return product
    if looks_like_barcode(code):
        gtin = validate_gtin(code)  # InvalidBarcode for a malformed code
        raise NotFound(f"No product has the barcode {gtin}: is it in the catalog?")
    raise NotFound(f"No product has the SKU or barcode {code[:40]!r}")


def find_product_at_counter(session: Session, text: str) -> Product:
    """The product a clerk scanned or typed: its SKU or barcode (as
    :func:`find_product_by_code`, with its barcode feedback), else its name.

    Text that is not all digits and is no SKU is looked for in product names and must match
    exactly one (or one name exactly).
    """
    text = text.strip()
    try:
        return find_product_by_code(session, text)
    except NotFound:
        if not text or looks_like_barcode(text):
            raise
    named = list(
        session.scalars(
            select(Product)
            .where(_matches(session, text, Product.name))
            .order_by(Product.name)
            .limit(PRODUCT_NAME_MATCHES + 1)
        )
    )
    exact = [p for p in named if p.name.casefold() == text.casefold()]
    if len(named) == 1 or len(exact) == 1:
        return named[0] if len(named) == 1 else exact[0]
    if not named:
        raise NotFound(f"No product has the SKU, barcode or name {text[:40]!r}")
    shown = ", ".join(f"{p.sku} {p.name}" for p in named[:3])
    more = "…" if len(named) > 3 else ""
    raise NotFound(f"{text[:40]!r} matches several products ({shown}{more}): type the SKU")


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


def _checked_text(value: str, what: str, max_length: int) -> str:
    value = (value or "").strip()
    if len(value) > max_length:
        raise InvalidInput(f"{what} is longer than {max_length} characters")
    return value


def _required(value: str, what: str) -> str:
    value = (value or "").strip()
    if not value:
        raise InvalidInput(f"{what} is required")
    return value
