"""Receiving stock: preview who gets the arriving units, then confirm it in one transaction.

``preview_receipt`` reads the backorder queue and proposes an :class:`AllocationPlan`
without writing anything. The clerk may adjust it (fewer units to a line, more kept in
stock); ``confirm_receipt`` then applies it, unless a PO line would take more than is still
outstanding on it (:class:`OverReceipt`: another till received it meanwhile, or more arrived
than ordered and the clerk did not accept the surplus) or stock or the queue of a received
product changed since the preview (:class:`StalePlan`); then nothing is written.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import Table, bindparam, insert, select, update
from sqlalchemy.orm import Session

from app.domain import (
    AllocationEvent,
    MovementKind,
    OrderLine,
    OrderStatus,
    Product,
    PurchaseOrder,
    PurchaseOrderLine,
    PurchaseOrderStatus,
    Receipt,
    ReceiptLine,
    StockBalance,
)
from app.domain.allocation import AllocationPlan, PlannedAllocation, ProductPlan, ReceiptInput
from app.domain.base import utcnow
from app.domain.enums import QueuePolicy
from app.domain.errors import (
    InvalidQuantity,
    InvalidTransition,
    OverReceipt,
    PlanRejected,
    StalePlan,
)
from app.domain.permissions import Permission, require
from app.domain.planning import LOOKAHEAD_LINES, QueueSnapshot
from app.domain.quantities import check_quantity
from app.services.audit import record_event, tag_document
from app.services.changes import Area, Changes
from app.services.eta import (
    lock_supplier_history,
    products_on_order_from,
    recompute_etas,
    suppliers_moved_by,
)
from app.services.order_status import refresh_order_statuses
from app.services.queue import get_queue_policy
from app.services.snapshots import read_queues
from app.services.stock import lock_balances, record_movement

__all__ = [
    "LOOKAHEAD_LINES",
    "AllocationPlan",
    "PlannedAllocation",
    "ProductPlan",
    "QueueSnapshot",
    "ReceiptInput",
    "ReceiptResult",
    "confirm_receipt",
    "preview_receipt",
    "received_units",
]


def preview_receipt(
    session: Session,
    receipts: Sequence[ReceiptInput],
    *,
    purchase_order_ref: str | None = None,
    policy: QueuePolicy | None = None,
) -> AllocationPlan:
    """Propose who gets the arriving units: waiting lines in serving order under ``policy``
    (None: the shop's policy), partial fills allowed, the rest to stock. Writes nothing."""
    received = received_units(receipts)
    snapshot = read_queues(session, received)
    if policy is None:
        policy = get_queue_policy(session)
    return snapshot.plan(
        received, policy, receipts=tuple(receipts), purchase_order_ref=purchase_order_ref
    )


def received_units(receipts: Sequence[ReceiptInput]) -> dict[int, int]:
    """Units received per product, each quantity checked."""
    if not receipts:
        raise InvalidQuantity("Nothing was received: enter at least one quantity")
    received: dict[int, int] = defaultdict(int)
    for receipt in receipts:
        check_quantity(receipt.qty, what="Quantity received")
        received[receipt.product_id] += receipt.qty
    return dict(received)


@dataclass(frozen=True, slots=True)
class ReceiptResult:
    receipt_id: int
    units_received: int
    units_to_customers: int
    units_to_stock: int
    orders_ready: tuple[str, ...]
    #: The received products' stock and queues, the orders served, the purchase orders.
    changes: Changes


def confirm_receipt(
    session: Session,
    plan: AllocationPlan,
    adjustments: Mapping[int, int] | None = None,
    *,
    note: str = "",
    accept_over_receipt: bool = False,
) -> ReceiptResult:
    """Apply a previewed plan (with the clerk's adjustments) in the caller's transaction.

    Writes the receipt, one ledger movement per received line, the PO lines' received
    quantities, the allocations and the new order and PO statuses, and recomputes the ETAs
    of the received products and of everything on order from a supplier whose usual delay
    this delivery changes. Writes nothing and raises:

    - :class:`OverReceipt` if a PO line would take more than is still outstanding on it
      (read under the PO lines' locks), unless ``accept_over_receipt``: the clerk accepted,
      for this confirm, that more arrived than ordered; the surplus is then recorded on the
      receipt lines (``ReceiptLine.qty_over``);
    - :class:`StalePlan` if stock or the queue of any received product changed since the
      preview.
    """
    require(session, Permission.RECEIVE_STOCK)
    final = plan.adjusted(adjustments or {})
    # The services' fixed lock order: purchase order rows (the POs, then their lines), then
    # balances in product-id order.
    po_lines = _locked_po_lines(session, plan)
    po = _receivable_po(session, plan, po_lines)
    over = _over_receipt(plan, po_lines, accepted=accept_over_receipt)
    # A receipt against a PO is a new delivery in its supplier's history. If that moves the
    # supplier's likely or late delay, the ETAs of everything still on order from it move
    # (recomputed below), so their balances are locked with the received ones, in one go.
    now = utcnow()
    moved = suppliers_moved_by(session, _deliveries(po_lines, now.date()))
    pegged = products_on_order_from(session, moved)
    balances = locked_unchanged_balances(session, final, also=pegged)
    receipt = Receipt(
        purchase_order_id=po.id if po else None, received_at=now, note=note.strip()[:500]
    )
    session.add(receipt)
    session.flush()
    document = plan.purchase_order_ref or f"RCPT-{receipt.id}"
    # The allocations below are bulk statements: their audit rows name the PO.
    tag_document(session, po_ref=plan.purchase_order_ref)
    po_received: dict[int, int] = defaultdict(int)
    for item, qty_over in zip(plan.receipts, over, strict=True):
        session.add(
            ReceiptLine(
                receipt_id=receipt.id,
                purchase_order_line_id=item.po_line_id,
                product_id=item.product_id,
                qty=item.qty,
                qty_over=qty_over,
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
    apply_allocations(session, given, source="receipt", receipt_id=receipt.id)
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
        # Products on order from a supplier whose usual delay moved: their ETAs move too.
        changes=_receipt_changes(session, plan, given)
        | Changes.of(*([Area.QUEUE] if pegged else []), product_ids=pegged),
    )
    # Queues were served and POs received (maybe short): the received products' ETAs move,
    # and so do those of everything else on order from a supplier whose delay moved.
    recompute_etas(session, set(plan.versions) | pegged)
    record_event(
        session,
        "received",
        f"Received {document}: {final.units_received:,} units, "
        f"{final.units_to_customers:,} to {len({a.order_line_id for a in given}):,} waiting "
        f"lines, {final.units_to_stock:,} to stock",
        entity="receipt",
        entity_id=receipt.id,
        po_ref=plan.purchase_order_ref,
        after={
            "units_received": final.units_received,
            "units_to_customers": final.units_to_customers,
            "units_to_stock": final.units_to_stock,
        },
    )
    return result


def locked_unchanged_balances(
    session: Session, plan: AllocationPlan, *, also: Iterable[int] = ()
) -> dict[int, StockBalance]:
    """Lock the plan's balances (and those of the products ``also``, in the same product-id
    order); raise StalePlan (nothing written yet) if stock or the queue of any of the plan's
    products changed since the preview."""
    balances = lock_balances(session, set(plan.versions).union(also))
    changed = [pid for pid, version in plan.versions.items() if balances[pid].version != version]
    if changed:
        skus = ", ".join(p.sku for p in plan.products if p.product_id in changed)
        raise StalePlan(
            f"Stock or the queue of {skus} changed since the preview (another sale, receipt "
            "or cancellation). Nothing was saved; look at the new preview and confirm again."
        )
    return balances


@dataclass(frozen=True, slots=True)
class _PoLineNow:
    """A PO line a receipt names, as read under its lock at confirm."""

    po_id: int
    ref: str
    status: PurchaseOrderStatus
    supplier_id: int
    expected: date | None  #: the PO's expected date
    line_no: int
    product_id: int
    sku: str
    ordered: int
    received: int

    @property
    def outstanding(self) -> int:
        return max(0, self.ordered - self.received)


def _locked_po_lines(session: Session, plan: AllocationPlan) -> dict[int, _PoLineNow]:
    """Lock the rows of the POs a receipt is against, then of their suppliers, then of the
    PO lines it names (each in id order), and read those lines as committed now.

    The PO rows: another till cannot cancel or re-date one between this receipt's check
    that it is receivable and its commit (a cancel waits for the receipt, then sees what
    arrived). The suppliers (``lock_supplier_history``): another receipt from the same
    supplier reads its history with this delivery in it. The PO lines: a second receipt of
    the same lines waits for this one, then reads what it received (columns, not objects,
    so nothing read before the lock is used).
    """
    line_ids = sorted({item.po_line_id for item in plan.receipts if item.po_line_id is not None})
    lines_pos = set(
        session.scalars(
            select(PurchaseOrderLine.purchase_order_id).where(PurchaseOrderLine.id.in_(line_ids))
        )
    )
    po_ids = set(lines_pos)
    if plan.purchase_order_ref is not None:
        po_ids.update(
            session.scalars(
                select(PurchaseOrder.id).where(PurchaseOrder.ref == plan.purchase_order_ref)
            )
        )
    if po_ids:
        session.execute(
            select(PurchaseOrder.id)
            .where(PurchaseOrder.id.in_(sorted(po_ids)))
            .order_by(PurchaseOrder.id)
            .with_for_update()
        ).all()
    if not line_ids:
        return {}
    # A delivery against PO lines is a new sample of their suppliers' history.
    lock_supplier_history(
        session,
        session.scalars(
            select(PurchaseOrder.supplier_id).where(PurchaseOrder.id.in_(sorted(lines_pos)))
        ),
    )
    rows = session.execute(
        select(
            PurchaseOrderLine.id,
            PurchaseOrderLine.purchase_order_id,
            PurchaseOrder.ref,
            PurchaseOrder.status,
            PurchaseOrder.supplier_id,
            PurchaseOrder.expected_date,
            PurchaseOrderLine.line_no,
            PurchaseOrderLine.product_id,
            Product.sku,
            PurchaseOrderLine.qty_ordered,
            PurchaseOrderLine.qty_received,
        )
        .join(PurchaseOrder, PurchaseOrder.id == PurchaseOrderLine.purchase_order_id)
        .join(Product, Product.id == PurchaseOrderLine.product_id)
        .where(PurchaseOrderLine.id.in_(line_ids))
        .order_by(PurchaseOrderLine.id)
        .with_for_update(of=PurchaseOrderLine)
    )
    return {row[0]: _PoLineNow(*row[1:]) for row in rows}


def _deliveries(lines: Mapping[int, _PoLineNow], today: date) -> dict[int, list[int]]:
    """The delays (days late) a receipt today adds to its suppliers' histories: one per PO
    it is against, as ``eta.supplier_delays`` will read them."""
    expected = {line.po_id: (line.supplier_id, line.expected) for line in lines.values()}
    delays: dict[int, list[int]] = defaultdict(list)
    for supplier_id, due in expected.values():
        if due is not None:
            delays[supplier_id].append((today - due).days)
    return dict(delays)


def _over_receipt(
    plan: AllocationPlan, lines: Mapping[int, _PoLineNow], *, accepted: bool
) -> list[int]:
    """Units of each of the plan's receipt lines beyond what its PO line still has
    outstanding (two lines of one PO line take the outstanding units in turn); raises
    OverReceipt if there are any and they were not accepted for this confirm."""
    left = {line_id: line.outstanding for line_id, line in lines.items()}
    over: list[int] = []
    wanted: dict[int, int] = defaultdict(int)
    for item in plan.receipts:
        if item.po_line_id is None:
            over.append(0)
            continue
        taken = min(item.qty, left[item.po_line_id])
        left[item.po_line_id] -= taken
        over.append(item.qty - taken)
        wanted[item.po_line_id] += item.qty
    if accepted or not any(over):
        return over
    beyond = {
        line_id: line for line_id, line in lines.items() if wanted[line_id] > line.outstanding
    }
    by_po: dict[str, list[str]] = defaultdict(list)
    for line_id, line in sorted(beyond.items(), key=lambda item: (item[1].ref, item[1].line_no)):
        by_po[line.ref].append(
            f"line {line.line_no} {line.sku}: {line.outstanding} outstanding now, this receipt "
            f"says {wanted[line_id]}"
        )
    raise OverReceipt(
        "This receipt takes more than is still outstanding: "
        + "; ".join(f"{ref} {'; '.join(parts)}" for ref, parts in by_po.items())
        + ". Nothing was saved. If another till received it meanwhile, receive only what is "
        "still outstanding; if more arrived than was ordered, accept the extra units as an "
        "over-receipt.",
        outstanding={line_id: line.outstanding for line_id, line in beyond.items()},
    )


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


def _receivable_po(
    session: Session, plan: AllocationPlan, lines: Mapping[int, _PoLineNow]
) -> PurchaseOrder | None:
    """The plan's PO, checked (its row is locked); also checks every PO line the receipt
    names (``lines``, as locked)."""
    line_ids = {item.po_line_id for item in plan.receipts if item.po_line_id is not None}
    if set(lines) != line_ids:
        raise PlanRejected("A received purchase order line no longer exists")
    for item in plan.receipts:
        if item.po_line_id is not None and lines[item.po_line_id].product_id != item.product_id:
            raise PlanRejected("A received product does not match its purchase order line")
    for line in lines.values():
        if line.status in _NOT_RECEIVABLE:
            raise InvalidTransition(f"Purchase order {line.ref} is {line.status.label.lower()}")
    if plan.purchase_order_ref is None:
        return None
    po = session.scalar(
        select(PurchaseOrder)
        .where(PurchaseOrder.ref == plan.purchase_order_ref)
        .execution_options(populate_existing=True)
    )
    if po is None:
        raise PlanRejected(f"Purchase order {plan.purchase_order_ref} no longer exists")
    if po.status in _NOT_RECEIVABLE:
        raise InvalidTransition(f"Purchase order {po.ref} is {po.status.label.lower()}")
    if any(line.po_id != po.id for line in lines.values()):
        raise PlanRejected(f"Received lines do not belong to purchase order {po.ref}")
    return po


_NOT_RECEIVABLE = (PurchaseOrderStatus.CANCELLED, PurchaseOrderStatus.DRAFT)


def apply_allocations(
    session: Session,
    given: Sequence[PlannedAllocation],
    *,
    source: str,
    receipt_id: int | None = None,
) -> None:
    """Bulk-apply allocations (executemany; a flash-sale receipt touches 50k lines), each
    with its allocation event and reason (``source``: "receipt" or "freed")."""
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
                "source": source,
                "reason": a.reason,
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


def _receipt_changes(
    session: Session, plan: AllocationPlan, given: Sequence[PlannedAllocation]
) -> Changes:
    """What a receipt changed: its products' stock and queues, the orders it served and
    the purchase orders it received against."""
    line_ids = {item.po_line_id for item in plan.receipts if item.po_line_id is not None}
    po_refs: set[str] = set()
    if line_ids:
        po_refs.update(
            session.scalars(
                select(PurchaseOrder.ref)
                .join(PurchaseOrderLine, PurchaseOrderLine.purchase_order_id == PurchaseOrder.id)
                .where(PurchaseOrderLine.id.in_(line_ids))
                .distinct()
            )
        )
    if plan.purchase_order_ref is not None:
        po_refs.add(plan.purchase_order_ref)
    return Changes.of(
        Area.STOCK,
        Area.QUEUE,
        Area.ORDERS,
        Area.PURCHASE_ORDERS,
        product_ids=plan.versions,
        order_refs={a.order_ref for a in given},
        purchase_order_refs=po_refs,
    )


def _refresh_order_statuses(session: Session, order_ids: set[int]) -> dict[int, OrderStatus]:
    """Re-derive the status of the orders a receipt touched, in bulk; returns them by id."""
    return refresh_order_statuses(session, order_ids)


def _table(mapped: type[object]) -> Table:
    """The Core table of a mapped class, for bulk executemany statements."""
    table = mapped.__table__  # type: ignore[attr-defined]
    assert isinstance(table, Table)
    return table
