"""Cancel a customer order, one of its lines, or some units of a line; freed units become
available again.

Nothing is cancelled without a question that says what will be cancelled (its safe answer,
"keep", is the default: Enter and Esc give it). A reason is offered (a few usual ones in an
editable list) but never required.

When the freed units are wanted by customers waiting for those products, the "Allocate freed
stock" dialog opens next, so they are offered to the queue (or kept in stock) by the clerk,
never silently.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QTableView,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.orm import Session

from app.db import Database
from app.services.cancelling import CancelResult, cancel_line, cancel_order
from app.ui.dialogs.allocate_freed import AllocateFreedDialog, offer_freed_stock
from app.ui.dialogs.discard import Question
from app.ui.dialogs.lookups import OrderLineRow, OrderView, order_view
from app.ui.dialogs.widgets import (
    KeyboardDialog,
    MessageLabel,
    guarded,
    heading_label,
    no_auto_default,
    pick_one_row,
    plural,
    read_with,
)

Index = QModelIndex | QPersistentModelIndex

#: Usual reasons, offered in the reason box (any other can be typed).
REASONS = (
    "Customer changed their mind",
    "Waiting too long",
    "Duplicate order",
    "Found it elsewhere",
    "Other",
)


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

    def __init__(
        self,
        database: Database,
        order_ref: str,
        line_no: int | None = None,
        parent: QWidget | None = None,
    ) -> None:
        """``line_no``: the line to start on (else the first with units still open)."""
        super().__init__(parent)
        self.database = database
        self.order_ref = order_ref
        self.start_line = line_no
        self.cancel_result: CancelResult | None = None
        #: "Allocate freed stock", while it is open after a cancel.
        self.freed_dialog: AllocateFreedDialog | None = None
        self.setObjectName("CancelOrderDialog")
        self.setWindowTitle(f"Cancel order {order_ref}")
        self.resize(760, 440)
        self.setMinimumSize(560, 360)
        self.message = MessageLabel()
        self.title = heading_label(f"Cancel order {order_ref}", "cancelOrderTitle", 1.3)
        self.details = QLabel("")
        self.lines = OrderLinesModel(parent=self)
        self.table = QTableView()
        self.table.setObjectName("cancelLinesTable")
        self.table.setModel(self.lines)
        pick_one_row(self.table)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.table.selectionModel().currentRowChanged.connect(lambda *_: self._line_chosen())
        self.qty = QSpinBox()
        self.qty.setObjectName("cancelQtyInput")
        self.qty.setRange(1, 1)
        self.qty.setToolTip(
            "How many of the selected line's open units to cancel (waiting units go first, "
            "then allocated ones); the rest stay on the order in their place in the queue"
        )
        self.qty_hint = QLabel()
        self.qty_hint.setObjectName("cancelQtyHint")
        self.reason = QComboBox()
        self.reason.setObjectName("cancelReasonInput")
        self.reason.setEditable(True)
        self.reason.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.reason.addItem("")
        self.reason.addItems(REASONS)
        self.reason.setCurrentIndex(0)
        completer = self.reason.completer()
        if completer is not None:  # a typed reason stays as typed ("customer..." is not
            completer.setCaseSensitivity(Qt.CaseSensitivity.CaseSensitive)  # "Customer...")
        line_edit = self.reason.lineEdit()
        assert line_edit is not None
        line_edit.setMaxLength(200)
        line_edit.setPlaceholderText("Optional: choose or type why (kept with the order)")
        self.buttons = QDialogButtonBox()
        self.line_button = QPushButton("Cancel units of the &line…")
        self.line_button.setObjectName("cancelLineButton")
        self.order_button = QPushButton("Cancel whole &order…")
        self.order_button.setObjectName("cancelOrderButton")
        self.close_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Close)
        self.buttons.addButton(self.line_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.buttons.addButton(self.order_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.line_button.clicked.connect(self.ask_cancel_line)
        self.order_button.clicked.connect(self.ask_cancel_order)
        self.close_button.clicked.connect(self.reject)
        no_auto_default(self.line_button, self.order_button, self.close_button)
        self.line_question = Question(
            self,
            "cancelLineQuestion",
            title="Cancel units",
            question="",
            risky="&Cancel them",
            safe="&Keep them",
            chosen=self.cancel_selected_line,
            icon=QMessageBox.Icon.Warning,
        )
        self.order_question = Question(
            self,
            "cancelOrderQuestion",
            title="Cancel order",
            question=f"Cancel everything still open on order {order_ref}?",
            risky="&Cancel the order",
            safe="&Keep it",
            chosen=self.cancel_whole_order,
            icon=QMessageBox.Icon.Warning,
        )

        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(self.details)
        layout.addWidget(self.table, 1)
        form = QFormLayout()
        units = QHBoxLayout()
        units.addWidget(self.qty)
        units.addWidget(self.qty_hint, 1)
        units_label = QLabel("&Units to cancel:")
        units_label.setBuddy(self.qty)
        form.addRow(units_label, units)
        form.addRow("&Reason:", self.reason)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)
        for first, second in (
            (self.table, self.qty),
            (self.qty, self.reason),
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
        chosen = next(
            (i for i, line in enumerate(view.lines) if line.line_no == self.start_line),
            first_open,
        )
        if view.lines:
            self.table.selectRow(chosen)
        self._line_chosen()

    def selected_line(self) -> OrderLineRow | None:
        index = self.table.currentIndex()
        return self.lines.lines[index.row()] if index.isValid() else None

    def _line_chosen(self) -> None:
        """The units box offers 1 up to what is still open on the selected line (all)."""
        line = self.selected_line()
        open_units = line.open if line is not None else 0
        self.qty.setRange(1, max(open_units, 1))
        self.qty.setValue(max(open_units, 1))
        self.qty.setEnabled(open_units > 0)
        self.qty_hint.setText(
            f"of {plural(open_units, 'unit')} still open on line {line.line_no}"
            if line is not None and open_units
            else "nothing left to cancel on this line"
        )

    def reason_text(self) -> str:
        return self.reason.currentText().strip()

    def can_submit(self) -> bool:
        return False  # cancelling is never a Ctrl+Return away: choose line or order

    def submit(self) -> None:
        """Cancelling is chosen explicitly (line or whole order), never by Ctrl+Return."""

    # --- asking ------------------------------------------------------------------------------

    def ask_cancel_line(self) -> None:
        """Ask before cancelling the units chosen on the selected line (a line with nothing
        open goes straight to the service, which says why not)."""
        line = self.selected_line()
        if line is None:
            self.message.show_error("Select the line to cancel first")
            return
        if line.open == 0:
            self.cancel_selected_line()
            return
        qty = self.qty.value()
        from_waiting = min(qty, line.backordered)
        freed = qty - from_waiting
        what = [
            _verb(from_waiting, "waiting unit", "leaves the queue", "leave the queue"),
            _verb(freed, "allocated unit", "becomes available again", "become available again"),
        ]
        rest = line.open - qty
        stays = (
            " The other unit stays on the order, in its place."
            if rest == 1
            else f" The other {rest:,} units stay on the order, in their place."
            if rest
            else ""
        )
        self.line_question.ask(
            f"{' and '.join(w for w in what if w)}.{stays}{self._reason_said()}",
            risky=f"&Cancel {plural(qty, 'unit')}",
        )
        box = self.line_question.box
        if box is not None:
            box.setText(
                f"Cancel {qty:,} of the {plural(line.open, 'unit')} still open on line "
                f"{line.line_no} ({line.sku} {line.name})?"
            )

    def ask_cancel_order(self) -> None:
        open_lines = [line for line in self.lines.lines if line.open]
        if not open_lines:
            self.cancel_whole_order()
            return
        units = sum(line.open for line in open_lines)
        freed = sum(line.allocated for line in open_lines)
        shipped = sum(line.shipped for line in self.lines.lines)
        text = f"{plural(units, 'unit')} on {plural(len(open_lines), 'line')} will be cancelled"
        if freed:
            text += f"; {_verb(freed, 'allocated unit', 'becomes', 'become')} available again"
        if shipped:
            text += f". {_verb(shipped, 'shipped unit', 'stays', 'stay')} shipped"
        self.order_question.ask(f"{text}.{self._reason_said()}")

    def _reason_said(self) -> str:
        reason = self.reason_text()
        return f"\n\nReason: {reason}" if reason else "\n\nNo reason given."

    # --- cancelling (once asked) --------------------------------------------------------------

    def cancel_selected_line(self) -> None:
        """Cancel the units chosen on the selected line (all that is open by default)."""
        line = self.selected_line()
        if line is None:
            self.message.show_error("Select the line to cancel first")
            return
        line_no = line.line_no
        qty = self.qty.value() if 0 < self.qty.value() < line.open else None
        ref, reason = self.order_ref, self.reason_text()
        self._write(
            lambda s: cancel_line(s, ref, line_no, reason, qty=qty), f"line {line_no} of {ref}"
        )

    def cancel_whole_order(self) -> None:
        ref, reason = self.order_ref, self.reason_text()
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


def _verb(n: int, noun: str, one: str, many: str) -> str:
    """ "1 waiting unit leaves the queue", "2 waiting units leave the queue"; "" for none."""
    if n <= 0:
        return ""
    return f"{plural(n, noun)} {one if n == 1 else many}"
