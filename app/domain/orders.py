"""Customer (sales) orders, their lines, and the record of every allocation made to a line.

A line's units are always in exactly one of four states, and the check constraint keeps the
stored ``qty_backordered`` honest::

    qty_ordered = qty_cancelled + qty_shipped + qty_allocated + qty_backordered

*Allocated* units are on hand and promised to the line; *backordered* units are promised by
nobody yet: the customer waits for them in the backorder queue.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, Enum, ForeignKey, Index, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.domain.base import Base, utcnow
from app.domain.catalog import Customer, Product
from app.domain.enums import OrderStatus, ShipPreference


class SalesOrder(Base):
    __tablename__ = "sales_order"

    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str] = mapped_column(String(40), unique=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"), index=True)
    placed_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    status: Mapped[OrderStatus] = mapped_column(
        Enum(
            OrderStatus,
            name="order_status",
            native_enum=False,
            length=20,
            values_callable=lambda e: [m.value for m in e],
        ),
        default=OrderStatus.OPEN,
        index=True,
    )
    note: Mapped[str] = mapped_column(String(500), default="")
    #: A manager's override of the customer's ship preference for this order (None: the
    #: customer's own preference applies).
    ship_preference: Mapped[ShipPreference | None] = mapped_column(
        Enum(
            ShipPreference,
            name="ship_preference",
            native_enum=False,
            length=20,
            values_callable=lambda e: [m.value for m in e],
        )
    )

    customer: Mapped[Customer] = relationship()
    lines: Mapped[list[OrderLine]] = relationship(
        back_populates="order", order_by="OrderLine.line_no", cascade="all, delete-orphan"
    )

    @property
    def ships_complete(self) -> bool:
        """Whether this order is held until every unit is allocated (override, else the
        customer's preference)."""
        preference = self.ship_preference or self.customer.ship_preference
        return preference is ShipPreference.COMPLETE

    def refresh_status(self) -> OrderStatus:
        """Recompute the stored status from the lines (call after changing any line)."""
        self.status = derive_order_status(
            OrderTotals.of(self.lines), ship_complete=self.ships_complete
        )
        return self.status


class OrderLine(Base):
    __tablename__ = "order_line"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("sales_order.id"))
    line_no: Mapped[int]
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id"))
    qty_ordered: Mapped[int]
    qty_allocated: Mapped[int] = mapped_column(default=0)
    qty_shipped: Mapped[int] = mapped_column(default=0)
    qty_cancelled: Mapped[int] = mapped_column(default=0)
    qty_backordered: Mapped[int] = mapped_column(default=0)
    #: The price of one unit on this line: the product's price when ordered, unless the
    #: clerk changed it. Exact (Numeric), in the shop's currency.
    unit_price: Mapped[Decimal] = mapped_column(default=Decimal("0.00"), server_default="0")
    #: The line's time in the backorder queue: the order's placed-at time, copied here so the
    #: queue is served from one index, unless a manager moved the line (then a neighbour's
    #: time) or pinned it (then the pin time). How long a customer waits is counted from
    #: ``SalesOrder.placed_at``, never from this.
    queued_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: Pinned lines are served before every other line, in the order they were pinned.
    pinned: Mapped[bool] = mapped_column(default=False)
    #: Breaks ties between lines with the same queue time after a manager's move (lower first).
    queue_nudge: Mapped[int] = mapped_column(default=0)
    cancel_reason: Mapped[str] = mapped_column(String(200), default="")
    #: When units of this line were last cancelled (None: never, or before migration 0007).
    #: Indexed: lost demand reads the lines cancelled in a date range.
    cancelled_at: Mapped[datetime | None] = mapped_column(default=None, index=True)
    #: Units the line could not take from stock when it was ordered: the customer's first
    #: wait. The fill rate and the most backordered SKUs count it; later moves of the line
    #: never change it. None for lines placed before migration 0009 (not known).
    qty_backordered_at_order: Mapped[int | None] = mapped_column(default=None)
    order: Mapped[SalesOrder] = relationship(back_populates="lines")
    product: Mapped[Product] = relationship()

    __table_args__ = (
        UniqueConstraint("order_id", "line_no", name="uq_order_line_order_id_line_no"),
        CheckConstraint("qty_ordered > 0", name="qty_ordered_positive"),
        CheckConstraint(
            "qty_allocated >= 0 AND qty_shipped >= 0 AND qty_cancelled >= 0"
            " AND qty_backordered >= 0",
            name="quantities_not_negative",
        ),
        CheckConstraint(
            "qty_ordered = qty_cancelled + qty_shipped + qty_allocated + qty_backordered",
            name="quantities_add_up",
        ),
        CheckConstraint("unit_price >= 0", name="unit_price_not_negative"),
        # The backorder queue: only waiting lines, per product, in serving order.
        # Covering (qty_backordered included): a receipt preview reads the queue of 200
        # products, 50k lines, from this index alone.
        Index(
            "ix_order_line_waiting",
            "product_id",
            "queued_at",
            "order_id",
            "line_no",
            "qty_backordered",
            "pinned",
            "queue_nudge",
            sqlite_where=text("qty_backordered > 0"),
            postgresql_where=text("qty_backordered > 0"),
        ),
        Index(
            "ix_order_line_queue",
            "queued_at",
            sqlite_where=text("qty_backordered > 0"),
            postgresql_where=text("qty_backordered > 0"),
        ),
        Index("ix_order_line_order_id", "order_id"),
        Index("ix_order_line_product_id", "product_id"),
    )

    @property
    def qty_open(self) -> int:
        """Units still to ship: allocated or waiting."""
        return self.qty_allocated + self.qty_backordered

    def recompute_backordered(self) -> None:
        """Make qty_backordered agree with the other quantities (the line's invariant)."""
        self.qty_backordered = (
            self.qty_ordered - self.qty_cancelled - self.qty_shipped - self.qty_allocated
        )


class AllocationEvent(Base):
    """A record of units promised to (positive) or released from (negative) an order line.

    It lets a clerk see why a customer got what they got, and lets tests prove that every
    receipt served the queue in order.
    """

    __tablename__ = "allocation_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_line_id: Mapped[int] = mapped_column(ForeignKey("order_line.id"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id"))
    qty: Mapped[int]
    #: "order", "receipt", "freed", "cancel", "ship", "adjust" (units taken back) or "undo" (an
    #: undone receipt took its units back; ``receipt_id`` names it)
    source: Mapped[str] = mapped_column(String(20))
    #: Why this line got the units, in a clerk's words ("gold customer, waiting 12 days, 2nd in
    #: queue"); empty for releases and for events recorded before reasons existed.
    reason: Mapped[str] = mapped_column(String(200), default="")
    receipt_id: Mapped[int | None] = mapped_column(ForeignKey("receipt.id"), index=True)
    #: Indexed: the wait report reads the allocations made in a date range.
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)

    __table_args__ = (CheckConstraint("qty <> 0", name="qty_not_zero"),)


class LineEta(Base):
    """A waiting line's ETA, kept by ``services.eta.recompute_etas`` (one row per waiting line).

    A table of its own rather than columns on ``order_line``: recomputing reads and compares
    every waiting line's ETA, and a scan of this small table is far cheaper than 100k lookups
    into the million-row lines table. A line with no row here has no ETA computed yet.
    """

    __tablename__ = "order_line_eta"

    order_line_id: Mapped[int] = mapped_column(ForeignKey("order_line.id"), primary_key=True)
    product_id: Mapped[int] = mapped_column(index=True)
    #: "in_stock" (units available now cover it), "on_order" (open POs cover it) or
    #: "not_on_order" (some units are covered by nothing: see shortfall)
    status: Mapped[str] = mapped_column(String(12), index=True)
    expected: Mapped[date | None]  #: the covering POs' latest expected date (stated ETA)
    likely: Mapped[date | None]  #: with the suppliers' median delay
    late: Mapped[date | None]  #: with the suppliers' 90th percentile delay
    #: The covering PO line expected last (it decides the ETA). No foreign key: a PO line may
    #: be deleted while a PO is edited; the recompute that follows replaces the id.
    po_line_id: Mapped[int | None]
    shortfall: Mapped[int] = mapped_column(default=0)  #: units nothing covers
    #: The line's place in its product's queue (1: served next) and the units waiting on the
    #: lines ahead of it, under the shop's queue policy.
    position: Mapped[int] = mapped_column(default=0)
    units_ahead: Mapped[int] = mapped_column(default=0)
    #: Set while the ETA is later than before: the status and likely ETA the line showed.
    was_status: Mapped[str | None] = mapped_column(String(12))
    was: Mapped[date | None]


@dataclass(frozen=True, slots=True)
class OrderTotals:
    """Sums of an order's line quantities; enough to derive its status."""

    ordered: int = 0
    cancelled: int = 0
    shipped: int = 0
    allocated: int = 0
    backordered: int = 0

    @classmethod
    def of(cls, lines: list[OrderLine]) -> OrderTotals:
        return cls(
            ordered=sum(line.qty_ordered for line in lines),
            cancelled=sum(line.qty_cancelled for line in lines),
            shipped=sum(line.qty_shipped for line in lines),
            allocated=sum(line.qty_allocated for line in lines),
            backordered=sum(line.qty_backordered for line in lines),
        )


def derive_order_status(totals: OrderTotals, *, ship_complete: bool = False) -> OrderStatus:
    """The one rule for an order's status, from its line totals and ship preference.

    - every unit cancelled, nothing shipped: cancelled
    - units allocated while others wait: part ready to ship, for a customer who takes partial
      shipments; backordered (held) for one who wants the order complete
    - any unit waiting for stock and none allocated: backordered (the customer is in the queue)
    - units allocated and none waiting: ready to ship
    - nothing left to ship and something shipped: shipped
    """
    if totals.backordered > 0:
        if totals.allocated > 0 and not ship_complete:
            return OrderStatus.PART_READY
        return OrderStatus.BACKORDERED
    if totals.allocated > 0:
        return OrderStatus.READY_TO_SHIP
    if totals.shipped > 0:
        return OrderStatus.SHIPPED
    if totals.ordered > 0 and totals.cancelled == totals.ordered:
        return OrderStatus.CANCELLED
    return OrderStatus.OPEN
