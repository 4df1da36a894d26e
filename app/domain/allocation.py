"""An allocation plan: what a receipt (or freed stock) would give to which waiting lines.

Pure data, no database: the lines waiting (:class:`QueueLine`), what each gets
(:class:`PlannedAllocation`, whose ``reason`` a clerk can read), and the plan itself
(:class:`AllocationPlan`), which the clerk adjusts (:meth:`AllocationPlan.adjusted` checks
every change) before a service confirms it. Plans are made from a snapshot of the queue in
``app.domain.planning``; the words of a reason are ``app.domain.allocation_reasons``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import NamedTuple

from app.collector import paused
from app.domain.allocation_reasons import allocation_reason
from app.domain.enums import CustomerTier, QueuePolicy
from app.domain.errors import InvalidQuantity, PlanRejected
from app.domain.quantities import check_quantity


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause Python's cycle collector while tens of thousands of tuples are built.

    Each full collection walks every live object; building a flash-sale plan (45k tuples,
    none in a cycle) set off several, which made a plan take 60-250 ms instead of ~40 ms.
    Reference counting still frees everything as usual.
    """
    with paused():
        yield


@dataclass(frozen=True, slots=True)
class ReceiptInput:
    """Units of one product that arrived, against a PO line or not (a scanned delivery)."""

    product_id: int
    qty: int
    po_line_id: int | None = None


class QueueLine(NamedTuple):
    """One waiting order line, as read once for planning (everything any policy needs)."""

    order_line_id: int
    order_id: int
    order_ref: str
    line_no: int
    customer_id: int
    customer: str
    tier: CustomerTier
    pinned: bool
    queued_at: datetime  #: the line's queue time (see ``OrderLine.queued_at``)
    nudge: int
    placed_at: datetime  #: when the order was placed (days waiting count from here)
    waiting: int  #: units the line waits for
    days_waiting: int  #: whole days since the order was placed, when read


class PlannedAllocation(NamedTuple):
    """Units of a receipt (or of freed stock) promised to one waiting order line.

    A named tuple holding the :class:`QueueLine` it serves, not a dataclass copying its
    fields: a flash-sale receipt plans ~45k of these, for each policy the clerk looks at.
    """

    line: QueueLine
    product_id: int
    sku: str
    qty: int  #: units it gets from this plan
    completes_order: bool  #: whether the whole order is then allocated (ready to ship)
    position: int  #: 1-based place in the product's queue under the plan's policy
    policy: QueuePolicy
    by_clerk: bool = False  #: the clerk changed this line's quantity

    @property
    def order_line_id(self) -> int:
        return self.line.order_line_id

    @property
    def order_id(self) -> int:
        return self.line.order_id

    @property
    def order_ref(self) -> str:
        return self.line.order_ref

    @property
    def line_no(self) -> int:
        return self.line.line_no

    @property
    def customer_id(self) -> int:
        return self.line.customer_id

    @property
    def customer(self) -> str:
        return self.line.customer

    @property
    def placed_at(self) -> datetime:
        return self.line.placed_at

    @property
    def waiting(self) -> int:
        """Units the line waited for before this plan."""
        return self.line.waiting

    @property
    def priority(self) -> str:
        """Why the line is where it is: "pinned", "gold" (under the loyalty policy only: under
        first come, first served being gold is not why), "moved" (by a manager) or ""."""
        line = self.line
        if line.pinned:
            return "pinned"
        if self.policy is QueuePolicy.LOYALTY and line.tier is CustomerTier.GOLD:
            return "gold"
        if line.nudge or line.queued_at != line.placed_at:
            return "moved"
        return ""

    @property
    def reason(self) -> str:
        """Why this line gets (or would get) units, in a clerk's words."""
        return allocation_reason(
            priority=self.priority,
            days_waiting=self.line.days_waiting,
            position=self.position,
            by_clerk=self.by_clerk,
        )


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
    #: The serving order the plan follows (the shop's, or a what-if for this receipt).
    policy: QueuePolicy = QueuePolicy.FIFO

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
            if qty != allocation.qty:
                allocations[index] = allocation._replace(qty=qty, by_clerk=True)
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
