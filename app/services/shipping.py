"""Shipping customer orders: allocated units leave the ledger, and how an order ships.

Separate from placing (``app.services.ordering``): shipping only reads what placing and
receiving allocated, under the same locks (:func:`~app.services.ordering.locked_order`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy.orm import Session

from app.domain import MovementKind, OrderStatus
from app.domain.base import utcnow
from app.domain.enums import ShipPreference
from app.domain.errors import HeldForCompleteShipment, InvalidQuantity, InvalidTransition, NotFound
from app.domain.notifications import NotificationEvent
from app.domain.permissions import Permission, require
from app.domain.quantities import check_quantity
from app.services.changes import Area, Changes
from app.services.coupons import earn_coupon
from app.services.notifications.outbox import Event, enqueue, enqueue_status_changes
from app.services.ordering import locked_order
from app.services.stock import lock_balances, record_movement


@dataclass(frozen=True, slots=True)
class ShipResult:
    ref: str
    units: int
    status: OrderStatus
    #: The order, and the stock of the products that left the shop.
    changes: Changes
    #: The goodwill coupon this shipment earned the customer (None: none).
    coupon: str | None = None


@dataclass(frozen=True, slots=True)
class ShipPreferenceSet:
    """How one order ships now, and the status that follows."""

    ref: str
    preference: ShipPreference | None  #: None: as the customer prefers
    status: OrderStatus
    changes: Changes  #: the order


def ship_order(
    session: Session,
    ref: str,
    quantities: Mapping[int, int] | None = None,
    *,
    override_complete: bool = False,
) -> ShipResult:
    """Ship allocated units of the order (all of them, or ``quantities`` by line number):
    they leave the ledger as shipment movements and the order's status follows.

    An order whose customer wants it complete (or overridden so) is refused while units still
    wait for stock, with HeldForCompleteShipment, unless a manager ships it anyway
    (``override_complete``). A line cannot ship more than is allocated to it.

    An order that waited longer than the shop's goodwill rule says earns its customer a
    coupon (``coupon``: its code) in the same transaction, once.
    """
    require(session, Permission.SHIP_ORDER)
    if override_complete:
        require(session, Permission.SHIP_INCOMPLETE)
    order = locked_order(session, ref)
    by_no = {line.line_no: line for line in order.lines}
    if quantities is None:
        wanted = {line.line_no: line.qty_allocated for line in order.lines}
    else:
        wanted = {}
        for line_no, qty in quantities.items():
            line = by_no.get(line_no)
            if line is None:
                raise NotFound(f"Order {order.ref} has no line {line_no}")
            check_quantity(qty, allow_zero=True, what=f"Quantity to ship on line {line_no}")
            if qty > line.qty_allocated:
                raise InvalidQuantity(
                    f"Line {line_no} ({line.product.sku}) has {line.qty_allocated:,} "
                    f"allocated: only those can ship, not {qty:,}"
                )
            wanted[line_no] = qty
    to_ship = [(by_no[no], qty) for no, qty in sorted(wanted.items()) if qty > 0]
    if not to_ship:
        if quantities is not None and any(line.qty_allocated for line in order.lines):
            raise InvalidQuantity(f"Order {order.ref}: choose at least one unit to ship")
        raise InvalidTransition(f"Order {order.ref} has nothing allocated to ship yet")
    waiting = sum(line.qty_backordered for line in order.lines)
    if order.ships_complete and waiting and not override_complete:
        raise HeldForCompleteShipment(
            f"Order {order.ref} ships complete and {waiting:,} "
            f"{'unit still waits' if waiting == 1 else 'units still wait'} for stock; "
            "it is held until everything is here (a manager can ship it anyway)"
        )
    balances = lock_balances(session, [line.product_id for line, _ in to_ship])
    units = 0
    shipped_at = utcnow()  # one time for the parcel's lines: its packing slip finds them by it
    for line, qty in to_ship:
        balance = balances[line.product_id]
        balance.allocated -= qty
        record_movement(
            session,
            balance,
            -qty,
            MovementKind.SHIPMENT,
            document=order.ref,
            order_line_id=line.id,
            at=shipped_at,
        )
        line.qty_allocated -= qty
        line.qty_shipped += qty
        units += qty
    order.refresh_status()
    session.flush()
    shipped = {str(line.id): qty for line, qty in to_ship}
    enqueue(session, [Event(order.id, NotificationEvent.SHIPPED, {"shipped": shipped})])
    changes = Changes.of(
        Area.ORDERS,
        Area.STOCK,
        product_ids=[line.product_id for line, _ in to_ship],
        order_refs=[order.ref],
    )
    coupon = earn_coupon(session, order)
    if coupon is not None:
        changes |= Changes.of(Area.COUPONS)
    return ShipResult(order.ref, units, order.status, changes, coupon)


def set_order_ship_preference(
    session: Session, ref: str, preference: ShipPreference | None
) -> ShipPreferenceSet:
    """A manager's override of how this order ships (None: the customer's preference
    again); the order's status follows (held as backordered, or part ready)."""
    require(session, Permission.OVERRIDE)
    order = locked_order(session, ref)
    if order.status in (OrderStatus.SHIPPED, OrderStatus.CANCELLED):
        raise InvalidTransition(f"Order {order.ref} is {order.status.label.lower()}")
    order.ship_preference = preference
    before = order.status
    status = order.refresh_status()
    session.flush()
    enqueue_status_changes(session, {order.id: (before, status)})
    return ShipPreferenceSet(
        order.ref, preference, status, Changes.of(Area.ORDERS, order_refs=[order.ref])
    )
