"""What receipts gave one order's lines, as rows of its "Who did what" history. No Qt.

A receipt allocates with bulk statements (a flash-sale receipt touches 50k lines), so the
audit trail keeps one summary row per statement, tagged with the PO, and one "received" event
per receipt, not one row per allocated line: one per line measured 1.4x the confirm's CPU
(``benchmarks/bench_audit.py``). The per-line facts are in ``allocation_event`` already (which
receipt gave which line how many units), so an order's history joins them at read time to the
receipt's "received" event (who confirmed it, on which till, when): the confirm writes
nothing more, and an order's history still says who gave its lines what.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.domain import AllocationEvent, OrderLine, Product, PurchaseOrder, Receipt, SalesOrder
from app.domain.audit import AuditEvent

#: The audit action of a confirmed receipt (``app.services.receiving``).
RECEIVED = "received"


@dataclass(frozen=True, slots=True)
class ReceiptGift:
    """The units one receipt gave one order's lines, and the audit event of its confirm (None
    for a receipt confirmed before the audit trail existed)."""

    receipt_id: int
    po_ref: str
    event: AuditEvent | None
    at: datetime  #: when its units were given (the event's own time is preferred)
    lines: tuple[tuple[int, str, int], ...]  #: (line number, SKU, units given)

    @property
    def summary(self) -> str:
        """ "Receipt RCPT-7 of PO-12 gave 3 units: 2 to line 1 (MUG), 1 to line 2 (TEA)"."""
        units = sum(qty for _, _, qty in self.lines)
        where = f" of {self.po_ref}" if self.po_ref else ""
        parts = ", ".join(f"{qty:,} to line {no} ({sku})" for no, sku, qty in self.lines)
        return (
            f"Receipt RCPT-{self.receipt_id}{where} gave {units:,} unit"
            f"{'' if units == 1 else 's'}: {parts}"
        )


def receipt_allocations(session: Session, ref: str) -> list[ReceiptGift]:
    """Per receipt that gave this order's lines units (oldest first): who confirmed it, which
    PO, and how many units to which line."""
    lines = (
        select(
            AllocationEvent.receipt_id,
            func.min(AllocationEvent.created_at),
            OrderLine.line_no,
            Product.sku,
            func.sum(AllocationEvent.qty),
        )
        .join(OrderLine, OrderLine.id == AllocationEvent.order_line_id)
        .join(SalesOrder, SalesOrder.id == OrderLine.order_id)
        .join(Product, Product.id == AllocationEvent.product_id)
        .where(
            SalesOrder.ref == ref,
            AllocationEvent.source == "receipt",
            AllocationEvent.receipt_id.is_not(None),
        )
        .group_by(AllocationEvent.receipt_id, OrderLine.line_no, Product.sku)
        .order_by(AllocationEvent.receipt_id, OrderLine.line_no)
    )
    given: dict[int, list[tuple[int, str, int]]] = defaultdict(list)
    first_at: dict[int, datetime] = {}
    for receipt_id, at, line_no, sku, qty in session.execute(lines):
        if receipt_id is None:  # excluded by the query; for the type checker
            continue
        given[receipt_id].append((line_no, sku, int(qty)))
        first_at[receipt_id] = min(at, first_at.get(receipt_id, at))
    if not given:
        return []
    po_refs = {
        receipt_id: po_ref
        for receipt_id, po_ref in session.execute(
            select(Receipt.id, PurchaseOrder.ref)
            .outerjoin(PurchaseOrder, PurchaseOrder.id == Receipt.purchase_order_id)
            .where(Receipt.id.in_(sorted(given)))
        )
    }
    confirmed = _received_events(session, given, po_refs)
    return sorted(
        (
            ReceiptGift(
                receipt_id=receipt_id,
                po_ref=po_refs.get(receipt_id) or "",
                event=confirmed.get(receipt_id),
                at=first_at[receipt_id],
                lines=tuple(given[receipt_id]),
            )
            for receipt_id in given
        ),
        key=lambda gift: gift.receipt_id,
    )


def _received_events(
    session: Session, given: Collection[int], po_refs: Mapping[int, str | None]
) -> dict[int, AuditEvent]:
    """Each receipt's "received" event, found by its PO (an indexed column) and its id."""
    wanted = {str(receipt_id): receipt_id for receipt_id in given}
    refs = sorted({ref for ref in po_refs.values() if ref})
    query = select(AuditEvent).where(
        AuditEvent.action == RECEIVED,
        AuditEvent.entity == "receipt",
        AuditEvent.entity_id.in_(sorted(wanted)),
    )
    if refs and all(po_refs.get(receipt_id) for receipt_id in given):
        query = query.where(AuditEvent.po_ref.in_(refs))
    return {wanted[event.entity_id]: event for event in session.scalars(query) if event.entity_id}
