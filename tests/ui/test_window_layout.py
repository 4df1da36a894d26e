"""The window on a small screen and across runs: usable at 1024x700, the keyboard back where
it was after every dialog, and sizes and column widths remembered."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QAbstractButton, QDialog, QWidget
from pytestqt.qtbot import QtBot

from app.db import Database
from app.ui import window_state
from app.ui.dialog_opening import open_dialog
from app.ui.main_window import MainWindow
from tests.ui.shop_data import Shop, build_shop, open_window, show_active

SMALL = (1024, 700)


@pytest.fixture
def shop(sqlite_db: Database) -> Shop:
    return build_shop(sqlite_db)


@pytest.fixture
def window(qtbot: QtBot, sqlite_db: Database, shop: Shop) -> MainWindow:
    window = open_window(qtbot, sqlite_db)
    show_active(qtbot, window)
    return window


def buttons_outside(top: QWidget) -> list[str]:
    """Visible buttons not wholly inside ``top``."""
    inside = top.rect()
    outside = []
    for button in top.findChildren(QAbstractButton):
        if button.isVisibleTo(top) and button.window() is top:
            rect = QRect(button.mapTo(top, QPoint(0, 0)), button.size())
            if not inside.contains(rect):
                outside.append(button.objectName() or button.text())
    return outside


def visible_dialog(window: MainWindow, kind: str) -> QDialog:
    found = [d for d in window.findChildren(QDialog) if d.isVisible() and type(d).__name__ == kind]
    assert len(found) == 1, window.statusBar().currentMessage()
    return found[0]


# --- 1024x700 ---------------------------------------------------------------------------------


def test_every_tab_fits_1024_by_700_with_every_button_inside(
    qtbot: QtBot, window: MainWindow
) -> None:
    hint = window.minimumSizeHint()
    assert hint.width() <= SMALL[0] and hint.height() <= SMALL[1]
    window.resize(*SMALL)
    for tab in window.all_tabs:
        window.show_tab(tab)
        qtbot.wait(10)
        assert buttons_outside(window) == [], tab.objectName()
        assert tab.table.height() > 200  # room for rows


@pytest.mark.parametrize(
    ("module", "name", "args"),
    [
        ("receive_stock", "ReceiveStockDialog", ("po",)),
        ("suggest_purchase_orders", "SuggestPurchaseOrdersDialog", ()),
        ("new_order", "NewOrderDialog", ()),
        ("order_detail", "OrderDetailDialog", ("C001",)),
        ("cancel_order", "CancelOrderDialog", ("C001",)),
    ],
)
def test_dialogs_fit_1024_by_700_with_every_button_inside(
    qtbot: QtBot, window: MainWindow, shop: Shop, module: str, name: str, args: tuple[str, ...]
) -> None:
    real = [shop.po_ref if a == "po" else shop.orders[a] for a in args]
    dialog = open_dialog(window, window.database, module, name, *real, report=print)
    assert dialog is not None
    hint = dialog.minimumSizeHint()
    assert hint.width() <= SMALL[0] - 40 and hint.height() <= SMALL[1] - 60, hint
    dialog.resize(min(dialog.width(), SMALL[0] - 40), min(dialog.height(), SMALL[1] - 60))
    qtbot.wait(10)
    assert buttons_outside(dialog) == []
    dialog.reject()


# --- focus back where it was -----------------------------------------------------------------


def test_focus_returns_to_the_orders_table_and_row_after_the_detail_view(
    qtbot: QtBot, window: MainWindow, shop: Shop
) -> None:
    tab = window.orders_tab
    window.show_tab(tab)
    assert tab.select_key(shop.orders["C002"])
    qtbot.keyClick(tab.table, Qt.Key.Key_Return)
    detail = visible_dialog(window, "OrderDetailDialog")
    show_active(qtbot, detail)
    assert not tab.table.hasFocus()
    qtbot.keyClick(detail.lines, Qt.Key.Key_Escape)
    qtbot.waitUntil(tab.table.hasFocus)
    assert tab.selected_key() == shop.orders["C002"]
    assert tab.table.currentIndex().row() == tab.model.find_row(shop.orders["C002"])


@pytest.mark.parametrize(
    ("tab_name", "keys", "kind"),
    [
        ("stock_tab", "Ctrl+J", "AdjustStockDialog"),
        ("orders_tab", "Ctrl+Shift+C", "CustomerDialog"),
        ("purchase_orders_tab", "Ctrl+R", "ReceiveStockDialog"),
        ("backorders_tab", "Ctrl+,", "SettingsDialog"),
    ],
)
def test_focus_returns_to_the_table_after_a_dialog_opened_by_shortcut(
    qtbot: QtBot, window: MainWindow, tab_name: str, keys: str, kind: str
) -> None:
    tab = getattr(window, tab_name)
    window.show_tab(tab)
    tab.table.selectRow(1)
    key = tab.selected_key()
    qtbot.keySequence(tab.table, QKeySequence(keys))
    dialog = visible_dialog(window, kind)
    show_active(qtbot, dialog)
    assert not tab.table.hasFocus()
    dialog.reject()
    qtbot.waitUntil(tab.table.hasFocus)
    assert tab.selected_key() == key


# --- remembered across runs ------------------------------------------------------------------


def test_window_size_and_column_widths_are_remembered(
    qtbot: QtBot, sqlite_db: Database, shop: Shop
) -> None:
    first = open_window(qtbot, sqlite_db)
    # (As narrow as its toolbars allow: the test screen is 800 pixels wide.)
    first.resize(first.minimumSizeHint().width(), 540)
    size = first.size()
    header = first.orders_tab.table.horizontalHeader()
    header.resizeSection(0, 173)
    first.backorders_tab.table.horizontalHeader().resizeSection(1, 61)
    first.close()
    assert window_state.state_path().exists()

    second = MainWindow(sqlite_db)
    qtbot.addWidget(second)
    second.show()
    qtbot.waitExposed(second)
    assert second.size() == size
    assert second.orders_tab.table.horizontalHeader().sectionSize(0) == 173
    assert second.backorders_tab.table.horizontalHeader().sectionSize(1) == 61
    second.close()


def test_a_remembered_size_larger_than_the_screen_is_fitted_to_it(
    qtbot: QtBot, sqlite_db: Database, shop: Shop
) -> None:
    first = open_window(qtbot, sqlite_db)
    first.resize(3000, 2000)  # a big monitor last time
    first.close()
    second = MainWindow(sqlite_db)
    qtbot.addWidget(second)
    second.show()
    qtbot.waitExposed(second)
    area = second.screen().availableGeometry()  # (as small as the window's contents allow)
    assert second.width() <= max(area.width(), second.minimumSizeHint().width())
    assert second.height() <= area.height()
    second.close()


def test_a_dialogs_size_is_remembered(qtbot: QtBot, window: MainWindow) -> None:
    dialog = open_dialog(window, window.database, "new_order", "NewOrderDialog", report=print)
    assert dialog is not None
    dialog.resize(700, 470)
    dialog.reject()
    again = open_dialog(window, window.database, "new_order", "NewOrderDialog", report=print)
    assert again is not None
    assert (again.width(), again.height()) == (700, 470)
    again.reject()


def test_a_damaged_layout_file_means_the_default_layout(
    qtbot: QtBot, sqlite_db: Database, shop: Shop
) -> None:
    window_state.state_path().parent.mkdir(parents=True, exist_ok=True)
    window_state.state_path().write_text("{not json", encoding="utf-8")
    window = open_window(qtbot, sqlite_db)
    assert window.isVisible()
    window.close()
    assert isinstance(window_state.load_state(), dict)
