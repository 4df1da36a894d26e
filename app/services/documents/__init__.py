"""The shop's printed documents as plain data: packing slip, order status sheet, purchase
order and pick list, each read in SQL in one go (no ORM objects kept, no Qt), and
:mod:`.html` to render any of them as escaped HTML for an e-mail or for ``app.printing``."""

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
]
