"""A customer order's two documents: the packing slip that goes in the parcel and the order
status sheet the customer can be sent.

Both read the order and its lines in one query and the waiting lines' stored ETAs in
another (``views.etas.line_etas``); an ETA is worded for the customer ("in stock now", a
date range, "date to be confirmed"), never with the shop's internals (shortfalls, PO refs).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain import Customer, OrderLine, Product, SalesOrder, StockMovement
from app.domain.enums import MovementKind, OrderStatus, ShipPreference
from app.domain.errors import NotFound
from app.services.eta import IN_STOCK, NOT_ON_ORDER
from app.services.pricing import line_amount
from app.services.shop_settings import ShopIdentity, get_currency, get_shop_identity
from app.services.views.coupons import CouponRow, order_coupons
from app.services.views.etas import LineEtaView, eta_text, line_etas

#: What a waiting line's customer is told when no purchase order covers it yet.
NO_DATE_YET = "date to be confirmed"


@dataclass(frozen=True, slots=True)
class OrderHeader:
    """Who ordered what when: the top of both order documents."""

    ref: str
    placed_at: datetime
    status: OrderStatus
    customer_code: str
    customer_name: str
    customer_email: str
    customer_phone: str
    note: str
    ships_complete: bool


@dataclass(frozen=True, slots=True)
class SlipLine:
    """Units of one order line in one part of a packing slip."""

    line_no: int
    sku: str
    name: str
    qty: int
    eta: str = ""  #: for units still waiting: when the customer can expect them


@dataclass(frozen=True, slots=True)
class PackingSlip:
    shop: ShopIdentity
    order: OrderHeader
    shipping_now: tuple[SlipLine, ...]  #: units allocated: in this parcel
    shipped_before: tuple[SlipLine, ...]  #: units sent in an earlier parcel
    waiting: tuple[SlipLine, ...]  #: units still to come, with their ETA
    printed_on: date
    #: The goodwill coupon this order's long wait earned (given when it shipped), if any.
    coupon: CouponRow | None = None
    #: When the parcel left: a slip printed after shipping; None while it is being packed.
    shipped_at: datetime | None = None

    @property
    def held(self) -> bool:
        """The customer wants the order complete and units still wait: nothing ships yet."""
        return self.order.ships_complete and bool(self.waiting)

    @property
    def title(self) -> str:
        return f"Packing slip {self.order.ref}"


@dataclass(frozen=True, slots=True)
class StatusLine:
    """One order line on the status sheet: where each of its units is."""

    line_no: int
    sku: str
    name: str
    ordered: int
    shipped: int
    ready: int  #: allocated: on the shelf for this customer
    waiting: int
    cancelled: int
    unit_price: Decimal
    eta: str  #: for waiting units; "" otherwise
    #: The waiting units' ETA range as dates (None: none waits, in stock now, or no date yet),
    #: for a message's structured copy of the sheet (the webhook's JSON).
    eta_from: date | None = None
    eta_to: date | None = None

    @property
    def status(self) -> str:
        """The line's state in the customer's words."""
        if self.waiting:
            return f"{self.waiting:,} waiting" + (f", {self.ready:,} ready" if self.ready else "")
        if self.ready:
            return "Ready to ship"
        if self.shipped:
            return "Shipped"
        return "Cancelled"

    @property
    def amount(self) -> Decimal:
        """What the units not cancelled come to."""
        return line_amount(self.ordered - self.cancelled, self.unit_price)


@dataclass(frozen=True, slots=True)
class OrderStatusSheet:
    shop: ShopIdentity
    order: OrderHeader
    lines: tuple[StatusLine, ...]
    currency: str
    printed_on: date
    #: The goodwill coupon taken off this order, if any (its ``discount`` comes off the total).
    coupon: CouponRow | None = None

    @property
    def total(self) -> Decimal:
        """What the lines come to, less a coupon's discount."""
        lines = sum((line.amount for line in self.lines), Decimal("0.00"))
        off = self.coupon.discount if self.coupon is not None else None
        return max(lines - (off or Decimal("0.00")), Decimal("0.00"))

    @property
    def title(self) -> str:
        return f"Order status {self.order.ref}"


def customer_eta(view: LineEtaView | None) -> str:
    """A waiting line's ETA as the customer is told it."""
    if view is None or view.status == NOT_ON_ORDER:
        return NO_DATE_YET
    if view.status == IN_STOCK:
        return "in stock now"
    return eta_text(view.likely, view.late)


_LINE_COLUMNS = (
    OrderLine.id,
    OrderLine.line_no,
    Product.sku,
    Product.name,
    OrderLine.qty_ordered,
    OrderLine.qty_shipped,
    OrderLine.qty_allocated,
    OrderLine.qty_backordered,
    OrderLine.qty_cancelled,
    OrderLine.unit_price,
)


def _read_order(
    session: Session, ref: str
) -> tuple[OrderHeader, list[tuple[Any, ...]], dict[int, LineEtaView | None]]:
    """The order's header, its lines (as ``_LINE_COLUMNS``) and its waiting lines' ETAs
    (line id -> the stored ETA, None for a waiting line without one)."""
    found = session.execute(
        select(
            SalesOrder.id,
            SalesOrder.ref,
            SalesOrder.placed_at,
            SalesOrder.status,
            Customer.code,
            Customer.name,
            Customer.email,
            Customer.phone,
            SalesOrder.note,
            SalesOrder.ship_preference,
            Customer.ship_preference,
        )
        .join(Customer, Customer.id == SalesOrder.customer_id)
        .where(SalesOrder.ref == ref.strip())
    ).one_or_none()
    if found is None:
        raise NotFound(f"There is no order {ref.strip()!r}")
    (order_id, order_ref, placed_at, status, code, name, email, phone, note, preference, usual) = (
        found
    )
    header = OrderHeader(
        ref=order_ref,
        placed_at=placed_at,
        status=status,
        customer_code=code,
        customer_name=name,
        customer_email=email,
        customer_phone=phone,
        note=note,
        ships_complete=(preference or usual) is ShipPreference.COMPLETE,
    )
    lines = [
        tuple(row)
        for row in session.execute(
            select(*_LINE_COLUMNS)
            .join(Product, Product.id == OrderLine.product_id)
            .where(OrderLine.order_id == order_id)
            .order_by(OrderLine.line_no)
        )
    ]
    views = line_etas(session, [row[0] for row in lines if row[7] > 0])
    return header, lines, {row[0]: views.get(row[0]) for row in lines if row[7] > 0}


def _last_parcel(session: Session, line_ids: list[int]) -> tuple[dict[int, int], datetime | None]:
    """Units per order line in the order's latest shipment, and when it left (nothing and
    None if the order never shipped). One ``ship_order`` stamps its movements with one time:
    the parcel is the movements at the latest."""
    shipments = session.execute(
        select(StockMovement.order_line_id, StockMovement.qty, StockMovement.created_at).where(
            StockMovement.order_line_id.in_(line_ids),
            StockMovement.kind == MovementKind.SHIPMENT,
        )
    ).all()
    if not shipments:
        return {}, None
    latest = max(at for _, _, at in shipments)
    parcel: dict[int, int] = {}
    for line_id, qty, at in shipments:
        if at == latest and line_id is not None:
            parcel[line_id] = parcel.get(line_id, 0) - qty  # shipments are negative
    return parcel, latest


def packing_slip(session: Session, ref: str, *, today: date | None = None) -> PackingSlip:
    """The packing slip of order ``ref``: the units in this parcel, those sent before, and
    those still to come with their ETA.

    The parcel is what is allocated (packed before the clerk ships it) or, when nothing is
    allocated, the order's latest shipment: a slip printed just after shipping (the one that
    carries the goodwill coupon the shipment earned) describes the box that just left."""
    header, lines, etas = _read_order(session, ref)
    parcel: dict[int, int] = {}
    shipped_at: datetime | None = None
    if not any(row[6] for row in lines):
        parcel, shipped_at = _last_parcel(session, [row[0] for row in lines if row[5]])
    now: list[SlipLine] = []
    before: list[SlipLine] = []
    waiting: list[SlipLine] = []
    for line_id, line_no, sku, name, _, shipped, allocated, backordered, _, _ in lines:
        in_parcel = allocated or parcel.get(line_id, 0)
        if in_parcel:
            now.append(SlipLine(line_no, sku, name, in_parcel))
        if shipped - parcel.get(line_id, 0) > 0:
            before.append(SlipLine(line_no, sku, name, shipped - parcel.get(line_id, 0)))
        if backordered:
            waiting.append(SlipLine(line_no, sku, name, backordered, customer_eta(etas[line_id])))
    return PackingSlip(
        shop=get_shop_identity(session),
        order=header,
        shipping_now=tuple(now),
        shipped_before=tuple(before),
        waiting=tuple(waiting),
        printed_on=today or date.today(),
        shipped_at=shipped_at,
        coupon=next((c for c in order_coupons(session, ref) if c.earned_by == header.ref), None),
    )


def order_status_sheet(
    session: Session, ref: str, *, today: date | None = None
) -> OrderStatusSheet:
    """Order ``ref`` for its customer: each line's state and, for waiting units, the ETA
    range."""
    header, lines, etas = _read_order(session, ref)
    status_lines: list[StatusLine] = []
    for line_id, line_no, sku, name, ordered, shipped, ready, waiting, cancelled, price in lines:
        view = etas.get(line_id)
        dated = view if view is not None and view.status not in (IN_STOCK, NOT_ON_ORDER) else None
        status_lines.append(
            StatusLine(
                line_no=line_no,
                sku=sku,
                name=name,
                ordered=ordered,
                shipped=shipped,
                ready=ready,
                waiting=waiting,
                cancelled=cancelled,
                unit_price=Decimal(price),
                eta=customer_eta(view) if line_id in etas else "",
                eta_from=dated.likely if dated else None,
                eta_to=(dated.late or dated.likely) if dated else None,
            )
        )
    return OrderStatusSheet(
        shop=get_shop_identity(session),
        order=header,
        lines=tuple(status_lines),
        currency=get_currency(session),
        printed_on=today or date.today(),
        coupon=next((c for c in order_coupons(session, ref) if c.redeemed_on == header.ref), None),
    )
