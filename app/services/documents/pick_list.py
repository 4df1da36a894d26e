"""The pick list: every allocated unit of the orders ready to ship, in the order a clerk walks
the shop (location, then product), so one walk fills every parcel.

One query does the work, sorted in SQL; thousands of lines are one read. The shop keeps no
bins within a location, so within a location the list goes by SKU.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.domain import Customer, Location, OrderLine, Product, SalesOrder, StockBalance
from app.domain.enums import OrderStatus
from app.services.shop_settings import ShopIdentity, get_shop_identity

#: Orders with units to pick: their allocated units ship now.
READY_STATUSES = (OrderStatus.READY_TO_SHIP, OrderStatus.PART_READY)


@dataclass(frozen=True, slots=True)
class PickRow:
    location: str  #: the location's code ("" if the product has no stock row anywhere)
    sku: str
    name: str
    qty: int
    order_ref: str
    customer: str


@dataclass(frozen=True, slots=True)
class PickList:
    shop: ShopIdentity
    rows: tuple[PickRow, ...]
    printed_on: date

    @property
    def orders(self) -> int:
        return len({row.order_ref for row in self.rows})

    @property
    def units(self) -> int:
        return sum(row.qty for row in self.rows)

    @property
    def title(self) -> str:
        return "Pick list"


def pick_list(
    session: Session, refs: Sequence[str] | None = None, *, today: date | None = None
) -> PickList:
    """What to pick for the orders ready to ship (or just ``refs`` among them), sorted by
    location, product, then order. A product's units are picked where its allocated stock
    is (the first such location by code)."""
    location = (
        select(func.min(Location.code))
        .join(StockBalance, StockBalance.location_id == Location.id)
        .where(StockBalance.product_id == OrderLine.product_id, StockBalance.allocated > 0)
        .correlate(OrderLine)
        .scalar_subquery()
    )
    where_location = func.coalesce(location, "")
    query = (
        select(
            where_location,
            Product.sku,
            Product.name,
            OrderLine.qty_allocated,
            SalesOrder.ref,
            Customer.name,
        )
        .join(SalesOrder, SalesOrder.id == OrderLine.order_id)
        .join(Product, Product.id == OrderLine.product_id)
        .join(Customer, Customer.id == SalesOrder.customer_id)
        .where(SalesOrder.status.in_(READY_STATUSES), OrderLine.qty_allocated > 0)
        .order_by(where_location, Product.sku, SalesOrder.ref, OrderLine.line_no)
    )
    if refs is not None:
        query = query.where(SalesOrder.ref.in_([ref.strip() for ref in refs]))
    return PickList(
        shop=get_shop_identity(session),
        rows=tuple(PickRow(*row) for row in session.execute(query)),
        printed_on=today or date.today(),
    )
