"""A stateful property test: random days in a shop never break the ledger or the queue.

Hypothesis drives orders, purchase orders, receipts (previewed then confirmed, sometimes
adjusted, sometimes partial or with a surplus (refused unless accepted), sometimes of what a
PO had outstanding before another receipt took part of it, sometimes under the other policy
as a what-if), shipments, cancellations with their freed stock offered to the queue (confirmed,
adjusted or kept), adjustments (some taking promised units back from customers), stale
confirmations, and a manager's priority changes (the shop's policy, pins, moves up and down).
After every step the database must agree with itself and with a simple model of what on hand
should be; every plan confirmed as previewed must have served the backorder queue strictly in
its policy's order, as this test orders it itself.
"""

from __future__ import annotations

import tempfile
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import func, select

from app.db import Database, open_database
from app.domain import (
    AllocationEvent,
    BackorderPolicy,
    OrderLine,
    Product,
    PurchaseOrder,
    PurchaseOrderLine,
    ReceiptLine,
    SalesOrder,
    StockBalance,
)
from app.domain.allocation import AllocationPlan
from app.domain.enums import CustomerTier, QueuePolicy
from app.domain.errors import InvalidTransition, NotEnoughStock, OverReceipt, StalePlan
from app.domain.orders import OrderTotals, derive_order_status
from app.services import (
    cancelling,
    catalog,
    freed,
    ordering,
    purchasing,
    queue,
    receiving,
    shipping,
    stock,
)
from app.services.ordering import LineRequest
from tests.conftest import reset_postgres

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
PRODUCTS = {
    "B1": BackorderPolicy.BACKORDER,
    "B2": BackorderPolicy.BACKORDER,
    "X1": BackorderPolicy.OUT_OF_STOCK,
}
CUSTOMERS = ("C1", "C2", "C3")
GOLD = "C3"


@dataclass(frozen=True)
class Waiting:
    """A waiting line as the test itself orders the queue (independently of app.domain.queue)."""

    line_id: int
    key: tuple[int, int, datetime, int, str, int]
    waiting: int


class ShopMachine(RuleBasedStateMachine):
    #: Set by the test that runs the machine: makes a fresh database URL for one example.
    make_url: Any = None

    def __init__(self) -> None:
        super().__init__()
        self._tmp = tempfile.TemporaryDirectory()
        self.db: Database = open_database(type(self).make_url(self._tmp.name), backup_dir=None)
        with self.db.write() as session:
            catalog.create_supplier(session, "SUP", "Supplies")
            for sku, policy in PRODUCTS.items():
                catalog.create_product(session, sku, sku, backorder_policy=policy)
            for code in CUSTOMERS:
                tier = CustomerTier.GOLD if code == GOLD else CustomerTier.STANDARD
                catalog.create_customer(session, code, code, tier=tier)
        with self.db.read() as session:
            self.product_ids = {
                sku: pid for sku, pid in session.execute(select(Product.sku, Product.id)).all()
            }
            self.gold_id = catalog.get_customer(session, GOLD).id
        #: The model: on hand each product must have (sum of what the test moved).
        self.on_hand: dict[int, int] = defaultdict(int)
        #: The model: units each PO line has received, and of those the surplus a clerk
        #: accepted beyond what was outstanding.
        self.po_received: dict[int, int] = defaultdict(int)
        self.po_over: dict[int, int] = defaultdict(int)
        self.orders: list[str] = []
        self.pos: list[str] = []
        self.order_count = 0
        self.policy = QueuePolicy.FIFO
        self.last_freed_event = 0

    def teardown(self) -> None:
        self.db.dispose()
        self._tmp.cleanup()

    # --- reading the database --------------------------------------------------------------

    def balances(self) -> dict[int, tuple[int, int]]:
        with self.db.read() as session:
            return {
                pid: (on_hand, allocated)
                for pid, on_hand, allocated in session.execute(
                    select(StockBalance.product_id, StockBalance.on_hand, StockBalance.allocated)
                ).all()
            }

    def queue(self, product_id: int, policy: QueuePolicy | None = None) -> list[Waiting]:
        """The product's waiting lines, sorted here: pinned lines first (by pin time), then
        under loyalty gold customers first, then queue time, nudge, order ref, line."""
        loyalty = (policy or self.policy) is QueuePolicy.LOYALTY
        with self.db.read() as session:
            rows = session.execute(
                select(
                    OrderLine.id,
                    OrderLine.pinned,
                    SalesOrder.customer_id,
                    OrderLine.queued_at,
                    OrderLine.queue_nudge,
                    SalesOrder.ref,
                    OrderLine.line_no,
                    OrderLine.qty_backordered,
                )
                .join(SalesOrder, SalesOrder.id == OrderLine.order_id)
                .where(OrderLine.product_id == product_id, OrderLine.qty_backordered > 0)
            ).all()
        waiting = [
            Waiting(
                line_id,
                (
                    0 if pinned else 1,
                    int(loyalty and not pinned and customer != self.gold_id),
                    queued_at,
                    nudge,
                    ref,
                    line_no,
                ),
                qty,
            )
            for line_id, pinned, customer, queued_at, nudge, ref, line_no, qty in rows
        ]
        return sorted(waiting, key=lambda w: w.key)

    def waiting_line_ids(self) -> list[int]:
        with self.db.read() as session:
            return sorted(
                session.scalars(select(OrderLine.id).where(OrderLine.qty_backordered > 0))
            )

    def check_served_in_order(
        self, queues: dict[int, list[Waiting]], offered: dict[int, int], given: dict[int, int]
    ) -> None:
        """Each line filled before the next gets any, in the queue order of ``queues``."""
        expected: dict[int, int] = {}
        for product_id, waiting_lines in queues.items():
            remaining = offered.get(product_id, 0)
            for waiting in waiting_lines:
                qty = min(remaining, waiting.waiting)
                if qty:
                    expected[waiting.line_id] = qty
                remaining -= qty
        assert given == expected, "a plan did not serve the backorder queue in order"

    def receipt_given(self, receipt_id: int) -> dict[int, int]:
        with self.db.read() as session:
            rows = session.execute(
                select(AllocationEvent.order_line_id, func.sum(AllocationEvent.qty))
                .where(
                    AllocationEvent.receipt_id == receipt_id,
                    AllocationEvent.source == "receipt",
                )
                .group_by(AllocationEvent.order_line_id)
            ).all()
        return {line_id: int(qty) for line_id, qty in rows}

    # --- rules -----------------------------------------------------------------------------

    @rule(
        orders=st.lists(
            st.tuples(
                st.sampled_from(CUSTOMERS),
                st.lists(
                    # out-of-stock products are drawn less often: a refused line refuses the
                    # whole order, and the queue needs orders to form
                    st.tuples(st.sampled_from(["B1", "B2", "B1", "B2", "X1"]), st.integers(1, 5)),
                    min_size=1,
                    max_size=3,
                ),
                st.integers(0, 4),
                st.sampled_from("ABC"),
            ),
            min_size=1,
            max_size=3,
        )
    )
    def place_orders(self, orders: list[tuple[str, list[tuple[str, int]], int, str]]) -> None:
        # Minutes repeat and go backwards, and ref prefixes disagree with entry order: the
        # queue's tie-breaks are exercised on purpose.
        for customer, lines, minute, prefix in orders:
            self.place_order(customer, lines, minute, prefix)

    def place_order(
        self, customer: str, lines: list[tuple[str, int]], minute: int, prefix: str
    ) -> None:
        self.order_count += 1
        ref = f"{prefix}-{self.order_count:04d}"
        before = self.balances()
        available = {pid: on_hand - held for pid, (on_hand, held) in before.items()}
        refused = False
        for sku, qty in lines:
            pid = self.product_ids[sku]
            take = min(qty, available[pid])
            if take < qty and PRODUCTS[sku] == BackorderPolicy.OUT_OF_STOCK:
                refused = True
            available[pid] -= take
        try:
            with self.db.write() as session:
                placed = ordering.place_order(
                    session,
                    customer,
                    [LineRequest(sku, qty) for sku, qty in lines],
                    ref=ref,
                    placed_at=T0 + timedelta(minutes=minute),
                )
        except NotEnoughStock:
            assert refused, "an order was refused although stock was available"
            assert self.balances() == before
            return
        assert not refused, "an out-of-stock product was sold beyond what was available"
        self.orders.append(placed.ref)

    @rule(
        lines=st.lists(
            st.tuples(st.sampled_from(sorted(PRODUCTS)), st.integers(1, 6)), min_size=1, max_size=3
        )
    )
    def create_po(self, lines: list[tuple[str, int]]) -> None:
        with self.db.write() as session:
            po = purchasing.create_purchase_order(
                session, "SUP", [LineRequest(sku, qty) for sku, qty in lines]
            )
            self.pos.append(po.ref)

    def outstanding(self, po_ref: str) -> list[tuple[int, int, int]]:
        """(line id, product id, units outstanding) of a PO's lines, read now."""
        with self.db.read() as session:
            po = purchasing.get_purchase_order(session, po_ref)
            return [(line.id, line.product_id, line.qty_outstanding) for line in po.lines]

    def received(self, inputs: list[receiving.ReceiptInput], outstanding: dict[int, int]) -> None:
        """Count a confirmed receipt in the model; ``outstanding``: each PO line's units
        outstanding when it was confirmed (beyond them: an accepted surplus)."""
        left = dict(outstanding)
        for item in inputs:
            self.on_hand[item.product_id] += item.qty
            if item.po_line_id is not None:
                self.po_received[item.po_line_id] += item.qty
                taken = min(item.qty, left[item.po_line_id])
                left[item.po_line_id] -= taken
                self.po_over[item.po_line_id] += item.qty - taken

    def refused_over_receipt(
        self, plan: AllocationPlan, outstanding: dict[int, int], wanted: dict[int, int]
    ) -> None:
        """Confirming ``plan`` without accepting a surplus is refused, naming each PO line
        that wants more than is outstanding now, and writes nothing."""
        before = self.balances()
        with pytest.raises(OverReceipt) as refused, self.db.write() as session:
            receiving.confirm_receipt(session, plan)
        assert refused.value.outstanding == {
            line: left for line, left in outstanding.items() if wanted.get(line, 0) > left
        }
        assert "Nothing was saved" in str(refused.value)
        assert self.balances() == before

    @rule(
        data=st.data(),
        against_po=st.booleans(),
        adjust=st.booleans(),
        what_if=st.sampled_from([None, None, QueuePolicy.FIFO, QueuePolicy.LOYALTY]),
    )
    def receive(
        self,
        data: st.DataObject,
        against_po: bool,
        adjust: bool,
        what_if: QueuePolicy | None,
    ) -> None:
        inputs: list[receiving.ReceiptInput] = []
        po_ref: str | None = None
        outstanding: dict[int, int] = {}
        wanted: dict[int, int] = {}
        if against_po and self.pos:
            po_ref = data.draw(st.sampled_from(self.pos), label="po")
            for line_id, product_id, left in self.outstanding(po_ref):
                # partial, exact, or a surplus; sometimes a line is not delivered at all
                qty = data.draw(st.integers(0, left + 1), label="qty")
                outstanding[line_id] = left
                if qty:
                    inputs.append(receiving.ReceiptInput(product_id, qty, line_id))
                    wanted[line_id] = qty
        else:
            for sku in data.draw(
                st.lists(st.sampled_from(sorted(PRODUCTS)), min_size=1, max_size=2, unique=True),
                label="skus",
            ):
                qty = data.draw(st.integers(1, 4), label="qty")
                inputs.append(receiving.ReceiptInput(self.product_ids[sku], qty))
        if not inputs:
            return
        queues = {item.product_id: self.queue(item.product_id, what_if) for item in inputs}
        with self.db.read() as session:
            plan = receiving.preview_receipt(
                session, inputs, purchase_order_ref=po_ref, policy=what_if
            )
        assert plan.policy is (what_if or self.policy)
        adjustments: dict[int, int] = {}
        if adjust and plan.allocations:
            left = {p.product_id: p.received for p in plan.products}
            for allocation in plan.allocations:
                qty = data.draw(st.integers(0, allocation.waiting), label="adjusted")
                qty = min(qty, left[allocation.product_id])
                left[allocation.product_id] -= qty
                adjustments[allocation.order_line_id] = qty
        surplus = any(qty > outstanding[line] for line, qty in wanted.items())
        if surplus and not data.draw(st.booleans(), label="accept surplus"):
            self.refused_over_receipt(plan, outstanding, wanted)
            return
        with self.db.write() as session:
            result = receiving.confirm_receipt(
                session, plan, adjustments, accept_over_receipt=surplus
            )

        received: dict[int, int] = defaultdict(int)
        for item in inputs:
            received[item.product_id] += item.qty
        self.received(inputs, outstanding)
        given = self.receipt_given(result.receipt_id)
        if adjustments:
            planned = {a.order_line_id: a.qty for a in plan.allocations}
            planned.update(adjustments)
            assert given == {line: q for line, q in planned.items() if q > 0}
        else:
            # Served strictly in queue order: fill each waiting line before the next gets any.
            self.check_served_in_order(queues, received, given)
        assert result.units_to_customers == sum(given.values())
        assert result.units_received == sum(received.values())
        if adjustments:  # units the clerk kept in stock while customers wait: offer them
            self.offer_freed_stock(data, set(received))

    @precondition(lambda self: bool(self.pos))
    @rule(data=st.data(), preview_first=st.booleans(), accept=st.booleans())
    def receive_with_a_stale_outstanding(
        self, data: st.DataObject, preview_first: bool, accept: bool
    ) -> None:
        """A clerk reads what a PO has outstanding; another till receives part of it; the
        clerk confirms what was read (previewed before or after the other receipt). Refused
        as more than is outstanding (before a preview's staleness is even looked at),
        nothing written; accepted as a surplus, it is taken and recorded (unless the
        preview is stale by then)."""
        po_ref = data.draw(st.sampled_from(self.pos), label="po")
        read = {line: (pid, left) for line, pid, left in self.outstanding(po_ref) if left}
        if not read:
            return
        inputs = [receiving.ReceiptInput(pid, left, line) for line, (pid, left) in read.items()]

        def previewed() -> AllocationPlan:
            with self.db.read() as session:
                return receiving.preview_receipt(session, inputs, purchase_order_ref=po_ref)

        plan = previewed() if preview_first else None
        line = data.draw(st.sampled_from(sorted(read)), label="line received meanwhile")
        product_id, left = read[line]
        other = [receiving.ReceiptInput(product_id, data.draw(st.integers(1, left)), line)]
        with self.db.write() as session:
            meanwhile = receiving.preview_receipt(session, other, purchase_order_ref=po_ref)
            receiving.confirm_receipt(session, meanwhile)
        self.received(other, {line: left})
        plan = plan or previewed()
        now = {line_id: left for line_id, _, left in self.outstanding(po_ref)}
        self.refused_over_receipt(plan, now, {item.po_line_id or 0: item.qty for item in inputs})
        if not accept:
            return
        if preview_first:  # the other receipt changed the product's stock since
            with pytest.raises(StalePlan), self.db.write() as session:
                receiving.confirm_receipt(session, plan, accept_over_receipt=True)
            return
        with self.db.write() as session:
            receiving.confirm_receipt(session, plan, accept_over_receipt=True)
        self.received(inputs, now)

    @precondition(lambda self: bool(self.orders))
    @rule(data=st.data())
    def stale_receipt(self, data: st.DataObject) -> None:
        """Preview, let another order for the product slip in, and confirm: refused."""
        sku = data.draw(st.sampled_from(["B1", "B2"]), label="sku")
        product_id = self.product_ids[sku]
        with self.db.read() as session:
            plan = receiving.preview_receipt(
                session, [receiving.ReceiptInput(product_id, data.draw(st.integers(1, 5)))]
            )
        self.place_order("C1", [(sku, 1)], data.draw(st.integers(0, 4)), "Z")
        before = self.balances()
        with pytest.raises(StalePlan), self.db.write() as session:
            receiving.confirm_receipt(session, plan)
        assert self.balances() == before

    @precondition(lambda self: bool(self.orders))
    @rule(data=st.data())
    def ship(self, data: st.DataObject) -> None:
        ref = data.draw(st.sampled_from(self.orders), label="order")
        with self.db.read() as session:
            lines = [
                (line.product_id, line.qty_allocated)
                for line in ordering.get_order(session, ref).lines
            ]
        allocated = sum(qty for _, qty in lines)
        if allocated == 0:
            with pytest.raises(InvalidTransition), self.db.write() as session:
                shipping.ship_order(session, ref)
            return
        with self.db.write() as session:
            result = shipping.ship_order(session, ref)
        assert result.units == allocated
        for product_id, qty in lines:
            self.on_hand[product_id] -= qty

    @precondition(lambda self: bool(self.orders))
    @rule(data=st.data(), whole_order=st.booleans())
    def cancel(self, data: st.DataObject, whole_order: bool) -> None:
        ref = data.draw(st.sampled_from(self.orders), label="order")
        with self.db.read() as session:
            lines = [
                (line.line_no, line.qty_open) for line in ordering.get_order(session, ref).lines
            ]
        line_no = data.draw(st.sampled_from([no for no, _ in lines]), label="line")
        open_units = sum(qty for _, qty in lines) if whole_order else dict(lines)[line_no]
        before = self.balances()
        if open_units == 0:
            with pytest.raises(InvalidTransition), self.db.write() as session:
                if whole_order:
                    cancelling.cancel_order(session, ref)
                else:
                    cancelling.cancel_line(session, ref, line_no)
            return
        with self.db.write() as session:
            if whole_order:
                result = cancelling.cancel_order(session, ref)
            else:
                result = cancelling.cancel_line(session, ref, line_no)
        assert result.units_cancelled == open_units
        after = self.balances()
        # freed units go back to available; on hand does not move; nobody else gets them
        assert {pid: v[0] for pid, v in after.items()} == {pid: v[0] for pid, v in before.items()}
        released: dict[int, int] = defaultdict(int)
        for item in result.released:
            released[item.product_id] += item.qty
        for pid, (_, held) in before.items():
            assert after[pid][1] == held - released[pid]
        self.offer_freed_stock(data, set(released))

    def offer_freed_stock(self, data: st.DataObject, product_ids: set[int]) -> None:
        """What the cancel dialog does next: offer the available units to the queue, then
        confirm (as previewed, or adjusted) or keep them in stock."""
        if not product_ids:
            return
        queues = {pid: self.queue(pid) for pid in product_ids}
        available = {pid: on_hand - held for pid, (on_hand, held) in self.balances().items()}
        with self.db.read() as session:
            plan = freed.preview_freed_stock(session, product_ids)
        offered = {p.product_id: p.received for p in plan.products}
        for pid in product_ids:
            expect = available[pid] if available[pid] > 0 and queues[pid] else 0
            assert offered.get(pid, 0) == expect, "freed units were not all offered"
        choice = data.draw(st.sampled_from(["confirm", "adjust", "confirm", "keep"]), label="freed")
        if choice == "keep" or not plan.allocations:
            return
        adjustments = self.draw_adjustments(data, plan) if choice == "adjust" else {}
        before = self.balances()
        with self.db.write() as session:
            result = freed.confirm_freed_stock(session, plan, adjustments)
        given = self.freed_given(plan)
        assert result.units_to_customers == sum(given.values())
        if not adjustments:
            self.check_served_in_order(queues, offered, given)
        after = self.balances()
        for pid in product_ids:  # on hand unchanged; the units are promised now
            assert after[pid] == (before[pid][0], before[pid][1] + offered_to(given, plan, pid))

    def draw_adjustments(self, data: st.DataObject, plan: AllocationPlan) -> dict[int, int]:
        left = {p.product_id: p.received for p in plan.products}
        adjustments: dict[int, int] = {}
        for allocation in plan.allocations:
            qty = data.draw(st.integers(0, allocation.waiting), label="adjusted")
            qty = min(qty, left[allocation.product_id])
            left[allocation.product_id] -= qty
            adjustments[allocation.order_line_id] = qty
        return adjustments

    def freed_given(self, plan: AllocationPlan) -> dict[int, int]:
        """Units the last freed-stock confirm gave, per line (its events are the newest)."""
        line_ids = [a.order_line_id for a in plan.allocations]
        with self.db.read() as session:
            rows = session.execute(
                select(AllocationEvent.order_line_id, AllocationEvent.qty).where(
                    AllocationEvent.source == "freed",
                    AllocationEvent.order_line_id.in_(line_ids),
                    AllocationEvent.id > self.last_freed_event,
                )
            ).all()
            self.last_freed_event = (
                session.scalar(select(func.max(AllocationEvent.id))) or self.last_freed_event
            )
        given: dict[int, int] = defaultdict(int)
        for line_id, qty in rows:
            given[line_id] += qty
        return dict(given)

    @rule(data=st.data())
    def cancel_a_line_others_wait_for(self, data: st.DataObject) -> None:
        """Cancel a line holding units of a product other customers wait for: the freed
        units are then offered to them (the case freed-stock allocation exists for)."""
        with self.db.read() as session:
            waiting = select(OrderLine.product_id).where(OrderLine.qty_backordered > 0)
            candidates = session.execute(
                select(SalesOrder.ref, OrderLine.line_no)
                .join(SalesOrder, SalesOrder.id == OrderLine.order_id)
                .where(OrderLine.qty_allocated > 0, OrderLine.product_id.in_(waiting))
                .order_by(SalesOrder.ref, OrderLine.line_no)
            ).all()
        if not candidates:
            return
        ref, line_no = data.draw(st.sampled_from(candidates), label="line")
        with self.db.write() as session:
            result = cancelling.cancel_line(session, ref, line_no)
        assert result.released, "a line holding units freed none"
        self.offer_freed_stock(data, {item.product_id for item in result.released})

    @rule(data=st.data(), sku=st.sampled_from(["B1", "B2"]))
    def offer_available_stock(self, data: st.DataObject, sku: str) -> None:
        """The clerk offers a product's available units to its queue (e.g. after a count)."""
        self.offer_freed_stock(data, {self.product_ids[sku]})

    # --- a manager's priority changes ------------------------------------------------------

    @rule(policy=st.sampled_from(list(QueuePolicy)))
    def set_policy(self, policy: QueuePolicy) -> None:
        before = self.balances()
        with self.db.write() as session:
            queue.set_queue_policy(session, policy)
        self.policy = policy
        assert {p: v[:2] for p, v in self.balances().items()} == {
            p: v[:2] for p, v in before.items()
        }

    @precondition(lambda self: bool(self.orders))
    @rule(data=st.data(), action=st.sampled_from(["pin", "unpin", "up", "down"]))
    def reprioritise(self, data: st.DataObject, action: str) -> None:
        """Pin, unpin or move a waiting line; a move the queue refuses changes nothing."""
        line_ids = self.waiting_line_ids()
        if not line_ids:
            return
        line_id = data.draw(st.sampled_from(line_ids), label="line")
        with self.db.read() as session:
            was_pinned = session.get_one(OrderLine, line_id).pinned
        try:
            with self.db.write() as session:
                if action == "pin":
                    queue.pin_line(session, line_id)
                elif action == "unpin":
                    queue.unpin_line(session, line_id)
                else:
                    queue.move_line(session, line_id, "up" if action == "up" else "down")
        except InvalidTransition:
            # Moves can be refused (an end of the queue, across a tier or the pins); a pin
            # only for a line already pinned, an unpin only for a line that is not.
            assert action in ("up", "down") or (action == "pin") == was_pinned, (
                f"a waiting line could not be {action}ned"
            )

    @rule(
        data=st.data(),
        sku=st.sampled_from(sorted(PRODUCTS)),
        change=st.integers(-3, 3).filter(bool),
    )
    def adjust(self, data: st.DataObject, sku: str, change: int) -> None:
        product_id = self.product_ids[sku]
        on_hand, allocated = self.balances()[product_id]
        if on_hand + change < allocated:
            with pytest.raises(NotEnoughStock), self.db.write() as session:
                stock.adjust_stock(session, sku, change, "count")
            return
        with self.db.write() as session:
            stock.adjust_stock(session, sku, change, "count")
        self.on_hand[product_id] += change
        if change > 0:
            self.offer_freed_stock(data, {product_id})

    @rule(sku=st.sampled_from(sorted(PRODUCTS)), removed=st.integers(1, 6))
    def adjust_taking_promised_units_back(self, sku: str, removed: int) -> None:
        """A count finds fewer units than were promised: the clerk takes them back from the
        customers allocated last, who wait again in their own place in the queue."""
        product_id = self.product_ids[sku]
        on_hand, allocated = self.balances()[product_id]
        if on_hand - removed < 0:
            with pytest.raises(NotEnoughStock), self.db.write() as session:
                stock.adjust_stock(session, sku, -removed, "count", take_back_promised=True)
            return
        with self.db.read() as session:
            queued = dict(session.execute(select(OrderLine.id, OrderLine.queued_at)).all())
        with self.db.write() as session:
            result = stock.adjust_stock(session, sku, -removed, "count", take_back_promised=True)
        self.on_hand[product_id] -= removed
        short = max(0, allocated - (on_hand - removed))
        assert result.units_taken_back == short
        assert self.balances()[product_id] == (on_hand - removed, allocated - short)
        with self.db.read() as session:
            assert dict(session.execute(select(OrderLine.id, OrderLine.queued_at)).all()) == (
                queued
            ), "a line taken back lost its place in the queue"
            given_back = dict(
                session.execute(
                    select(AllocationEvent.order_line_id, func.sum(AllocationEvent.qty))
                    .where(AllocationEvent.source == "adjust")
                    .where(AllocationEvent.id > self.last_freed_event)
                    .group_by(AllocationEvent.order_line_id)
                ).all()
            )
            self.last_freed_event = (
                session.scalar(select(func.max(AllocationEvent.id))) or self.last_freed_event
            )
        assert {line_id: -int(qty) for line_id, qty in given_back.items()} == {
            item.order_line_id: item.qty for item in result.taken_back
        }

    # --- invariants ------------------------------------------------------------------------

    @invariant()
    def ledger_is_consistent(self) -> None:
        with self.db.read() as session:
            assert stock.check_ledger(session) == []

    @invariant()
    def on_hand_is_what_the_test_moved(self) -> None:
        for product_id, (on_hand, allocated) in self.balances().items():
            assert on_hand == self.on_hand[product_id]
            assert 0 <= allocated <= on_hand

    @invariant()
    def lines_add_up_and_balances_hold_what_lines_hold(self) -> None:
        held: dict[int, int] = defaultdict(int)
        with self.db.read() as session:
            lines = session.execute(
                select(
                    OrderLine.product_id,
                    OrderLine.qty_ordered,
                    OrderLine.qty_allocated,
                    OrderLine.qty_shipped,
                    OrderLine.qty_cancelled,
                    OrderLine.qty_backordered,
                )
            ).all()
        for product_id, ordered, allocated, shipped, cancelled, backordered in lines:
            assert min(allocated, shipped, cancelled, backordered) >= 0
            assert allocated <= ordered - shipped - cancelled
            assert ordered == allocated + shipped + cancelled + backordered
            held[product_id] += allocated
        for product_id, (_, allocated) in self.balances().items():
            assert allocated == held[product_id]

    @invariant()
    def stored_statuses_follow_the_lines(self) -> None:
        with self.db.read() as session:
            orders = session.scalars(select(SalesOrder)).all()
            for sales_order in orders:
                totals = OrderTotals.of(list(sales_order.lines))
                expected = derive_order_status(totals, ship_complete=sales_order.ships_complete)
                assert sales_order.status == expected, sales_order.ref

    @invariant()
    def no_po_line_holds_more_than_ordered_and_accepted(self) -> None:
        with self.db.read() as session:
            accepted = select(func.coalesce(func.sum(ReceiptLine.qty_over), 0)).where(
                ReceiptLine.purchase_order_line_id == PurchaseOrderLine.id
            )
            for line_id, ordered, received, over in session.execute(
                select(
                    PurchaseOrderLine.id,
                    PurchaseOrderLine.qty_ordered,
                    PurchaseOrderLine.qty_received,
                    accepted.scalar_subquery(),
                )
            ).all():
                assert received <= ordered + over, f"PO line {line_id} received beyond ordered"
                assert over == self.po_over[line_id]

    @invariant()
    def purchase_orders_count_what_arrived(self) -> None:
        with self.db.read() as session:
            for line_id, received in session.execute(
                select(PurchaseOrderLine.id, PurchaseOrderLine.qty_received)
            ).all():
                assert received == self.po_received[line_id]
            for po in session.scalars(select(PurchaseOrder)).all():
                ordered = sum(line.qty_ordered for line in po.lines)
                got = sum(min(line.qty_received, line.qty_ordered) for line in po.lines)
                expected = "received" if got >= ordered else "partially_received" if got else "open"
                assert po.status.value == expected, po.ref


def offered_to(given: dict[int, int], plan: AllocationPlan, product_id: int) -> int:
    """Units of one product a freed-stock confirm gave."""
    lines = {a.order_line_id for a in plan.allocations if a.product_id == product_id}
    return sum(qty for line_id, qty in given.items() if line_id in lines)


def test_random_shop_days_keep_the_ledger_and_the_queue_right_on_sqlite() -> None:
    ShopMachine.make_url = staticmethod(lambda folder: f"sqlite:///{folder}/shop.sqlite3")
    run_state_machine_as_test(
        ShopMachine,
        settings=settings(
            max_examples=40,
            stateful_step_count=25,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
        ),
    )


@pytest.mark.postgres
def test_random_shop_days_keep_the_ledger_and_the_queue_right_on_postgresql(
    postgres_url: str,
) -> None:
    def fresh(_folder: str) -> str:
        reset_postgres(postgres_url)
        return postgres_url

    ShopMachine.make_url = staticmethod(fresh)
    run_state_machine_as_test(
        ShopMachine,
        settings=settings(
            max_examples=8,
            stateful_step_count=20,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
        ),
    )
