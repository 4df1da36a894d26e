"""The catalog tabs' rows: products, suppliers and customers (archived ones greyed)."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor, QFont
from sqlalchemy.orm import Session

from app.services import views
from app.services.formatting import money
from app.services.shop_settings import DEFAULT_CURRENCY, get_currency
from app.services.views import CatalogQuery
from app.ui.models.paged_model import Column, Index, PagedTableModel

_ARCHIVED = QBrush(QColor(150, 150, 150))


class CatalogModel(PagedTableModel):
    """Shows amounts in the shop's currency (read with each page) and archived rows grey."""

    query_type = CatalogQuery

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.currency = DEFAULT_CURRENCY
        self._italic = QFont()
        self._italic.setItalic(True)

    def fetch_page(self, session: Session, query: Any, offset: int, limit: int) -> Sequence[Any]:
        self.currency = get_currency(session)
        return super().fetch_page(session, query, offset, limit)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        row = self.row_at(index.row()) if index.isValid() else None
        if row is None:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            value = self.columns[index.column()].value(row)
            if isinstance(value, Decimal):
                return money(value, self.currency)
        if getattr(row, "archived", False):
            if role == Qt.ItemDataRole.ForegroundRole:
                return _ARCHIVED
            if role == Qt.ItemDataRole.FontRole:
                return self._italic
            if role == Qt.ItemDataRole.ToolTipRole:
                return "Archived: kept on old documents, not offered for new ones"
        return super().data(index, role)


def _limit(row: Any) -> str:
    if row.policy.value != "backorder":
        return ""
    return "no limit" if row.max_backorder_qty is None else f"{row.max_backorder_qty:,}"


class ProductsModel(CatalogModel):
    columns = (
        Column("SKU", lambda r: r.sku, "code", width=110),
        Column("Name", lambda r: r.name, "name", width=240, stretch=True),
        Column("Barcode", lambda r: r.barcode, width=120),
        Column("Price", lambda r: r.price, "price", width=90, numeric=True),
        Column(
            "Cost", lambda r: r.cost, "cost", width=90, numeric=True,
            tooltip="What the shop pays the supplier per unit",
        ),
        Column("Supplier", lambda r: r.supplier, width=90),
        Column(
            "Supplier SKU", lambda r: r.supplier_sku, width=100,
            tooltip="What the supplier calls it (shown on purchase orders)",
        ),
        Column(
            "Policy", lambda r: r.policy.label, "policy", width=100,
            tooltip="Backorder: keep selling, customers wait.\n"
            "Stock only: sell only what is available",
        ),
        Column(
            "Max waiting", _limit, width=90, numeric=True,
            tooltip="Most units that may wait for this product at once",
        ),
        Column(
            "Reorder at", lambda r: r.reorder_point, "reorder_point", width=80, numeric=True,
            tooltip="Suggest a purchase order when available falls to this",
        ),
        Column("On hand", lambda r: r.on_hand, width=74, numeric=True),
        Column(
            "Bin", lambda r: r.bin, "bin", width=100,
            tooltip="Where it sits in the shop: the pick list walks bin by bin",
        ),
    )  # fmt: skip
    read_page = staticmethod(views.products_page)
    read_count = staticmethod(views.count_catalog_products)
    key_field = "product_id"


class SuppliersModel(CatalogModel):
    columns = (
        Column("Code", lambda r: r.code, "code", width=110),
        Column("Name", lambda r: r.name, "name", width=240, stretch=True),
        Column("Contact", lambda r: r.contact_name, "contact", width=160),
        Column("Email", lambda r: r.email, width=260),
        Column("Phone", lambda r: r.phone, width=130),
        Column(
            "Lead time", lambda r: f"{r.lead_time_days:,} days", "lead_time", width=90,
            numeric=True, tooltip="Usual days from ordering to delivery",
        ),
    )  # fmt: skip
    read_page = staticmethod(views.suppliers_page)
    read_count = staticmethod(views.count_suppliers)
    key_field = "supplier_id"


class CustomersModel(CatalogModel):
    columns = (
        Column("Code", lambda r: r.code, "code", width=110),
        Column("Name", lambda r: r.name, "name", width=220, stretch=True),
        Column("Email", lambda r: r.email, "email", width=220),
        Column("Phone", lambda r: r.phone, width=130),
        Column("Tier", lambda r: r.tier.value.capitalize(), "tier", width=90),
        Column("Shipping", lambda r: r.ship_preference, width=130),
    )
    read_page = staticmethod(views.customers_page)
    read_count = staticmethod(views.count_customers)
    key_field = "customer_id"
