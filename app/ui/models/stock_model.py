"""The Stock tab's rows: one per product, with on hand, allocated, incoming and backordered."""

from __future__ import annotations

from datetime import date

from app.domain.enums import BackorderPolicy
from app.services import views
from app.services.formatting import day
from app.services.views import StockQuery, StockRow
from app.ui.models.paged_model import Column, PagedTableModel

#: The backorder policy as a policy (what the shop does), never read as a stock status.


def days_overdue(row: StockRow, today: date | None = None) -> int:
    """Days since the soonest open purchase order for the product was due (0: none late)."""
    if row.next_expected is None:
        return 0
    return max(0, ((today or date.today()) - row.next_expected).days)


def expected_text(row: StockRow) -> str:
    if row.next_expected is None:
        return ""
    return (
        f"{day(row.next_expected)} \N{MIDDLE DOT} overdue"
        if days_overdue(row)
        else (day(row.next_expected))
    )


def expected_tip(row: StockRow) -> str | None:
    days = days_overdue(row)
    if not days:
        return None
    return (
        f"Overdue: an open purchase order for {row.sku} was expected {days:,} "
        f"day{'' if days == 1 else 's'} ago and has not all arrived. Chase the supplier, or "
        "give the purchase order a new expected date."
    )


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
            expected_text,
            width=180,
            tooltip="The soonest expected date of an open purchase order for this product",
            tone=lambda r: "bad" if days_overdue(r) else None,
            tip=expected_tip,
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
            lambda r: BackorderPolicy(r.policy).label,
            "policy",
            width=100,
            tooltip=(
                "What the shop does when more is ordered than is available:\n"
                "Backorder: keep selling, customers wait.\n"
                "Stock only: sell only what is available"
            ),
        ),
    )
    query_type = StockQuery
    read_page = staticmethod(views.stock_page)
    read_count = staticmethod(views.count_products)
    key_field = "product_id"
