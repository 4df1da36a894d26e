"""The catalog tabs' read queries: products, suppliers and customers, paged, sorted and
searched in SQL, archived ones only when asked for. No Qt."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, TypeVar

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from app.domain import Customer, CustomerTier, Product, StockBalance, Supplier
from app.domain.enums import BackorderPolicy, ShipPreference
from app.domain.errors import NotFound
from app.services.views.common import COUNT_CAP, Count, _capped_count, _in_page_order, _ordered
from app.services.views.search import _like

_Row = TypeVar("_Row")


@dataclass(frozen=True, slots=True)
class CatalogQuery:
    search: str = ""  #: part of a code, name, barcode, email or phone
    sort: str = "code"
    descending: bool = False
    archived: bool = False  #: show archived records too


@dataclass(frozen=True, slots=True)
class ProductRow:
    product_id: int
    sku: str
    name: str
    barcode: str | None
    price: Decimal
    cost: Decimal
    supplier: str  #: the supplier's code, or "" for none
    supplier_sku: str
    policy: BackorderPolicy
    max_backorder_qty: int | None
    reorder_point: int
    on_hand: int
    archived: bool
    bin: str = ""  #: where it sits in the shop ("" if not set)


@dataclass(frozen=True, slots=True)
class SupplierRow:
    supplier_id: int
    code: str
    name: str
    contact_name: str
    email: str
    phone: str
    lead_time_days: int
    archived: bool


@dataclass(frozen=True, slots=True)
class CustomerListRow:
    customer_id: int
    code: str
    name: str
    email: str
    phone: str
    tier: CustomerTier
    ship_preference: ShipPreference
    archived: bool


def _on_hand() -> Any:
    return (
        select(func.coalesce(func.sum(StockBalance.on_hand), 0))
        .where(StockBalance.product_id == Product.id)
        .scalar_subquery()
    )


def _supplier_code() -> Any:
    return select(Supplier.code).where(Supplier.id == Product.supplier_id).scalar_subquery()


PRODUCT_SORTS = {
    "code": Product.sku,
    "name": Product.name,
    "price": Product.price,
    "cost": Product.cost,
    "policy": Product.backorder_policy,
    "reorder_point": Product.reorder_point,
    "bin": Product.bin,
}
SUPPLIER_SORTS = {
    "code": Supplier.code,
    "name": Supplier.name,
    "lead_time": Supplier.lead_time_days,
    "contact": Supplier.contact_name,
}
CUSTOMER_SORTS = {
    "code": Customer.code,
    "name": Customer.name,
    "email": Customer.email,
    "tier": Customer.tier,
}


def _ids(session: Session, query: CatalogQuery, model: Any, *searched: Any) -> Select[Any]:
    stmt = select(model.id)
    condition = _like(session, query.search, *searched)
    if condition is not None:
        stmt = stmt.where(condition)
    if not query.archived:
        stmt = stmt.where(model.archived_at.is_(None))
    return stmt


def _page_ids(
    session: Session, stmt: Select[Any], sorts: dict[str, Any], query: CatalogQuery, model: Any,
    offset: int, limit: int,
) -> list[int]:  # fmt: skip
    key = query.sort if query.sort in sorts else "code"
    ordered = _ordered(stmt, sorts, key, query.descending, model.id)
    return list(session.scalars(ordered.offset(offset).limit(limit)))


def _product_ids(session: Session, query: CatalogQuery) -> Select[Any]:
    return _ids(session, query, Product, Product.sku, Product.name, Product.barcode, Product.bin)


def products_page(
    session: Session, query: CatalogQuery, offset: int, limit: int
) -> list[ProductRow]:
    """One page of the Products tab."""
    ids = _page_ids(
        session, _product_ids(session, query), PRODUCT_SORTS, query, Product, offset, limit
    )
    if not ids:
        return []
    return _products_by_id(session, ids)


def _products_by_id(session: Session, ids: list[int]) -> list[ProductRow]:
    stmt = select(
        Product.id, Product.sku, Product.name, Product.barcode, Product.price, Product.cost,
        _supplier_code(), Product.supplier_sku, Product.backorder_policy,
        Product.max_backorder_qty, Product.reorder_point, _on_hand(), Product.archived_at,
        Product.bin,
    ).where(Product.id.in_(ids))  # fmt: skip
    rows: list[ProductRow] = []
    for row in session.execute(stmt):
        pid, sku, name, barcode, price, cost, supplier, supplier_sku, policy = row[:9]
        limit_qty, reorder, on_hand, archived, bin_ = row[9:]
        rows.append(
            ProductRow(
                pid, sku, name, barcode, Decimal(price), Decimal(cost), supplier or "",
                supplier_sku or "", policy, limit_qty, reorder, int(on_hand), archived is not None,
                bin_,
            )
        )  # fmt: skip
    return _in_page_order(ids, rows, lambda row: row.product_id)


def count_catalog_products(session: Session, query: CatalogQuery, cap: int = COUNT_CAP) -> Count:
    return _capped_count(session, _product_ids(session, query), cap)


def _supplier_ids(session: Session, query: CatalogQuery) -> Select[Any]:
    return _ids(
        session, query, Supplier, Supplier.code, Supplier.name, Supplier.contact_name,
        Supplier.email, Supplier.phone,
    )  # fmt: skip


def suppliers_page(
    session: Session, query: CatalogQuery, offset: int, limit: int
) -> list[SupplierRow]:
    """One page of the Suppliers tab."""
    ids = _page_ids(
        session, _supplier_ids(session, query), SUPPLIER_SORTS, query, Supplier, offset, limit
    )
    if not ids:
        return []
    return _listed(
        session, ids, Supplier, SupplierRow, lambda row: row.supplier_id,
        Supplier.code, Supplier.name, Supplier.contact_name, Supplier.email, Supplier.phone,
        Supplier.lead_time_days,
    )  # fmt: skip


def count_suppliers(session: Session, query: CatalogQuery, cap: int = COUNT_CAP) -> Count:
    return _capped_count(session, _supplier_ids(session, query), cap)


def _customer_ids(session: Session, query: CatalogQuery) -> Select[Any]:
    return _ids(
        session, query, Customer, Customer.code, Customer.name, Customer.email, Customer.phone
    )


def customers_page(
    session: Session, query: CatalogQuery, offset: int, limit: int
) -> list[CustomerListRow]:
    """One page of the Customers tab."""
    ids = _page_ids(
        session, _customer_ids(session, query), CUSTOMER_SORTS, query, Customer, offset, limit
    )
    if not ids:
        return []
    return _listed(
        session, ids, Customer, CustomerListRow, lambda row: row.customer_id,
        Customer.code, Customer.name, Customer.email, Customer.phone, Customer.tier,
        Customer.ship_preference,
    )  # fmt: skip


def _listed(
    session: Session,
    ids: list[int],
    model: type[Supplier] | type[Customer],
    make: Callable[..., _Row],
    key: Callable[[_Row], int],
    *columns: Any,
) -> list[_Row]:
    """The rows of ``ids`` (their id, ``columns`` and whether archived), in page order."""
    stmt = select(model.id, *columns, model.archived_at).where(model.id.in_(ids))
    rows = [make(*row[:-1], archived=row[-1] is not None) for row in session.execute(stmt)]
    return _in_page_order(ids, rows, key)


def count_customers(session: Session, query: CatalogQuery, cap: int = COUNT_CAP) -> Count:
    return _capped_count(session, _customer_ids(session, query), cap)


def shop_is_empty(session: Session) -> bool:
    """No product at all, archived or not: a brand-new shop (the window offers a start)."""
    return session.scalar(select(Product.id).limit(1)) is None


def _one(rows: list[Any], what: str, code: str) -> Any:
    if not rows:
        raise NotFound(f"No {what} has the code {code[:40]!r}")
    return rows[0]


def product_details(session: Session, sku: str) -> ProductRow:
    """The product with this SKU as the Products tab shows it (archived or not)."""
    ids = list(session.scalars(select(Product.id).where(Product.sku == sku.strip())))
    rows = _products_by_id(session, ids) if ids else []
    return _one(rows, "product", sku)  # type: ignore[no-any-return]


def supplier_details(session: Session, code: str) -> SupplierRow:
    """The supplier with this code as the Suppliers tab shows it (archived or not)."""
    stmt = select(
        Supplier.id, Supplier.code, Supplier.name, Supplier.contact_name, Supplier.email,
        Supplier.phone, Supplier.lead_time_days, Supplier.archived_at,
    ).where(Supplier.code == code.strip())  # fmt: skip
    rows = [SupplierRow(*row[:-1], archived=row[-1] is not None) for row in session.execute(stmt)]
    return _one(rows, "supplier", code)  # type: ignore[no-any-return]


def supplier_choices(session: Session, keep: str = "") -> list[tuple[str, str]]:
    """(code, name) of the suppliers a product may be given: the active ones, and ``keep``
    (the product's own supplier) even when archived."""
    stmt = select(Supplier.code, Supplier.name).order_by(Supplier.code)
    active = Supplier.archived_at.is_(None)
    condition = or_(active, Supplier.code == keep) if keep else active
    return [(code, name) for code, name in session.execute(stmt.where(condition))]
