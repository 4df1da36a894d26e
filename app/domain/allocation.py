"""An allocation plan: what a receipt (or freed stock) would give to which waiting lines.

Pure rules, no database. A service reads the waiting lines of the products concerned once
into a :class:`QueueSnapshot`; the snapshot plans in memory for any :class:`QueuePolicy`
(so a receive preview can show "what if gold customers went first" without reading the queue
again), every planned line carries the facts behind a one-line reason a clerk can read
(:func:`allocation_reason`), :func:`compare_plans` says which customers gain or lose units
under another policy, the clerk adjusts a plan (:meth:`AllocationPlan.adjusted` checks every
change), and the service confirms it.
"""

from __future__ import annotations

import gc
from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import lru_cache
from typing import NamedTuple

from app.domain.enums import CustomerTier, QueuePolicy
from app.domain.errors import InvalidQuantity, PlanRejected
from app.domain.quantities import check_quantity
from app.domain.queue import ordinal, serving_key

#: Waiting lines shown after the last one a plan fills, so a clerk can redirect units.
LOOKAHEAD_LINES = 3


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause Python's cycle collector while tens of thousands of tuples are built.

    Each full collection walks every live object; building a flash-sale plan (45k tuples,
    none in a cycle) set off several, which made a plan take 60-250 ms instead of ~40 ms.
    Reference counting still frees everything as usual.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


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


# --- planning from a snapshot of the queue ---------------------------------------------------


@dataclass(frozen=True)
class QueueSnapshot:
    """The waiting lines of some products, read in one go, planned in memory.

    Reading 50k waiting lines is most of a flash-sale preview; with a snapshot the receive
    dialog re-plans for new quantities or another policy without reading them again, and a
    what-if costs two in-memory plans. Staleness is caught where it matters: a plan carries
    the balance ``versions`` read with the snapshot and a confirm rejects a stale one.
    """

    #: sku and name per product.
    products: Mapping[int, tuple[str, str]]
    #: Waiting lines per product, in any order (:meth:`queue` puts them in serving order).
    lines: Mapping[int, Sequence[QueueLine]]
    #: Balance version per product when read (see StockBalance.version).
    versions: Mapping[int, int]
    #: Units waiting on each order with a line here, over all its lines.
    order_waiting: Mapping[int, int]
    #: When the snapshot was read: days waiting count up to here.
    taken_at: datetime
    _queues: dict[tuple[int, QueuePolicy], tuple[QueueLine, ...]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def queue(self, product_id: int, policy: QueuePolicy) -> tuple[QueueLine, ...]:
        """The product's waiting lines in serving order under ``policy`` (computed once)."""
        cached = self._queues.get((product_id, policy))
        if cached is None:
            cached = tuple(
                sorted(
                    self.lines.get(product_id, ()),
                    key=lambda line: serving_key(
                        policy,
                        pinned=line.pinned,
                        tier=line.tier,
                        queued_at=line.queued_at,
                        nudge=line.nudge,
                        order_ref=line.order_ref,
                        line_no=line.line_no,
                    ),
                )
            )
            self._queues[(product_id, policy)] = cached
        return cached

    def plan(
        self,
        offered: Mapping[int, int],
        policy: QueuePolicy,
        *,
        receipts: Sequence[ReceiptInput] = (),
        purchase_order_ref: str | None = None,
    ) -> AllocationPlan:
        """Give ``offered`` units (product id -> units) to the waiting lines in serving order
        under ``policy``: each line filled before the next gets any, the last one maybe
        partly, the rest to stock; plus :data:`LOOKAHEAD_LINES` lines that get nothing, so
        the clerk can redirect units to them. Products are listed by SKU."""
        with gc_paused():
            return self._plan(offered, policy, receipts, purchase_order_ref)

    def _plan(
        self,
        offered: Mapping[int, int],
        policy: QueuePolicy,
        receipts: Sequence[ReceiptInput],
        purchase_order_ref: str | None,
    ) -> AllocationPlan:
        unknown = [pid for pid in offered if pid not in self.products]
        if unknown:
            raise PlanRejected("A product to allocate is not in the preview")
        picked: list[tuple[QueueLine, int, int, int, str]] = []
        product_plans: list[ProductPlan] = []
        given_to_order: dict[int, int] = defaultdict(int)
        for product_id in sorted(offered, key=lambda pid: self.products[pid][0]):
            sku, name = self.products[product_id]
            remaining = offered[product_id]
            lookahead = LOOKAHEAD_LINES
            for position, line in enumerate(self.queue(product_id, policy), start=1):
                give = remaining if remaining < line.waiting else line.waiting
                if give == 0:
                    if lookahead == 0:
                        break
                    lookahead -= 1
                remaining -= give
                given_to_order[line.order_id] += give
                picked.append((line, give, position, product_id, sku))
            product_plans.append(
                ProductPlan(
                    product_id, sku, name, offered[product_id], offered[product_id] - remaining
                )
            )
        waiting = self.order_waiting
        complete = {oid for oid, units in given_to_order.items() if units >= waiting.get(oid, 0)}
        # tuple.__new__ directly: half the cost of the named tuple's own __new__ for 45k lines.
        make = tuple.__new__
        allocations = tuple(
            make(
                PlannedAllocation,
                (line, product_id, sku, give, line.order_id in complete, position, policy, False),
            )
            for line, give, position, product_id, sku in picked
        )
        return AllocationPlan(
            purchase_order_ref=purchase_order_ref,
            receipts=tuple(receipts),
            products=tuple(product_plans),
            allocations=allocations,
            versions={pid: self.versions.get(pid, 0) for pid in offered},
            order_waiting=waiting,
            policy=policy,
        )


# --- reasons ---------------------------------------------------------------------------------

_PRIORITY_TEXT = {
    "pinned": "pinned by a manager",
    "gold": "gold customer",
    "moved": "moved in the queue by a manager",
}


def waiting_text(days: int) -> str:
    """ "waiting 12 days" (or "waiting 1 day", "placed today")."""
    if days <= 0:
        return "placed today"
    return f"waiting {days:,} day" if days == 1 else f"waiting {days:,} days"


@lru_cache(maxsize=8192)  # a flash sale repeats the same few thousand reasons across products
def allocation_reason(*, priority: str, days_waiting: int, position: int, by_clerk: bool) -> str:
    """One line a clerk can read: why a waiting line gets units from this plan.

    "gold customer, waiting 12 days, 2nd in queue"; "pinned by a manager, 1st in queue";
    "waiting 3 days, 5th in queue"; a quantity the clerk changed says so. Cheap enough for
    every line of a 45k-line flash-sale plan: a few string joins, each text built once.
    """
    parts = []
    if priority:
        parts.append(_PRIORITY_TEXT[priority])
    if priority != "pinned":
        parts.append(waiting_text(days_waiting))
    parts.append(f"{ordinal(position)} in queue")
    text = ", ".join(parts)
    return f"{text}; quantity set by the clerk" if by_clerk else text


# --- what if: comparing two plans ------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CustomerChange:
    """Units one customer gets under the current plan and under another."""

    customer_id: int
    customer: str
    current: int
    other: int

    @property
    def change(self) -> int:
        """Units gained (positive) or lost (negative) under the other plan."""
        return self.other - self.current


def compare_plans(current: AllocationPlan, other: AllocationPlan) -> tuple[CustomerChange, ...]:
    """Per customer, the units each plan gives, for customers whose units change only;
    biggest change first (gains before losses of the same size, then by name)."""
    names: dict[int, str] = {}
    totals: list[dict[int, int]] = [{}, {}]
    with gc_paused():
        for plan, units in zip((current, other), totals, strict=True):
            for allocation in plan.allocations:
                if allocation.qty:
                    line = allocation.line
                    units[line.customer_id] = units.get(line.customer_id, 0) + allocation.qty
                    names[line.customer_id] = line.customer
    now, then = totals
    changes = [
        CustomerChange(customer_id, name, now.get(customer_id, 0), then.get(customer_id, 0))
        for customer_id, name in names.items()
        if now.get(customer_id, 0) != then.get(customer_id, 0)
    ]
    changes.sort(key=lambda c: (-abs(c.change), -c.change, c.customer, c.customer_id))
    return tuple(changes)
