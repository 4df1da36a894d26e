"""One customer order in full: its lines (with cancelled units, prices and totals), where each
line's units came from, the ETA of what still waits, and the history of the order.

Opened by Enter or a double-click on the Orders tab (or on a Backorders line). It only reads;
Ship and Cancel line open their own dialogs over it, and it re-reads the order after any
change announced on the bus, so what it shows stays true.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    Signal,
    Slot,
)
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.db import Database
from app.domain.actors import Actor
from app.services.changes import Area, Changes
from app.services.formatting import day, moment, money
from app.services.views.history import order_history
from app.services.views.order_detail import DetailLine, OrderDetail, order_detail
from app.ui import events
from app.ui.dialogs.coupon_table import order_coupon_words
from app.ui.dialogs.edit_tables import FIT_COLUMNS_MAX_ROWS
from app.ui.dialogs.widgets import (
    MessageLabel,
    guarded,
    heading_label,
    pick_one_row,
    read_with,
    stacked,
)
from app.ui.models.history_model import AUDIT_HEADERS, audit_cells, audit_tips
from app.ui.print_preview import order_print_button
from app.ui.role_actions import refusal

Index = QModelIndex | QPersistentModelIndex


class TextRowsModel(QAbstractTableModel):
    """Rows of ready-made text, read-only; numeric columns right-aligned; optional tooltips."""

    def __init__(self, headers: Sequence[str], numeric: frozenset[int], parent: Any = None) -> None:
        super().__init__(parent)
        self.headers = tuple(headers)
        self.numeric = numeric
        self.rows: list[tuple[str, ...]] = []
        self.tips: list[tuple[str, ...]] = []

    def set_rows(self, rows: list[tuple[str, ...]], tips: list[tuple[str, ...]]) -> None:
        self.beginResetModel()
        self.rows, self.tips = rows, tips
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.headers)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.headers[section] if 0 <= section < len(self.headers) else None
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self.rows):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self.rows[index.row()][index.column()]
        if role == Qt.ItemDataRole.ToolTipRole:
            tip = self.tips[index.row()][index.column()] if index.row() < len(self.tips) else ""
            return tip or self.rows[index.row()][index.column()] or None
        if role == Qt.ItemDataRole.TextAlignmentRole and index.column() in self.numeric:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None


LINE_HEADERS = (
    "#",
    "SKU",
    "Product",
    "Ordered",
    "Allocated",
    "Waiting",
    "Shipped",
    "Cancelled",
    "Unit price",
    "Total",
    "ETA",
    "Where the units came from",
)
HISTORY_HEADERS = ("When", "What happened")


def _table(name: str, model: QAbstractTableModel) -> QTableView:
    view = QTableView()
    view.setObjectName(name)
    view.setModel(model)
    pick_one_row(view)
    view.setAlternatingRowColors(True)
    view.setWordWrap(False)
    header = view.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    header.setStretchLastSection(True)
    header.setHighlightSections(False)
    return view


class OrderDetailDialog(QDialog):
    """The order ``ref`` in full, with Ship and Cancel line at hand."""

    #: A line for the main window's status bar (what a Ship or Cancel opened from here did).
    report = Signal(str)

    def __init__(self, database: Database, ref: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.database = database
        self.ref = ref
        self.detail: OrderDetail | None = None
        #: Opened from a read-only window: Ship and Cancel stay off.
        self.read_only = bool(getattr(parent, "read_only", False))
        self.setObjectName("OrderDetailDialog")
        self.setWindowTitle(f"Order {ref}")
        self.resize(1120, 640)  # twelve columns of lines: the ETA and its source in sight
        self.setMinimumSize(640, 420)
        self.title = heading_label(f"Order {ref}", "orderDetailTitle", 1.3)
        self.summary = QLabel()
        self.summary.setObjectName("orderDetailSummary")
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.message = MessageLabel()

        self.lines_model = TextRowsModel(LINE_HEADERS, frozenset({0, 3, 4, 5, 6, 7, 8, 9}), self)
        self.lines = _table("orderDetailLines", self.lines_model)
        for column, width in enumerate((32, 80, 160, 62, 70, 62, 62, 74, 84, 84, 150)):
            self.lines.horizontalHeader().resizeSection(column, width)
        self.lines.selectionModel().currentRowChanged.connect(lambda *_: self._line_chosen())
        #: The selected line in words (where its units came from, its ETA): readable at any
        #: width, where the table's last columns may be scrolled out of sight.
        self.line_info = QLabel()
        self.line_info.setObjectName("orderDetailLineInfo")
        self.line_info.setWordWrap(True)
        self.line_info.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.history_model = TextRowsModel(HISTORY_HEADERS, frozenset(), self)
        self.history = _table("orderDetailHistory", self.history_model)
        self.history.horizontalHeader().resizeSection(0, 150)
        # The audit trail of the order: who did what, on which till, with before and after.
        self.audit_model = TextRowsModel(AUDIT_HEADERS, frozenset(), self)
        self.audit = _table("orderDetailAudit", self.audit_model)
        for column, width in enumerate((150, 110, 110, 90, 110)):
            self.audit.horizontalHeader().resizeSection(column, width)
        self.history_tabs = QTabWidget()
        self.history_tabs.setObjectName("orderDetailHistoryTabs")
        self.history_tabs.addTab(self.history, "What happened")
        self.history_tabs.addTab(self.audit, "Who did what")
        self.total = QLabel()
        self.total.setObjectName("orderDetailTotal")

        lines_box = QWidget()
        box = QVBoxLayout(lines_box)
        box.setContentsMargins(0, 0, 0, 0)
        box.addWidget(self._caption("&Lines", self.lines))
        box.addWidget(self.lines, 1)
        box.addWidget(self.line_info)
        box.addWidget(self.total)
        history_box = QWidget()
        box = QVBoxLayout(history_box)
        box.setContentsMargins(0, 0, 0, 0)
        box.addWidget(self._caption("&History", self.history_tabs))
        box.addWidget(self.history_tabs, 1)
        self.splitter = stacked(lines_box, history_box, (3, 2), collapsible=False)
        self.splitter.setObjectName("orderDetailSplitter")

        self.buttons = QDialogButtonBox()
        self.ship_button = QPushButton("&Ship…")
        self.ship_button.setObjectName("orderDetailShipButton")
        self.ship_button.setToolTip("Ship the allocated units of this order, or part of them")
        self.cancel_line_button = QPushButton("&Cancel line…")
        self.cancel_line_button.setObjectName("orderDetailCancelLineButton")
        self.cancel_line_button.setToolTip("Cancel the selected line, or some of its units")
        self.print_button = order_print_button(self, database, ref)
        self.close_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Close)
        self.buttons.addButton(self.print_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.buttons.addButton(self.ship_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.buttons.addButton(self.cancel_line_button, QDialogButtonBox.ButtonRole.ActionRole)
        for button in (self.print_button, self.ship_button, self.cancel_line_button):
            button.setAutoDefault(False)
        #: The buttons' own tooltips, shown again when the role may use them.
        self._own_tips = {b: b.toolTip() for b in (self.ship_button, self.cancel_line_button)}
        self.close_button.setDefault(True)  # Enter, like Esc, closes: this view only reads
        self.close_button.clicked.connect(self.reject)
        self.ship_button.clicked.connect(self.ship)
        self.cancel_line_button.clicked.connect(self.cancel_line)

        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(self.summary)
        layout.addWidget(self.splitter, 1)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)
        events.bus().data_changed.connect(self._on_data_changed)
        self.load()
        self.lines.setFocus()

    @staticmethod
    def _caption(text: str, buddy: QWidget) -> QLabel:
        label = QLabel(text)
        label.setBuddy(buddy)
        font = label.font()
        font.setBold(True)
        label.setFont(font)
        return label

    # --- reading -----------------------------------------------------------------------------

    def load(self) -> None:
        """(Re-)read the order, keeping the selected line."""
        row = max(self.lines.currentIndex().row(), 0)
        detail: OrderDetail | None = guarded(
            self.message, lambda: read_with(self.database, lambda s: order_detail(s, self.ref))
        )
        self.detail = detail
        if detail is None:
            self._enable()
            return
        self.message.clear_message()
        self.summary.setText(_summary(detail))
        currency = detail.currency
        self.lines_model.set_rows(
            [_line_cells(line, currency) for line in detail.lines],
            [_line_tips(line) for line in detail.lines],
        )
        self._fit_columns()
        self.history_model.set_rows(
            [(moment(e.at, empty="(time not recorded)"), e.text) for e in detail.events], []
        )
        audit = guarded(
            self.message, lambda: read_with(self.database, lambda s: order_history(s, self.ref))
        )
        self.audit_model.set_rows(
            [audit_cells(row) for row in audit or []], [audit_tips(row) for row in audit or []]
        )
        cancelled = sum(line.cancelled for line in detail.lines)
        self.total.setText(
            f"Order total: <b>{money(detail.total, currency)}</b>"
            + (f" \N{MIDDLE DOT} {cancelled:,} cancelled units not charged" if cancelled else "")
            + order_coupon_words(detail)
        )
        if detail.lines:
            self.lines.selectRow(min(row, len(detail.lines) - 1))
        self._line_chosen()

    def _line_chosen(self) -> None:
        line = self.selected_line()
        self.line_info.setText("" if line is None else _line_words(line))
        self._enable()

    def _fit_columns(self) -> None:
        """Columns as wide as their contents (an order has few lines), the product's name
        and the ETA within reason, so the last column (where the units came from) shows."""
        if self.lines_model.rowCount() > FIT_COLUMNS_MAX_ROWS:
            return
        self.lines.resizeColumnsToContents()
        header = self.lines.horizontalHeader()
        for column, most in ((2, 200), (10, 170)):
            header.resizeSection(column, min(header.sectionSize(column), most))

    @Slot(object)
    def _on_data_changed(self, changes: Changes) -> None:
        if changes.touches(
            {Area.ORDERS, Area.QUEUE, Area.STOCK, Area.PURCHASE_ORDERS, Area.SETTINGS}
        ):
            self.load()

    def selected_line(self) -> DetailLine | None:
        index = self.lines.currentIndex()
        if self.detail is None or not index.isValid():
            return None
        return self.detail.lines[index.row()]

    def _enable(self) -> None:
        detail, line = self.detail, self.selected_line()
        writable = detail is not None and not self.read_only
        self.ship_button.setEnabled(writable and detail is not None and detail.allocated > 0)
        self.cancel_line_button.setEnabled(writable and line is not None and line.open > 0)
        # Greyed for a role that may not (a courtesy: the services refuse anyway).
        role = (self.database.actor or Actor.shop_owner()).role
        for button, tip in self._own_tips.items():
            refused = refusal(role, button.objectName())
            button.setToolTip(refused or tip)
            if refused:
                button.setEnabled(False)

    # --- acting ------------------------------------------------------------------------------

    def ship(self) -> None:
        self._open("ship_order", "ShipOrderDialog", self.ref)

    def cancel_line(self) -> None:
        line = self.selected_line()
        if line is None:
            self.message.show_error("Select the line to cancel first")
            return
        self._open("cancel_order", "CancelOrderDialog", self.ref, line.line_no)

    def _open(self, module: str, name: str, *args: Any) -> None:
        from app.ui.dialog_opening import open_dialog

        open_dialog(
            self,
            self.database,
            module,
            name,
            *args,
            report=self.report.emit,
            read_only=self.read_only,
        )


def _summary(detail: OrderDetail) -> str:
    whose = "this order's" if detail.overridden else "the customer's"
    ships = f"ships {detail.ship_preference.value} ({whose} choice)"
    parts = [
        f"{detail.customer} ({detail.customer_code})",
        detail.status.label,
        f"placed {moment(detail.placed_at)}",
        ships,
    ]
    text = "   \N{MIDDLE DOT}   ".join(parts)
    return f"{text}\nNote: {detail.note}" if detail.note else text


def _line_cells(line: DetailLine, currency: str) -> tuple[str, ...]:
    return (
        str(line.line_no),
        line.sku,
        line.name,
        f"{line.ordered:,}",
        f"{line.allocated:,}",
        f"{line.waiting:,}",
        f"{line.shipped:,}",
        f"{line.cancelled:,}",
        money(line.unit_price, currency),
        money(line.total, currency),
        line.eta_text,
        line.allocations_text,
    )


def _line_words(line: DetailLine) -> str:
    """ "Line 1 (MUG Blue mug): 2 from stock when ordered · 3 wait: 7 Dec · #2 in queue"."""
    parts = [line.allocations_text or "nothing allocated yet"]
    if line.waiting:
        parts.append(f"{line.waiting:,} waiting: {line.eta_text}")
    if line.shipped:
        parts.append(f"{line.shipped:,} shipped")
    if line.cancelled:
        reason = f" ({line.cancel_reason})" if line.cancel_reason else ""
        parts.append(f"{line.cancelled:,} cancelled{reason}")
    return f"Line {line.line_no} ({line.sku} {line.name}): " + " \N{MIDDLE DOT} ".join(parts)


def _line_tips(line: DetailLine) -> tuple[str, ...]:
    tips = [""] * len(LINE_HEADERS)
    if line.cancelled and line.cancel_reason:
        tips[7] = f"Cancelled: {line.cancel_reason}"
    eta = line.eta
    if line.waiting and eta is not None:
        stated = f"stated by {eta.po_ref}: {day(eta.expected, empty='no date')}"
        tips[10] = f"{line.eta_text}\n{stated}" if eta.po_ref else line.eta_text
        if eta.confidence:
            tips[10] += f"\n{eta.confidence}"
    return tuple(tips)
