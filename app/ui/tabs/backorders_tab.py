"""Backorders: the queue of customers waiting for stock, in the order receipts serve them."""

from __future__ import annotations

from PySide6.QtCore import Slot
from PySide6.QtWidgets import QCheckBox, QLabel, QWidget

from app.db import Database
from app.ui.models.backorders_model import BackordersModel
from app.ui.tabs.base import TableTab


class BackordersTab(TableTab):
    singular = "line waiting"
    plural = "lines waiting"

    def __init__(self, database: Database, parent: QWidget | None = None) -> None:
        self.queue_model = BackordersModel(database)
        super().__init__(
            database,
            self.queue_model,
            search_name="backordersSearch",
            search_hint="Search SKU, product, customer, order",
            parent=parent,
        )
        self.setObjectName("backordersTab")
        hint = QLabel("First placed, first served: receipts fill these lines from the top.")
        hint.setProperty("role", "hint")
        self.toolbar.addWidget(hint)
        self.not_on_order = QCheckBox("Not on order only")
        self.not_on_order.setObjectName("backordersNotOnOrder")
        self.not_on_order.setToolTip("Only lines no purchase order covers (fully): order these")
        self.not_on_order.toggled.connect(self._not_on_order_toggled)
        self.toolbar.addWidget(self.not_on_order)
        self.finish_toolbar()

    @Slot(bool)
    def _not_on_order_toggled(self, checked: bool) -> None:
        self.model.set_query(not_on_order=checked)

    def count_text(self) -> str:
        units = self.queue_model.units_waiting
        return (
            f"{super().count_text()} · {units:,} unit{'' if units == 1 else 's'} backordered in all"
        )
