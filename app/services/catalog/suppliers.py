"""Suppliers: who the shop buys from, how long they take, and who to ring there."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from app.domain import Supplier
from app.domain.errors import InvalidInput
from app.domain.permissions import Permission, require
from app.services.catalog.common import (
    _checked_text,
    _required,
    _unused_code,
    archived_now,
    check_email,
    get_supplier,
)
from app.services.changes import Area, Changes

#: The longest lead time a supplier may have: ten years is surely a typing error beyond.
MAX_LEAD_TIME_DAYS = 3650


@dataclass(frozen=True, slots=True)
class SavedSupplier:
    id: int
    code: str
    changes: Changes  #: the catalog


def check_lead_time(days: int) -> int:
    if isinstance(days, bool) or not isinstance(days, int):
        raise InvalidInput("Lead time must be a whole number of days")
    if not 0 <= days <= MAX_LEAD_TIME_DAYS:
        raise InvalidInput(f"Lead time must be between 0 and {MAX_LEAD_TIME_DAYS} days, not {days}")
    return days


def create_supplier(
    session: Session,
    code: str,
    name: str,
    *,
    email: str = "",
    lead_time_days: int = 7,
    contact_name: str = "",
    phone: str = "",
) -> SavedSupplier:
    require(session, Permission.EDIT_CATALOG)
    code = _unused_code(session, Supplier.code, code, "supplier")
    supplier = Supplier(
        code=code,
        name=_required(name, "Supplier name"),
        email=email.strip(),
        lead_time_days=check_lead_time(lead_time_days),
        contact_name=_checked_text(contact_name, "Contact name", 200),
        phone=_checked_text(phone, "Phone", 40),
    )
    session.add(supplier)
    session.flush()
    return SavedSupplier(supplier.id, supplier.code, Changes.of(Area.CATALOG))


def update_supplier(
    session: Session,
    code: str,
    *,
    name: str | None = None,
    email: str | None = None,
    lead_time_days: int | None = None,
    contact_name: str | None = None,
    phone: str | None = None,
) -> SavedSupplier:
    """Change a supplier's details (None: keep). The code stays: purchase orders and imports
    name suppliers by it. A new lead time counts for purchase orders made from now on."""
    require(session, Permission.EDIT_CATALOG)
    supplier = get_supplier(session, code)
    if name is not None:
        supplier.name = _required(name, "Supplier name")
    if email is not None and email.strip() != supplier.email:
        supplier.email = check_email(email)
    if lead_time_days is not None:
        supplier.lead_time_days = check_lead_time(lead_time_days)
    if contact_name is not None:
        supplier.contact_name = _checked_text(contact_name, "Contact name", 200)
    if phone is not None:
        supplier.phone = _checked_text(phone, "Phone", 40)
    session.flush()
    return SavedSupplier(supplier.id, supplier.code, Changes.of(Area.CATALOG))


def archive_supplier(session: Session, code: str, *, archived: bool = True) -> SavedSupplier:
    """Stop buying from a supplier (``archived=False``: buy from them again). Their purchase
    orders stay as they are; new purchase orders cannot name them while archived."""
    require(session, Permission.EDIT_CATALOG)
    supplier = get_supplier(session, code)
    supplier.archived_at = archived_now(supplier.archived_at, archived)
    session.flush()
    return SavedSupplier(supplier.id, supplier.code, Changes.of(Area.CATALOG))


def unarchive_supplier(session: Session, code: str) -> SavedSupplier:
    return archive_supplier(session, code, archived=False)
