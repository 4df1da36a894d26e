"""Backorders: the queue of customers waiting for stock, in the order receipts serve them.

The tab shows the shop's queue policy ("Serving: Gold customers first") with a button to
change it, filters (product, customer, age, not on order) that re-query the database, and a
manager's reordering: pin to front, unpin, move up, move down, as buttons, a context menu
and shortcuts. Each action calls one service in its own write transaction, off the GUI thread
(``TableTab.write``), reports the line's new place in the status bar and keeps the line
selected after the refresh.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QPoint, Qt, QTimer, Slot
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QCheckBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QPushButton,
    QSpinBox,
    QToolButton,
    QWidget,
)
from sqlalchemy.orm import Session

from app.db import Database
from app.services import queue
from app.services.changes import Area
from app.services.views import BackorderRow
from app.ui.actions import TabAction
from app.ui.dialog_opening import READ_ONLY_MESSAGE
from app.ui.models.backorders_model import BackordersModel
from app.ui.tabs.base import SEARCH_DELAY_MS, TableTab


def units(count: int) -> str:
    return f"{count:,} unit{'' if count == 1 else 's'}"


#: (action attribute, text, shortcut, object name, tip)
_ACTIONS = (
    (
        "pin_action",
        "Pin to front",
        "Ctrl+Shift+P",
        "backordersPin",
        "Serve this line before every unpinned line of its product",
    ),
    (
        "unpin_action",
        "Unpin",
        "Ctrl+Shift+U",
        "backordersUnpin",
        "Put the line back in its place (when its order was placed)",
    ),
    (
        "up_action",
        "Move up",
        "Alt+Up",
        "backordersMoveUp",
        "Serve this line just before the line ahead of it",
    ),
    (
        "down_action",
        "Move down",
        "Alt+Down",
        "backordersMoveDown",
        "Serve this line just after the line behind it",
    ),
)


#: The actions' menu texts, with their Alt letters.
_MENU_TEXT = {
    "pin_action": "&Pin to front",
    "unpin_action": "U&npin",
    "up_action": "Move &up",
    "down_action": "Move &down",
}


class BackordersTab(TableTab):
    singular = "line waiting"
    plural = "lines waiting"
    areas = frozenset(
        {Area.QUEUE, Area.ORDERS, Area.STOCK, Area.PURCHASE_ORDERS, Area.CATALOG, Area.SETTINGS}
    )

    pin_action: QAction
    unpin_action: QAction
    up_action: QAction
    down_action: QAction

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
        for attribute, text, keys, name, tip in _ACTIONS:
            action = QAction(text, self)
            action.setObjectName(name)
            action.setShortcut(QKeySequence(keys))
            action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            action.setToolTip(f"{tip} ({QKeySequence(keys).toString()})")
            action.setEnabled(False)
            self.addAction(action)
            setattr(self, attribute, action)
            button = QToolButton()
            button.setDefaultAction(action)
            button.setObjectName(f"{name}Button")
            button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
            button.setFocusPolicy(Qt.FocusPolicy.TabFocus)
            self.toolbar.addWidget(button)
        self.pin_action.triggered.connect(lambda: self._reorder(queue.pin_line, "Pinned"))
        self.unpin_action.triggered.connect(lambda: self._reorder(queue.unpin_line, "Unpinned"))
        self.up_action.triggered.connect(lambda: self._move("up"))
        self.down_action.triggered.connect(lambda: self._move("down"))
        separator = QFrame()
        separator.setFrameShape(QFrame.Shape.VLine)
        separator.setFrameShadow(QFrame.Shadow.Sunken)
        self.toolbar.addSpacing(6)
        self.toolbar.addWidget(separator)
        self.toolbar.addSpacing(6)
        self.policy_label = QLabel()
        self.policy_label.setObjectName("backordersPolicy")
        self.policy_label.setTextFormat(Qt.TextFormat.RichText)
        self.toolbar.addWidget(self.policy_label)
        self.change_policy = QPushButton("Change…")
        self.change_policy.setObjectName("backordersChangePolicy")
        self.change_policy.setToolTip("Choose who is served first (a shop-wide setting)")
        self.change_policy.clicked.connect(self._change_policy)
        self.toolbar.addWidget(self.change_policy)
        self.finish_toolbar()
        self._build_filters()
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.table.customContextMenuRequested.connect(self._context_menu)
        self.queue_model.countChanged.connect(self._show_policy)

    def menu_actions(self) -> list[TabAction]:
        """The pin and move actions (their shortcuts move to these menu items), and who is
        served first."""
        specs = [
            TabAction(
                f"{getattr(self, attribute).objectName()}Action",
                _MENU_TEXT[attribute],
                getattr(self, attribute).trigger,
                "&Backorders",
                keys,
                enabled=getattr(self, attribute).isEnabled,
                tip=tip,
            )
            for attribute, _text, keys, _name, tip in _ACTIONS
        ]
        specs.append(
            TabAction(
                "queuePriorityAction",
                "Who is served &first…",
                self._change_policy,
                "&Backorders",
                "Ctrl+Shift+F",
                anywhere=True,  # a shop-wide setting
                writes=False,  # it opens with saving disabled in a read-only window
                separator_before=True,
            )
        )
        return specs

    def row_activated(self, row: Any) -> None:
        """Enter or a double-click: the line's order in full."""
        if isinstance(row, BackorderRow):
            self.open_dialog("order_detail", "OrderDetailDialog", row.order_ref)

    def _build_filters(self) -> None:
        """The second row: product, customer and age filters, and "not on order" only."""
        filters = QHBoxLayout()
        filters.setSpacing(6)
        self.product_filter = self._filter_box("backordersProductFilter", "Product (SKU or name)")
        self.customer_filter = self._filter_box(
            "backordersCustomerFilter", "Customer (name or code)"
        )
        self.min_days = QSpinBox()
        self.min_days.setObjectName("backordersMinDays")
        self.min_days.setRange(0, 3650)
        self.min_days.setPrefix("Waiting more than ")
        self.min_days.setSuffix(" days")
        self.min_days.setSpecialValueText("Waiting any time")
        self.min_days.setToolTip("Only lines of orders placed more than this many days ago")
        self.min_days.setKeyboardTracking(False)
        self.min_days.valueChanged.connect(lambda days: self.model.set_query(min_days=days))
        self.not_on_order = QCheckBox("Not on order only")
        self.not_on_order.setObjectName("backordersNotOnOrder")
        self.not_on_order.setToolTip("Only lines no purchase order covers (fully): order these")
        self.not_on_order.toggled.connect(self._not_on_order_toggled)
        filters.addWidget(QLabel("Show:"))
        for widget in (self.product_filter, self.customer_filter, self.min_days):
            filters.addWidget(widget)
        filters.addWidget(self.not_on_order)
        filters.addStretch(1)
        layout = self.layout()
        assert layout is not None
        layout.insertLayout(1, filters)  # type: ignore[attr-defined]

    def _filter_box(self, name: str, hint: str) -> QLineEdit:
        box = QLineEdit()
        box.setObjectName(name)
        box.setPlaceholderText(hint)
        box.setClearButtonEnabled(True)
        box.setFixedWidth(190)
        timer = QTimer(box, singleShot=True, interval=SEARCH_DELAY_MS)
        timer.timeout.connect(self._apply_filters)
        box.textChanged.connect(lambda _text: timer.start())
        box.returnPressed.connect(self._apply_filters)
        return box

    @Slot()
    def _apply_filters(self) -> None:
        self.model.set_query(
            product=self.product_filter.text().strip(),
            customer=self.customer_filter.text().strip(),
        )

    @Slot(bool)
    def _not_on_order_toggled(self, checked: bool) -> None:
        self.model.set_query(not_on_order=checked)

    def _show_policy(self) -> None:
        policy = self.queue_model.policy
        self.policy_label.setText(f"Serving: <b>{policy.label}</b>")

    def count_text(self) -> str:
        """ "12 lines waiting · 38 units backordered in all"; with a filter, the units of the lines
        shown, then the shop's total: "4 lines waiting, 9 units (filtered) · 38 units
        backordered in the shop"."""
        model = self.queue_model
        total = f"{units(model.units_waiting)} backordered"
        if not model.query.filtered:
            return f"{super().count_text()} · {total} in all"
        more = "" if model.count.exact else "+"
        shown = f"{model.units_shown:,}{more} unit{'' if model.units_shown == 1 else 's'}"
        return f"{super().count_text()}, {shown} (filtered) · {total} in the shop"

    # --- reordering ----------------------------------------------------------------------

    def selection_changed(self, row: Any | None) -> None:
        line = row if isinstance(row, BackorderRow) and not self.read_only else None
        self.pin_action.setEnabled(line is not None and not line.pinned)
        self.unpin_action.setEnabled(line is not None and line.pinned)
        # A move never leaves the line's class (pinned, gold under loyalty, the rest): offer
        # only the moves the queue accepts.
        self.up_action.setEnabled(line is not None and line.can_move_up)
        self.down_action.setEnabled(line is not None and line.can_move_down)

    def _context_menu(self, point: QPoint) -> None:
        index = self.table.indexAt(point)
        if not index.isValid():
            return
        if self.read_only:
            self.message.emit(READ_ONLY_MESSAGE)
            return
        self.table.selectRow(index.row())
        menu = QMenu(self)
        menu.setObjectName("backordersMenu")
        for action in (self.pin_action, self.unpin_action, self.up_action, self.down_action):
            menu.addAction(action)
        menu.popup(self.table.viewport().mapToGlobal(point))

    def _move(self, direction: queue.Direction) -> None:
        def move(session: Session, line_id: int) -> queue.QueuePlace:
            return queue.move_line(session, line_id, direction)

        self._reorder(move, f"Moved {direction}")

    def _reorder(self, change: Callable[[Session, int], queue.QueuePlace], verb: str) -> None:
        row = self.selected_row()
        if not isinstance(row, BackorderRow):
            return
        line_id = row.order_line_id
        what = f"{verb} {row.order_ref} line {row.line_no} ({row.sku})"

        def done(place: queue.QueuePlace) -> None:
            # The announcement re-read this tab (it is on screen), keeping the line selected.
            self.message.emit(f"{what}: {place.text}")
            self._reveal(line_id)

        self.write(
            lambda session: change(session, line_id),
            label=f"Moving {row.order_ref} line {row.line_no} in its queue…",
            done=done,
        )

    def _reveal(self, line_id: int) -> None:
        if not self.isVisible():
            self.reload()
        if self.select_key(line_id):
            self.table.scrollTo(self.table.selectionModel().selectedRows()[0])

    def _change_policy(self) -> None:
        self.open_dialog("settings_priority", "QueuePriorityDialog")
