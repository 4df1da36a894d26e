"""What the shop sells, where it keeps it, and who it buys from and sells to."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.domain.base import Base, stored_enum
from app.domain.enums import BackorderPolicy, CustomerTier, ShipPreference
from app.domain.notifications import NotificationChannel

#: The location every database is created with; stock and allocations live here by default.
DEFAULT_LOCATION_CODE = "SHOP"


class Supplier(Base):
    __tablename__ = "supplier"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(200), default="")
    lead_time_days: Mapped[int] = mapped_column(default=7)
    #: Who to talk to at the supplier, and how to ring them.
    contact_name: Mapped[str] = mapped_column(String(200), default="", server_default="")
    phone: Mapped[str] = mapped_column(String(40), default="", server_default="")
    #: When the shop stopped buying from it (None: active). Archived records stay in history.
    archived_at: Mapped[datetime | None] = mapped_column(default=None)

    __table_args__ = (CheckConstraint("lead_time_days >= 0", name="lead_time_not_negative"),)


class Product(Base):
    __tablename__ = "product"

    id: Mapped[int] = mapped_column(primary_key=True)
    sku: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    barcode: Mapped[str | None] = mapped_column(String(14), unique=True)
    price: Mapped[Decimal] = mapped_column(default=Decimal("0.00"))
    cost: Mapped[Decimal] = mapped_column(default=Decimal("0.00"))
    backorder_policy: Mapped[BackorderPolicy] = mapped_column(
        stored_enum(BackorderPolicy, "backorder_policy"), default=BackorderPolicy.BACKORDER
    )
    reorder_point: Mapped[int] = mapped_column(default=0)
    supplier_id: Mapped[int | None] = mapped_column(ForeignKey("supplier.id"), index=True)
    #: What the preferred supplier calls the product (their code, shown on purchase orders).
    supplier_sku: Mapped[str | None] = mapped_column(String(64))
    #: Most units of this product that may wait in the backorder queue at once (None: no
    #: limit), e.g. what the supplier can still deliver this season. Checked (>= 0) by the
    #: catalog services: a CHECK constraint would make SQLite rebuild the product table.
    max_backorder_qty: Mapped[int | None] = mapped_column()
    #: Where the product sits in the shop ("A3-02", "Back room, shelf 4"; "" if not set), so
    #: the pick list walks shelf by shelf. Kept on the product, not per location: a small
    #: shop keeps a product in one place, and the pick list picks it where its allocated
    #: stock is, which for such a shop is that place. A shop that splits a product over
    #: several locations would want a bin per product-at-location (on StockBalance); that
    #: is a later step if a shop asks for it.
    bin: Mapped[str] = mapped_column(String(40), default="", server_default="")

    #: When the shop stopped selling it (None: active): hidden from new orders and pickers,
    #: kept on every document that names it.
    archived_at: Mapped[datetime | None] = mapped_column(default=None)

    supplier: Mapped[Supplier | None] = relationship()

    __table_args__ = (
        CheckConstraint("price >= 0", name="price_not_negative"),
        CheckConstraint("cost >= 0", name="cost_not_negative"),
        CheckConstraint("reorder_point >= 0", name="reorder_point_not_negative"),
    )


class Location(Base):
    __tablename__ = "location"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(100))


class Customer(Base):
    __tablename__ = "customer"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    email: Mapped[str] = mapped_column(String(200), default="")
    phone: Mapped[str] = mapped_column(String(40), default="")
    tier: Mapped[CustomerTier] = mapped_column(
        stored_enum(CustomerTier, "customer_tier"), default=CustomerTier.STANDARD
    )
    #: Whether the customer takes what is in stock now or waits for the whole order.
    ship_preference: Mapped[ShipPreference] = mapped_column(
        stored_enum(ShipPreference, "ship_preference"), default=ShipPreference.PARTIAL
    )
    #: When the customer was archived (None: active); their orders stay.
    archived_at: Mapped[datetime | None] = mapped_column(default=None)
    #: Whether the customer asked to hear about their orders (off until they say so).
    notify_opt_in: Mapped[bool] = mapped_column(default=False, server_default="0")
    #: How they want to hear: e-mail, the shop's webhook, or not at all.
    notify_channel: Mapped[NotificationChannel] = mapped_column(
        stored_enum(NotificationChannel, "notify_channel"),
        default=NotificationChannel.EMAIL,
        server_default=NotificationChannel.EMAIL.value,
    )
