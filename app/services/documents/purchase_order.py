"""A purchase order as the supplier receives it: what to send, how many, at what cost."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain import Product, PurchaseOrder, PurchaseOrderLine, Supplier
from app.domain.enums import PurchaseOrderStatus
from app.domain.errors import NotFound
from app.services.pricing import line_amount
from app.services.shop_settings import ShopIdentity, get_currency, get_shop_identity


@dataclass(frozen=True, slots=True)
class PurchaseOrderDocumentLine:
    line_no: int
    supplier_sku: str  #: the supplier's own code for it ("" when the shop knows none)
    sku: str
    name: str
    qty: int
    unit_cost: Decimal

    @property
    def amount(self) -> Decimal:
        return line_amount(self.qty, self.unit_cost)


@dataclass(frozen=True, slots=True)
class PurchaseOrderDocument:
    shop: ShopIdentity
    ref: str
    status: PurchaseOrderStatus
    ordered_at: datetime | None
    expected_date: date | None
    note: str
    supplier_name: str
    supplier_contact: str
    supplier_email: str
    supplier_phone: str
    lines: tuple[PurchaseOrderDocumentLine, ...]
    currency: str
    printed_on: date

    @property
    def total(self) -> Decimal:
        return sum((line.amount for line in self.lines), Decimal("0.00"))

    @property
    def title(self) -> str:
        return f"Purchase order {self.ref}"


def purchase_order_document(
    session: Session, ref: str, *, today: date | None = None
) -> PurchaseOrderDocument:
    """Purchase order ``ref`` to send to its supplier (a draft prints too, marked as one)."""
    found = session.execute(
        select(
            PurchaseOrder.id,
            PurchaseOrder.ref,
            PurchaseOrder.status,
            PurchaseOrder.ordered_at,
            PurchaseOrder.expected_date,
            PurchaseOrder.note,
            Supplier.name,
            Supplier.contact_name,
            Supplier.email,
            Supplier.phone,
        )
        .join(Supplier, Supplier.id == PurchaseOrder.supplier_id)
        .where(PurchaseOrder.ref == ref.strip())
    ).one_or_none()
    if found is None:
        raise NotFound(f"There is no purchase order {ref.strip()!r}")
    po_id, po_ref, status, ordered_at, expected, note, name, contact, email, phone = found
    lines = session.execute(
        select(
            PurchaseOrderLine.line_no,
            Product.supplier_sku,
            Product.sku,
            Product.name,
            PurchaseOrderLine.qty_ordered,
            PurchaseOrderLine.unit_cost,
        )
        .join(Product, Product.id == PurchaseOrderLine.product_id)
        .where(PurchaseOrderLine.purchase_order_id == po_id)
        .order_by(PurchaseOrderLine.line_no)
    )
    return PurchaseOrderDocument(
        shop=get_shop_identity(session),
        ref=po_ref,
        status=status,
        ordered_at=ordered_at,
        expected_date=expected,
        note=note,
        supplier_name=name,
        supplier_contact=contact,
        supplier_email=email,
        supplier_phone=phone,
        lines=tuple(
            PurchaseOrderDocumentLine(no, supplier_sku or "", sku, name, qty, Decimal(cost))
            for no, supplier_sku, sku, name, qty, cost in lines
        ),
        currency=get_currency(session),
        printed_on=today or date.today(),
    )
