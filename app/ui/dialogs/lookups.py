"""Small read queries the dialogs need, returning plain rows (never ORM objects).

They run inside the caller's ``database.read()`` session. Anything here that another part of
the app needs too belongs in app.services; these are the dialogs' own conveniences.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain import BackorderPolicy, Customer, OrderLine, Product, StockBalance, Supplier
from app.services.catalog import (
    default_location_id,
    find_product_at_counter,
    find_product_by_code,
)
from app.services.ordering import get_order


@dataclass(frozen=True, slots=True)
class ProductRow:
    id: int
    sku: str
    name: str
    barcode: str | None
    sells_from_stock_only: bool
    supplier_sku: str | None = None  #: what the preferred supplier calls it
    supplier_code: str | None = None  #: the preferred supplier


@dataclass(frozen=True, slots=True)
class Choice:
    """A customer or supplier as a picker shows it."""

    code: str
    name: str
    lead_time_days: int = 0

    @property
    def label(self) -> str:
        return f"{self.code} — {self.name}"


@dataclass(frozen=True, slots=True)
class Stock:
    on_hand: int
    allocated: int

    @property
    def available(self) -> int:
        return self.on_hand - self.allocated


@dataclass(frozen=True, slots=True)
class OrderLineRow:
    line_no: int
    sku: str
    name: str
    ordered: int
    allocated: int
    backordered: int
    shipped: int
    cancelled: int

    @property
    def open(self) -> int:
        return self.allocated + self.backordered


@dataclass(frozen=True, slots=True)
class OrderView:
    ref: str
    customer: str
    status_label: str
    lines: tuple[OrderLineRow, ...]
    ships_complete: bool = False  #: the order's override, else the customer's preference
    overridden: bool = False  #: a manager chose how this order ships

    @property
    def held(self) -> bool:
        """Units wait while the order must ship complete: shipping now needs an override."""
        return self.ships_complete and any(line.backordered for line in self.lines)


def product_row(session: Session, code: str, *, names: bool = False) -> ProductRow:
    """The product a clerk scanned or typed into an item field: its SKU or barcode (with
    ``names``, its name too). A misread barcode raises InvalidBarcode and an unknown code
    NotFound, each with the message to show (``catalog.find_product_by_code``)."""
    find = find_product_at_counter if names else find_product_by_code
    return row_of_product(find(session, code))


def row_of_product(product: Product) -> ProductRow:
    """The plain row a dialog keeps for a product (never the ORM object itself)."""
    return ProductRow(
        product.id,
        product.sku,
        product.name,
        product.barcode,
        product.backorder_policy == BackorderPolicy.OUT_OF_STOCK,
        product.supplier_sku,
        product.supplier.code if product.supplier else None,
    )


def stock_of(session: Session, product_ids: Iterable[int]) -> dict[int, Stock]:
    """On hand and allocated at the shop, per product (zero for a product with no balance)."""
    ids = sorted(set(product_ids))
    stock = {pid: Stock(0, 0) for pid in ids}
    if not ids:
        return stock
    rows = session.execute(
        select(StockBalance.product_id, StockBalance.on_hand, StockBalance.allocated).where(
            StockBalance.location_id == default_location_id(session),
            StockBalance.product_id.in_(ids),
        )
    ).all()
    stock.update({pid: Stock(on_hand, allocated) for pid, on_hand, allocated in rows})
    return stock


def customer_choices(session: Session) -> list[Choice]:
    """Customers a new order may be for (archived ones are not)."""
    rows = session.execute(
        select(Customer.code, Customer.name)
        .where(Customer.archived_at.is_(None))
        .order_by(Customer.name)
    ).all()
    return [Choice(code, name) for code, name in rows]


def supplier_choices(session: Session) -> list[Choice]:
    """Suppliers a new purchase order may go to (archived ones are not)."""
    rows = session.execute(
        select(Supplier.code, Supplier.name, Supplier.lead_time_days)
        .where(Supplier.archived_at.is_(None))
        .order_by(Supplier.name)
    ).all()
    return [Choice(code, name, lead) for code, name, lead in rows]


def order_view(session: Session, ref: str) -> OrderView:
    order = get_order(session, ref)
    products = {
        p.id: (p.sku, p.name)
        for p in session.scalars(
            select(Product).where(Product.id.in_({line.product_id for line in order.lines}))
        )
    }
    lines: list[OrderLine] = list(order.lines)
    return OrderView(
        order.ref,
        order.customer.name,
        order.status.label,
        tuple(
            OrderLineRow(
                line.line_no,
                *products[line.product_id],
                line.qty_ordered,
                line.qty_allocated,
                line.qty_backordered,
                line.qty_shipped,
                line.qty_cancelled,
            )
            for line in lines
        ),
        ships_complete=order.ships_complete,
        overridden=order.ship_preference is not None,
    )
