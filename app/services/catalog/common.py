"""What the catalog's modules share: checked text, codes and amounts, the default location,
and finding products, customers and suppliers by the codes clerks type or scan."""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal

from sqlalchemy import or_, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from app.domain import Customer, Location, Product, Supplier
from app.domain.barcodes import looks_like_barcode, validate_gtin
from app.domain.base import Money, utcnow
from app.domain.catalog import DEFAULT_LOCATION_CODE
from app.domain.errors import Duplicate, InvalidInput, InvalidQuantity, NotFound
from app.domain.quantities import MAX_QUANTITY
from app.services.views.search import _matches

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


#: Something@something.tld: catches a phone number or a name typed in the email field.
_EMAIL = re.compile(r"[^@\s]+@[^@\s.]+(\.[^@\s.]+)*\.[^@\s.]{2,}")


def check_email(email: str) -> str:
    """An email address stripped, empty or plausible (name@example.com), at most 200 long."""
    email = _checked_text(email, "Email", 200)
    if email and not _EMAIL.fullmatch(email):
        raise InvalidInput(f"Email {email[:60]!r} does not look like an address (name@example.com)")
    return email


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


class Archived(InvalidInput):
    """An archived product, supplier or customer was named for a new order or purchase order."""


def archived_now(current: datetime | None, archived: bool) -> datetime | None:
    """The ``archived_at`` a record gets: kept when it already is as asked, now when it is
    archived, None when it is brought back."""
    if archived:
        return current or utcnow()
    return None


def check_active(archived_at: datetime | None, what: str) -> None:
    """Refuse an archived record for something new ("Product MUG is archived ...")."""
    if archived_at is not None:
        raise Archived(
            f"{what} is archived: unarchive it in the catalog to use it for something new"
        )
