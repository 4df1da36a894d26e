"""The Backorders tab's rows: the backorder queue, in the order receipts will serve it."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject
from sqlalchemy.orm import Session

from app.db import Database
from app.services import views
from app.services.views import BackorderQuery, Count
from app.ui.models.paged_model import Column, PagedTableModel


class BackordersModel(PagedTableModel):
    columns = (
        Column(
            "#",
            lambda r: r.position,
            "position",
            width=64,
            numeric=True,
            tooltip="Place in the backorder queue: first placed, first served",
        ),
        Column("Customer", lambda r: r.customer, "customer", width=190),
        Column("Order", lambda r: r.order_ref, "order_ref", width=100),
        Column("Line", lambda r: r.line_no, width=44, numeric=True),
        Column("SKU", lambda r: r.sku, "sku", width=110),
        Column("Product", lambda r: r.product_name, "product_name", width=220, stretch=True),
        Column(
            "Waiting",
            lambda r: r.qty_waiting,
            "qty_waiting",
            width=72,
            numeric=True,
            tooltip="Units this line waits for",
        ),
        Column(
            "Units ahead",
            lambda r: r.units_ahead,
            None,
            width=90,
            numeric=True,
            tooltip="Units of this product promised to lines ahead of this one in the queue",
        ),
        Column(
            "Days",
            lambda r: r.days_waiting,
            "days_waiting",
            width=56,
            numeric=True,
            tooltip="Days waiting since the order was placed",
        ),
        Column("Placed at", lambda r: r.placed_at, "placed_at", width=130),
    )
    query_type = BackorderQuery
    read_page = staticmethod(views.backorders_page)
    read_count = staticmethod(views.count_backorders)
    key_field = "order_line_id"

    def __init__(self, database: Database, parent: QObject | None = None) -> None:
        super().__init__(database, parent)
        self.units_waiting = 0

    def count_rows(self, session: Session, query: Any) -> Count:
        self.units_waiting = views.units_waiting(session)
        return super().count_rows(session, query)
