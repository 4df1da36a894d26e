"""The main window: four tabs showing the shop, kept current after every change."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QDialog,
    QLineEdit,
    QPushButton,
    QTableView,
    QWidget,
)
from pytestqt.qtbot import QtBot

from app.db import Database
from app.domain import OrderStatus
from app.services import ordering, stock
from app.services.changes import Area, Changes
from app.services.ordering import LineRequest
from app.ui import events
from app.ui.main_window import MainWindow
from app.ui.models.paged_model import PagedTableModel
from tests.ui.conftest import wait_for_saves
from tests.ui.shop_data import open_window
from tests.ui.test_models import cells, column, fill_shop


@pytest.fixture
def window(qtbot: QtBot, sqlite_db: Database) -> MainWindow:
    fill_shop(sqlite_db)
    return open_window(qtbot, sqlite_db)


def table(win: MainWindow, tab_name: str) -> QTableView:
    tab = win.findChild(QWidget, tab_name)
    assert tab is not None, tab_name
    view = tab.findChild(QTableView)
    assert view is not None
    return view


def model_of(win: MainWindow, tab_name: str) -> PagedTableModel:
    """The model of a tab, shown first (a hidden tab reads its rows when it is shown)."""
    tab = win.findChild(QWidget, tab_name)
    win.tabs.setCurrentWidget(tab)
    model = table(win, tab_name).model()
    assert isinstance(model, PagedTableModel)
    return model


def test_window_has_four_main_tabs_first_menus_and_a_titled_database(window: MainWindow) -> None:
    assert window.windowTitle() == "shop.sqlite3 — Shopkeeper"  # the name once
    names = [window.tabs.widget(i).objectName() for i in range(window.tabs.count())]
    assert names[:4] == ["stockTab", "ordersTab", "purchaseOrdersTab", "backordersTab"]
    # The catalog after, then the reports.
    assert names[4:] == ["productsTab", "suppliersTab", "customersTab", "reportsTab"]
    menus = [action.text().replace("&", "") for action in window.menuBar().actions()]
    assert menus == [
        "File",
        "View",
        "Stock",
        "Orders",
        "Documents",
        "Purchasing",
        "Backorders",
        "Catalog",
        "Help",
    ]
    assert window.receive_action.shortcut().toString() == "Ctrl+R"
    assert window.new_order_action.shortcut().toString() == "Ctrl+N"
    assert window.statusBar().isVisible()


def test_each_tab_shows_the_shop(window: MainWindow) -> None:
    stock_model = model_of(window, "stockTab")
    assert cells(stock_model, "SKU") == ["ANVIL", "GLUE", "ROPE"]
    assert cells(model_of(window, "ordersTab"), "Ref") == ["SO-3", "SO-2", "SO-1"]
    assert cells(model_of(window, "purchaseOrdersTab"), "Ref") == ["PO-1"]
    assert cells(model_of(window, "backordersTab"), "Queue") == [
        "1st · 0 units ahead",
        "2nd · 2 units ahead",
        "3rd · 5 units ahead",
    ]
    footer = window.stock_tab.footer.text()
    assert footer == "3 products"
    assert window.backorders_tab.footer.text() == "3 lines waiting · 9 units backordered in all"


def test_tables_never_resize_to_contents_and_stretch_the_name(
    window: MainWindow, qtbot: QtBot
) -> None:
    window.resize(1600, 900)  # room for every column: the name takes what is left
    header = table(window, "stockTab").horizontalHeader()
    name = column(model_of(window, "stockTab"), "Name")
    qtbot.waitUntil(lambda: header.sectionResizeMode(name) == header.ResizeMode.Stretch)
    modes = [header.sectionResizeMode(i) for i in range(header.count())]
    assert header.ResizeMode.ResizeToContents not in modes


def test_typing_in_the_search_box_filters_the_stock(window: MainWindow, qtbot: QtBot) -> None:
    search = window.findChild(QLineEdit, "stockSearch")
    model = model_of(window, "stockTab")
    qtbot.keyClicks(search, "rop")
    qtbot.waitUntil(lambda: cells(model, "SKU") == ["ROPE"])
    assert window.stock_tab.footer.text() == "1 product"
    search.clear()
    qtbot.waitUntil(lambda: model.rowCount() == 3)


def test_orders_search_and_status_filter(window: MainWindow, qtbot: QtBot) -> None:
    model = model_of(window, "ordersTab")
    search = window.findChild(QLineEdit, "ordersSearch")
    qtbot.keyClicks(search, "runner")
    qtbot.keyClick(search, Qt.Key.Key_Return)
    assert cells(model, "Ref") == ["SO-2"]
    search.clear()
    qtbot.keyClick(search, Qt.Key.Key_Return)
    combo = window.findChild(QComboBox, "ordersStatusFilter")
    combo.setCurrentIndex(combo.findData(OrderStatus.SHIPPED))
    assert model.rowCount() == 0
    combo.setCurrentIndex(combo.findData(OrderStatus.BACKORDERED))
    assert cells(model, "Ref") == ["SO-2"]
    combo.setCurrentIndex(combo.findData(OrderStatus.PART_READY))
    assert cells(model, "Ref") == ["SO-3", "SO-1"]


def test_clicking_a_header_sorts_by_requerying(window: MainWindow, qtbot: QtBot) -> None:
    view = table(window, "stockTab")
    model = model_of(window, "stockTab")
    header = view.horizontalHeader()
    on_hand = column(model, "On hand")
    x = header.sectionViewportPosition(on_hand) + header.sectionSize(on_hand) // 2
    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(x, 5))
    assert model.query.sort == "on_hand"
    first = cells(model, "SKU")
    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(x, 5))
    assert cells(model, "SKU") == list(reversed(first))
    incoming = column(model, "Incoming")  # not sortable: the order stays
    view.sortByColumn(incoming, Qt.SortOrder.AscendingOrder)
    assert model.query.sort == "on_hand"
    assert header.sortIndicatorSection() == on_hand


def test_every_tab_updates_after_a_change_is_announced(window: MainWindow, qtbot: QtBot) -> None:
    with window.database.write() as s:
        ordering.place_order(s, "C2", [LineRequest("GLUE", 2)], ref="SO-4")
    events.bus().announce(Changes.of(Area.ORDERS, Area.STOCK, Area.QUEUE))
    assert "SO-4" in cells(model_of(window, "ordersTab"), "Ref")
    stock_model = model_of(window, "stockTab")
    assert cells(stock_model, "Backordered") == ["9", "2", "0"]
    assert cells(model_of(window, "backordersTab"), "Order")[-1] == "SO-4"
    assert window.orders_tab.footer.text() == "4 orders"


def test_only_the_current_tab_reads_its_rows_until_another_is_shown(
    window: MainWindow,
) -> None:
    assert window.tabs.currentWidget() is window.stock_tab
    assert window.stock_tab.model.rowCount() == 3
    for tab in (window.orders_tab, window.purchase_orders_tab, window.backorders_tab):
        assert tab.stale and tab.model.rowCount() == 0, tab.objectName()
    window.tabs.setCurrentWidget(window.backorders_tab)
    assert not window.backorders_tab.stale
    assert window.backorders_tab.model.rowCount() == 3


def test_a_hidden_tab_rereads_a_change_only_when_shown(window: MainWindow) -> None:
    orders = model_of(window, "ordersTab")
    window.tabs.setCurrentWidget(window.stock_tab)
    with window.database.write() as s:
        ordering.place_order(s, "C2", [LineRequest("GLUE", 2)], ref="SO-4")
    reads: list[str] = []
    orders.modelReset.connect(lambda: reads.append("orders"))
    window.stock_tab.model.modelReset.connect(lambda: reads.append("stock"))
    events.bus().announce(Changes.of(Area.ORDERS, Area.STOCK))
    assert reads == ["stock"]  # the visible tab at once; the hidden one waits
    assert window.orders_tab.stale and "SO-4" not in cells(orders, "Ref")
    window.tabs.setCurrentWidget(window.orders_tab)
    assert reads == ["stock", "orders"]
    assert cells(orders, "Ref")[0] == "SO-4"
    window.tabs.setCurrentWidget(window.stock_tab)
    window.tabs.setCurrentWidget(window.orders_tab)  # not stale: no second read
    assert reads == ["stock", "orders"]


def test_a_refresh_keeps_the_selection_and_the_filter(window: MainWindow) -> None:
    tab = window.stock_tab
    tab.select_key(tab.model.row_at(2).product_id)  # ROPE
    with window.database.write() as s:
        stock.adjust_stock(s, "ROPE", -100, "damaged")
    events.bus().announce(Changes.of(Area.STOCK))
    assert tab.selected_sku() == "ROPE"
    assert cells(tab.model, "On hand")[2] == "1,100"


def test_ship_ships_the_selected_order_and_says_so(window: MainWindow, qtbot: QtBot) -> None:
    tab = window.orders_tab
    window.tabs.setCurrentWidget(tab)
    with window.database.write() as s:
        ordering.place_order(s, "C2", [LineRequest("ROPE", 3)], ref="SO-R")
    events.bus().announce(Changes.of(Area.ORDERS))
    assert tab.select_key("SO-R")
    ship = window.findChild(QPushButton, "shipOrderButton")
    assert ship.isEnabled()
    qtbot.mouseClick(ship, Qt.MouseButton.LeftButton)  # opens the ship dialog (issue 3)
    dialog = window.findChild(QDialog, "ShipOrderDialog")
    assert dialog is not None
    dialog.submit()  # everything allocated, as the dialog proposes
    wait_for_saves(qtbot)
    assert "Shipped 3 units of SO-R" in window.statusBar().currentMessage()
    assert tab.selected_order() is not None
    assert tab.selected_order().status == OrderStatus.SHIPPED
    assert cells(model_of(window, "stockTab"), "On hand")[2] == "1,197"


def test_ship_refusal_is_shown_plainly(window: MainWindow) -> None:
    tab = window.orders_tab
    window.tabs.setCurrentWidget(tab)
    assert tab.select_key("SO-2")  # everything waits: nothing to ship
    assert not window.findChild(QPushButton, "shipOrderButton").isEnabled()
    tab.ship_selected()
    assert "nothing allocated to ship" in window.statusBar().currentMessage()


def test_dialog_buttons_exist(window: MainWindow) -> None:
    for name in (
        "newOrderButton",
        "shipOrderButton",
        "cancelOrderButton",
        "newPurchaseOrderButton",
        "receiveButton",
    ):
        assert window.findChild(QPushButton, name) is not None, name


@pytest.mark.parametrize(
    ("tab_name", "select", "button", "module", "dialog_class"),
    [
        ("stockTab", None, "adjustStockButton", "adjust_stock", "AdjustStockDialog"),
        ("stockTab", None, "receiveStockButton", "receive_stock", "ReceiveStockDialog"),
        ("ordersTab", None, "newOrderButton", "new_order", "NewOrderDialog"),
        ("ordersTab", "SO-2", "cancelOrderButton", "cancel_order", "CancelOrderDialog"),
        (
            "purchaseOrdersTab",
            None,
            "newPurchaseOrderButton",
            "new_purchase_order",
            "NewPurchaseOrderDialog",
        ),
        ("purchaseOrdersTab", "PO-1", "receiveButton", "receive_stock", "ReceiveStockDialog"),
    ],
)
def test_toolbar_buttons_open_their_dialogs(
    window: MainWindow,
    qtbot: QtBot,
    tab_name: str,
    select: str | None,
    button: str,
    module: str,
    dialog_class: str,
) -> None:
    dialogs = pytest.importorskip(f"app.ui.dialogs.{module}")
    tab = window.findChild(QWidget, tab_name)
    window.tabs.setCurrentWidget(tab)
    if select is not None:
        assert tab.select_key(select)
    qtbot.mouseClick(window.findChild(QPushButton, button), Qt.MouseButton.LeftButton)
    opened = window.findChildren(getattr(dialogs, dialog_class))
    assert len(opened) == 1 and opened[0].isVisible(), window.statusBar().currentMessage()
    opened[0].reject()


def test_double_clicking_a_purchase_order_opens_receive_for_it(
    window: MainWindow, qtbot: QtBot
) -> None:
    dialogs = pytest.importorskip("app.ui.dialogs.receive_stock")
    window.tabs.setCurrentWidget(window.purchase_orders_tab)
    view = table(window, "purchaseOrdersTab")
    rect = view.visualRect(view.model().index(0, 0))
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.mouseDClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    opened = window.findChildren(dialogs.ReceiveStockDialog)
    assert len(opened) == 1 and opened[0].isVisible()
    opened[0].reject()


def test_an_accepted_dialogs_outcome_shows_in_the_status_bar_for_8_s(
    window: MainWindow, monkeypatch: pytest.MonkeyPatch, qtbot: QtBot
) -> None:
    dialogs = pytest.importorskip("app.ui.dialogs.adjust_stock")
    shown: list[tuple[str, int]] = []
    bar = window.statusBar()
    real = bar.showMessage
    monkeypatch.setattr(
        bar, "showMessage", lambda text, ms=0: (shown.append((text, ms)), real(text, ms))
    )
    window.stock_tab.select_key(window.stock_tab.model.row_at(2).product_id)  # ROPE
    window.adjust_action.trigger()
    (dialog,) = window.findChildren(dialogs.AdjustStockDialog)
    dialog.change.setText("-5")
    dialog.reason.setCurrentText("damaged")
    dialog.submit()
    wait_for_saves(qtbot)
    assert dialog.outcome.startswith("ROPE: -5 (damaged)")
    assert shown[-1] == (dialog.outcome, 8000)
    assert bar.currentMessage() == dialog.outcome
    assert cells(window.stock_tab.model, "On hand")[2] == "1,195"


def test_a_cancelled_dialog_reports_nothing(window: MainWindow) -> None:
    dialogs = pytest.importorskip("app.ui.dialogs.adjust_stock")
    window.show_message("before")
    window.adjust_action.trigger()
    (dialog,) = window.findChildren(dialogs.AdjustStockDialog)
    dialog.reject()
    assert window.statusBar().currentMessage() == "before"


def test_a_missing_dialog_is_reported_not_raised(window: MainWindow) -> None:
    window.stock_tab.open_dialog("no_such_dialog", "NoSuchDialog")
    assert "not available" in window.statusBar().currentMessage()


def _run_app(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run the real app in a child process (an event loop run and quit inside the test
    process would leave its QApplication unable to process events for later tests)."""
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "XDG_STATE_HOME": str(tmp_path / "st")}
    return subprocess.run(
        [sys.executable, "-m", "app", *args, "--smoke-test"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_run_gui_smoke_test_opens_the_window_and_quits(tmp_path: Path) -> None:
    done = _run_app(tmp_path, "--db", str(tmp_path / "shop.sqlite3"))
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "st" / "Shopkeeper" / "log" / "shopkeeper.log").exists()


def test_run_gui_refuses_a_damaged_database(tmp_path: Path) -> None:
    bad = tmp_path / "bad.sqlite3"
    bad.write_bytes(b"this is not a database at all, just some text" * 10)
    done = _run_app(tmp_path, "--db", str(bad))
    assert done.returncode == 1
    assert bad.read_bytes() == b"this is not a database at all, just some text" * 10


def test_a_bug_is_logged_and_reported_in_plain_words(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, qtbot: QtBot
) -> None:
    from PySide6.QtWidgets import QMessageBox

    from app.ui import app as gui

    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    log_file = tmp_path / "shopkeeper.log"
    handler = logging.FileHandler(log_file)
    logging.getLogger().addHandler(handler)
    try:
        gui.install_excepthook(log_file)
        try:
            raise RuntimeError("boom")
        except RuntimeError as error:
            sys.excepthook(type(error), error, error.__traceback__)
    finally:
        logging.getLogger().removeHandler(handler)
        handler.close()
    assert "RuntimeError: boom" in log_file.read_text()
    boxes = [w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox)]
    assert any("Something went wrong; nothing was saved" in box.text() for box in boxes)
    for box in boxes:
        box.close()
