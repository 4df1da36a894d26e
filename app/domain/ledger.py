"""The stock ledger: immutable movements, and a cached balance per product and location.

On hand is, by definition, the sum of the ledger. The balance row caches it (and the units
allocated to order lines) so that screens and the allocation engine need not sum millions of
rows; every service that writes a movement updates the balance in the same transaction, and
``services.stock.check_ledger`` verifies cache = ledger.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Enum, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from app.domain.base import Base, utcnow
from app.domain.enums import MovementKind


class StockMovement(Base):
    """One change of on hand. Never updated or deleted: corrections are new movements."""

    __tablename__ = "stock_movement"

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id"))
    location_id: Mapped[int] = mapped_column(ForeignKey("location.id"))
    qty: Mapped[int]  #: signed: receipts and positive adjustments add, shipments subtract
    kind: Mapped[MovementKind] = mapped_column(
        Enum(
            MovementKind,
            name="movement_kind",
            native_enum=False,
            length=20,
            values_callable=lambda e: [m.value for m in e],
        )
    )
    reason: Mapped[str] = mapped_column(String(200), default="")
    document: Mapped[str] = mapped_column(String(64), default="")  #: PO ref, order ref, ...
    receipt_id: Mapped[int | None] = mapped_column(ForeignKey("receipt.id"))
    order_line_id: Mapped[int | None] = mapped_column(ForeignKey("order_line.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        CheckConstraint("qty <> 0", name="qty_not_zero"),
        Index("ix_stock_movement_product_location", "product_id", "location_id"),
    )


class StockBalance(Base):
    """Cached on hand and allocated units of one product at one location.

    ``version`` increases whenever on hand, allocations or the product's backorder queue
    change; an allocation plan remembers the versions it was computed from, so a confirm can
    tell that the plan went stale.
    """

    __tablename__ = "stock_balance"

    product_id: Mapped[int] = mapped_column(ForeignKey("product.id"), primary_key=True)
    location_id: Mapped[int] = mapped_column(ForeignKey("location.id"), primary_key=True)
    on_hand: Mapped[int] = mapped_column(default=0)
    allocated: Mapped[int] = mapped_column(default=0)
    version: Mapped[int] = mapped_column(default=0)

    __table_args__ = (
        CheckConstraint("on_hand >= 0", name="on_hand_not_negative"),
        CheckConstraint("allocated >= 0", name="allocated_not_negative"),
        CheckConstraint("allocated <= on_hand", name="allocated_within_on_hand"),
    )

    @property
    def available(self) -> int:
        """Units on hand that no order line has been promised."""
        return self.on_hand - self.allocated
