"""The Orders tab's read queries: sales orders with line totals and an order-level ETA.

The order search (ref prefix, bare order number, customer name) lives here and is reused by
the Backorders tab, so both tabs find the same orders for the same text. No Qt.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, Integer, Select, cast, func, or_, select
from sqlalchemy.orm import Session

from app.domain import Coupon, Customer, OrderLine, OrderStatus, SalesOrder
from app.domain.enums import ShipPreference
from app.services.shop_settings import get_currency
from app.services.views.common import COUNT_CAP, Count, _capped_count, _in_page_order, _ordered
from app.services.views.etas import OrderEta, order_etas
from app.services.views.search import MAX_INLINE_IDS, _ids_in, _matches, _starts_with

#: Automatic order references: "SO-" and the order number padded to 6 digits, as
#: ``ordering.next_order_ref`` makes them; a bare number typed in a search finds its order.
ORDER_REF_PREFIX = "SO-"
ORDER_REF_DIGITS = 6


@dataclass(frozen=True, slots=True)
class OrderRow:
    order_id: int
    ref: str
    status: OrderStatus
    customer: str
    placed_at: datetime
    lines: int
    ordered: int
    allocated: int
    backordered: int
    shipped: int
    cancelled: int
    eta: OrderEta | None = None  #: None: nothing waits (or no ETA computed yet)
    #: How the order ships: the manager's override if any, else the customer's preference.
    ship_preference: ShipPreference = ShipPreference.PARTIAL
    overridden: bool = False  #: a manager chose the ship preference for this order
    customer_code: str = ""
    #: What the order comes to: every unit not cancelled at its line's price, less a goodwill
    #: coupon's discount, exact.
    total: Decimal = Decimal("0.00")
    currency: str = "EUR"  #: the shop's currency, to show ``total`` in

    @property
    def ships_complete(self) -> bool:
        return self.ship_preference is ShipPreference.COMPLETE

    @property
    def held(self) -> bool:
        """Allocated units held back because the order ships complete and others wait."""
        return self.ships_complete and self.allocated > 0 and self.backordered > 0


@dataclass(frozen=True, slots=True)
class OrderQuery:
    #: the order reference or its start ("SO-0001"), a bare order number ("123"), or part
    #: of the customer's name
    search: str = ""
    status: OrderStatus | None = None
    sort: str = "placed_at"
    descending: bool = True


def _order_sorts() -> dict[str, Any]:
    return {
        "ref": SalesOrder.ref,
        "status": SalesOrder.status,
        "customer": Customer.name,
        "placed_at": SalesOrder.placed_at,
    }


ORDER_SORTS = frozenset(_order_sorts())


def _order_ids(session: Session, query: OrderQuery, *, with_customer: bool) -> Select[Any]:
    stmt = select(SalesOrder.id)
    if with_customer:
        stmt = stmt.join(Customer, Customer.id == SalesOrder.customer_id)
    condition = _order_search(session, query.search)
    if condition is not None:
        stmt = stmt.where(condition)
    if query.status is not None:
        stmt = stmt.where(SalesOrder.status == query.status)
    return stmt


def padded_order_ref(text: str) -> str | None:
    """The automatic reference a bare order number means ("123" or "000123" -> "SO-000123"),
    or None if the text is not a number."""
    text = text.strip()
    if not (text.isascii() and text.isdigit()):
        return None
    return f"{ORDER_REF_PREFIX}{int(text):0{ORDER_REF_DIGITS}d}"


def _customers_named(session: Session, text: str) -> Select[Any]:
    return select(Customer.id).where(_matches(session, text, Customer.name))


def _order_search(session: Session, text: str) -> ColumnElement[bool] | None:
    """Orders whose ref starts with the text or is the order number typed, or whose
    customer's name contains it.

    Each part is an index lookup: a range on the ref's unique index, and the customers (a
    small table) matched first, then their orders by ``ix_sales_order_customer_id``. No LIKE
    runs over the orders themselves.
    """
    text = text.strip()
    if not text:
        return None
    conditions: list[ColumnElement[bool]] = [_starts_with(session, SalesOrder.ref, text)]
    padded = padded_order_ref(text)
    if padded is not None:
        conditions.append(SalesOrder.ref == padded)
    named = _customers_named(session, text)
    customer_ids = list(session.scalars(named.limit(MAX_INLINE_IDS + 1)))
    if customer_ids:
        conditions.append(_ids_in(SalesOrder.customer_id, customer_ids, named))
    return or_(*conditions)


def orders_page(session: Session, query: OrderQuery, offset: int, limit: int) -> list[OrderRow]:
    """One page of the Orders tab, with each order's line totals."""
    stmt = _order_ids(session, query, with_customer=query.sort == "customer")
    stmt = _ordered(stmt, _order_sorts(), query.sort, query.descending, SalesOrder.id)
    ids = list(session.scalars(stmt.offset(offset).limit(limit)))
    if not ids:
        return []
    return order_rows(session, ids)


def order_total_cents() -> ColumnElement[Any]:
    """SQL for an order's total in cents (grouped by order): units not cancelled times the
    line's unit price. Whole cents are summed, so SQLite (which keeps prices as binary
    floats) adds exactly as PostgreSQL's numeric does."""
    cents = cast(func.round(OrderLine.unit_price * 100), Integer)
    return func.sum(cents * (OrderLine.qty_ordered - OrderLine.qty_cancelled))


def order_rows(session: Session, order_ids: Sequence[int]) -> list[OrderRow]:
    currency = get_currency(session)
    totals = {
        row[0]: row[1:]
        for row in session.execute(
            select(
                OrderLine.order_id,
                func.count(),
                func.sum(OrderLine.qty_ordered),
                func.sum(OrderLine.qty_allocated),
                func.sum(OrderLine.qty_backordered),
                func.sum(OrderLine.qty_shipped),
                func.sum(OrderLine.qty_cancelled),
                order_total_cents(),
            )
            .where(OrderLine.order_id.in_(order_ids))
            .group_by(OrderLine.order_id)
        )
    }
    orders = session.execute(
        select(
            SalesOrder.id,
            SalesOrder.ref,
            SalesOrder.status,
            Customer.name,
            SalesOrder.placed_at,
            SalesOrder.ship_preference,
            Customer.ship_preference,
            Customer.code,
        )
        .join(Customer, Customer.id == SalesOrder.customer_id)
        .where(SalesOrder.id.in_(order_ids))
    )
    etas = order_etas(session, order_ids)
    used = select(Coupon.redeemed_order_id, Coupon.discount).where(
        Coupon.redeemed_order_id.in_(order_ids)
    )
    discounts = {order_id: off for order_id, off in session.execute(used)}
    rows = []
    for oid, ref, status, customer, placed_at, override, preference, code in orders:
        lines, ordered, allocated, backordered, shipped, cancelled, cents = totals.get(
            oid, (0, 0, 0, 0, 0, 0, 0)
        )
        rows.append(
            OrderRow(
                order_id=oid,
                ref=ref,
                status=status,
                customer=customer,
                placed_at=placed_at,
                lines=int(lines or 0),
                ordered=int(ordered or 0),
                allocated=int(allocated or 0),
                backordered=int(backordered or 0),
                shipped=int(shipped or 0),
                cancelled=int(cancelled or 0),
                eta=etas.get(oid) if backordered else None,
                ship_preference=override or preference,
                overridden=override is not None,
                customer_code=code,
                total=max(
                    Decimal(int(cents or 0)).scaleb(-2) - (discounts.get(oid) or 0),
                    Decimal("0.00"),
                ),
                currency=currency,
            )
        )
    return _in_page_order(order_ids, rows, lambda row: row.order_id)


def count_orders(session: Session, query: OrderQuery, cap: int = COUNT_CAP) -> Count:
    return _capped_count(session, _order_ids(session, query, with_customer=False), cap)
