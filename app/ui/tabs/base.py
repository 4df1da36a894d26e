"""What every tab shares: a toolbar with the search box at the right, a paged table, a footer.

A tab reads its rows when it is first shown, not when it is built (the main window loads the
current tab at once). It listens to ``events.bus().data_changed``: when an area it shows
changed, a visible tab re-reads its model at once, keeping the sort, the filter, the scroll
position and (when the row is still there) the selection; a hidden one only notes that it is
stale and re-reads when next shown. It never reaches into another tab; it reports outcomes
with ``message``, which the main window shows in its status bar. A tab's own actions (pin a
line, send a PO) save through :meth:`TableTab.write`, off the GUI thread.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from PySide6.QtCore import QModelIndex, Qt, QTimer, Signal, SignalInstance, Slot
from PySide6.QtGui import QAction, QShowEvent
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QDialog,
    QHBoxLayout,
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
from app.services.changes import Area, Changes
from app.ui import events
from app.ui.actions import TabAction
from app.ui.dialog_opening import READ_ONLY_MESSAGE, open_dialog
from app.ui.models.paged_model import PagedTableModel
from app.ui.role_actions import BUTTON_PERMISSIONS
from app.ui.tabs.column_fit import KeepStretchReadable
from app.ui.writing import Writer, failure_text

log = logging.getLogger(__name__)

R = TypeVar("R")

#: Typing pauses this long before the table re-queries.
SEARCH_DELAY_MS = 250


class TableTab(QWidget):
    #: A line for the status bar: an outcome or a plain-words error.
    message = Signal(str)
    #: The selection changed, so which of the tab's menu actions apply may have too.
    actions_changed = Signal()

    #: The areas whose changes this tab shows (it refreshes when one of them changed).
    areas: frozenset[Area] = frozenset(Area)
    singular = "row"
    plural = "rows"

    def __init__(
        self,
        database: Database,
        model: PagedTableModel,
        *,
        search_name: str,
        search_hint: str,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.database = database
        self.model = model
        model.setParent(self)
        #: The rows on show are out of date (or were never read): re-read when next shown.
        self.stale = True
        #: Another copy of the app holds the shop file: nothing here may change it.
        self.read_only = False
        self._writer = Writer(self)
        #: Why the signed-in person may not use a button, by its name ("" when they may): set
        #: by the till lock from ``app.ui.role_actions``; a courtesy, the services refuse anyway.
        self._refusal: Callable[[str], str] = lambda _name: ""
        #: The tooltips of the buttons greyed for the role, to put back when it may again.
        self._role_free_tips: dict[str, str] = {}

        self.toolbar = QHBoxLayout()
        self.toolbar.setSpacing(6)
        self.search = QLineEdit()
        self.search.setObjectName(search_name)
        self.search.setPlaceholderText(search_hint)
        self.search.setClearButtonEnabled(True)
        self.search.setMinimumWidth(200)  # the toolbar fits a 1024-pixel-wide screen
        self.search.setMaximumWidth(320)
        self._search_timer = QTimer(self, singleShot=True, interval=SEARCH_DELAY_MS)
        self._search_timer.timeout.connect(self.apply_search)
        self.search.textChanged.connect(lambda _text: self._search_timer.start())
        self.search.returnPressed.connect(self.apply_search)

        self.table = QTableView()
        self.table.setObjectName(f"{search_name.removesuffix('Search')}Table")
        self._setup_table()

        self.footer = QLabel()
        self.footer.setObjectName(f"{search_name.removesuffix('Search')}Count")
        self.footer.setProperty("role", "footer")

        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 4)
        layout.setSpacing(6)
        layout.addLayout(self.toolbar)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.footer)

        model.countChanged.connect(self._show_count)
        model.loadFailed.connect(self.message)
        events.bus().data_changed.connect(self._on_data_changed)
        self.table.selectionModel().selectionChanged.connect(self._selection_changed)
        # Double-click, or Enter on the current row (a single click where the desktop
        # opens items on one click).
        self.table.activated.connect(self._activated)

    # --- building ----------------------------------------------------------------------------

    def add_button(self, text: str, name: str, slot: Any, *, tip: str = "") -> QPushButton:
        button = QPushButton(text)
        button.setObjectName(name)
        button.setToolTip(tip)
        button.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        button.clicked.connect(slot)
        self.toolbar.addWidget(button)
        return button

    def finish_toolbar(self) -> None:
        """Push the search box to the right end of the toolbar (call after adding buttons)."""
        self.toolbar.addStretch(1)
        self.toolbar.addWidget(self.search)

    def _setup_table(self) -> None:
        table = self.table
        table.setModel(self.model)
        table.setAlternatingRowColors(True)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.setTabKeyNavigation(False)  # Tab leaves the table; arrows move between rows
        table.setWordWrap(False)
        table.setShowGrid(False)
        table.setTextElideMode(Qt.TextElideMode.ElideRight)
        # A right-aligned number next to left-aligned text ("20 2026-11-07") needs air.
        table.setStyleSheet("QTableView::item { padding: 0px 6px; }")
        table.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        table.verticalHeader().setVisible(False)
        table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        table.verticalHeader().setDefaultSectionSize(table.fontMetrics().height() + 10)
        header = table.horizontalHeader()
        header.setHighlightSections(False)
        header.setStretchLastSection(False)
        header.setSectionsMovable(True)
        for number, column in enumerate(self.model.columns):
            header.resizeSection(number, column.width)
            mode = (
                QHeaderView.ResizeMode.Stretch
                if column.stretch
                else QHeaderView.ResizeMode.Interactive
            )
            header.setSectionResizeMode(number, mode)
            if column.stretch:
                KeepStretchReadable(table, number, column.width)
        # Show the model's own order before sorting is enabled (which sorts by the indicator).
        header.setSortIndicator(self.model.sort_column(), self.model.sort_order())
        table.setSortingEnabled(True)
        header.sortIndicatorChanged.connect(self._sort_indicator_changed)

    # --- behaviour ---------------------------------------------------------------------------

    @Slot()
    def apply_search(self) -> None:
        self._search_timer.stop()
        self.model.set_query(search=self.search.text().strip())

    def _sort_indicator_changed(self, column: int, _order: Qt.SortOrder) -> None:
        if column != self.model.sort_column():  # a column that cannot be sorted: put it back
            header = self.table.horizontalHeader()
            header.blockSignals(True)
            header.setSortIndicator(self.model.sort_column(), self.model.sort_order())
            header.blockSignals(False)
            self.message.emit(f"The table cannot be sorted by {self.model.columns[column].title}")

    @Slot(object)
    def _on_data_changed(self, changes: Changes) -> None:
        if changes.touches(self.areas):
            self.refresh()

    def refresh(self) -> None:
        """Re-read the rows now if the tab is on screen, else when it is next shown."""
        if self.isVisible():
            self.reload()
        else:
            self.stale = True

    def ensure_loaded(self) -> None:
        """Read the rows if they were never read or are stale."""
        if self.stale:
            self.reload()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.ensure_loaded()

    def reload(self) -> None:
        """Re-read the rows, keeping the sort, filter, scroll position and selection."""
        self.stale = False
        key = self.selected_key()
        scroll = self.table.verticalScrollBar().value()
        self.model.reload()
        if key is not None:
            self.select_key(key)
        self.table.verticalScrollBar().setValue(scroll)
        self._selection_changed()

    def selected_row(self) -> Any | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.row_at(rows[0].row()) if rows else None

    def selected_key(self) -> Hashable | None:
        row = self.selected_row()
        return None if row is None else self.model.row_key(row)

    def select_key(self, key: Hashable) -> bool:
        number = self.model.find_row(key)
        if number < 0:
            return False
        self.table.selectRow(number)
        return True

    def _show_count(self) -> None:
        self.footer.setText(self.count_text())

    def count_text(self) -> str:
        return self.model.count.text(self.singular, self.plural)

    def _selection_changed(self, *_args: object) -> None:
        self.selection_changed(self.selected_row())
        self._grey_for_role()
        self.actions_changed.emit()

    # --- greying what the signed-in role may not do -----------------------------------------

    def _role_widgets(self) -> list[QAbstractButton | QAction]:
        """The buttons (and the tool buttons' own actions) that need a permission."""
        found: list[QAbstractButton | QAction] = [*self.findChildren(QAbstractButton)]
        found += self.actions()
        return [widget for widget in found if widget.objectName() in BUTTON_PERMISSIONS]

    def set_refusal(self, refusal: Callable[[str], str]) -> None:
        """Grey out the buttons the signed-in role may not use, with a tooltip saying who may
        (after a sign-in, a switch of user or a role changed at another till). A button the
        new role may use again gets its tooltip back, and is enabled as the selection allows."""
        for widget in self._role_widgets():
            tip = self._role_free_tips.pop(widget.objectName(), None)
            if tip is not None:
                widget.setToolTip(tip)
                widget.setEnabled(True)  # the selection decides again just below
        self._refusal = refusal
        self._selection_changed()

    def _grey_for_role(self) -> None:
        for widget in self._role_widgets():
            refused = self._refusal(widget.objectName())
            if not refused:
                continue
            self._role_free_tips.setdefault(widget.objectName(), widget.toolTip())
            widget.setEnabled(False)
            widget.setToolTip(refused)

    def menu_actions(self) -> list[TabAction]:
        """Override: what this tab offers in the main window's menus (``app.ui.actions``)."""
        return []

    def selection_changed(self, row: Any | None) -> None:
        """Override to enable or disable buttons for the selected row."""

    def set_read_only(self) -> None:
        """Another copy of the app holds the shop: offer nothing that changes it (the main
        window hides the toolbar's buttons; a tab disables what else it offers)."""
        self.read_only = True
        self._selection_changed()

    def write(
        self, write: Callable[[Session], R], *, label: str, done: Callable[[R], None]
    ) -> None:
        """Run one of this tab's writes off the GUI thread (see ``app.ui.writing``): the tab
        is disabled meanwhile and a second write is refused; then what the service changed
        is announced and ``done(result)`` runs, or the failure is said in the status bar.
        ``write`` must capture plain values only (the selected row's ids, not the tab)."""
        if self.read_only:
            self.message.emit(READ_ONLY_MESSAGE)
            return
        if not self._writer.start(
            self.database,
            write,
            label=label,
            done=done,
            failed=lambda error: self.message.emit(failure_text(error)),
        ):
            self.message.emit("Still saving the last change; try again in a moment")

    def _activated(self, index: QModelIndex) -> None:
        row = self.model.row_at(index.row())
        if row is not None:
            self.row_activated(row)

    def row_activated(self, row: Any) -> None:
        """Override: a row was double-clicked (or Enter was pressed on it)."""

    def open_dialog(self, module: str, name: str, *args: Any) -> QDialog | None:
        """Open a dialog over this tab; what it (or a dialog it opens) reports on its own
        ``report`` signal, if it has one, shows in the status bar too."""
        dialog = open_dialog(
            self,
            self.database,
            module,
            name,
            *args,
            report=self.message.emit,
            read_only=self.read_only,
        )
        report = getattr(dialog, "report", None)
        if isinstance(report, SignalInstance):
            report.connect(self.message)
        return dialog
