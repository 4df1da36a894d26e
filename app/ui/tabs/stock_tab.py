"""Stock: every product with on hand, allocated, available, incoming and backordered units."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QWidget

from app.db import Database
from app.services.views import StockRow
from app.ui.models.stock_model import StockModel
from app.ui.tabs.base import TableTab


class StockTab(TableTab):
    singular = "product"
    plural = "products"

    def __init__(self, database: Database, parent: QWidget | None = None) -> None:
        super().__init__(
            database,
            StockModel(database),
            search_name="stockSearch",
            search_hint="Search SKU, name or barcode",
            parent=parent,
        )
        self.setObjectName("stockTab")
        self.add_button(
            "Receive stock…",
            "receiveStockButton",
            self.receive_stock,
            tip="Book goods that arrived and give them to waiting customers (Ctrl+R)",
        )
        self.add_button(
            "Adjust stock…",
            "adjustStockButton",
            self.adjust_stock,
            tip="Correct on hand after a count, damage or a found box",
        )
        self.finish_toolbar()

    def selected_sku(self) -> str | None:
        row = self.selected_row()
        return row.sku if isinstance(row, StockRow) else None

    def receive_stock(self) -> None:
        self.open_dialog("receive_stock", "ReceiveStockDialog", None)

    def adjust_stock(self) -> None:
        self.open_dialog("adjust_stock", "AdjustStockDialog", self.selected_sku())

    def row_activated(self, row: Any) -> None:
        self.adjust_stock()
