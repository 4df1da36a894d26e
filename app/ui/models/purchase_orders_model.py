"""The Purchase orders tab's rows: one per PO, with ordered, received and outstanding units."""

from __future__ import annotations

from app.domain import PurchaseOrderStatus
from app.services import views
from app.services.views import PurchaseOrderQuery
from app.ui.models.paged_model import Column, PagedTableModel

STATUS_TONES = {
    PurchaseOrderStatus.DRAFT: "quiet",
    PurchaseOrderStatus.PARTIALLY_RECEIVED: "warn",
    PurchaseOrderStatus.RECEIVED: "quiet",
    PurchaseOrderStatus.CANCELLED: "quiet",
}


class PurchaseOrdersModel(PagedTableModel):
    columns = (
        Column("Ref", lambda r: r.ref, "ref", width=110),
        Column("Supplier", lambda r: r.supplier, "supplier", width=220, stretch=True),
        Column("Ordered at", lambda r: r.ordered_at, "ordered_at", width=130),
        Column("Expected", lambda r: r.expected_date, "expected_date", width=100),
        Column(
            "Status",
            lambda r: r.status,
            "status",
            width=140,
            tone=lambda r: STATUS_TONES.get(r.status),
        ),
        Column("Ordered", lambda r: r.ordered, width=80, numeric=True),
        Column("Received", lambda r: r.received, width=80, numeric=True),
        Column(
            "Outstanding",
            lambda r: r.outstanding,
            width=92,
            numeric=True,
            tooltip="Units ordered and not yet received",
        ),
    )
    query_type = PurchaseOrderQuery
    read_page = staticmethod(views.purchase_orders_page)
    read_count = staticmethod(views.count_purchase_orders)
    key_field = "ref"
