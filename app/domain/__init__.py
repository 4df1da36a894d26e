"""The shop's domain: mapped classes, enums, rules and errors. No Qt, no I/O beyond the ORM."""

from app.domain.audit import AuditEvent
from app.domain.base import Base
from app.domain.catalog import Customer, Location, Product, Supplier
from app.domain.coupons import Coupon
from app.domain.enums import (
    BackorderPolicy,
    CustomerTier,
    MovementKind,
    OrderStatus,
    PurchaseOrderStatus,
    QueuePolicy,
    ShipPreference,
)
from app.domain.ledger import StockBalance, StockMovement
from app.domain.notifications import (
    Notification,
    NotificationChannel,
    NotificationEvent,
    NotificationStatus,
    NotificationTemplate,
)
from app.domain.orders import AllocationEvent, LineEta, OrderLine, SalesOrder
from app.domain.purchasing import PurchaseOrder, PurchaseOrderLine, Receipt, ReceiptLine
from app.domain.settings import ShopSetting
from app.domain.users import User

__all__ = [
    "AllocationEvent",
    "AuditEvent",
    "BackorderPolicy",
    "Base",
    "Coupon",
    "Customer",
    "CustomerTier",
    "LineEta",
    "Location",
    "MovementKind",
    "Notification",
    "NotificationChannel",
    "NotificationEvent",
    "NotificationStatus",
    "NotificationTemplate",
    "OrderLine",
    "OrderStatus",
    "Product",
    "PurchaseOrder",
    "PurchaseOrderLine",
    "PurchaseOrderStatus",
    "QueuePolicy",
    "Receipt",
    "ReceiptLine",
    "SalesOrder",
    "ShipPreference",
    "ShopSetting",
    "StockBalance",
    "StockMovement",
    "Supplier",
    "User",
]
