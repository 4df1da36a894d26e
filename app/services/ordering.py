"""Customer orders: quoting and placing them (allocate now, backorder the rest).

Shipping an order is ``app.services.shipping`` and cancelling one ``app.services.cancelling``;
both find the order with :func:`get_order` / :func:`locked_order` from here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from app.domain import (
    BackorderPolicy,
    Customer,
    OrderLine,
    OrderStatus,
    Product,
    SalesOrder,
    StockBalance,
)
from app.domain.base import utcnow
from app.domain.enums import ShipPreference
from app.domain.errors import (
    BackorderLimitReached,
    InvalidInput,
    NotEnoughStock,
    NotFound,
)
from app.domain.permissions import Permission, require
from app.domain.quantities import check_quantity
from app.services.catalog import check_active, default_location_id, find_product, get_customer
from app.services.changes import Area, Changes
from app.services.coupons import checked_coupon, redeem_coupon
from app.services.eta import store_new_order_etas
from app.services.notifications.outbox import enqueue_status_changes
from app.services.pricing import parse_price, total
from app.services.refs import checked_ref, next_free_ref
from app.services.shop_settings import DEFAULT_CURRENCY, get_currency
from app.services.stock import lock_balances


@dataclass(frozen=True, slots=True)
class LineRequest:
    """One line as the clerk (or an import) asks for it: a SKU or barcode, a quantity and,
    when the clerk agreed another, the price of one unit (None: the product's price when the
    order is placed)."""

    code: str
    qty: int
    unit_price: Decimal | None = None


@dataclass(frozen=True, slots=True)
class PlacedLine:
    line_no: int
    sku: str
    qty: int
    allocated: int
    backordered: int


@dataclass(frozen=True, slots=True)
class PlacedOrder:
    ref: str
    status: OrderStatus
    lines: tuple[PlacedLine, ...]
    #: What placing it changed (its products' stock and queues, the order itself).
    changes: Changes
    #: What a goodwill coupon took off the order's line total (zero: no coupon).
    discount: Decimal = Decimal("0.00")

    @property
    def backordered(self) -> int:
        return sum(line.backordered for line in self.lines)


#: Longest order reference the database stores.
MAX_REF_LENGTH = 40


@dataclass(frozen=True, slots=True)
class LineDecision:
    """What placing one line would do, decided before anything is written."""

    product_id: int
    sku: str
    name: str
    qty: int
    allocated: int  #: units taken from available stock now
    backordered: int  #: units that would wait in the queue
    #: Most units this line could have (None: no limit); set when the line is refused.
    limit: int | None = None
    refusal: str = ""  #: why the line cannot be placed (empty: it can)
    backorder_limit: bool = False  #: refused by the product's maximum backorder quantity
    price: Decimal = Decimal("0.00")  #: the product's price now (a line's default unit price)

    @property
    def refused(self) -> bool:
        return bool(self.refusal)


def waiting_units(session: Session, product_ids: Iterable[int]) -> dict[int, int]:
    """Units of each product waiting in the backorder queue now (zero for none); under the
    products' balance locks, the figure cannot change before the transaction ends."""
    ids = sorted(set(product_ids))
    waiting = dict.fromkeys(ids, 0)
    if ids:
        rows = session.execute(
            select(OrderLine.product_id, func.sum(OrderLine.qty_backordered))
            .where(OrderLine.product_id.in_(ids), OrderLine.qty_backordered > 0)
            .group_by(OrderLine.product_id)
        )
        waiting.update({pid: int(total or 0) for pid, total in rows})
    return waiting


def decide_lines(
    products: Sequence[Product],
    qtys: Sequence[int],
    available: Mapping[int, int],
    waiting: Mapping[int, int],
) -> list[LineDecision]:
    """The one rule for new order lines, in line order: take what is available, backorder
    the rest, refuse beyond an "out of stock" product's available units or beyond a
    product's maximum backorder quantity (counting units already waiting and earlier lines).

    ``place_order`` applies it under the balance locks; ``quote_lines`` shows it beforehand.
    """
    free = {pid: max(qty, 0) for pid, qty in available.items()}
    queued = dict(waiting)
    decisions: list[LineDecision] = []
    for product, qty in zip(products, qtys, strict=True):
        pid = product.id
        take = min(qty, free.get(pid, 0))
        rest = qty - take
        refusal, limit, by_limit = "", None, False
        if rest and product.backorder_policy == BackorderPolicy.OUT_OF_STOCK:
            limit = take
            refusal = (
                f"{product.sku} {product.name} is sold from stock only: "
                f"{take} available, {qty} ordered"
            )
        elif rest and product.max_backorder_qty is not None:
            room = max(product.max_backorder_qty - queued.get(pid, 0), 0)
            if rest > room:
                limit, by_limit = take + room, True
                refusal = backorder_limit_refusal(
                    product.sku,
                    product.name,
                    product.max_backorder_qty,
                    queued.get(pid, 0),
                    take,
                    qty,
                )
        if not refusal:
            free[pid] = free.get(pid, 0) - take
            queued[pid] = queued.get(pid, 0) + rest
        decisions.append(
            LineDecision(
                pid,
                product.sku,
                product.name,
                qty,
                take,
                rest,
                limit,
                refusal,
                by_limit,
                product.price,
            )
        )
    return decisions


def backorder_limit_refusal(
    sku: str, name: str, max_backorder: int, waiting: int, take: int, qty: int
) -> str:
    """Why a line is refused by a product's maximum backorder quantity, saying how many
    more units may still be backordered (and so how many this line could have)."""
    room = max(max_backorder - waiting, 0)
    more = "no more units" if room == 0 else f"only {room:,} more"
    return (
        f"{sku} {name}: at most {max_backorder:,} may wait for stock and {waiting:,} already "
        f"wait, so {more} can be backordered ({take + room:,} can be sold now, {qty:,} ordered)"
    )


@dataclass(frozen=True, slots=True)
class Quote:
    """What placing an order would do now (nothing is written): per line, and whether the
    customer wants it shipped complete (then nothing ships until every unit is there)."""

    lines: tuple[LineDecision, ...]
    ships_complete: bool

    @property
    def refusals(self) -> tuple[str, ...]:
        return tuple(line.refusal for line in self.lines if line.refused)

    @property
    def held(self) -> bool:
        """Whether the allocated units wait for the backordered ones before shipping."""
        return self.ships_complete and any(line.backordered for line in self.lines)


def quote_lines(session: Session, customer_id: int | None, lines: Sequence[LineRequest]) -> Quote:
    """Preview an order before it is placed (for the New-order dialog): per line, how many
    units ship now, how many wait, or why the line would be refused. Writes nothing and
    locks nothing, so the real decision (``place_order``) may differ if stock moves."""
    products = [_orderable(find_product(session, request.code)) for request in lines]
    ids = {p.id for p in products}
    rows = session.execute(
        select(StockBalance.product_id, StockBalance.on_hand - StockBalance.allocated).where(
            StockBalance.location_id == default_location_id(session),
            StockBalance.product_id.in_(ids),
        )
    ).all()
    available = dict.fromkeys(ids, 0) | {pid: int(free) for pid, free in rows}
    limited = {p.id for p in products if p.max_backorder_qty is not None}
    decisions = decide_lines(
        products, [r.qty for r in lines], available, waiting_units(session, limited)
    )
    ships_complete = False
    if customer_id is not None:
        preference = session.scalar(
            select(Customer.ship_preference).where(Customer.id == customer_id)
        )
        ships_complete = preference is ShipPreference.COMPLETE
    return Quote(tuple(decisions), ships_complete)


def unit_prices(
    session: Session, lines: Sequence[LineRequest], products: Sequence[Product]
) -> list[Decimal]:
    """Each line's unit price: the one the clerk agreed (checked against the shop's currency),
    else the product's price now."""
    currency = (
        get_currency(session) if any(r.unit_price is not None for r in lines) else DEFAULT_CURRENCY
    )
    return [
        product.price
        if request.unit_price is None
        else parse_price(request.unit_price, currency, what=f"Price of {product.sku}")
        for request, product in zip(lines, products, strict=True)
    ]


def _orderable(product: Product) -> Product:
    """The product, unless it is archived (no new orders for it; old ones keep it)."""
    check_active(product.archived_at, f"Product {product.sku}")
    return product


def next_order_ref(session: Session) -> str:
    """The next free order reference, SO-000001 style."""
    return next_free_ref(session, SalesOrder.id, SalesOrder.ref, "SO-", 6)


def place_order(
    session: Session,
    customer_code: str,
    lines: Sequence[LineRequest],
    *,
    ref: str | None = None,
    placed_at: datetime | None = None,
    note: str = "",
    coupon: str | None = None,
) -> PlacedOrder:
    """Take a customer's order: allocate what is available now, backorder the rest.

    Available means on hand minus what is already promised. For a product whose policy is
    "out of stock", ordering more than is available is refused (nothing is written); for a
    "backorder" product, the remainder waits in the queue behind everyone already waiting.

    A ``coupon`` code (the customer's own, unused, not expired; else ``CouponRefused`` and
    nothing is written) takes its discount off the order's line total, once.
    """
    require(session, Permission.PLACE_ORDER)
    if not lines:
        raise InvalidInput("An order needs at least one line")
    customer = get_customer(session, customer_code)
    check_active(customer.archived_at, f"Customer {customer.code}")
    if ref is not None:
        ref = checked_ref(session, ref, SalesOrder.ref, "order", max_length=MAX_REF_LENGTH)
    if placed_at is not None and placed_at.tzinfo is None:
        raise InvalidInput("The order time must say its time zone")
    placed_at = placed_at or utcnow()
    products: list[Product] = []
    for request in lines:
        check_quantity(request.qty, what=f"Quantity of {request.code}")
        products.append(_orderable(find_product(session, request.code)))
    prices = unit_prices(session, lines, products)
    balances = lock_balances(session, [p.id for p in products])
    # Locked after the balances (the services' order) and checked before anything is
    # written: a second till with the same code waits here, then finds it used.
    goodwill = (
        None
        if coupon is None
        else checked_coupon(session, customer.id, coupon, lock=True, now=placed_at)
    )

    # Decide every line before changing anything, so a refused order leaves no trace even in
    # a session the caller goes on using. Units waiting are stable: every change to a
    # product's lines happens under its balance lock, which is held now.
    available = {pid: balance.available for pid, balance in balances.items()}
    limited = {p.id for p in products if p.max_backorder_qty is not None}
    decisions = decide_lines(
        products, [r.qty for r in lines], available, waiting_units(session, limited)
    )
    for decision in decisions:
        if decision.backorder_limit:
            raise BackorderLimitReached(decision.refusal)
        if decision.refused:
            raise NotEnoughStock(decision.refusal)
    takes = [decision.allocated for decision in decisions]

    order = SalesOrder(
        ref=ref or next_order_ref(session), customer=customer, placed_at=placed_at, note=note
    )
    session.add(order)
    placed: list[PlacedLine] = []
    for line_no, (request, product, take, price) in enumerate(
        zip(lines, products, takes, prices, strict=True), start=1
    ):
        balance = balances[product.id]
        balance.allocated += take
        balance.version += 1
        order.lines.append(
            OrderLine(
                line_no=line_no,
                product_id=product.id,
                qty_ordered=request.qty,
                qty_allocated=take,
                qty_shipped=0,
                qty_cancelled=0,
                qty_backordered=request.qty - take,
                qty_backordered_at_order=request.qty - take,
                queued_at=placed_at,
                unit_price=price,
            )
        )
        placed.append(PlacedLine(line_no, product.sku, request.qty, take, request.qty - take))
    order.refresh_status()
    session.flush()
    changes = Changes.of(
        Area.ORDERS, Area.STOCK, Area.QUEUE, product_ids=balances, order_refs=[order.ref]
    )
    discount = Decimal("0.00")
    if goodwill is not None:
        line_total = total(zip((r.qty for r in lines), prices, strict=True))
        discount = redeem_coupon(session, goodwill, order, line_total, placed_at)
        changes |= Changes.of(Area.COUPONS)
    result = PlacedOrder(order.ref, order.status, tuple(placed), changes, discount)
    store_new_order_etas(session, order)
    # A customer left waiting hears so (with each waiting line's ETA range) once this commits.
    enqueue_status_changes(session, {order.id: (None, order.status)})
    return result


def get_order(session: Session, ref: str) -> SalesOrder:
    order = session.scalar(
        select(SalesOrder)
        .where(SalesOrder.ref == ref.strip())
        .options(selectinload(SalesOrder.lines))
    )
    if order is None:
        raise NotFound(f"No order has the reference {ref[:40]!r}")
    return order


def locked_order(session: Session, ref: str) -> SalesOrder:
    """The order, read again once the balances of all its products and its own row are
    locked (in the services' fixed order: balances, then the order).

    Every change to an order line happens under its product's balance lock, so what this
    returns cannot change until the transaction ends: another till's ship, cancel or receipt
    for the same order either committed before (and is seen) or waits.
    """
    order = get_order(session, ref)
    lock_balances(session, {line.product_id for line in order.lines})
    fresh = {"populate_existing": True}
    session.scalars(
        select(SalesOrder)
        .where(SalesOrder.id == order.id)
        .with_for_update()
        .execution_options(**fresh)
    ).all()
    session.scalars(
        select(OrderLine).where(OrderLine.order_id == order.id).execution_options(**fresh)
    ).all()
    return order
