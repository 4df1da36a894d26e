"""Several tills on one database at once: the shop they share, what each till does, and the
checks that must hold when they stop (used by ``test_races.py`` and ``benchmarks/bench_races``).

Modelled on Odoo's ``test_quant_mt.py``: separate processes (spawned, so each has its own
engine, connections and interpreter, like two real tills), each repeatedly placing orders,
receiving (preview, then confirm), shipping, cancelling, adjusting and ordering from the
supplier, on the same three products, so that most transactions collide with another one.
Every outcome a clerk could see is legitimate (a stale preview, "sold from stock only",
"nothing to ship"); an exception that is not a plain-words ``ShopError`` is an anomaly, and so
is any broken invariant found at the end.
"""

from __future__ import annotations

import logging
import random
import time
import traceback
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.db import Database
from app.domain import (
    AllocationEvent,
    BackorderPolicy,
    MovementKind,
    OrderLine,
    PurchaseOrder,
    PurchaseOrderLine,
    Receipt,
    ReceiptLine,
    SalesOrder,
    StockMovement,
)
from app.domain.errors import DatabaseError, ShopError, StalePlan
from app.services import catalog, purchasing, stock
from app.services.cancelling import cancel_line, cancel_order
from app.services.eta import recompute_etas
from app.services.ordering import LineRequest, place_order
from app.services.receiving import ReceiptInput, confirm_receipt, preview_receipt
from app.services.shipping import ship_order

#: The contested products: two sold on backorder, one from stock only.
PRODUCTS = {
    "RACE-A": BackorderPolicy.BACKORDER,
    "RACE-B": BackorderPolicy.BACKORDER,
    "RACE-C": BackorderPolicy.OUT_OF_STOCK,
}
CUSTOMERS = tuple(f"TILL{n}" for n in range(8))
#: Times a till previews again after "stock changed since the preview" before giving up.
PREVIEW_TRIES = 5


def make_race_shop(db: Database) -> None:
    """The shared shop: a supplier, the three products with some stock, eight customers and
    an open purchase order, so receipts against a PO (and its cancellation) are contested."""
    with db.write() as session:
        catalog.create_supplier(session, "RSUP", "Race Supplies")
        for sku, policy in PRODUCTS.items():
            catalog.create_product(
                session, sku, sku.title(), backorder_policy=policy, supplier_code="RSUP"
            )
        for code in CUSTOMERS:
            catalog.create_customer(session, code, code.title())
        for sku in PRODUCTS:
            stock.adjust_stock(session, sku, 10, "opening count")
        purchasing.create_purchase_order(
            session, "RSUP", [LineRequest(sku, 20) for sku in PRODUCTS], ref="PO-RACE"
        )


@dataclass
class TillReport:
    """What one till did: operations that succeeded, refusals a clerk would see (by error
    class), and anomalies (tracebacks of anything that is not a domain error)."""

    till: int
    done: Counter[str] = field(default_factory=Counter)
    refused: Counter[str] = field(default_factory=Counter)
    stale_previews: int = 0
    retries: int = 0  #: transactions ``Database.run`` ran again after meeting another till
    anomalies: list[str] = field(default_factory=list)

    @property
    def operations(self) -> int:
        return sum(self.done.values()) + sum(self.refused.values())


class _Till:
    """One till's random but reproducible day (``seed``) against the shared database."""

    def __init__(self, db: Database, till: int, seed: int) -> None:
        self.db = db
        self.rng = random.Random(seed)
        self.report = TillReport(till)
        self.customer = CUSTOMERS[till % len(CUSTOMERS)]
        with db.read() as session:
            self.product_ids = {
                sku: catalog.find_product(session, sku).id for sku in sorted(PRODUCTS)
            }

    def step(self) -> None:
        actions: list[tuple[Callable[[], str], int]] = [
            (self.place, 30),
            (self.receive, 20),
            (self.ship, 15),
            (self.cancel, 15),
            (self.adjust, 8),
            (self.order_from_supplier, 6),
            (self.cancel_purchase_order, 6),
        ]
        action = self.rng.choices([a for a, _ in actions], [w for _, w in actions])[0]
        try:
            self.report.done[action()] += 1
        except ShopError as error:
            self.report.refused[type(error).__name__] += 1
            if isinstance(error, DatabaseError) and "tried" not in str(error):
                self.report.anomalies.append(f"{action.__name__}: {error}")
        except Exception:
            self.report.anomalies.append(f"{action.__name__}: {traceback.format_exc()}")

    def _recent(self, condition: Any) -> str | None:
        """The ref of one of the 12 newest orders meeting ``condition`` (newest: where the
        other tills are working too)."""
        with self.db.read() as session:
            refs = session.scalars(
                select(SalesOrder.ref)
                .where(SalesOrder.id.in_(select(OrderLine.order_id).where(condition)))
                .order_by(SalesOrder.id.desc())
                .limit(12)
            ).all()
        return self.rng.choice(refs) if refs else None

    def place(self) -> str:
        skus = self.rng.sample(sorted(PRODUCTS), self.rng.randint(1, 2))
        lines = [LineRequest(sku, self.rng.randint(1, 3)) for sku in skus]
        self.db.run(lambda session: place_order(session, self.customer, lines).ref)
        return "place"

    def receive(self) -> str:
        po_ref: str | None = None
        inputs: list[ReceiptInput] = []
        if self.rng.random() < 0.3:
            with self.db.read() as session:
                refs = purchasing.open_purchase_order_refs(session)
                if refs:
                    po_ref = self.rng.choice(refs)
                    po = purchasing.receivable_purchase_order(session, po_ref)
                    due = [line for line in po.lines if line.qty_outstanding > 0] or list(po.lines)
                    line = self.rng.choice(due)
                    qty = max(1, min(line.qty_outstanding, self.rng.randint(1, 4)))
                    inputs = [ReceiptInput(line.product_id, qty, line.po_line_id)]
        if not inputs:
            skus = self.rng.sample(sorted(PRODUCTS), self.rng.randint(1, 2))
            inputs = [ReceiptInput(self.product_ids[s], self.rng.randint(1, 4)) for s in skus]
        for _ in range(PREVIEW_TRIES):
            with self.db.read() as session:
                plan = preview_receipt(session, inputs, purchase_order_ref=po_ref)
            adjustments: dict[int, int] = {}
            given = [a for a in plan.allocations if a.qty > 0]
            if given and self.rng.random() < 0.2:
                adjustments[given[0].order_line_id] = given[0].qty - 1  # keep one in stock
            try:
                self.db.run(partial(confirm_receipt, plan=plan, adjustments=adjustments))
            except StalePlan:
                self.report.stale_previews += 1  # another till was first: look again
                continue
            return "receive"
        raise StalePlan("gave up after re-previewing")

    def ship(self) -> str:
        ref = self._recent(OrderLine.qty_allocated > 0)
        if ref is None:
            return "nothing to ship"
        self.db.run(lambda session: ship_order(session, ref).units)
        return "ship"

    def cancel(self) -> str:
        ref = self._recent(OrderLine.qty_allocated + OrderLine.qty_backordered > 0)
        if ref is None:
            return "nothing to cancel"
        if self.rng.random() < 0.5:
            self.db.run(lambda session: cancel_order(session, ref, "race").units_cancelled)
            return "cancel order"
        line_no = self.rng.randint(1, 2)
        self.db.run(lambda session: cancel_line(session, ref, line_no, "race").units_cancelled)
        return "cancel line"

    def adjust(self) -> str:
        sku = self.rng.choice(sorted(PRODUCTS))
        change = self.rng.choice([-2, -1, 1, 2, 3])
        self.db.run(
            lambda session: stock.adjust_stock(session, sku, change, "race count").qty_change
        )
        return "adjust"

    def order_from_supplier(self) -> str:
        skus = self.rng.sample(sorted(PRODUCTS), self.rng.randint(1, 3))
        lines = [LineRequest(sku, self.rng.randint(3, 8)) for sku in skus]
        self.db.run(lambda session: purchasing.create_purchase_order(session, "RSUP", lines).ref)
        return "order from supplier"

    def cancel_purchase_order(self) -> str:
        with self.db.read() as session:
            refs = purchasing.open_purchase_order_refs(session)
        if not refs:
            return "no purchase order to cancel"
        ref = self.rng.choice(refs[-4:])
        self.db.run(lambda session: purchasing.cancel_purchase_order(session, ref, "race").ref)
        return "cancel purchase order"


class RetryCounter(logging.Handler):
    """Counts the retries ``Database.run`` logs in this process."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        self.count += 1

    @classmethod
    def install(cls) -> RetryCounter:
        counter = cls()
        logger = logging.getLogger("app.db.database")
        logger.addHandler(counter)
        logger.setLevel(logging.INFO)
        return counter


def till_process(
    url: str, till: int, seed: int, operations: int, seconds: float, start: Any, results: Any
) -> None:
    """A till in its own process: open the database, wait for the others at ``start`` (a
    ``multiprocessing.Barrier``), work until ``operations`` are done or ``seconds`` have
    passed, and put its :class:`TillReport` on ``results``."""
    db = Database(url)
    retries = RetryCounter.install()
    try:
        worker = _Till(db, till, seed)
        start.wait(timeout=120)
        deadline = time.monotonic() + seconds
        while worker.report.operations < operations and time.monotonic() < deadline:
            worker.step()
        worker.report.retries = retries.count
        results.put(worker.report)
    except Exception:  # pragma: no cover - reported to the parent as an anomaly
        report = TillReport(till)
        report.anomalies.append(traceback.format_exc())
        results.put(report)
    finally:
        db.dispose()


def shop_anomalies(db: Database) -> list[str]:
    """Every broken invariant of the shared shop (empty: all hold exactly).

    ``stock.check_ledger`` (on hand = sum of the ledger, allocated = sum of the lines'
    allocations, 0 <= allocated <= on hand: no unit allocated twice, every line adds up), and:
    units shipped per product = units the ledger shipped (no unit shipped twice); every
    receipt's ledger movements = its lines; every PO line received = its receipt lines; a
    receipt gave customers no more than it brought; no PO line received more than it ordered
    beyond an accepted over-receipt; every stored order and PO status is the one its lines
    give; and the stored ETAs are current (recomputing all changes nothing).
    """
    with db.read() as session:
        problems = stock.check_ledger(session)
        problems += _shipped_twice(session)
        problems += _receipts_not_whole(session)
        problems += _stale_statuses(session)
        changes = recompute_etas(session)
        if changes.updated or changes.removed:
            problems.append(
                f"stored ETAs were not current: {changes.updated} to update, "
                f"{changes.removed} to remove"
            )
    return problems


def _shipped_twice(session: Session) -> list[str]:
    lines = dict(
        session.execute(
            select(OrderLine.product_id, func.sum(OrderLine.qty_shipped)).group_by(
                OrderLine.product_id
            )
        ).all()
    )
    ledger = dict(
        session.execute(
            select(StockMovement.product_id, -func.sum(StockMovement.qty))
            .where(StockMovement.kind == MovementKind.SHIPMENT)
            .group_by(StockMovement.product_id)
        ).all()
    )
    return [
        f"product {pid}: lines shipped {lines.get(pid) or 0}, ledger shipped {ledger.get(pid) or 0}"
        for pid in set(lines) | set(ledger)
        if (lines.get(pid) or 0) != (ledger.get(pid) or 0)
    ]


def _receipts_not_whole(session: Session) -> list[str]:
    problems: list[str] = []
    received = {
        (rid, pid): qty
        for rid, pid, qty in session.execute(
            select(
                ReceiptLine.receipt_id, ReceiptLine.product_id, func.sum(ReceiptLine.qty)
            ).group_by(ReceiptLine.receipt_id, ReceiptLine.product_id)
        )
    }
    moved = {
        (rid, pid): qty
        for rid, pid, qty in session.execute(
            select(StockMovement.receipt_id, StockMovement.product_id, func.sum(StockMovement.qty))
            .where(StockMovement.receipt_id.is_not(None))
            .group_by(StockMovement.receipt_id, StockMovement.product_id)
        )
    }
    # An undone receipt's units left the ledger again: its movements add up to nothing.
    undone = set(session.scalars(select(Receipt.id).where(Receipt.undone_at.is_not(None))))
    standing = {key: 0 if key[0] in undone else qty for key, qty in received.items()}
    if standing != moved:
        problems.append(f"receipt lines {standing} differ from their ledger movements {moved}")
    given = session.execute(
        select(
            AllocationEvent.receipt_id, AllocationEvent.product_id, func.sum(AllocationEvent.qty)
        )
        .where(AllocationEvent.receipt_id.is_not(None))
        .group_by(AllocationEvent.receipt_id, AllocationEvent.product_id)
    )
    for rid, pid, qty in given:
        # An undone receipt took back what its lines still held (units cancelled since
        # came out of stock instead): what it gave may net to anything down to nothing.
        least = 0 if rid in undone else 1
        if not least <= qty <= received.get((rid, pid), 0):
            problems.append(f"receipt {rid} gave {qty} of product {pid}, more than it brought")
    empty = session.scalar(
        select(func.count())
        .select_from(Receipt)
        .where(~Receipt.id.in_(select(ReceiptLine.receipt_id)))
    )
    if empty:
        problems.append(f"{empty} receipts without lines")
    of_line = (
        ReceiptLine.purchase_order_line_id == PurchaseOrderLine.id
    ) & ReceiptLine.receipt_id.not_in(select(Receipt.id).where(Receipt.undone_at.is_not(None)))
    po_lines = session.execute(
        select(
            PurchaseOrderLine.id,
            PurchaseOrderLine.qty_ordered,
            PurchaseOrderLine.qty_received,
            select(func.coalesce(func.sum(ReceiptLine.qty), 0)).where(of_line).scalar_subquery(),
            select(func.coalesce(func.sum(ReceiptLine.qty_over), 0))
            .where(of_line)
            .scalar_subquery(),
        )
    )
    for line_id, ordered, recorded, counted, accepted in po_lines:
        if recorded != counted:
            problems.append(f"PO line {line_id}: received {recorded}, receipts hold {counted}")
        if recorded > ordered + accepted:
            problems.append(
                f"PO line {line_id}: received {recorded} of {ordered}, {accepted} accepted"
            )
    return problems


def _stale_statuses(session: Session) -> list[str]:
    problems: list[str] = []
    for order in session.scalars(select(SalesOrder)):
        stored = order.status
        if order.refresh_status() != stored:
            problems.append(f"order {order.ref}: status {stored}, lines say {order.status}")
    for po in session.scalars(select(PurchaseOrder)):
        stored_po = po.status
        if po.refresh_status() != stored_po:
            problems.append(f"{po.ref}: status {stored_po}, lines say {po.status}")
    session.rollback()
    return problems
