"""Purchase orders: what the shop ordered from suppliers and what is still outstanding."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QWidget

from app.db import Database
from app.services.views import PurchaseOrderRow
from app.ui import events
from app.ui.models.purchase_orders_model import PurchaseOrdersModel
from app.ui.tabs.base import TableTab


class PurchaseOrdersTab(TableTab):
    singular = "purchase order"
    plural = "purchase orders"
    areas = frozenset({events.PURCHASE_ORDERS, events.STOCK})

    def __init__(self, database: Database, parent: QWidget | None = None) -> None:
        super().__init__(
            database,
            PurchaseOrdersModel(database),
            search_name="purchaseOrdersSearch",
            search_hint="Search PO ref or supplier",
            parent=parent,
        )
        self.setObjectName("purchaseOrdersTab")
        self.add_button(
            "New purchase order…",
            "newPurchaseOrderButton",
            self.new_purchase_order,
            tip="Order goods from a supplier",
        )
        self.receive_button = self.add_button(
            "Receive…",
            "receiveButton",
            self.receive_selected,
            tip="Receive goods against the selected purchase order (or double-click it)",
        )
        self.finish_toolbar()

    def selected_ref(self) -> str | None:
        row = self.selected_row()
        return row.ref if isinstance(row, PurchaseOrderRow) else None

    def new_purchase_order(self) -> None:
        self.open_dialog("new_purchase_order", "NewPurchaseOrderDialog")

    def receive_selected(self) -> None:
        self.open_dialog("receive_stock", "ReceiveStockDialog", self.selected_ref())

    def row_activated(self, row: Any) -> None:
        if isinstance(row, PurchaseOrderRow):
            self.open_dialog("receive_stock", "ReceiveStockDialog", row.ref)
