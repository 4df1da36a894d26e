"""A read-only window (another copy of Shopkeeper holds the file): double-click, Enter, a
context menu or a shortcut never opens a dialog that could only fail to save; what is worth
looking at opens with its saving buttons disabled."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QMenu, QTableView, QWidget
from pytestqt.qtbot import QtBot

from app.db import Database, open_database
from app.ui.dialog_opening import READ_ONLY_MESSAGE
from app.ui.dialogs.settings import SettingsDialog
from app.ui.main_window import MainWindow
from tests.ui.test_models import fill_shop


@pytest.fixture
def reader(qtbot: QtBot, sqlite_db: Database) -> Iterator[MainWindow]:
    fill_shop(sqlite_db)
    database = open_database(sqlite_db.url, read_only=True)
    window = MainWindow(database, read_only=True)
    qtbot.addWidget(window)
    window.resize(1200, 760)
    window.show()
    qtbot.waitExposed(window)
    yield window
    window.close()
    database.dispose()


def show_tab(window: MainWindow, tab: QWidget) -> QTableView:
    window.tabs.setCurrentWidget(tab)
    view = tab.findChild(QTableView)
    assert view is not None
    return view


def double_click_first_row(qtbot: QtBot, view: QTableView) -> None:
    center = view.visualRect(view.model().index(0, 0)).center()
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=center)
    qtbot.mouseDClick(view.viewport(), Qt.MouseButton.LeftButton, pos=center)


def open_dialogs(window: MainWindow) -> list[QDialog]:
    return [d for d in window.findChildren(QDialog) if d.isVisible()]


@pytest.mark.parametrize("tab_name", ["stock_tab", "purchase_orders_tab"])
def test_double_clicking_a_row_opens_nothing_and_says_why(
    qtbot: QtBot, reader: MainWindow, tab_name: str
) -> None:
    view = show_tab(reader, getattr(reader, tab_name))
    double_click_first_row(qtbot, view)
    assert open_dialogs(reader) == []
    assert reader.statusBar().currentMessage() == READ_ONLY_MESSAGE


def test_enter_on_a_row_opens_nothing_either(qtbot: QtBot, reader: MainWindow) -> None:
    view = show_tab(reader, reader.purchase_orders_tab)
    view.setFocus()
    view.selectRow(0)
    qtbot.keyClick(view, Qt.Key.Key_Return)
    assert open_dialogs(reader) == []
    assert reader.statusBar().currentMessage() == READ_ONLY_MESSAGE


def test_a_backorder_line_cannot_be_pinned_or_moved(qtbot: QtBot, reader: MainWindow) -> None:
    tab = reader.backorders_tab
    view = show_tab(reader, tab)
    view.selectRow(0)
    actions = (tab.pin_action, tab.unpin_action, tab.up_action, tab.down_action)
    assert not any(action.isEnabled() for action in actions)
    before = [tab.model.row_at(n) for n in range(tab.model.rowCount())]
    qtbot.keyClick(
        view, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
    )
    point = view.visualRect(view.model().index(0, 0)).center()
    view.customContextMenuRequested.emit(point)
    assert tab.findChild(QMenu, "backordersMenu") is None
    assert reader.statusBar().currentMessage() == READ_ONLY_MESSAGE
    assert [tab.model.row_at(n) for n in range(tab.model.rowCount())] == before


def test_check_database_still_opens(qtbot: QtBot, reader: MainWindow) -> None:
    reader.check_database()
    (dialog,) = open_dialogs(reader)
    assert type(dialog).__name__ == "CheckDatabaseDialog"
    qtbot.waitUntil(lambda: getattr(dialog, "report", None) is not None, timeout=10_000)
    dialog.reject()


def test_the_queue_priority_can_be_seen_but_not_changed(reader: MainWindow) -> None:
    dialog = reader.backorders_tab.open_dialog("settings_priority", "QueuePriorityDialog")
    assert dialog is not None and dialog.isVisible()
    box = dialog.findChild(QDialogButtonBox)
    assert box is not None
    assert not box.button(QDialogButtonBox.StandardButton.Ok).isEnabled()
    assert box.button(QDialogButtonBox.StandardButton.Cancel).isEnabled()
    dialog.reject()

    reader.open_settings("Queue priority")
    settings = reader.findChild(SettingsDialog)
    assert settings is not None
    page = settings.findChild(QWidget, "queuePolicyPage")
    assert page is not None and not page.isEnabled()
    settings.reject()


def test_enter_on_a_row_of_a_writable_window_opens_its_dialog(
    qtbot: QtBot, sqlite_db: Database
) -> None:
    dialogs = pytest.importorskip("app.ui.dialogs.adjust_stock")
    fill_shop(sqlite_db)
    window = MainWindow(sqlite_db)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    view = show_tab(window, window.stock_tab)
    view.setFocus()
    view.selectRow(0)
    qtbot.keyClick(view, Qt.Key.Key_Return)
    (dialog,) = window.findChildren(dialogs.AdjustStockDialog)
    assert dialog.isVisible()
    dialog.reject()
