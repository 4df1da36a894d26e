"""Purchase orders to suppliers, and receipts of the goods that arrive."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, Enum, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.domain.base import Base, utcnow
from app.domain.catalog import Product, Supplier
from app.domain.enums import PurchaseOrderStatus


class PurchaseOrder(Base):
    __tablename__ = "purchase_order"

    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str] = mapped_column(String(40), unique=True)
    supplier_id: Mapped[int] = mapped_column(ForeignKey("supplier.id"), index=True)
    ordered_at: Mapped[datetime | None] = mapped_column(default=utcnow)
    expected_date: Mapped[date | None]
    status: Mapped[PurchaseOrderStatus] = mapped_column(
        Enum(
            PurchaseOrderStatus,
            name="purchase_order_status",
            native_enum=False,
            length=20,
            values_callable=lambda e: [m.value for m in e],
        ),
        default=PurchaseOrderStatus.OPEN,
        index=True,
    )
    note: Mapped[str] = mapped_column(String(500), default="")

    supplier: Mapped[Supplier] = relationship()
    lines: Mapped[list[PurchaseOrderLine]] = relationship(
        back_populates="purchase_order",
        order_by="PurchaseOrderLine.line_no",
        cascade="all, delete-orphan",
    )

    def refresh_status(self) -> PurchaseOrderStatus:
        """Recompute the status from the lines; drafts and cancelled POs keep theirs."""
        self.status = derive_po_status(
            self.status,
            sum(line.qty_ordered for line in self.lines),
            sum(min(line.qty_received, line.qty_ordered) for line in self.lines),
        )
        return self.status


class PurchaseOrderLine(Base):
    __tablename__ = "purchase_order_line"

    id: Mapped[int] = mapped_column(primary_key=True)
    purchase_order_id: Mapped[int] = mapped_column(ForeignKey("purchase_order.id"))
    line_no: Mapped[int]
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id"), index=True)
    qty_ordered: Mapped[int]
    qty_received: Mapped[int] = mapped_column(default=0)
    unit_cost: Mapped[Decimal] = mapped_column(default=Decimal("0.00"))

    purchase_order: Mapped[PurchaseOrder] = relationship(back_populates="lines")
    product: Mapped[Product] = relationship()

    __table_args__ = (
        UniqueConstraint("purchase_order_id", "line_no", name="uq_po_line_po_id_line_no"),
        CheckConstraint("qty_ordered > 0", name="qty_ordered_positive"),
        CheckConstraint("qty_received >= 0", name="qty_received_not_negative"),
        Index("ix_purchase_order_line_po", "purchase_order_id"),
    )

    @property
    def qty_outstanding(self) -> int:
        """Units ordered and not yet received (never negative, even after a surplus)."""
        return max(0, self.qty_ordered - self.qty_received)


def derive_po_status(
    current: PurchaseOrderStatus, qty_ordered: int, qty_received: int
) -> PurchaseOrderStatus:
    """A PO's status from its totals. Drafts and cancelled POs are set by hand, not derived."""
    if current in (PurchaseOrderStatus.DRAFT, PurchaseOrderStatus.CANCELLED):
        return current
    if qty_ordered > 0 and qty_received >= qty_ordered:
        return PurchaseOrderStatus.RECEIVED
    if qty_received > 0:
        return PurchaseOrderStatus.PARTIALLY_RECEIVED
    return PurchaseOrderStatus.OPEN


class Receipt(Base):
    """Goods that arrived, usually against one purchase order."""

    __tablename__ = "receipt"

    id: Mapped[int] = mapped_column(primary_key=True)
    purchase_order_id: Mapped[int | None] = mapped_column(
        ForeignKey("purchase_order.id"), index=True
    )
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    note: Mapped[str] = mapped_column(String(500), default="")
    #: When a manager undid the receipt (None: it stands). An undone receipt is kept, never
    #: deleted; everything that reads deliveries (PO received quantities, supplier history,
    #: reports, the database check) leaves it out.
    undone_at: Mapped[datetime | None] = mapped_column(default=None)
    undone_reason: Mapped[str] = mapped_column(String(500), default="", server_default="")
    #: Who undid it (the acting person's name at the time).
    undone_by: Mapped[str] = mapped_column(String(100), default="", server_default="")

    lines: Mapped[list[ReceiptLine]] = relationship(
        back_populates="receipt", cascade="all, delete-orphan"
    )

    @property
    def label(self) -> str:
        """How a clerk names the receipt: RCPT- and its number (receipts have no ref)."""
        return f"RCPT-{self.id}"


class ReceiptLine(Base):
    __tablename__ = "receipt_line"

    id: Mapped[int] = mapped_column(primary_key=True)
    receipt_id: Mapped[int] = mapped_column(ForeignKey("receipt.id"), index=True)
    purchase_order_line_id: Mapped[int | None] = mapped_column(ForeignKey("purchase_order_line.id"))
    product_id: Mapped[int] = mapped_column(ForeignKey("product.id"))
    qty: Mapped[int]
    #: Units of ``qty`` beyond what the PO line still had outstanding when the receipt was
    #: confirmed: an over-receipt the clerk accepted for that confirm (0 for a receipt not
    #: against a PO line). A PO line may hold more than was ordered only by these units.
    qty_over: Mapped[int] = mapped_column(default=0, server_default="0")

    receipt: Mapped[Receipt] = relationship(back_populates="lines")

    __table_args__ = (
        CheckConstraint("qty > 0", name="qty_positive"),
        CheckConstraint("qty_over >= 0 AND qty_over <= qty", name="qty_over_within_qty"),
    )
