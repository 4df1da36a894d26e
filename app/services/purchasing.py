"""Purchase orders: creating, sending, re-dating, editing and cancelling them, and reading
what is still outstanding on one.

A PO's life: a *draft* (the owner is still deciding; not incoming stock, nothing can be
received) is *sent* (status open: the supplier has it; its outstanding units are incoming
and give waiting customers their ETA); receipts make it partially received, then received.
Cancelling stops what is still outstanding: an open PO is cancelled whole; a partially
received one keeps what arrived (stock, ledger and the PO's received figures stay) and the
rest is no longer incoming. A fully received PO cannot be cancelled.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from app.domain import (
    Product,
    PurchaseOrder,
    PurchaseOrderLine,
    PurchaseOrderStatus,
)
from app.domain.base import utcnow
from app.domain.errors import InvalidInput, InvalidTransition, NotFound
from app.domain.permissions import Permission, require
from app.domain.quantities import check_quantity, parse_quantity
from app.services.catalog import check_active, find_product, get_supplier
from app.services.changes import Area, Changes
from app.services.eta import (
    NO_HISTORY,
    lock_supplier_history,
    products_on_order_from,
    recompute_etas,
    supplier_confidence,
)
from app.services.ordering import LineRequest
from app.services.refs import checked_ref, next_free_ref
from app.services.stock import lock_balances


def next_po_ref(session: Session) -> str:
    """The next free purchase order reference, PO-00001 style."""
    return next_free_ref(session, PurchaseOrder.id, PurchaseOrder.ref, "PO-", 5)


@dataclass(frozen=True, slots=True)
class CreatedLine:
    """A line of a new purchase order (plain values)."""

    id: int
    line_no: int
    product_id: int
    qty_ordered: int


@dataclass(frozen=True, slots=True)
class CreatedPurchaseOrder:
    """A new purchase order, as plain values, and what creating it changed."""

    id: int
    ref: str
    status: PurchaseOrderStatus
    expected_date: date | None
    lines: tuple[CreatedLine, ...]
    #: The PO; an open one also its products' incoming stock and their queues' ETAs.
    changes: Changes


def _po_changes(po: PurchaseOrder, *, incoming: bool) -> Changes:
    """What a change to ``po`` touched: the PO and its products; when it changes what is
    incoming (an open PO created, sent, re-dated or cancelled) also their stock and ETAs."""
    areas = (Area.PURCHASE_ORDERS, Area.STOCK, Area.QUEUE) if incoming else (Area.PURCHASE_ORDERS,)
    return Changes.of(
        *areas,
        product_ids=[line.product_id for line in po.lines],
        purchase_order_refs=[po.ref],
    )


def create_purchase_order(
    session: Session,
    supplier_code: str,
    lines: Sequence[LineRequest],
    *,
    ref: str | None = None,
    ordered_at: datetime | None = None,
    expected_date: date | None = None,
    draft: bool = False,
    recompute: bool = True,
) -> CreatedPurchaseOrder:
    """Order goods from a supplier. The expected date defaults to today + the lead time.

    An open PO changes the ETAs of the lines waiting for its products; they are recomputed
    here unless ``recompute`` is False (an import of many POs recomputes once at the end).
    """
    require(session, Permission.EDIT_PURCHASE_ORDER)
    if not lines:
        raise InvalidInput("A purchase order needs at least one line")
    supplier = get_supplier(session, supplier_code)
    check_active(supplier.archived_at, f"Supplier {supplier.code}")
    if ref is not None:
        ref = checked_ref(session, ref, PurchaseOrder.ref, "purchase order")
    ordered_at = ordered_at or utcnow()
    if expected_date is None:
        expected_date = ordered_at.date() + timedelta(days=supplier.lead_time_days)
    po = PurchaseOrder(
        ref=ref or next_po_ref(session),
        supplier=supplier,
        ordered_at=ordered_at,
        expected_date=expected_date,
        status=PurchaseOrderStatus.DRAFT if draft else PurchaseOrderStatus.OPEN,
    )
    for line_no, request in enumerate(lines, start=1):
        check_quantity(request.qty, what=f"Quantity of {request.code}")
        product: Product = find_product(session, request.code)
        check_active(product.archived_at, f"Product {product.sku}")
        po.lines.append(
            PurchaseOrderLine(
                line_no=line_no,
                product_id=product.id,
                qty_ordered=request.qty,
                qty_received=0,
                unit_cost=product.cost,
            )
        )
    session.add(po)
    session.flush()
    if recompute and po.status.is_incoming:
        product_ids = {line.product_id for line in po.lines}
        # Now on order from the supplier: its history decides their ETAs (see receiving).
        lock_supplier_history(session, [supplier.id], changing=False)
        lock_balances(session, product_ids)  # see _etas_recomputed
        recompute_etas(session, product_ids)
    return CreatedPurchaseOrder(
        po.id,
        po.ref,
        po.status,
        po.expected_date,
        tuple(
            CreatedLine(line.id, line.line_no, line.product_id, line.qty_ordered)
            for line in po.lines
        ),
        _po_changes(po, incoming=po.status.is_incoming),
    )


def get_purchase_order(session: Session, ref: str, *, for_update: bool = False) -> PurchaseOrder:
    """The PO with this reference and its lines; ``for_update`` locks its row (PostgreSQL) so
    two tills cannot send, re-date or cancel it at the same moment."""
    stmt = (
        select(PurchaseOrder)
        .where(PurchaseOrder.ref == ref.strip())
        .options(selectinload(PurchaseOrder.lines).selectinload(PurchaseOrderLine.product))
    )
    if for_update:  # read the row and its lines as committed once the lock is held
        stmt = stmt.with_for_update(of=PurchaseOrder).execution_options(populate_existing=True)
    po = session.scalar(stmt)
    if po is None:
        raise NotFound(f"No purchase order has the reference {ref[:40]!r}")
    return po


@dataclass(frozen=True, slots=True)
class OutstandingLine:
    """A PO line as the receive dialog shows it: what was ordered and what is still due."""

    po_line_id: int
    line_no: int
    product_id: int
    sku: str
    name: str
    barcode: str | None
    qty_ordered: int
    qty_received: int
    qty_outstanding: int
    supplier_sku: str | None = None  #: what the product's supplier calls it


@dataclass(frozen=True, slots=True)
class ReceivablePO:
    ref: str
    supplier: str
    expected_date: date | None
    status: PurchaseOrderStatus
    lines: tuple[OutstandingLine, ...]


def receivable_purchase_order(
    session: Session, ref: str, *, for_update: bool = False
) -> ReceivablePO:
    """A PO's lines with what is outstanding, for receiving. Refuses cancelled/draft POs.

    ``for_update`` locks the PO's row first (in a write transaction that goes on to receive
    what is outstanding): another till receiving the same PO waits for this transaction,
    then reads what it received."""
    po = get_purchase_order(session, ref, for_update=for_update)
    if po.status == PurchaseOrderStatus.CANCELLED:
        raise InvalidTransition(f"Purchase order {po.ref} is cancelled; nothing can be received")
    if po.status == PurchaseOrderStatus.DRAFT:
        raise InvalidTransition(f"Purchase order {po.ref} is a draft; send it before receiving")
    return ReceivablePO(
        ref=po.ref,
        supplier=po.supplier.name,
        expected_date=po.expected_date,
        status=po.status,
        lines=tuple(
            OutstandingLine(
                po_line_id=line.id,
                line_no=line.line_no,
                product_id=line.product_id,
                sku=line.product.sku,
                name=line.product.name,
                barcode=line.product.barcode,
                qty_ordered=line.qty_ordered,
                qty_received=line.qty_received,
                qty_outstanding=line.qty_outstanding,
                supplier_sku=line.product.supplier_sku,
            )
            for line in po.lines
        ),
    )


def open_purchase_order_refs(session: Session) -> list[str]:
    """References of POs that can be received, oldest expected first (for pickers)."""
    return list(
        session.scalars(
            select(PurchaseOrder.ref)
            .where(
                PurchaseOrder.status.in_(
                    [PurchaseOrderStatus.OPEN, PurchaseOrderStatus.PARTIALLY_RECEIVED]
                )
            )
            .order_by(PurchaseOrder.expected_date, PurchaseOrder.ref)
        )
    )


# --- Changing a purchase order -----------------------------------------------------------------

#: The latest expected date accepted (a typo like 2206 instead of 2026 is refused).
MAX_DAYS_AHEAD = 3650


@dataclass(frozen=True, slots=True)
class PurchaseOrderChange:
    """What a change did to one PO, for the window's status line."""

    ref: str
    status: PurchaseOrderStatus
    expected_date: date | None
    previous_expected_date: date | None
    #: The PO and its products; their stock and ETAs when what is incoming changed.
    changes: Changes
    units_cancelled: int = 0
    product_ids: tuple[int, ...] = ()
    lines_moved_later: int = 0  #: waiting customer lines whose ETA moved later

    @property
    def moved_later(self) -> bool:
        old, new = self.previous_expected_date, self.expected_date
        return old is not None and new is not None and new > old


def _change(
    po: PurchaseOrder, previous: date | None, units_cancelled: int = 0, *, incoming: bool
) -> PurchaseOrderChange:
    return PurchaseOrderChange(
        ref=po.ref,
        status=po.status,
        expected_date=po.expected_date,
        previous_expected_date=previous,
        changes=_po_changes(po, incoming=incoming),
        units_cancelled=units_cancelled,
        product_ids=tuple(sorted({line.product_id for line in po.lines})),
    )


def _etas_recomputed(
    session: Session, change: PurchaseOrderChange, also: Iterable[int] = ()
) -> PurchaseOrderChange:
    """Recompute the ETAs of the waiting lines of the PO's products and of the products
    ``also`` (flags those moved later), in the caller's transaction; returns ``change``
    with what moved.

    The products' balances are locked first (after the PO's row: the services' fixed lock
    order), so a sale or receipt of the same products on another till recomputes before or
    after this one, never interleaved with it."""
    session.flush()
    product_ids = set(change.product_ids).union(also)
    lock_balances(session, product_ids)
    moved = recompute_etas(session, product_ids).moved_later
    also = set(also)
    if also:  # products on order from a supplier whose usual delay moved
        change = replace(change, changes=change.changes | Changes.of(Area.QUEUE, product_ids=also))
    return replace(change, lines_moved_later=len(moved))


def _refuse_closed(po: PurchaseOrder, action: str) -> None:
    if po.status == PurchaseOrderStatus.CANCELLED:
        raise InvalidTransition(f"Purchase order {po.ref} is cancelled; it cannot {action}")
    if po.status == PurchaseOrderStatus.RECEIVED:
        raise InvalidTransition(f"Purchase order {po.ref} is fully received; it cannot {action}")


def check_expected_date(po: PurchaseOrder, expected: date) -> date:
    """``expected`` if it is a sensible expected date for ``po``, else InvalidInput."""
    ordered = po.ordered_at.date() if po.ordered_at is not None else None
    if ordered is not None and expected < ordered:
        raise InvalidInput(
            f"Expected date {expected.isoformat()} is before {po.ref} was ordered "
            f"({ordered.isoformat()})"
        )
    if expected > (ordered or utcnow().date()) + timedelta(days=MAX_DAYS_AHEAD):
        raise InvalidInput(f"Expected date {expected.isoformat()} is more than ten years ahead")
    return expected


def set_expected_date(session: Session, po_ref: str, expected: date) -> PurchaseOrderChange:
    """Move the date the supplier is expected to deliver (drafts, open and partly received
    POs). The ETAs of the customers this PO covers move with it."""
    require(session, Permission.EDIT_PURCHASE_ORDER)
    po = get_purchase_order(session, po_ref, for_update=True)
    _refuse_closed(po, "be re-dated")
    previous = po.expected_date
    # A PO's receipts were late or early against its expected date: re-dating one that has
    # had receipts rewrites its supplier's history, and if the supplier's usual delay moves,
    # so do the ETAs of everything on order from it.
    history = any(line.qty_received for line in po.lines)
    lock_supplier_history(session, [po.supplier_id], changing=history)
    delay = _usual_delay(session, po.supplier_id) if history else None
    po.expected_date = check_expected_date(po, expected)
    moved = history and _usual_delay(session, po.supplier_id) != delay
    also = products_on_order_from(session, {po.supplier_id}) if moved else set()
    return _etas_recomputed(session, _change(po, previous, incoming=po.status.is_incoming), also)


def _usual_delay(session: Session, supplier_id: int) -> tuple[int, int]:
    """The (likely, late) days the supplier's history adds to an expected date now."""
    session.flush()
    return supplier_confidence(session, [supplier_id]).get(supplier_id, NO_HISTORY).days


def send_purchase_order(
    session: Session,
    po_ref: str,
    *,
    sent_at: datetime | None = None,
    expected_date: date | None = None,
) -> PurchaseOrderChange:
    """Mark a draft as ordered: it becomes open, its units incoming, its order time now.

    The expected date: ``expected_date`` if given; else a draft still on its default date
    (created + lead time) moves to sent + lead time; a date the owner chose is kept.
    """
    require(session, Permission.EDIT_PURCHASE_ORDER)
    po = get_purchase_order(session, po_ref, for_update=True)
    if po.status != PurchaseOrderStatus.DRAFT:
        raise InvalidTransition(
            f"Purchase order {po.ref} was already sent (it is {po.status.label.lower()})"
        )
    sent_at = sent_at or utcnow()
    previous = po.expected_date
    lead = timedelta(days=po.supplier.lead_time_days)
    on_default = (
        previous is None or po.ordered_at is None or previous == po.ordered_at.date() + lead
    )
    po.ordered_at = sent_at
    if expected_date is not None:
        po.expected_date = check_expected_date(po, expected_date)
    elif on_default or (previous is not None and previous < sent_at.date()):
        po.expected_date = sent_at.date() + lead
    po.status = PurchaseOrderStatus.OPEN
    po.refresh_status()
    # Now on order from the supplier: its history decides their ETAs (see receiving).
    lock_supplier_history(session, [po.supplier_id], changing=False)
    return _etas_recomputed(session, _change(po, previous, incoming=True))


def cancel_purchase_order(session: Session, po_ref: str, reason: str = "") -> PurchaseOrderChange:
    """Cancel what is still outstanding on a PO (see the module's docstring for the rules).

    The reason is kept in the PO's note. Units already received stay received.
    """
    require(session, Permission.CANCEL)
    po = get_purchase_order(session, po_ref, for_update=True)
    _refuse_closed(po, "be cancelled")
    outstanding = sum(line.qty_outstanding for line in po.lines)
    received = sum(line.qty_received for line in po.lines)
    reason = reason.strip()
    stamp = f"Cancelled {utcnow().date().isoformat()}" + (f": {reason}" if reason else "")
    if received:
        stamp += f" ({outstanding:,} outstanding units cancelled after {received:,} arrived)"
    po.note = "\n".join(part for part in (po.note.strip(), stamp) if part)[:500]
    was_incoming = po.status.is_incoming
    po.status = PurchaseOrderStatus.CANCELLED
    change = _change(po, po.expected_date, outstanding, incoming=was_incoming)
    return _etas_recomputed(session, change) if was_incoming else change


def _editable_draft(session: Session, po_ref: str) -> PurchaseOrder:
    po = get_purchase_order(session, po_ref, for_update=True)
    if po.status != PurchaseOrderStatus.DRAFT:
        raise InvalidTransition(
            f"Purchase order {po.ref} was sent; only a draft's lines can be changed"
        )
    return po


def _line(po: PurchaseOrder, line_no: int) -> PurchaseOrderLine:
    line = next((item for item in po.lines if item.line_no == line_no), None)
    if line is None:
        raise NotFound(f"Purchase order {po.ref} has no line {line_no}")
    return line


def add_draft_line(session: Session, po_ref: str, code: str, qty: int | str) -> int:
    """Add units of a product to a draft (more on its line if it has one); returns the line
    number."""
    require(session, Permission.EDIT_PURCHASE_ORDER)
    po = _editable_draft(session, po_ref)
    product = find_product(session, code)
    check_active(product.archived_at, f"Product {product.sku}")
    units = parse_quantity(qty, what=f"Quantity of {product.sku}")
    existing = next((line for line in po.lines if line.product_id == product.id), None)
    if existing is not None:
        existing.qty_ordered = check_quantity(
            existing.qty_ordered + units, what=f"Quantity of {product.sku}"
        )
        session.flush()
        return existing.line_no
    line_no = max((line.line_no for line in po.lines), default=0) + 1
    po.lines.append(
        PurchaseOrderLine(
            line_no=line_no,
            product_id=product.id,
            qty_ordered=units,
            qty_received=0,
            unit_cost=product.cost,
        )
    )
    session.flush()
    return line_no


def set_draft_line_qty(session: Session, po_ref: str, line_no: int, qty: int | str) -> None:
    """Change how many units a draft's line orders."""
    require(session, Permission.EDIT_PURCHASE_ORDER)
    po = _editable_draft(session, po_ref)
    line = _line(po, line_no)
    line.qty_ordered = parse_quantity(qty, what=f"Quantity of {line.product.sku}")
    session.flush()


def remove_draft_line(session: Session, po_ref: str, line_no: int) -> None:
    """Remove a line from a draft; a draft keeps at least one line (cancel it instead)."""
    require(session, Permission.EDIT_PURCHASE_ORDER)
    po = _editable_draft(session, po_ref)
    line = _line(po, line_no)
    if len(po.lines) == 1:
        raise InvalidTransition(
            f"{po.ref} has no other line; cancel the draft instead of emptying it"
        )
    po.lines.remove(line)
    session.flush()


def set_draft_lines(
    session: Session, po_ref: str, lines: Sequence[LineRequest]
) -> PurchaseOrderChange:
    """Make a draft order exactly these lines: products kept keep their line (and number),
    the others are removed, new ones are added at the end. (A draft is not incoming: no
    stock or ETA changes.)"""
    require(session, Permission.EDIT_PURCHASE_ORDER)
    po = _editable_draft(session, po_ref)
    wanted: dict[int, tuple[Product, int]] = {}
    for request in lines:
        product = find_product(session, request.code)
        qty = check_quantity(request.qty, what=f"Quantity of {product.sku}")
        if product.id in wanted:
            qty = check_quantity(wanted[product.id][1] + qty, what=f"Quantity of {product.sku}")
        wanted[product.id] = (product, qty)
    if not wanted:
        raise InvalidInput(f"{po.ref} needs at least one line; cancel the draft instead")
    next_no = max((line.line_no for line in po.lines), default=0) + 1
    before = [line.product_id for line in po.lines]
    for line in list(po.lines):
        if line.product_id in wanted:
            line.qty_ordered = wanted.pop(line.product_id)[1]
        else:
            po.lines.remove(line)
    for product, qty in wanted.values():
        po.lines.append(
            PurchaseOrderLine(
                line_no=next_no,
                product_id=product.id,
                qty_ordered=qty,
                qty_received=0,
                unit_cost=product.cost,
            )
        )
        next_no += 1
    session.flush()
    change = _change(po, po.expected_date, incoming=False)
    # The products taken off the draft changed too (what is on drafts for them).
    return replace(change, changes=change.changes | Changes.of(product_ids=before))
