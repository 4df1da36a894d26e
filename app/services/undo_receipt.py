"""Undoing a confirmed receipt: a manager previews what would go back, then undoes it.

A receipt entered against the wrong purchase order, or counted twice, is undone rather than
corrected by hand: its units leave the ledger again (a ``receipt_undone`` movement; the
receipt's own movement stays), the units it promised to customers are taken back from the
lines it gave them to, last served first, and those lines wait again in their own places in
the queue (taking units back changes neither a line's queue time, its pin nor its nudge), the
purchase order lines get back what the receipt took off what was outstanding, and the
receipt is marked undone (kept, never deleted).

It is refused when that cannot be done honestly: the receipt was already undone, units it
promised have shipped since, or units it put in stock are no longer there to take out (sold
from stock, adjusted, or promised to someone since). ``preview_undo_receipt`` says all this
without writing; ``undo_receipt`` reads it again under the locks and refuses a preview that
went stale, the way a receipt's confirm does.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, func, insert, select, update
from sqlalchemy.orm import Session

from app.domain import (
    AllocationEvent,
    Customer,
    MovementKind,
    OrderLine,
    Product,
    PurchaseOrder,
    PurchaseOrderLine,
    Receipt,
    ReceiptLine,
    SalesOrder,
    StockBalance,
    StockMovement,
    Supplier,
)
from app.domain.base import utcnow
from app.domain.enums import PurchaseOrderStatus
from app.domain.errors import CannotUndoReceipt, InvalidInput, NotFound, StalePlan
from app.domain.permissions import Permission, require
from app.domain.purchasing import derive_po_status
from app.services.audit import record_event, tag_document
from app.services.catalog import default_location_id
from app.services.changes import Area, Changes
from app.services.eta import lock_supplier_history, products_on_order_from, recompute_etas
from app.services.importing.bulk import table_of
from app.services.order_status import refresh_order_statuses
from app.services.stock import lock_balances, record_movement

__all__ = [
    "LostUnits",
    "PoLineRestored",
    "RecentReceipt",
    "StockOut",
    "UndoPreview",
    "UndoToken",
    "UndoneReceipt",
    "find_receipt_id",
    "preview_undo_receipt",
    "recent_receipts",
    "undo_receipt",
]

#: The allocation event source of units an undone receipt took back.
UNDO_SOURCE = "undo"


@dataclass(frozen=True, slots=True)
class StockOut:
    """What one product's stock loses."""

    product_id: int
    sku: str
    received: int  #: units the receipt brought, all leaving the ledger
    from_customers: int  #: of them, units taken back from order lines
    from_stock: int  #: of them, units that must still be in stock unpromised
    on_hand: int  #: on hand now
    available: int  #: on hand and promised to nobody, now


@dataclass(frozen=True, slots=True)
class LostUnits:
    """Units one order line loses: it waits for them again, in its own place."""

    order_line_id: int
    order_ref: str
    line_no: int
    customer: str
    sku: str
    qty: int


@dataclass(frozen=True, slots=True)
class PoLineRestored:
    """A purchase order line whose received units go back down (outstanding again)."""

    po_ref: str
    line_no: int
    sku: str
    ordered: int
    received_now: int
    received_after: int


@dataclass(frozen=True, slots=True)
class UndoToken:
    """What an undo checks is still true: the receipt, and the balance version (stock and
    queue) of each of its products when the preview read them."""

    receipt_id: int
    versions: tuple[tuple[int, int], ...]


@dataclass(frozen=True, slots=True)
class UndoPreview:
    receipt_id: int
    label: str  #: RCPT-n
    received_at: datetime
    po_ref: str | None
    note: str
    stock: tuple[StockOut, ...]
    #: Last served first: the order the units are taken back in.
    customers: tuple[LostUnits, ...]
    po_lines: tuple[PoLineRestored, ...]
    #: The purchase order's status now and after the undo (None: no purchase order).
    po_status: tuple[PurchaseOrderStatus, PurchaseOrderStatus] | None
    #: Why the receipt cannot be undone, in plain words (empty: it can).
    refusals: tuple[str, ...]
    token: UndoToken

    @property
    def can_undo(self) -> bool:
        return not self.refusals

    @property
    def units_out(self) -> int:
        return sum(item.received for item in self.stock)


@dataclass(frozen=True, slots=True)
class UndoneReceipt:
    receipt_id: int
    label: str
    units_out: int
    units_taken_back: int
    orders_affected: tuple[str, ...]
    #: The receipt's products (stock, queue, ETAs), the orders that lost units, the PO.
    changes: Changes


@dataclass(frozen=True, slots=True)
class RecentReceipt:
    """A receipt as the Undo dialog lists it (recent first)."""

    receipt_id: int
    label: str
    received_at: datetime
    po_ref: str | None
    units: int
    undone_at: datetime | None
    #: Whose delivery it was (empty for a scanned delivery without a purchase order).
    supplier: str = ""


def find_receipt_id(session: Session, receipt: int | str) -> int:
    """The id of a receipt named by its id, "RCPT-n" or "n"; NotFound otherwise."""
    text = str(receipt).strip()
    number = text[5:] if text.upper().startswith("RCPT-") else text
    receipt_id = int(number) if number.isdigit() else None
    if receipt_id is None or session.get(Receipt, receipt_id) is None:
        raise NotFound(f"There is no receipt {text} (name it RCPT- and its number)")
    return receipt_id


def recent_receipts(session: Session, limit: int = 200) -> list[RecentReceipt]:
    """The latest receipts, newest first, with their purchase order and units."""
    rows = session.execute(
        select(
            Receipt.id,
            Receipt.received_at,
            PurchaseOrder.ref,
            func.coalesce(func.sum(ReceiptLine.qty), 0),
            Receipt.undone_at,
            Supplier.name,
        )
        .outerjoin(PurchaseOrder, PurchaseOrder.id == Receipt.purchase_order_id)
        .outerjoin(Supplier, Supplier.id == PurchaseOrder.supplier_id)
        .outerjoin(ReceiptLine, ReceiptLine.receipt_id == Receipt.id)
        .group_by(
            Receipt.id, Receipt.received_at, PurchaseOrder.ref, Receipt.undone_at, Supplier.name
        )
        .order_by(Receipt.received_at.desc(), Receipt.id.desc())
        .limit(limit)
    )
    return [
        RecentReceipt(rid, f"RCPT-{rid}", at, ref, int(units), undone, supplier or "")
        for rid, at, ref, units, undone, supplier in rows
    ]


def preview_undo_receipt(session: Session, receipt: int | str) -> UndoPreview:
    """What undoing the receipt would do, or why it cannot be undone. Writes nothing."""
    return _read(session, find_receipt_id(session, receipt), locked=False)


def undo_receipt(session: Session, token: UndoToken, reason: str) -> UndoneReceipt:
    """Undo the previewed receipt in the caller's transaction, as one change.

    Reads everything again under the locks (receipt, purchase order rows, suppliers, PO
    lines, balances in product-id order, then the orders) and raises, writing nothing:
    :class:`StalePlan` if stock or a queue of its products changed since the preview,
    :class:`CannotUndoReceipt` if it cannot be undone (already undone, shipped, stock gone).
    """
    actor = require(session, Permission.UNDO_RECEIPT)
    reason = reason.strip()
    if not reason:
        raise InvalidInput("Say why the receipt is undone (the reason is kept with it)")
    pegged = _lock(session, token.receipt_id)
    balances = lock_balances(session, {pid for pid, _ in token.versions} | pegged)
    fresh = _read(session, token.receipt_id, locked=True)
    if fresh.refusals:
        raise CannotUndoReceipt(" ".join(fresh.refusals))
    if fresh.token != token:
        raise StalePlan(
            f"Stock or the queue of {', '.join(s.sku for s in fresh.stock)} changed since the "
            "preview (another sale, receipt, shipment or cancellation). Nothing was undone; "
            "look at the new preview and undo again."
        )
    document = fresh.po_ref or fresh.label
    tag_document(session, po_ref=fresh.po_ref)  # the audit rows of the statements below
    # Units taken back from the lines, last served first, each with its release event.
    now = utcnow()
    product_of = {item.sku: item.product_id for item in fresh.stock}
    by_product: dict[int, int] = defaultdict(int)
    for lost in fresh.customers:
        by_product[product_of[lost.sku]] += lost.qty
    if fresh.customers:
        lines = table_of(OrderLine)
        session.execute(
            update(lines)
            .where(lines.c.id == bindparam("line_id"))
            .values(
                qty_allocated=lines.c.qty_allocated - bindparam("q"),
                qty_backordered=lines.c.qty_backordered + bindparam("q"),
            ),
            [{"line_id": lost.order_line_id, "q": lost.qty} for lost in fresh.customers],
        )
        session.execute(
            insert(table_of(AllocationEvent)),
            [
                {
                    "order_line_id": lost.order_line_id,
                    "product_id": product_of[lost.sku],
                    "qty": -lost.qty,
                    "source": UNDO_SOURCE,
                    "reason": reason[:200],
                    "receipt_id": token.receipt_id,
                    "created_at": now,
                }
                for lost in fresh.customers
            ],
        )
    for item in fresh.stock:
        balance = balances[item.product_id]
        balance.allocated -= by_product[item.product_id]
        record_movement(
            session,
            balance,
            -item.received,
            MovementKind.RECEIPT_UNDONE,
            reason=reason[:200],
            document=document,
            receipt_id=token.receipt_id,
        )
    for line_id, qty in _po_line_units(session, token.receipt_id).items():
        session.execute(
            update(PurchaseOrderLine)
            .where(PurchaseOrderLine.id == line_id)
            .values(qty_received=PurchaseOrderLine.qty_received - qty)
        )
    receipt = session.get_one(Receipt, token.receipt_id)
    receipt.undone_at = now
    receipt.undone_reason = reason[:500]
    receipt.undone_by = actor.name[:100]
    session.flush()
    order_ids = set(
        session.scalars(
            select(OrderLine.order_id).where(
                OrderLine.id.in_([lost.order_line_id for lost in fresh.customers])
            )
        )
    )
    refresh_order_statuses(session, order_ids)
    for po_id in _po_ids(session, token.receipt_id):
        po = session.get_one(PurchaseOrder, po_id)
        session.refresh(po)
        po.refresh_status()
    session.flush()
    products = {item.product_id for item in fresh.stock}
    recompute_etas(session, products | pegged)
    orders = tuple(dict.fromkeys(lost.order_ref for lost in fresh.customers))
    _record_undo(session, fresh, reason)
    return UndoneReceipt(
        receipt_id=fresh.receipt_id,
        label=fresh.label,
        units_out=fresh.units_out,
        units_taken_back=sum(lost.qty for lost in fresh.customers),
        orders_affected=orders,
        changes=Changes.of(
            Area.STOCK,
            Area.QUEUE,
            Area.ORDERS,
            Area.PURCHASE_ORDERS,
            product_ids=products | pegged,
            order_refs=orders,
            purchase_order_refs={line.po_ref for line in fresh.po_lines}
            | ({fresh.po_ref} if fresh.po_ref else set()),
        ),
    )


def _record_undo(session: Session, undone: UndoPreview, reason: str) -> None:
    """The audit trail's account of the undo: one entry for the receipt (its PO's history)
    and one for each order that gave units back (that order's history)."""
    where = f"{undone.label} ({undone.po_ref})" if undone.po_ref else undone.label
    record_event(
        session,
        "undid a receipt",
        f"Undid {where}: {undone.units_out:,} units out of stock; {reason}",
        entity="receipt",
        entity_id=undone.receipt_id,
        po_ref=undone.po_ref,
        after={"units_out": undone.units_out, "reason": reason},
    )
    taken: dict[str, int] = defaultdict(int)
    for lost in undone.customers:
        taken[lost.order_ref] += lost.qty
    for order_ref, qty in taken.items():
        record_event(
            session,
            "undid a receipt",
            f"{qty:,} units taken back from {order_ref}: {where} was undone",
            entity="receipt",
            entity_id=undone.receipt_id,
            order_ref=order_ref,
            after={"taken_back": qty},
        )


def _lock(session: Session, receipt_id: int) -> set[int]:
    """Take the locks an undo needs before its balances, in the services' fixed order: the
    receipt (two managers undoing it at once: the second sees it undone), the purchase
    orders it was against, their suppliers (their delivery history loses this one), the PO
    lines. Returns the products on order from those suppliers: their ETAs may move."""
    session.execute(select(Receipt.id).where(Receipt.id == receipt_id).with_for_update()).all()
    line_ids = sorted(_po_line_units(session, receipt_id))
    po_ids = _po_ids(session, receipt_id)
    if not po_ids:
        return set()
    session.execute(
        select(PurchaseOrder.id)
        .where(PurchaseOrder.id.in_(po_ids))
        .order_by(PurchaseOrder.id)
        .with_for_update()
    ).all()
    suppliers = set(
        session.scalars(select(PurchaseOrder.supplier_id).where(PurchaseOrder.id.in_(po_ids)))
    )
    lock_supplier_history(session, suppliers)
    session.execute(
        select(PurchaseOrderLine.id)
        .where(PurchaseOrderLine.id.in_(line_ids))
        .order_by(PurchaseOrderLine.id)
        .with_for_update()
    ).all()
    return products_on_order_from(session, suppliers)


def _po_line_units(session: Session, receipt_id: int) -> dict[int, int]:
    """Units the receipt added to each PO line's received quantity."""
    units: dict[int, int] = defaultdict(int)
    for line_id, qty in session.execute(
        select(ReceiptLine.purchase_order_line_id, ReceiptLine.qty).where(
            ReceiptLine.receipt_id == receipt_id, ReceiptLine.purchase_order_line_id.is_not(None)
        )
    ):
        if line_id is not None:
            units[line_id] += qty
    return dict(units)


def _po_ids(session: Session, receipt_id: int) -> list[int]:
    """The purchase orders the receipt was against (its own and its lines'), in id order."""
    ids = set(
        session.scalars(
            select(PurchaseOrderLine.purchase_order_id).where(
                PurchaseOrderLine.id.in_(list(_po_line_units(session, receipt_id)))
            )
        )
    )
    ids.update(
        session.scalars(
            select(Receipt.purchase_order_id).where(
                Receipt.id == receipt_id, Receipt.purchase_order_id.is_not(None)
            )
        )
    )
    return sorted(ids)


def _read(session: Session, receipt_id: int, *, locked: bool) -> UndoPreview:
    """The preview, read from what is committed (under the undo's locks when ``locked``).

    Balance versions are read first, before the lines they guard, so a change committed
    between the reads shows as a newer version at the undo (stale), never as a preview that
    looks current."""
    fresh = {"populate_existing": True}
    receipt = session.scalars(
        select(Receipt).where(Receipt.id == receipt_id).execution_options(**fresh)
    ).one()
    received: dict[int, int] = defaultdict(int)
    for product_id, qty in session.execute(
        select(ReceiptLine.product_id, ReceiptLine.qty).where(ReceiptLine.receipt_id == receipt_id)
    ):
        received[product_id] += qty
    location_id = default_location_id(session)
    balances = {
        row.product_id: row
        for row in session.execute(
            select(
                StockBalance.product_id,
                StockBalance.on_hand,
                StockBalance.allocated,
                StockBalance.version,
            ).where(
                StockBalance.location_id == location_id,
                StockBalance.product_id.in_(list(received)),
            )
        )
    }
    versions = tuple(
        sorted((pid, balances[pid].version if pid in balances else 0) for pid in received)
    )
    skus: dict[int, str] = {
        pid: sku
        for pid, sku in session.execute(
            select(Product.id, Product.sku).where(Product.id.in_(list(received)))
        )
    }
    po_ref = (
        session.scalar(
            select(PurchaseOrder.ref).where(PurchaseOrder.id == receipt.purchase_order_id)
        )
        if receipt.purchase_order_id is not None
        else None
    )
    label = receipt.label
    refusals: list[str] = []
    if receipt.undone_at is not None:
        why = f" ({receipt.undone_reason})" if receipt.undone_reason else ""
        refusals.append(
            f"{label} was already undone on {receipt.undone_at:%Y-%m-%d %H:%M} UTC{why}."
        )
    customers, shipped = _taken_back(session, receipt_id)
    for order_ref, line_no, sku, customer in shipped:
        refusals.append(
            f"Order {order_ref} line {line_no} ({sku}, {customer}) has shipped units since "
            f"{label}: they cannot come back."
        )
    from_lines: dict[int, int] = defaultdict(int)
    for lost in customers:
        from_lines[next(pid for pid, sku in skus.items() if sku == lost.sku)] += lost.qty
    stock: list[StockOut] = []
    for product_id in sorted(received, key=lambda pid: skus[pid]):
        row = balances.get(product_id)
        on_hand = row.on_hand if row else 0
        available = on_hand - (row.allocated if row else 0)
        from_stock = received[product_id] - from_lines[product_id]
        stock.append(
            StockOut(
                product_id,
                skus[product_id],
                received[product_id],
                from_lines[product_id],
                from_stock,
                on_hand,
                available,
            )
        )
        if from_stock > available and not shipped:
            refusals.append(
                f"{skus[product_id]}: {from_stock:,} of the units {label} brought would "
                f"leave stock, but only {max(available, 0):,} are in stock and promised to "
                "nobody (the rest were sold from stock, adjusted or shipped since)."
            )
    if receipt.undone_at is not None:
        refusals = refusals[:1]  # its units already left: nothing else applies
    po_lines, po_status = _po_restored(session, receipt_id, receipt.purchase_order_id)
    return UndoPreview(
        receipt_id=receipt_id,
        label=label,
        received_at=receipt.received_at,
        po_ref=po_ref,
        note=receipt.note,
        stock=tuple(stock),
        customers=customers,
        po_lines=po_lines,
        po_status=po_status,
        refusals=tuple(refusals),
        token=UndoToken(receipt_id, versions),
    )


def _taken_back(
    session: Session, receipt_id: int
) -> tuple[tuple[LostUnits, ...], list[tuple[str, int, str, str]]]:
    """The units the receipt promised, per line, last served first, capped by what each line
    still holds (a line whose units were cancelled or taken back since gave them back to
    stock: they come out of stock instead); and the lines that shipped units since the
    receipt (order ref, line no, sku, customer)."""
    rows = session.execute(
        select(
            AllocationEvent.id,
            AllocationEvent.order_line_id,
            AllocationEvent.qty,
            OrderLine.qty_allocated,
            SalesOrder.ref,
            OrderLine.line_no,
            Product.sku,
            Customer.name,
        )
        .join(OrderLine, OrderLine.id == AllocationEvent.order_line_id)
        .join(SalesOrder, SalesOrder.id == OrderLine.order_id)
        .join(Customer, Customer.id == SalesOrder.customer_id)
        .join(Product, Product.id == OrderLine.product_id)
        .where(AllocationEvent.receipt_id == receipt_id, AllocationEvent.source == "receipt")
        .order_by(AllocationEvent.id.desc())
        .execution_options(populate_existing=True)
    ).all()
    given: dict[int, int] = defaultdict(int)
    holds: dict[int, int] = {}
    info: dict[int, tuple[str, int, str, str]] = {}
    order: list[int] = []
    for _, line_id, qty, allocated, ref, line_no, sku, customer in rows:
        if line_id not in given:
            order.append(line_id)
        given[line_id] += qty
        holds[line_id] = allocated
        info[line_id] = (ref, line_no, sku, customer)
    first_movement = session.scalar(
        select(StockMovement.id)
        .where(StockMovement.receipt_id == receipt_id, StockMovement.kind == MovementKind.RECEIPT)
        .order_by(StockMovement.id)
        .limit(1)
    )
    shipped_lines: set[int] = set()
    if order and first_movement is not None:
        shipped_lines = set(
            session.scalars(
                select(StockMovement.order_line_id).where(
                    StockMovement.order_line_id.in_(order),
                    StockMovement.kind == MovementKind.SHIPMENT,
                    StockMovement.id > first_movement,
                )
            )
        )
    lost = tuple(
        LostUnits(line_id, *info[line_id][:2], info[line_id][3], info[line_id][2], taken)
        for line_id in order
        if (taken := min(given[line_id], holds[line_id])) > 0
    )
    shipped = sorted(info[line_id] for line_id in shipped_lines)
    return lost, shipped


def _po_restored(
    session: Session, receipt_id: int, po_id: int | None
) -> tuple[tuple[PoLineRestored, ...], tuple[PurchaseOrderStatus, PurchaseOrderStatus] | None]:
    """The PO lines' received units now and after the undo, and the PO's status change."""
    units = _po_line_units(session, receipt_id)
    rows = session.execute(
        select(
            PurchaseOrderLine.id,
            PurchaseOrder.ref,
            PurchaseOrderLine.line_no,
            Product.sku,
            PurchaseOrderLine.qty_ordered,
            PurchaseOrderLine.qty_received,
            PurchaseOrder.id,
        )
        .join(PurchaseOrder, PurchaseOrder.id == PurchaseOrderLine.purchase_order_id)
        .join(Product, Product.id == PurchaseOrderLine.product_id)
        .where(PurchaseOrderLine.id.in_(list(units)))
        .order_by(PurchaseOrder.ref, PurchaseOrderLine.line_no)
    ).all()
    restored = tuple(
        PoLineRestored(ref, line_no, sku, ordered, got, got - units[line_id])
        for line_id, ref, line_no, sku, ordered, got, _ in rows
    )
    po_id = po_id if po_id is not None else next((row[6] for row in rows), None)
    if po_id is None:
        return restored, None
    status = session.scalar(select(PurchaseOrder.status).where(PurchaseOrder.id == po_id))
    assert status is not None
    lines = session.execute(
        select(
            PurchaseOrderLine.id, PurchaseOrderLine.qty_ordered, PurchaseOrderLine.qty_received
        ).where(PurchaseOrderLine.purchase_order_id == po_id)
    ).all()
    ordered = sum(row[1] for row in lines)
    received_after = sum(min(row[2] - units.get(row[0], 0), row[1]) for row in lines)
    return restored, (status, derive_po_status(status, ordered, received_after))
