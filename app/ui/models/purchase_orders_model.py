"""The Purchase orders tab's rows: one per PO, with ordered, received and outstanding units."""

from __future__ import annotations

from datetime import date

from app.domain import PurchaseOrderStatus
from app.services import formatting, views
from app.services.formatting import day
from app.services.views import PurchaseOrderQuery, PurchaseOrderRow
from app.ui.models.paged_model import Column, PagedTableModel

STATUS_TONES = {
    PurchaseOrderStatus.DRAFT: "quiet",
    PurchaseOrderStatus.PARTIALLY_RECEIVED: "warn",
    PurchaseOrderStatus.RECEIVED: "quiet",
    PurchaseOrderStatus.CANCELLED: "quiet",
}


def days_overdue(row: PurchaseOrderRow, today: date | None = None) -> int:
    """Days since an open or partially received PO was expected; 0 if it is not late."""
    if row.expected_date is None or not row.status.is_incoming:
        return 0
    return max(0, ((today or date.today()) - row.expected_date).days)


def expected_text(row: PurchaseOrderRow) -> str:
    if row.expected_date is None:
        return ""
    late = " (overdue)" if days_overdue(row) else ""
    return f"{day(row.expected_date)}{late}"


def expected_tip(row: PurchaseOrderRow) -> str | None:
    days = days_overdue(row)
    return f"Expected {days:,} day{'' if days == 1 else 's'} ago" if days else None


class PurchaseOrdersModel(PagedTableModel):
    columns = (
        Column("Ref", lambda r: r.ref, "ref", width=110),
        Column("Supplier", lambda r: r.supplier, "supplier", width=220, stretch=True),
        Column("Ordered at", lambda r: r.ordered_at, "ordered_at", width=150),
        Column(
            "Expected",
            expected_text,
            "expected_date",
            width=180,
            tone=lambda r: "warn" if days_overdue(r) else None,
            tip=expected_tip,
        ),
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
        Column(
            "Total",
            lambda r: formatting.money(r.total, r.currency),
            width=100,
            numeric=True,
            tooltip="What the purchase order costs: units ordered at their line costs",
        ),
    )
    query_type = PurchaseOrderQuery
    read_page = staticmethod(views.purchase_orders_page)
    read_count = staticmethod(views.count_purchase_orders)
    key_field = "ref"
