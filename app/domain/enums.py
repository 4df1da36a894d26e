"""Enumerations of the shop's vocabulary. Values are what is stored and what CSV files use."""

from __future__ import annotations

from enum import StrEnum


class BackorderPolicy(StrEnum):
    """What happens when a customer orders more than is available."""

    BACKORDER = "backorder"  #: keep selling; the customer waits in the queue
    OUT_OF_STOCK = "out_of_stock"  #: refuse beyond what is available

    @property
    def label(self) -> str:
        return {"backorder": "Backorder", "out_of_stock": "Stock only"}[self.value]


class CustomerTier(StrEnum):
    STANDARD = "standard"
    GOLD = "gold"

    @property
    def label(self) -> str:
        return self.value.capitalize()


class MovementKind(StrEnum):
    """Why on hand changed; every stock movement has one."""

    RECEIPT = "receipt"
    SHIPMENT = "shipment"
    ADJUSTMENT = "adjustment"
    #: A confirmed receipt undone by a manager: its units leave the ledger again (the
    #: receipt's own movement is never deleted).
    RECEIPT_UNDONE = "receipt_undone"


class OrderStatus(StrEnum):
    """A sales order's status, derived from its lines (see orders.derive_order_status)."""

    OPEN = "open"  #: nothing allocated, shipped or waiting yet (an empty order)
    BACKORDERED = "backordered"  #: at least one unit is waiting for stock
    #: units are allocated and others still wait; the customer takes partial shipments
    PART_READY = "part_ready"
    READY_TO_SHIP = "ready_to_ship"  #: everything still to ship is allocated
    SHIPPED = "shipped"  #: every unit not cancelled has shipped
    CANCELLED = "cancelled"  #: every line cancelled before shipping

    @property
    def label(self) -> str:
        if self is OrderStatus.PART_READY:
            return "Part ready to ship"
        return self.value.replace("_", " ").capitalize()


class PurchaseOrderStatus(StrEnum):
    """A purchase order's status, derived from its lines (see purchasing.derive_po_status)."""

    DRAFT = "draft"
    OPEN = "open"
    PARTIALLY_RECEIVED = "partially_received"
    RECEIVED = "received"
    CANCELLED = "cancelled"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()

    @property
    def is_incoming(self) -> bool:
        """Whether this PO's outstanding units count as incoming stock."""
        return self in (PurchaseOrderStatus.OPEN, PurchaseOrderStatus.PARTIALLY_RECEIVED)


class QueuePolicy(StrEnum):
    """Who is served first from the backorder queue (a shop-wide setting).

    Manual adjustments (a pinned line, a line moved up or down) apply on top of either.
    """

    FIFO = "fifo"  #: first placed, first served
    LOYALTY = "loyalty"  #: gold customers before standard ones; first placed first within a tier

    @property
    def label(self) -> str:
        return {"fifo": "First come, first served", "loyalty": "Gold customers first"}[self.value]


class ShipPreference(StrEnum):
    """How a customer wants an order that is only partly in stock shipped."""

    PARTIAL = "partial"  #: send what is allocated now; the rest follows
    COMPLETE = "complete"  #: hold the order until every unit is allocated

    @property
    def label(self) -> str:
        return {"partial": "Ship partial", "complete": "Ship complete"}[self.value]
