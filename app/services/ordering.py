"""Customer orders: placing them (allocate now, backorder the rest), shipping, cancelling."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from app.domain import (
    AllocationEvent,
    BackorderPolicy,
    MovementKind,
    OrderLine,
    OrderStatus,
    Product,
    SalesOrder,
)
from app.domain.base import utcnow
from app.domain.errors import (
    InvalidInput,
    InvalidTransition,
    NotEnoughStock,
    NotFound,
)
from app.domain.quantities import check_quantity
from app.services.catalog import find_product, get_customer
from app.services.eta import recompute_etas
from app.services.refs import checked_ref, next_free_ref
from app.services.stock import lock_balances, record_movement


@dataclass(frozen=True, slots=True)
class LineRequest:
    """One line as the clerk (or an import) asks for it: a SKU or barcode and a quantity."""

    code: str
    qty: int


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

    @property
    def backordered(self) -> int:
        return sum(line.backordered for line in self.lines)


#: Longest order reference the database stores.
MAX_REF_LENGTH = 40


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
) -> PlacedOrder:
    """Take a customer's order: allocate what is available now, backorder the rest.

    Available means on hand minus what is already promised. For a product whose policy is
    "out of stock", ordering more than is available is refused (nothing is written); for a
    "backorder" product, the remainder waits in the queue behind everyone already waiting.
    """
    if not lines:
        raise InvalidInput("An order needs at least one line")
    customer = get_customer(session, customer_code)
    if ref is not None:
        ref = checked_ref(session, ref, SalesOrder.ref, "order", max_length=MAX_REF_LENGTH)
    if placed_at is not None and placed_at.tzinfo is None:
        raise InvalidInput("The order time must say its time zone")
    placed_at = placed_at or utcnow()
    products: list[Product] = []
    for request in lines:
        check_quantity(request.qty, what=f"Quantity of {request.code}")
        products.append(find_product(session, request.code))
    balances = lock_balances(session, [p.id for p in products])

    # Decide every line before changing anything, so a refused order leaves no trace even in
    # a session the caller goes on using.
    available = {pid: balance.available for pid, balance in balances.items()}
    takes: list[int] = []
    for request, product in zip(lines, products, strict=True):
        take = min(request.qty, available[product.id])
        if take < request.qty and product.backorder_policy == BackorderPolicy.OUT_OF_STOCK:
            raise NotEnoughStock(
                f"{product.sku} {product.name} is sold from stock only: "
                f"{available[product.id]} available, {request.qty} ordered"
            )
        available[product.id] -= take
        takes.append(take)

    order = SalesOrder(
        ref=ref or next_order_ref(session), customer=customer, placed_at=placed_at, note=note
    )
    session.add(order)
    placed: list[PlacedLine] = []
    for line_no, (request, product, take) in enumerate(
        zip(lines, products, takes, strict=True), start=1
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
                queued_at=placed_at,
            )
        )
        placed.append(PlacedLine(line_no, product.sku, request.qty, take, request.qty - take))
    order.refresh_status()
    session.flush()
    result = PlacedOrder(order.ref, order.status, tuple(placed))
    recompute_etas(session, [p.id for p in products])
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


@dataclass(frozen=True, slots=True)
class ShipResult:
    ref: str
    units: int
    status: OrderStatus


def ship_order(session: Session, ref: str) -> ShipResult:
    """Ship every allocated unit of the order: the units leave the ledger."""
    order = get_order(session, ref)
    to_ship = [line for line in order.lines if line.qty_allocated > 0]
    if not to_ship:
        raise InvalidTransition(f"Order {order.ref} has nothing allocated to ship yet")
    balances = lock_balances(session, [line.product_id for line in to_ship])
    units = 0
    for line in to_ship:
        qty = line.qty_allocated
        balance = balances[line.product_id]
        balance.allocated -= qty
        record_movement(
            session,
            balance,
            -qty,
            MovementKind.SHIPMENT,
            document=order.ref,
            order_line_id=line.id,
        )
        line.qty_allocated = 0
        line.qty_shipped += qty
        units += qty
    order.refresh_status()
    session.flush()
    return ShipResult(order.ref, units, order.status)


@dataclass(frozen=True, slots=True)
class Released:
    """Units a cancellation freed: they are available again, offered to nobody yet."""

    product_id: int
    sku: str
    qty: int


@dataclass(frozen=True, slots=True)
class CancelResult:
    ref: str
    lines_cancelled: int
    units_cancelled: int
    released: tuple[Released, ...]
    status: OrderStatus


def cancel_line(session: Session, ref: str, line_no: int, reason: str = "") -> CancelResult:
    """Cancel what is still open on one line; its allocated units become available."""
    order = get_order(session, ref)
    line = next((item for item in order.lines if item.line_no == line_no), None)
    if line is None:
        raise NotFound(f"Order {order.ref} has no line {line_no}")
    return _cancel(session, order, [line], reason)


def cancel_order(session: Session, ref: str, reason: str = "") -> CancelResult:
    """Cancel everything still open on the order (shipped units stay shipped)."""
    order = get_order(session, ref)
    return _cancel(session, order, list(order.lines), reason)


def _cancel(
    session: Session, order: SalesOrder, lines: list[OrderLine], reason: str
) -> CancelResult:
    open_lines = [line for line in lines if line.qty_open > 0]
    if not open_lines:
        if all(line.qty_cancelled == line.qty_ordered for line in lines):
            raise InvalidTransition(f"Order {order.ref}: already cancelled")
        raise InvalidTransition(
            f"Order {order.ref}: everything has shipped; shipped units cannot be cancelled"
        )
    balances = lock_balances(session, [line.product_id for line in open_lines])
    released: list[Released] = []
    units = 0
    for line in open_lines:
        balance = balances[line.product_id]
        freed = line.qty_allocated
        units += line.qty_open
        line.qty_cancelled += line.qty_open
        line.qty_allocated = 0
        line.qty_backordered = 0
        line.cancel_reason = reason.strip()[:200]
        balance.allocated -= freed
        balance.version += 1
        if freed:
            session.add(
                AllocationEvent(
                    order_line_id=line.id,
                    product_id=line.product_id,
                    qty=-freed,
                    source="cancel",
                )
            )
            released.append(Released(line.product_id, line.product.sku, freed))
    order.refresh_status()
    session.flush()
    result = CancelResult(order.ref, len(open_lines), units, tuple(released), order.status)
    recompute_etas(session, {line.product_id for line in open_lines})
    return result
