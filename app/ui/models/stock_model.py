"""The Stock tab's rows: one per product, with on hand, allocated, incoming and backordered."""

from __future__ import annotations

from app.services import views
from app.services.views import StockQuery
from app.ui.models.paged_model import Column, PagedTableModel


class StockModel(PagedTableModel):
    columns = (
        Column("SKU", lambda r: r.sku, "sku", width=120),
        Column("Name", lambda r: r.name, "name", width=260, stretch=True),
        Column(
            "On hand",
            lambda r: r.on_hand,
            "on_hand",
            width=86,
            numeric=True,
            tooltip="Units physically in the shop",
        ),
        Column(
            "Allocated",
            lambda r: r.allocated,
            "allocated",
            width=86,
            numeric=True,
            tooltip="Units on hand promised to customer orders, not yet shipped",
        ),
        Column(
            "Available",
            lambda r: r.available,
            "available",
            width=86,
            numeric=True,
            tooltip="On hand minus allocated: what can be promised right now",
        ),
        Column(
            "Incoming",
            lambda r: r.incoming,
            width=86,
            numeric=True,
            tooltip="Units on open purchase orders, not yet received",
        ),
        Column(
            "Next expected",
            lambda r: r.next_expected,
            width=110,
            tooltip="The soonest expected date of an open purchase order for this product",
        ),
        Column(
            "Backordered",
            lambda r: r.backordered,
            width=96,
            numeric=True,
            waiting=True,
            tooltip="Units customers ordered that no stock covers yet: they wait",
        ),
        Column(
            "Policy",
            lambda r: r.policy,
            "policy",
            width=110,
            tooltip=(
                "Backorder: keep selling, customers wait.\n"
                "Out of stock: sell only what is available"
            ),
        ),
    )
    query_type = StockQuery
    read_page = staticmethod(views.stock_page)
    read_count = staticmethod(views.count_products)
    key_field = "product_id"
