"""Purchase orders: creating them and reading what is still outstanding on one."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
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
from app.domain.quantities import check_quantity
from app.services.catalog import find_product, get_supplier
from app.services.ordering import LineRequest
from app.services.refs import checked_ref, next_free_ref


def next_po_ref(session: Session) -> str:
    """The next free purchase order reference, PO-00001 style."""
    return next_free_ref(session, PurchaseOrder.id, PurchaseOrder.ref, "PO-", 5)


def create_purchase_order(
    session: Session,
    supplier_code: str,
    lines: Sequence[LineRequest],
    *,
    ref: str | None = None,
    ordered_at: datetime | None = None,
    expected_date: date | None = None,
    draft: bool = False,
) -> PurchaseOrder:
    """Order goods from a supplier. The expected date defaults to today + the lead time."""
    if not lines:
        raise InvalidInput("A purchase order needs at least one line")
    supplier = get_supplier(session, supplier_code)
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
    return po


def get_purchase_order(session: Session, ref: str) -> PurchaseOrder:
    po = session.scalar(
        select(PurchaseOrder)
        .where(PurchaseOrder.ref == ref.strip())
        .options(selectinload(PurchaseOrder.lines).selectinload(PurchaseOrderLine.product))
    )
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


@dataclass(frozen=True, slots=True)
class ReceivablePO:
    ref: str
    supplier: str
    expected_date: date | None
    status: PurchaseOrderStatus
    lines: tuple[OutstandingLine, ...]


def receivable_purchase_order(session: Session, ref: str) -> ReceivablePO:
    """A PO's lines with what is outstanding, for receiving. Refuses cancelled/draft POs."""
    po = get_purchase_order(session, ref)
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
