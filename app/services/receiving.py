"""Receiving stock: preview who gets the arriving units, then confirm it in one transaction.

``preview_receipt`` reads the backorder queue and proposes an :class:`AllocationPlan`
without writing anything. The clerk may adjust it (fewer units to a line, more kept in
stock); ``confirm_receipt`` then applies it, unless stock or the queue of a received product
changed since the preview, in which case it raises :class:`StalePlan` and nothing is written.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, Table, bindparam, func, insert, select, update
from sqlalchemy.orm import Session

from app.domain import (
    AllocationEvent,
    Customer,
    MovementKind,
    OrderLine,
    OrderStatus,
    Product,
    PurchaseOrder,
    PurchaseOrderLine,
    PurchaseOrderStatus,
    Receipt,
    ReceiptLine,
    SalesOrder,
    StockBalance,
)
from app.domain.allocation import (
    AllocationPlan,
    PlannedAllocation,
    ProductPlan,
    ReceiptInput,
)
from app.domain.base import utcnow
from app.domain.errors import InvalidQuantity, InvalidTransition, PlanRejected, StalePlan
from app.domain.orders import OrderTotals, derive_order_status
from app.domain.quantities import check_quantity
from app.domain.queue import serving_order
from app.services.catalog import default_location_id
from app.services.eta import recompute_etas
from app.services.stock import lock_balances, record_movement

__all__ = [
    "LOOKAHEAD_LINES",
    "AllocationPlan",
    "PlannedAllocation",
    "ProductPlan",
    "ReceiptInput",
    "ReceiptResult",
    "confirm_receipt",
    "preview_receipt",
]

#: Waiting lines shown after the last one a receipt fills, so a clerk can redirect units.
LOOKAHEAD_LINES = 3


def preview_receipt(
    session: Session,
    receipts: Sequence[ReceiptInput],
    *,
    purchase_order_ref: str | None = None,
) -> AllocationPlan:
    """Propose who gets the arriving units: waiting lines in serving order, partial fills
    allowed, the rest to stock. Writes nothing."""
    if not receipts:
        raise InvalidQuantity("Nothing was received: enter at least one quantity")
    received: dict[int, int] = defaultdict(int)
    for receipt in receipts:
        check_quantity(receipt.qty, what="Quantity received")
        received[receipt.product_id] += receipt.qty
    connection = session.connection()
    products = {
        product_id: (sku, name)
        for product_id, sku, name in connection.execute(
            select(Product.id, Product.sku, Product.name).where(Product.id.in_(list(received)))
        )
    }
    if len(products) != len(received):
        raise PlanRejected("A received product no longer exists")
    versions = _balance_versions(session, received)
    filled: list[tuple[int, str, list[_QueueFill]]] = []
    product_plans: list[ProductPlan] = []
    for product_id in sorted(received, key=lambda pid: products[pid][0]):
        sku, name = products[product_id]
        lines = _fill_queue(connection, product_id, received[product_id])
        filled.append((product_id, sku, lines))
        product_plans.append(
            ProductPlan(product_id, sku, name, received[product_id], sum(f[7] for f in lines))
        )
    given: dict[int, int] = defaultdict(int)
    for _, _, lines in filled:
        for fill in lines:
            given[fill[1]] += fill[7]
    order_waiting = _waiting_per_order(connection, set(given))
    complete = {oid for oid, units in given.items() if units >= order_waiting.get(oid, 0)}
    allocations = tuple(
        PlannedAllocation(
            line_id,
            order_id,
            ref,
            line_no,
            customer,
            product_id,
            sku,
            queued_at,
            waiting,
            give,
            order_id in complete,
        )
        for product_id, sku, lines in filled
        for line_id, order_id, ref, line_no, customer, queued_at, waiting, give in lines
    )
    return AllocationPlan(
        purchase_order_ref=purchase_order_ref,
        receipts=tuple(receipts),
        products=tuple(product_plans),
        allocations=allocations,
        versions=versions,
        order_waiting=order_waiting,
    )


def _balance_versions(session: Session, product_ids: Iterable[int]) -> dict[int, int]:
    """Current balance versions (without locking: a preview must not block other tills)."""
    location_id = default_location_id(session)
    ids = list(product_ids)
    versions = {pid: 0 for pid in ids}
    for start in range(0, len(ids), 500):
        rows = session.execute(
            select(StockBalance.product_id, StockBalance.version).where(
                StockBalance.location_id == location_id,
                StockBalance.product_id.in_(ids[start : start + 500]),
            )
        )
        versions.update(dict(rows.all()))
    return versions


#: (line id, order id, order ref, line no, customer, queued at, waiting, units given)
_QueueFill = tuple[int, int, str, int, str, datetime, int, int]


def _fill_queue(connection: Connection, product_id: int, qty: int) -> list[_QueueFill]:
    """Give ``qty`` units to the product's waiting lines in serving order (plus a few
    lookahead lines that get nothing, so the clerk can redirect units to them)."""
    stmt = (
        select(
            OrderLine.id,
            OrderLine.order_id,
            SalesOrder.ref,
            OrderLine.line_no,
            Customer.name,
            OrderLine.queued_at,
            OrderLine.qty_backordered,
        )
        .join(SalesOrder, SalesOrder.id == OrderLine.order_id)
        .join(Customer, Customer.id == SalesOrder.customer_id)
        .where(OrderLine.product_id == product_id, OrderLine.qty_backordered > 0)
        .order_by(*serving_order())
    )
    result: list[_QueueFill] = []
    remaining = qty
    lookahead = LOOKAHEAD_LINES
    rows = connection.execute(stmt)
    for line_id, order_id, ref, line_no, customer, queued_at, waiting in rows:
        give = remaining if remaining < waiting else waiting
        if give == 0:
            if lookahead == 0:
                break
            lookahead -= 1
        remaining -= give
        result.append((line_id, order_id, ref, line_no, customer, queued_at, waiting, give))
    rows.close()  # stop reading the rest of a long queue
    return result


def _waiting_per_order(connection: Connection, order_ids: set[int]) -> dict[int, int]:
    """Units waiting on each order, over all its lines (to tell which orders complete)."""
    ids = sorted(order_ids)
    waiting: dict[int, int] = {}
    for start in range(0, len(ids), 2000):
        rows = connection.execute(
            select(OrderLine.order_id, func.sum(OrderLine.qty_backordered))
            .where(OrderLine.order_id.in_(ids[start : start + 2000]))
            .group_by(OrderLine.order_id)
        )
        waiting.update({order_id: int(total or 0) for order_id, total in rows})
    return waiting


@dataclass(frozen=True, slots=True)
class ReceiptResult:
    receipt_id: int
    units_received: int
    units_to_customers: int
    units_to_stock: int
    orders_ready: tuple[str, ...]


def confirm_receipt(
    session: Session,
    plan: AllocationPlan,
    adjustments: Mapping[int, int] | None = None,
    *,
    note: str = "",
) -> ReceiptResult:
    """Apply a previewed plan (with the clerk's adjustments) in the caller's transaction.

    Writes the receipt, one ledger movement per received line, the PO lines' received
    quantities, the allocations and the new order and PO statuses. Raises StalePlan, and
    writes nothing, if stock or the queue of any received product changed since the preview.
    """
    final = plan.adjusted(adjustments or {})
    balances = lock_balances(session, plan.versions)
    changed = [pid for pid, version in plan.versions.items() if balances[pid].version != version]
    if changed:
        skus = ", ".join(p.sku for p in final.products if p.product_id in changed)
        raise StalePlan(
            f"Stock or the queue of {skus} changed since the preview (another sale, receipt "
            "or cancellation). Nothing was saved; look at the new preview and confirm again."
        )
    po = _receivable_po(session, plan)
    receipt = Receipt(purchase_order_id=po.id if po else None, note=note.strip()[:500])
    session.add(receipt)
    session.flush()
    document = plan.purchase_order_ref or f"RCPT-{receipt.id}"
    po_received: dict[int, int] = defaultdict(int)
    for item in plan.receipts:
        session.add(
            ReceiptLine(
                receipt_id=receipt.id,
                purchase_order_line_id=item.po_line_id,
                product_id=item.product_id,
                qty=item.qty,
            )
        )
        record_movement(
            session,
            balances[item.product_id],
            item.qty,
            MovementKind.RECEIPT,
            document=document,
            receipt_id=receipt.id,
        )
        if item.po_line_id is not None:
            po_received[item.po_line_id] += item.qty
    for product in final.products:
        balances[product.product_id].allocated += product.to_customers
    given = [a for a in final.allocations if a.qty > 0]
    _apply_allocations(session, given, receipt.id)
    _apply_po_received(session, po_received)
    session.flush()
    statuses = _refresh_order_statuses(session, {a.order_id for a in given})
    for touched in _pos_of_lines(session, po, po_received):
        session.refresh(touched)
        touched.refresh_status()
    session.flush()
    # Orders this receipt made ready, read from what was written (another product's receipt
    # since the preview may have completed an order the plan thought still waiting).
    ready: dict[str, None] = {}
    for allocation in given:
        if statuses.get(allocation.order_id) == OrderStatus.READY_TO_SHIP:
            ready.setdefault(allocation.order_ref, None)
    result = ReceiptResult(
        receipt_id=receipt.id,
        units_received=final.units_received,
        units_to_customers=final.units_to_customers,
        units_to_stock=final.units_to_stock,
        orders_ready=tuple(ready),
    )
    # Queues were served and POs received (maybe short): the received products' ETAs move.
    recompute_etas(session, plan.versions)
    return result


def _pos_of_lines(
    session: Session, po: PurchaseOrder | None, po_lines: Mapping[int, int]
) -> list[PurchaseOrder]:
    """The purchase orders whose status a receipt may have changed."""
    ids = set(
        session.scalars(
            select(PurchaseOrderLine.purchase_order_id).where(
                PurchaseOrderLine.id.in_(list(po_lines))
            )
        )
    )
    if po is not None:
        ids.add(po.id)
    return [session.get_one(PurchaseOrder, po_id) for po_id in sorted(ids)]


def _receivable_po(session: Session, plan: AllocationPlan) -> PurchaseOrder | None:
    """The plan's PO, checked; also checks every PO line the receipt names."""
    line_ids = {item.po_line_id for item in plan.receipts if item.po_line_id is not None}
    lines = {
        line_id: (po_id, product_id, status, ref)
        for line_id, po_id, product_id, status, ref in session.execute(
            select(
                PurchaseOrderLine.id,
                PurchaseOrderLine.purchase_order_id,
                PurchaseOrderLine.product_id,
                PurchaseOrder.status,
                PurchaseOrder.ref,
            )
            .join(PurchaseOrder, PurchaseOrder.id == PurchaseOrderLine.purchase_order_id)
            .where(PurchaseOrderLine.id.in_(list(line_ids)))
        )
    }
    if set(lines) != line_ids:
        raise PlanRejected("A received purchase order line no longer exists")
    for item in plan.receipts:
        if item.po_line_id is not None and lines[item.po_line_id][1] != item.product_id:
            raise PlanRejected("A received product does not match its purchase order line")
    for _, _, status, ref in lines.values():
        if status in _NOT_RECEIVABLE:
            raise InvalidTransition(f"Purchase order {ref} is {status.label.lower()}")
    if plan.purchase_order_ref is None:
        return None
    po = session.scalar(select(PurchaseOrder).where(PurchaseOrder.ref == plan.purchase_order_ref))
    if po is None:
        raise PlanRejected(f"Purchase order {plan.purchase_order_ref} no longer exists")
    if po.status in _NOT_RECEIVABLE:
        raise InvalidTransition(f"Purchase order {po.ref} is {po.status.label.lower()}")
    if any(line[0] != po.id for line in lines.values()):
        raise PlanRejected(f"Received lines do not belong to purchase order {po.ref}")
    return po


_NOT_RECEIVABLE = (PurchaseOrderStatus.CANCELLED, PurchaseOrderStatus.DRAFT)


def _apply_allocations(
    session: Session, given: Sequence[PlannedAllocation], receipt_id: int
) -> None:
    """Bulk-apply allocations (executemany; a flash-sale receipt touches 50k lines)."""
    if not given:
        return
    table = _table(OrderLine)
    now = utcnow()
    session.execute(
        update(table)
        .where(table.c.id == bindparam("line_id"))
        .values(
            qty_allocated=table.c.qty_allocated + bindparam("q"),
            qty_backordered=table.c.qty_backordered - bindparam("q"),
        ),
        [{"line_id": a.order_line_id, "q": a.qty} for a in given],
    )
    session.execute(
        insert(_table(AllocationEvent)),
        [
            {
                "order_line_id": a.order_line_id,
                "product_id": a.product_id,
                "qty": a.qty,
                "source": "receipt",
                "receipt_id": receipt_id,
                "created_at": now,
            }
            for a in given
        ],
    )


def _apply_po_received(session: Session, received: Mapping[int, int]) -> None:
    if not received:
        return
    table = _table(PurchaseOrderLine)
    session.execute(
        update(table)
        .where(table.c.id == bindparam("po_line_id"))
        .values(qty_received=table.c.qty_received + bindparam("q")),
        [{"po_line_id": line_id, "q": qty} for line_id, qty in received.items()],
    )


def _refresh_order_statuses(session: Session, order_ids: set[int]) -> dict[int, OrderStatus]:
    """Re-derive the status of the orders a receipt touched, in bulk; returns them by id."""
    ids = sorted(order_ids)
    updates: list[dict[str, object]] = []
    statuses: dict[int, OrderStatus] = {}
    for start in range(0, len(ids), 2000):
        rows = session.execute(
            select(
                OrderLine.order_id,
                func.sum(OrderLine.qty_ordered),
                func.sum(OrderLine.qty_cancelled),
                func.sum(OrderLine.qty_shipped),
                func.sum(OrderLine.qty_allocated),
                func.sum(OrderLine.qty_backordered),
            )
            .where(OrderLine.order_id.in_(ids[start : start + 2000]))
            .group_by(OrderLine.order_id)
        )
        for order_id, *totals in rows:
            status = derive_order_status(OrderTotals(*(int(t or 0) for t in totals)))
            updates.append({"order_id": order_id, "status": status})
            statuses[order_id] = status
    if updates:
        table = _table(SalesOrder)
        session.execute(
            update(table)
            .where(table.c.id == bindparam("order_id"))
            .values(status=bindparam("status")),
            updates,
        )
    session.expire_all()
    return statuses


def _table(mapped: type[object]) -> Table:
    """The Core table of a mapped class, for bulk executemany statements."""
    table = mapped.__table__  # type: ignore[attr-defined]
    assert isinstance(table, Table)
    return table
