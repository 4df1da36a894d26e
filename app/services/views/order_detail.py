"""One customer order in full, as the order detail view shows it. No Qt.

Everything is derived from the tables that exist: the order and its lines (quantities, unit
price, cancel reason), the allocation events (units given from a receipt or from freed stock,
and units released by a cancel or taken back by a stock adjustment), the shipment movements
of the stock ledger, and the stored ETAs of the lines still waiting.

Units allocated when the order was placed have no event of their own: they are what the line
was ever given (allocated now + shipped + released since) less what events gave it later.
Waiting units cancelled free no stock and leave no event either, so their cancellation is
listed without a time.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain import (
    AllocationEvent,
    Customer,
    LineEta,
    MovementKind,
    OrderLine,
    OrderStatus,
    Product,
    PurchaseOrder,
    Receipt,
    SalesOrder,
    StockMovement,
)
from app.domain.enums import ShipPreference
from app.domain.errors import NotFound
from app.services.shop_settings import get_currency
from app.services.views.coupons import CouponRow, order_coupons
from app.services.views.etas import LineEtaView, line_etas

#: Shipment movements this close together are one shipment (one ship, several lines).
SAME_SHIPMENT = timedelta(seconds=2)


@dataclass(frozen=True, slots=True)
class Allocation:
    """Units a line was given (positive) or gave back (negative), and where from."""

    qty: int
    #: "order" (from stock when placed), "receipt", "freed", "cancel", "adjust" or "undo"
    source: str
    at: datetime | None
    po_ref: str = ""  #: the receipt's purchase order, if any

    @property
    def text(self) -> str:
        units = f"{self.qty:,}" if self.qty > 0 else f"\N{MINUS SIGN}{-self.qty:,}"
        if self.source == "order":
            return f"{units} from stock when ordered"
        if self.source == "receipt":
            return f"{units} from receipt of {self.po_ref}" if self.po_ref else f"{units} received"
        if self.source == "freed":
            return f"{units} from freed stock"
        if self.source == "cancel":
            return f"{units} cancelled and freed"
        if self.source == "adjust":
            return f"{units} taken back by a stock adjustment"
        if self.source == "undo":
            what = f"the receipt of {self.po_ref}" if self.po_ref else "the receipt"
            return f"{units} taken back: {what} was undone"
        return f"{units} ({self.source})"


@dataclass(frozen=True, slots=True)
class DetailLine:
    order_line_id: int
    line_no: int
    sku: str
    name: str
    ordered: int
    allocated: int
    waiting: int
    shipped: int
    cancelled: int
    unit_price: Decimal
    cancel_reason: str
    allocations: tuple[Allocation, ...]
    eta: LineEtaView | None  #: only for a waiting line with a stored ETA
    queue_position: int = 0  #: 1: served next (0: not waiting or not known)

    @property
    def open(self) -> int:
        return self.allocated + self.waiting

    @property
    def total(self) -> Decimal:
        """The line's amount: its unit price times the units not cancelled."""
        return self.unit_price * (self.ordered - self.cancelled)

    @property
    def allocations_text(self) -> str:
        return ", ".join(item.text for item in self.allocations)

    @property
    def eta_text(self) -> str:
        if self.waiting == 0:
            return ""
        text = self.eta.text if self.eta is not None else "no ETA yet"
        if self.queue_position:
            text += f" \N{MIDDLE DOT} #{self.queue_position} in queue"
        return text


@dataclass(frozen=True, slots=True)
class OrderEvent:
    """One thing that happened to the order (``at`` is None when no time was recorded)."""

    at: datetime | None
    kind: str  #: "placed", "allocated", "released", "shipped", "cancelled" or "coupon"
    text: str


@dataclass(frozen=True, slots=True)
class OrderDetail:
    ref: str
    customer: str
    customer_code: str
    status: OrderStatus
    placed_at: datetime
    ship_preference: ShipPreference
    overridden: bool
    note: str
    currency: str
    lines: tuple[DetailLine, ...]
    events: tuple[OrderEvent, ...]
    #: The goodwill coupon this order earned, if any (given when it shipped after a long wait).
    coupon_earned: CouponRow | None = None
    #: The goodwill coupon taken off this order, if any.
    coupon_used: CouponRow | None = None

    @property
    def line_total(self) -> Decimal:
        return sum((line.total for line in self.lines), Decimal("0"))

    @property
    def discount(self) -> Decimal:
        """What a coupon took off the order (zero without one)."""
        used = self.coupon_used
        return used.discount if used is not None and used.discount is not None else Decimal(0)

    @property
    def total(self) -> Decimal:
        """What the order comes to: its lines less a coupon's discount, never below zero."""
        return max(self.line_total - self.discount, Decimal("0.00"))

    @property
    def allocated(self) -> int:
        return sum(line.allocated for line in self.lines)

    @property
    def open(self) -> int:
        return sum(line.open for line in self.lines)


def _units(n: int) -> str:
    return f"{n:,} unit{'' if n == 1 else 's'}"


def order_detail(session: Session, ref: str) -> OrderDetail:
    """The order ``ref``: its lines with prices, allocations and ETAs, and its history."""
    row = session.execute(
        select(SalesOrder, Customer)
        .join(Customer, Customer.id == SalesOrder.customer_id)
        .where(SalesOrder.ref == ref.strip())
    ).first()
    if row is None:
        raise NotFound(f"No order has the reference {ref[:40]!r}")
    order, customer = row
    lines = session.execute(
        select(OrderLine, Product.sku, Product.name)
        .join(Product, Product.id == OrderLine.product_id)
        .where(OrderLine.order_id == order.id)
        .order_by(OrderLine.line_no)
    ).all()
    line_ids = [line.id for line, _, _ in lines]
    events = session.execute(
        select(AllocationEvent, Receipt.received_at, PurchaseOrder.ref)
        .outerjoin(Receipt, Receipt.id == AllocationEvent.receipt_id)
        .outerjoin(PurchaseOrder, PurchaseOrder.id == Receipt.purchase_order_id)
        .where(AllocationEvent.order_line_id.in_(line_ids))
        .order_by(AllocationEvent.created_at, AllocationEvent.id)
    ).all()
    shipments = [
        (line_id, qty, at)
        for line_id, qty, at in session.execute(
            select(StockMovement.order_line_id, StockMovement.qty, StockMovement.created_at)
            .where(
                StockMovement.order_line_id.in_(line_ids),
                StockMovement.kind == MovementKind.SHIPMENT,
            )
            .order_by(StockMovement.created_at, StockMovement.id)
        )
    ]
    waiting_ids = [line.id for line, _, _ in lines if line.qty_backordered > 0]
    etas = line_etas(session, waiting_ids) if waiting_ids else {}
    positions = {
        line_id: position
        for line_id, position in session.execute(
            select(LineEta.order_line_id, LineEta.position).where(
                LineEta.order_line_id.in_(waiting_ids)
            )
        )
    }

    by_line: dict[int, list[Allocation]] = defaultdict(list)
    history: list[OrderEvent] = []
    no_of = {line.id: (line.line_no, sku) for line, sku, _ in lines}
    cancel_reasons = {line.id: line.cancel_reason for line, _, _ in lines}
    for event, received_at, po_ref in events:
        # An undo names its receipt but happened later, when its event was written.
        at = event.created_at if event.source == "undo" else received_at or event.created_at
        allocation = Allocation(event.qty, event.source, at, po_ref or "")
        by_line[event.order_line_id].append(allocation)
        line_no, sku = no_of[event.order_line_id]
        what = f"Line {line_no} ({sku}): {allocation.text}"
        reason = cancel_reasons[event.order_line_id] if event.source == "cancel" else event.reason
        if reason:
            what += f" \N{EM DASH} {reason}"
        kind = "cancelled" if event.source == "cancel" else "released"
        history.append(OrderEvent(event.created_at, "allocated" if event.qty > 0 else kind, what))

    detail_lines = []
    placed_from_stock = 0
    for line, sku, name in lines:
        given = by_line.get(line.id, [])
        released = -sum(item.qty for item in given if item.qty < 0)
        later = sum(item.qty for item in given if item.qty > 0)
        from_stock = line.qty_allocated + line.qty_shipped + released - later
        placed_from_stock += max(from_stock, 0)
        allocations = [Allocation(from_stock, "order", order.placed_at)] if from_stock > 0 else []
        allocations += given
        freed_by_cancel = -sum(item.qty for item in given if item.source == "cancel")
        cancelled_waiting = line.qty_cancelled - freed_by_cancel
        if cancelled_waiting > 0:
            reason = f" \N{EM DASH} {line.cancel_reason}" if line.cancel_reason else ""
            history.append(
                OrderEvent(
                    line.cancelled_at,
                    "cancelled",
                    f"Line {line.line_no} ({sku}): {_units(cancelled_waiting)} waiting "
                    f"cancelled{reason}",
                )
            )
        detail_lines.append(
            DetailLine(
                order_line_id=line.id,
                line_no=line.line_no,
                sku=sku,
                name=name,
                ordered=line.qty_ordered,
                allocated=line.qty_allocated,
                waiting=line.qty_backordered,
                shipped=line.qty_shipped,
                cancelled=line.qty_cancelled,
                unit_price=line.unit_price,
                cancel_reason=line.cancel_reason,
                allocations=tuple(allocations),
                eta=etas.get(line.id),
                queue_position=positions.get(line.id, 0),
            )
        )

    ordered = sum(line.qty_ordered for line, _, _ in lines)
    placed = f"Order placed: {_units(ordered)} on {len(lines)} line{'' if len(lines) == 1 else 's'}"
    if placed_from_stock:
        placed += f"; {placed_from_stock:,} allocated from stock"
    history.insert(0, OrderEvent(order.placed_at, "placed", placed))
    history += _shipment_events(shipments, no_of)
    coupons = order_coupons(session, order.ref)
    earned = next((c for c in coupons if c.earned_by == order.ref), None)
    used = next((c for c in coupons if c.redeemed_on == order.ref), None)
    if earned is not None:
        history.append(
            OrderEvent(
                earned.created_at,
                "coupon",
                f"Goodwill coupon {earned.code} ({earned.value}) given for the wait",
            )
        )
    history.sort(key=lambda e: (e.at is None, _naive(e.at) if e.at else datetime.min))
    return OrderDetail(
        ref=order.ref,
        customer=customer.name,
        customer_code=customer.code,
        status=order.status,
        placed_at=order.placed_at,
        ship_preference=order.ship_preference or customer.ship_preference,
        overridden=order.ship_preference is not None,
        note=order.note,
        currency=get_currency(session),
        lines=tuple(detail_lines),
        events=tuple(history),
        coupon_earned=earned,
        coupon_used=used,
    )


def _naive(value: datetime) -> datetime:
    """Compare stored times whether or not the driver gave them a time zone."""
    return value.replace(tzinfo=None) if value.tzinfo else value


def _shipment_events(
    shipments: Sequence[tuple[int | None, int, datetime]], no_of: dict[int, tuple[int, str]]
) -> list[OrderEvent]:
    """Shipment movements as events, one per shipment (movements close together)."""
    groups: list[list[tuple[int | None, int, datetime]]] = []
    for movement in shipments:
        if groups and _naive(movement[2]) - _naive(groups[-1][-1][2]) <= SAME_SHIPMENT:
            groups[-1].append(movement)
        else:
            groups.append([movement])
    result = []
    for group in groups:
        units = -sum(qty for _, qty, _ in group)
        parts = ", ".join(
            f"{-qty:,} \N{MULTIPLICATION SIGN} {no_of[line_id][1]}"
            for line_id, qty, _ in group
            if line_id is not None
        )
        result.append(OrderEvent(group[0][2], "shipped", f"Shipped {_units(units)}: {parts}"))
    return result
