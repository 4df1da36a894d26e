"""Cancel a customer order, or one of its lines; freed units become available again.

When the freed units are wanted by customers waiting for those products, the "Allocate freed
stock" dialog opens next, so they are offered to the queue (or kept in stock) by the clerk,
never silently.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialogButtonBox,
    QFormLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.orm import Session

from app.db import Database
from app.services.cancelling import CancelResult, cancel_line, cancel_order
from app.ui.dialogs.allocate_freed import AllocateFreedDialog, offer_freed_stock
from app.ui.dialogs.lookups import OrderLineRow, OrderView, order_view
from app.ui.dialogs.widgets import (
    KeyboardDialog,
    MessageLabel,
    guarded,
    heading_label,
    no_auto_default,
    plural,
    read_with,
)

Index = QModelIndex | QPersistentModelIndex


class OrderLinesModel(QAbstractTableModel):
    """An order's lines, read-only, with what is still open on each."""

    HEADERS = ("#", "SKU", "Product", "Ordered", "Allocated", "Waiting", "Shipped", "Cancelled")

    def __init__(self, lines: tuple[OrderLineRow, ...] = (), parent: Any = None) -> None:
        super().__init__(parent)
        self.lines = lines

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.lines)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.HEADERS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.HEADERS[section] if 0 <= section < len(self.HEADERS) else None
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self.lines):
            return None
        line = self.lines[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            values = (
                line.line_no,
                line.sku,
                line.name,
                line.ordered,
                line.allocated,
                line.backordered,
                line.shipped,
                line.cancelled,
            )
            return str(values[index.column()])
        if role == Qt.ItemDataRole.TextAlignmentRole and index.column() >= 3:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ToolTipRole and line.open == 0:
            return "Nothing left to cancel on this line"
        return None


class CancelOrderDialog(KeyboardDialog):
    """Shows an order's lines; cancels the whole order or the selected line."""

    def __init__(self, database: Database, order_ref: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.database = database
        self.order_ref = order_ref
        self.cancel_result: CancelResult | None = None
        #: "Allocate freed stock", while it is open after a cancel.
        self.freed_dialog: AllocateFreedDialog | None = None
        self.setObjectName("CancelOrderDialog")
        self.setWindowTitle(f"Cancel order {order_ref}")
        self.resize(760, 420)
        self.message = MessageLabel()
        self.title = heading_label(f"Cancel order {order_ref}", "cancelOrderTitle", 1.3)
        self.details = QLabel("")
        self.lines = OrderLinesModel(parent=self)
        self.table = QTableView()
        self.table.setObjectName("cancelLinesTable")
        self.table.setModel(self.lines)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setTabKeyNavigation(False)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.reason = QLineEdit()
        self.reason.setObjectName("cancelReasonInput")
        self.reason.setPlaceholderText("Why? (kept with the order, e.g. 'customer changed mind')")
        self.reason.setMaxLength(200)
        self.buttons = QDialogButtonBox()
        self.line_button = QPushButton("Cancel selected &line")
        self.line_button.setObjectName("cancelLineButton")
        self.order_button = QPushButton("Cancel whole &order")
        self.order_button.setObjectName("cancelOrderButton")
        self.close_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Close)
        self.buttons.addButton(self.line_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.buttons.addButton(self.order_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.line_button.clicked.connect(self.cancel_selected_line)
        self.order_button.clicked.connect(self.cancel_whole_order)
        self.close_button.clicked.connect(self.reject)
        no_auto_default(self.line_button, self.order_button, self.close_button)

        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(self.details)
        layout.addWidget(self.table, 1)
        form = QFormLayout()
        form.addRow("&Reason:", self.reason)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)
        for first, second in (
            (self.table, self.reason),
            (self.reason, self.line_button),
            (self.line_button, self.order_button),
            (self.order_button, self.close_button),
        ):
            self.setTabOrder(first, second)
        self._load()
        self.table.setFocus()

    def _load(self) -> None:
        view: OrderView | None = guarded(
            self.message, lambda: read_with(self.database, lambda s: order_view(s, self.order_ref))
        )
        if view is None:
            self.line_button.setEnabled(False)
            self.order_button.setEnabled(False)
            return
        open_units = sum(line.open for line in view.lines)
        self.details.setText(
            f"{view.customer}   ·   {view.status_label}   ·   {open_units:,} units still open"
        )
        self.lines.beginResetModel()
        self.lines.lines = view.lines
        self.lines.endResetModel()
        first_open = next((i for i, line in enumerate(view.lines) if line.open), 0)
        if view.lines:
            self.table.selectRow(first_open)

    def can_submit(self) -> bool:
        return False  # cancelling is never a Ctrl+Return away: choose line or order

    def submit(self) -> None:
        """Cancelling is chosen explicitly (line or whole order), never by Ctrl+Return."""

    def cancel_selected_line(self) -> None:
        index = self.table.currentIndex()
        if not index.isValid():
            self.message.show_error("Select the line to cancel first")
            return
        line_no = self.lines.lines[index.row()].line_no
        ref, reason = self.order_ref, self.reason.text()
        self._write(lambda s: cancel_line(s, ref, line_no, reason), f"line {line_no} of {ref}")

    def cancel_whole_order(self) -> None:
        ref, reason = self.order_ref, self.reason.text()
        self._write(lambda s: cancel_order(s, ref, reason), ref)

    def _write(self, action: Callable[[Session], CancelResult], what: str) -> None:
        self.save(self.database, action, label=f"Cancelling {what}…", done=self._cancelled)

    def _cancelled(self, result: CancelResult) -> None:
        self.cancel_result = result
        freed = sum(item.qty for item in result.released)
        self.outcome = f"Order {result.ref}: {plural(result.units_cancelled, 'unit')} cancelled" + (
            f"; {plural(freed, 'unit')} available again" if freed else ""
        )
        self._offer_freed_stock(set(result.freed_product_ids))

    def _offer_freed_stock(self, product_ids: set[int]) -> None:
        """Open "Allocate freed stock" if customers wait for the freed units; then close."""
        self.line_button.setEnabled(False)  # the cancel is done
        self.order_button.setEnabled(False)
        offer_freed_stock(
            self, self.database, product_ids, self.message, self._freed_done, self._freed_opened
        )

    def reject(self) -> None:
        """Close. Once the cancel is saved, closing (even while who-waits is still read,
        which drops the offer) ends the dialog as done, so the window reports the cancel."""
        if self.cancel_result is not None and self.freed_dialog is None:
            self._freed_done("")
            return
        super().reject()

    def _freed_opened(self, dialog: AllocateFreedDialog) -> None:
        self.freed_dialog = dialog

    def _freed_done(self, outcome: str) -> None:
        if outcome:
            self.outcome += f"; {outcome}"
        self.accept()
