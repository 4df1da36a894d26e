"""View > History…: the audit trail, who did what on which till and when, filtered by person,
document, product, what was done and a range of days.

The table pages in the database (``HistoryModel``); the filters re-query as they are typed
(after a short pause). Below it, the selected event's changed fields, each with its value
before and after, in the shop's words. It only reads, so it opens in a read-only window too.
"""

from __future__ import annotations

from datetime import date, timedelta

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from app.db import Database
from app.services import formatting
from app.services.views.history import HistoryRow, history_actions, history_users
from app.ui import events
from app.ui.dialogs.order_detail import TextRowsModel, _table
from app.ui.dialogs.widgets import MessageLabel, guarded, heading_label, read_with, stacked
from app.ui.models.history_model import HistoryModel

#: The ranges of days offered: label -> days back from today (None: any time).
RANGES: tuple[tuple[str, int | None], ...] = (
    ("Any time", None),
    ("Today", 0),
    ("Last 7 days", 6),
    ("Last 30 days", 29),
    ("Last 365 days", 364),
)
EVERYONE = "Everyone"
ANYTHING = "Anything"
#: Typing in a filter re-reads after this pause (ms), not on every key.
FILTER_DELAY_MS = 250


class HistoryDialog(QDialog):
    """The audit trail; ``document``: open already filtered to an order or PO."""

    def __init__(self, database: Database, document: str = "", parent: QWidget | None = None):
        super().__init__(parent)
        self.database = database
        self.setObjectName("historyDialog")
        self.setWindowTitle("History")
        self.resize(1150, 640)
        self.setMinimumSize(720, 420)
        self.message = MessageLabel()

        self.user = QComboBox()
        self.user.setObjectName("historyUser")
        self.document = QLineEdit(document)
        self.document.setObjectName("historyDocument")
        self.document.setPlaceholderText("SO-… or PO-…")
        self.document.setClearButtonEnabled(True)
        self.product = QLineEdit()
        self.product.setObjectName("historyProduct")
        self.product.setPlaceholderText("code or barcode")
        self.product.setClearButtonEnabled(True)
        self.action = QComboBox()
        self.action.setObjectName("historyAction")
        self.days = QComboBox()
        self.days.setObjectName("historyDays")
        for label, back in RANGES:
            self.days.addItem(label, back)
        self._fill_choices()

        filters = QGridLayout()
        for column, (text, field) in enumerate(
            (
                ("&Who", self.user),
                ("&Document", self.document),
                ("&Product", self.product),
                ("Di&d", self.action),
                ("&When", self.days),
            )
        ):
            caption = QLabel(text)
            caption.setBuddy(field)
            filters.addWidget(caption, 0, column)
            filters.addWidget(field, 1, column)
            filters.setColumnStretch(column, 1)

        self.model = HistoryModel(database, self)
        self.model.loadFailed.connect(self.message.show_error)
        self.model.countChanged.connect(self._show_count)
        self.table = _table("historyTable", self.model)
        header = self.table.horizontalHeader()
        for number, shown in enumerate(self.model.columns):
            header.resizeSection(number, shown.width)
        self.table.setSortingEnabled(True)
        header.setSortIndicator(self.model.sort_column(), self.model.sort_order())
        self.table.selectionModel().currentRowChanged.connect(lambda *_: self._show_changes())
        self.count = QLabel()
        self.count.setObjectName("historyCount")

        self.changes_model = TextRowsModel(("Field", "Before", "After"), frozenset(), self)
        self.changes = _table("historyChanges", self.changes_model)
        self.changes.horizontalHeader().resizeSection(0, 200)
        self.changes.horizontalHeader().resizeSection(1, 300)
        self.event_text = QLabel()
        self.event_text.setObjectName("historyEventText")
        self.event_text.setWordWrap(True)
        self.event_text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        below = QWidget()
        box = QVBoxLayout(below)
        box.setContentsMargins(0, 0, 0, 0)
        box.addWidget(self.event_text)
        box.addWidget(self.changes, 1)
        splitter = stacked(self.table, below, (3, 1), collapsible=False)

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(heading_label("History", "historyTitle", 1.3))
        layout.addLayout(filters)
        layout.addWidget(splitter, 1)
        layout.addWidget(self.count)
        layout.addWidget(self.message)
        layout.addWidget(buttons)

        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(FILTER_DELAY_MS)
        self._timer.timeout.connect(self.apply_filters)
        for edit in (self.document, self.product):
            edit.textChanged.connect(lambda _text: self._timer.start())
        for combo in (self.user, self.action, self.days):
            combo.currentIndexChanged.connect(lambda _index: self.apply_filters())
        events.bus().data_changed.connect(self._on_data_changed)
        self.model.reload(keep_loaded=False)
        self.apply_filters()
        self.table.setFocus()

    def _on_data_changed(self, _changes: object) -> None:
        self.model.reload()  # whatever was written, it left rows in the trail

    def _fill_choices(self) -> None:
        """The people and kinds of action the trail holds, for the filters."""
        found = guarded(
            self.message,
            lambda: read_with(self.database, lambda s: (history_users(s), history_actions(s))),
        )
        users, actions = found if found is not None else ([], [])
        self.user.addItem(EVERYONE, "")
        for name in users:
            self.user.addItem(name, name)
        self.action.addItem(ANYTHING, "")
        for action in actions:
            self.action.addItem(action, action)

    def apply_filters(self) -> None:
        """Re-read the trail with what the filters say now."""
        self._timer.stop()
        back = self.days.currentData()
        self.model.set_query(
            user=self.user.currentData() or "",
            document=self.document.text().strip(),
            product=self.product.text().strip(),
            action=self.action.currentData() or "",
            since=None if back is None else date.today() - timedelta(days=int(back)),
        )
        if self.model.rowCount() and not self.table.currentIndex().isValid():
            self.table.selectRow(0)
        self._show_changes()

    def _show_count(self) -> None:
        self.count.setText(self.model.count.text("event", "events"))

    def selected(self) -> HistoryRow | None:
        row = self.model.row_at(self.table.currentIndex().row())
        return row if isinstance(row, HistoryRow) else None

    def _show_changes(self) -> None:
        row = self.selected()
        if row is None:
            self.event_text.setText("")
            self.changes_model.set_rows([], [])
            return
        record = f"{row.what} {row.document}" if row.document else row.what
        self.event_text.setText(
            f"{record} {row.action} by {row.user} ({row.role}) on {row.till}, "
            f"{formatting.moment(row.at)}"
        )
        self.changes_model.set_rows(
            [(c.field, c.before, c.after) for c in row.changes],
            [],
        )
