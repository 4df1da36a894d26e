"""The Purchase orders tab's rows: one per PO, with ordered, received and outstanding units."""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import Any

from PySide6.QtCore import QObject
from sqlalchemy.orm import Session

from app.db import Database
from app.domain import PurchaseOrderStatus
from app.services import views
from app.services.views import Count, PurchaseOrderQuery, PurchaseOrderRow
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

    def __init__(self, database: Database, parent: QObject | None = None) -> None:
        super().__init__(database, PurchaseOrderQuery(), parent)

    def fetch_page(self, session: Session, query: Any, offset: int, limit: int) -> Sequence[Any]:
        return views.purchase_orders_page(session, query, offset, limit)

    def count_rows(self, session: Session, query: Any) -> Count:
        return views.count_purchase_orders(session, query)

    def row_key(self, row: PurchaseOrderRow) -> Hashable:
        return row.ref
