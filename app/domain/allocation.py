"""An allocation plan: what a receipt would give to which waiting order lines.

Pure rules, no database: the receive-stock service builds a plan from the queue
(``app.services.receiving.preview_receipt``), the clerk adjusts it (:meth:`AllocationPlan.adjusted`
checks every change), and the service confirms it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import NamedTuple

from app.domain.errors import InvalidQuantity, PlanRejected
from app.domain.quantities import check_quantity


@dataclass(frozen=True, slots=True)
class ReceiptInput:
    """Units of one product that arrived, against a PO line or not (a scanned delivery)."""

    product_id: int
    qty: int
    po_line_id: int | None = None


class PlannedAllocation(NamedTuple):
    """Units of a receipt promised to one waiting order line.

    A named tuple, not a dataclass: a flash-sale receipt plans ~50k of these, and tuples are
    several times cheaper to create.
    """

    order_line_id: int
    order_id: int
    order_ref: str
    line_no: int
    customer: str
    product_id: int
    sku: str
    placed_at: datetime
    waiting: int  #: units the line waited for before this receipt
    qty: int  #: units it gets from this receipt
    completes_order: bool  #: whether the whole order is then allocated (ready to ship)


@dataclass(frozen=True, slots=True)
class ProductPlan:
    product_id: int
    sku: str
    name: str
    received: int
    to_customers: int

    @property
    def to_stock(self) -> int:
        return self.received - self.to_customers


@dataclass(frozen=True)
class AllocationPlan:
    """What a receipt would give to whom. Immutable; adjust with :meth:`adjusted`."""

    purchase_order_ref: str | None
    receipts: tuple[ReceiptInput, ...]
    products: tuple[ProductPlan, ...]
    allocations: tuple[PlannedAllocation, ...]
    #: Balance version per product when previewed (see StockBalance.version).
    versions: Mapping[int, int] = field(repr=False)
    #: Units waiting on each affected order (all its lines) before this receipt.
    order_waiting: Mapping[int, int] = field(repr=False)

    @property
    def units_received(self) -> int:
        return sum(p.received for p in self.products)

    @property
    def units_to_customers(self) -> int:
        return sum(a.qty for a in self.allocations)

    @property
    def units_to_stock(self) -> int:
        return self.units_received - self.units_to_customers

    @property
    def orders_ready(self) -> tuple[str, ...]:
        """Refs of orders this receipt makes ready to ship, in queue order."""
        seen: dict[str, None] = {}
        for allocation in self.allocations:
            if allocation.completes_order and allocation.qty > 0:
                seen.setdefault(allocation.order_ref, None)
        return tuple(seen)

    def adjusted(self, adjustments: Mapping[int, int]) -> AllocationPlan:
        """The plan with the clerk's quantities (order line id -> units), checked.

        Raises PlanRejected when a line would get more than it waits for, a line is not in
        the plan, or a product's lines would get more units than arrived.
        """
        if not adjustments:
            return self
        position = {a.order_line_id: i for i, a in enumerate(self.allocations)}
        allocations = list(self.allocations)
        per_product = {p.product_id: p.to_customers for p in self.products}
        touched_orders: set[int] = set()
        for line_id, qty in adjustments.items():
            index = position.get(line_id)
            if index is None:
                raise PlanRejected("That order line is not waiting for this receipt")
            if isinstance(qty, bool) or not isinstance(qty, int):
                raise InvalidQuantity("Allocated quantities must be whole numbers")
            check_quantity(qty, allow_zero=True, what="Allocated quantity")
            allocation = allocations[index]
            if qty > allocation.waiting:
                raise PlanRejected(
                    f"Order {allocation.order_ref} line {allocation.line_no} waits for "
                    f"{allocation.waiting} of {allocation.sku}; it cannot be given {qty}"
                )
            per_product[allocation.product_id] += qty - allocation.qty
            allocations[index] = allocation._replace(qty=qty)
            touched_orders.add(allocation.order_id)
        products = []
        for product in self.products:
            given = per_product[product.product_id]
            if given > product.received:
                raise PlanRejected(
                    f"{given} units of {product.sku} promised but only {product.received} arrived"
                )
            products.append(replace(product, to_customers=given))
        # Only the orders whose lines changed can change their "complete" mark.
        given_to_order: dict[int, int] = defaultdict(int)
        for allocation in allocations:
            if allocation.order_id in touched_orders:
                given_to_order[allocation.order_id] += allocation.qty
        for index, allocation in enumerate(allocations):
            if allocation.order_id in touched_orders:
                complete = given_to_order[allocation.order_id] >= self.order_waiting.get(
                    allocation.order_id, 0
                )
                if complete != allocation.completes_order:
                    allocations[index] = allocation._replace(completes_order=complete)
        return replace(self, products=tuple(products), allocations=tuple(allocations))
