"""The shop's printed documents as plain data: packing slip, order status sheet, purchase
order and pick list, each read in SQL in one go (no ORM objects kept, no Qt), and
:mod:`.html` to render any of them as escaped HTML for an e-mail or for ``app.printing``."""

from sqlalchemy.orm import Session

from app.domain.errors import InvalidInput
from app.services.documents.orders import (
    OrderStatusSheet,
    PackingSlip,
    SlipLine,
    StatusLine,
    order_status_sheet,
    packing_slip,
)
from app.services.documents.pick_list import PickList, PickRow, pick_list
from app.services.documents.purchase_order import (
    PurchaseOrderDocument,
    PurchaseOrderDocumentLine,
    purchase_order_document,
)

Document = PackingSlip | OrderStatusSheet | PurchaseOrderDocument | PickList

__all__ = [
    "DOCUMENT_KINDS",
    "Document",
    "OrderStatusSheet",
    "PackingSlip",
    "PickList",
    "PickRow",
    "PurchaseOrderDocument",
    "PurchaseOrderDocumentLine",
    "SlipLine",
    "StatusLine",
    "order_status_sheet",
    "packing_slip",
    "pick_list",
    "purchase_order_document",
    "read_document",
]


def read_document(session: Session, kind: str, ref: str | None = None) -> Document:
    """The document ``kind`` (a key of :data:`DOCUMENT_KINDS`) for order or purchase order
    ``ref``; the pick list takes no reference (all orders ready to ship) or one order's."""
    if kind == "pick-list":
        return pick_list(session, None if ref is None else [ref])
    if ref is None:
        raise InvalidInput(f"A {DOCUMENT_KINDS[kind].lower()} needs a reference")
    if kind == "packing-slip":
        return packing_slip(session, ref)
    if kind == "order-status":
        return order_status_sheet(session, ref)
    if kind == "purchase-order":
        return purchase_order_document(session, ref)
    raise InvalidInput(f"{kind!r} is not a document Shopkeeper prints")


#: What ``shopkeeper print`` and the Documents menu print, by command-line name.
DOCUMENT_KINDS = {
    "packing-slip": "Packing slip",
    "order-status": "Order status",
    "purchase-order": "Purchase order",
    "pick-list": "Pick list",
}
