"""The pick list: every allocated unit of the orders ready to ship, in the order a clerk walks
the shop (location, then the product's bin, then SKU), so one walk fills every parcel.

One query reads the lines sorted by location, SKU and order in SQL; thousands of lines are
one read. The bins are then put in natural order in Python ("A2" before "A10", which no SQL
collation both backends share does), with a stable sort that keeps SQL's order within a bin.
Products without a bin come after the binned ones of their location: a clerk walks the
shelves first, then looks for the rest.
"""

from __future__ import annotations

import re
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
    bin: str = ""  #: the product's bin ("" if it has none)


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


_NUMBERS = re.compile(r"(\d+)")


def walking_key(row: PickRow) -> tuple[str, bool, tuple[str | int, ...]]:
    """Where ``row`` falls on the walk: its location, then its bin in natural order (runs of
    digits compare as numbers, letters regardless of case), rows without a bin last."""
    parts = _NUMBERS.split(row.bin.casefold())
    # split() alternates text and digits, so equal positions always hold the same type.
    natural = tuple(int(part) if index % 2 else part for index, part in enumerate(parts))
    return row.location, not row.bin, natural


def pick_list(
    session: Session, refs: Sequence[str] | None = None, *, today: date | None = None
) -> PickList:
    """What to pick for the orders ready to ship (or just ``refs`` among them), sorted by
    location, bin, product, then order. A product's units are picked where its allocated
    stock is (the first such location by code), from the product's bin."""
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
            Product.bin,
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
        rows=tuple(sorted((PickRow(*row) for row in session.execute(query)), key=walking_key)),
        printed_on=today or date.today(),
    )
