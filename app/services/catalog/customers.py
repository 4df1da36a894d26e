"""Customers: who the shop sells to, how they want part-filled orders shipped, and finding
them as a clerk types."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from sqlalchemy import case, or_, select
from sqlalchemy.orm import Session

from app.domain import Customer, CustomerTier, SalesOrder
from app.domain.enums import OrderStatus, ShipPreference
from app.domain.errors import NotFound
from app.domain.permissions import Permission, require
from app.services.catalog.common import (
    CUSTOMER_MATCHES,
    _checked_text,
    _required,
    _unused_code,
    archived_now,
    check_email,
    get_customer,
)
from app.services.changes import Area, Changes
from app.services.order_status import refresh_order_statuses
from app.services.views.search import _matches, _starts_with


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
    require(session, Permission.PLACE_ORDER)
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
        .where(Customer.archived_at.is_(None))  # an archived customer takes no new orders
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
    require(session, Permission.EDIT_CATALOG)
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


def archive_customer(session: Session, code: str, *, archived: bool = True) -> SavedCustomer:
    """Archive a customer (``archived=False``: bring them back). Their orders stay and are
    served as before; new orders cannot be taken for them while archived."""
    require(session, Permission.EDIT_CATALOG)
    customer = get_customer(session, code)
    customer.archived_at = archived_now(customer.archived_at, archived)
    session.flush()
    return SavedCustomer(_row_of(customer), Changes.of(Area.CATALOG))


def unarchive_customer(session: Session, code: str) -> SavedCustomer:
    return archive_customer(session, code, archived=False)
