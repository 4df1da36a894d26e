"""Orders: customer orders with their status and line totals; new, ship, cancel."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Slot
from PySide6.QtWidgets import QComboBox, QWidget

from app.db import Database
from app.domain import OrderStatus
from app.domain.errors import ShopError
from app.services import ordering
from app.services.views import OrderRow
from app.ui import events
from app.ui.models.orders_model import OrdersModel
from app.ui.tabs.base import TableTab


class OrdersTab(TableTab):
    singular = "order"
    plural = "orders"

    def __init__(self, database: Database, parent: QWidget | None = None) -> None:
        super().__init__(
            database,
            OrdersModel(database),
            search_name="ordersSearch",
            search_hint="Search order ref or customer",
            parent=parent,
        )
        self.setObjectName("ordersTab")
        self.add_button(
            "New order…", "newOrderButton", self.new_order, tip="Take a customer's order (Ctrl+N)"
        )
        self.ship_button = self.add_button(
            "Ship",
            "shipOrderButton",
            self.ship_selected,
            tip="Ship every allocated unit of the selected order",
        )
        self.cancel_button = self.add_button(
            "Cancel order…",
            "cancelOrderButton",
            self.cancel_selected,
            tip="Cancel what is still open on the selected order",
        )
        self.toolbar.addStretch(1)
        self.status_filter = QComboBox()
        self.status_filter.setObjectName("ordersStatusFilter")
        self.status_filter.addItem("All statuses", None)
        for status in OrderStatus:
            self.status_filter.addItem(status.label, status)
        self.status_filter.currentIndexChanged.connect(self._status_chosen)
        self.toolbar.addWidget(self.status_filter)
        self.toolbar.addWidget(self.search)
        self.selection_changed(None)

    def selected_order(self) -> OrderRow | None:
        row = self.selected_row()
        return row if isinstance(row, OrderRow) else None

    def selection_changed(self, row: Any | None) -> None:
        self.ship_button.setEnabled(isinstance(row, OrderRow) and row.allocated > 0)
        self.cancel_button.setEnabled(
            isinstance(row, OrderRow) and row.allocated + row.backordered > 0
        )

    @Slot()
    def _status_chosen(self) -> None:
        self.model.set_query(status=self.status_filter.currentData())

    def new_order(self) -> None:
        self.open_dialog("new_order", "NewOrderDialog")

    def cancel_selected(self) -> None:
        order = self.selected_order()
        if order is not None:
            self.open_dialog("cancel_order", "CancelOrderDialog", order.ref)

    def ship_selected(self) -> None:
        order = self.selected_order()
        if order is None:
            self.message.emit("Select an order to ship")
            return
        try:
            with self.database.write() as session:
                result = ordering.ship_order(session, order.ref)
        except ShopError as error:
            self.message.emit(str(error))
            return
        events.bus().announce(frozenset({events.ORDERS, events.STOCK, events.BACKORDERS}))
        units = f"{result.units:,} unit{'' if result.units == 1 else 's'}"
        self.message.emit(
            f"Shipped {units} of {result.ref}; it is now {result.status.label.lower()}"
        )
