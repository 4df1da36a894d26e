"""The keyboard: Tab leaves every table, every action is a menu item with its own shortcut
(enabled as the tab and its selection allow), Ctrl+Tab moves between the tabs."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QAbstractButton, QApplication, QDialog, QMenu
from pytestqt.qtbot import QtBot

from app.db import Database, open_database
from app.services import purchasing
from app.services.ordering import LineRequest
from app.ui.main_window import MainWindow
from app.ui.tabs.base import TableTab
from tests.ui.shop_data import open_window, show_active
from tests.ui.test_models import fill_shop

#: Every action a clerk can take from a tab's toolbar, by the menu action that does it too.
TAB_ACTIONS = {
    "stockTab": ["receiveStockAction", "adjustStockAction"],
    "ordersTab": [
        "newOrderAction",
        "orderDetailsAction",
        "shipOrderAction",
        "cancelOrderAction",
        "editCustomerAction",
        "shipAsCustomerPrefersAction",
        "shipPartialAction",
        "shipCompleteAction",
    ],
    "purchaseOrdersTab": [
        "newPurchaseOrderAction",
        "suggestPurchaseOrdersAction",
        "editDraftAction",
        "sendPurchaseOrderAction",
        "changeExpectedDateAction",
        "cancelPurchaseOrderAction",
        "receiveStockAction",
    ],
    "backordersTab": [
        "backordersPinAction",
        "backordersUnpinAction",
        "backordersMoveUpAction",
        "backordersMoveDownAction",
        "queuePriorityAction",
    ],
    "productsTab": [
        "newProductAction",
        "editRecordAction",
        "archiveRecordAction",
        "openingStockAction",
    ],
    "suppliersTab": ["newSupplierAction", "editRecordAction", "archiveRecordAction"],
    "customersTab": ["newCustomerAction", "editRecordAction", "archiveRecordAction"],
}


#: Each toolbar button, and the menu actions that do what it does.
BUTTON_ACTIONS = {
    "receiveStockButton": ["receiveStockAction"],
    "adjustStockButton": ["adjustStockAction"],
    "newOrderButton": ["newOrderAction"],
    "shipOrderButton": ["shipOrderAction"],
    "shipPreferenceButton": [
        "shipAsCustomerPrefersAction",
        "shipPartialAction",
        "shipCompleteAction",
    ],
    "editCustomerButton": ["editCustomerAction"],
    "cancelOrderButton": ["cancelOrderAction"],
    "newPurchaseOrderButton": ["newPurchaseOrderAction"],
    "suggestPurchaseOrdersButton": ["suggestPurchaseOrdersAction"],
    "editDraftButton": ["editDraftAction"],
    "sendPurchaseOrderButton": ["sendPurchaseOrderAction"],
    "changeExpectedDateButton": ["changeExpectedDateAction"],
    "cancelPurchaseOrderButton": ["cancelPurchaseOrderAction"],
    "receiveButton": ["receiveStockAction"],  # Ctrl+R receives the PO selected on its tab
    "backordersPinButton": ["backordersPinAction"],
    "backordersUnpinButton": ["backordersUnpinAction"],
    "backordersMoveUpButton": ["backordersMoveUpAction"],
    "backordersMoveDownButton": ["backordersMoveDownAction"],
    "backordersChangePolicy": ["queuePriorityAction"],
    "newProductButton": ["newProductAction"],
    "newSupplierButton": ["newSupplierAction"],
    "newCustomerButton": ["newCustomerAction"],
    "editCatalogProductButton": ["editRecordAction"],
    "editCatalogSupplierButton": ["editRecordAction"],
    "editCatalogCustomerButton": ["editRecordAction"],
    "archiveProductButton": ["archiveRecordAction"],
    "archiveSupplierButton": ["archiveRecordAction"],
    "archiveCustomerButton": ["archiveRecordAction"],
    "openingStockButton": ["openingStockAction"],
}


@pytest.fixture
def window(qtbot: QtBot, sqlite_db: Database) -> MainWindow:
    fill_shop(sqlite_db)
    window = open_window(qtbot, sqlite_db)
    show_active(qtbot, window)
    return window


def action(window: MainWindow, name: str) -> QAction:
    found = window.findChild(QAction, name)
    assert found is not None, name
    return found


def menu_of(window: MainWindow, found: QAction) -> QMenu:
    menus = [m for m in window.menuBar().findChildren(QMenu) if found in m.actions()]
    assert len(menus) == 1, found.objectName()
    return menus[0]


def visible_dialogs(window: MainWindow) -> list[QDialog]:
    return [d for d in window.findChildren(QDialog) if d.isVisible()]


def close_dialogs(window: MainWindow) -> None:
    for dialog in visible_dialogs(window):
        dialog.reject()


@pytest.mark.parametrize("tab_name", list(TAB_ACTIONS))
def test_tab_leaves_each_table(window: MainWindow, qtbot: QtBot, tab_name: str) -> None:
    tab = window.findChild(TableTab, tab_name)
    window.show_tab(tab)
    tab.table.selectRow(0)
    assert tab.table.hasFocus()
    qtbot.keyClick(tab.table, Qt.Key.Key_Tab)
    assert not tab.table.hasFocus()
    assert tab.isAncestorOf(QApplication.focusWidget())  # on to the tab's next widget
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Backtab)
    assert tab.table.hasFocus()


def test_ctrl_tab_and_ctrl_page_down_switch_the_main_tabs_from_a_table(
    window: MainWindow, qtbot: QtBot
) -> None:
    window.show_tab(window.stock_tab)
    ctrl = Qt.KeyboardModifier.ControlModifier
    qtbot.keyClick(window.stock_tab.table, Qt.Key.Key_Tab, ctrl)
    assert window.tabs.currentWidget() is window.orders_tab
    assert window.orders_tab.table.hasFocus()
    qtbot.keyClick(window.orders_tab.table, Qt.Key.Key_PageDown, ctrl)
    assert window.tabs.currentWidget() is window.purchase_orders_tab
    qtbot.keyClick(window.purchase_orders_tab.table, Qt.Key.Key_PageUp, ctrl)
    assert window.tabs.currentWidget() is window.orders_tab
    qtbot.keyClick(window.orders_tab.table, Qt.Key.Key_4, ctrl)
    assert window.tabs.currentWidget() is window.backorders_tab


def test_every_toolbar_button_has_a_menu_item_with_its_shortcut_shown(
    window: MainWindow,
) -> None:
    for names in TAB_ACTIONS.values():
        for name in names:
            found = action(window, name)
            assert not found.shortcut().isEmpty(), name
            menu_of(window, found)  # in exactly one menu, which shows the shortcut
    for tab in window.all_tabs:  # no toolbar button is left out
        for number in range(tab.toolbar.count()):
            item = tab.toolbar.itemAt(number)
            button = item.widget() if item is not None else None
            if isinstance(button, QAbstractButton):
                assert button.objectName() in BUTTON_ACTIONS, button.objectName()
                for name in BUTTON_ACTIONS[button.objectName()]:
                    assert name in TAB_ACTIONS[tab.objectName()], name


def test_no_two_actions_share_a_shortcut(window: MainWindow) -> None:
    owners = window.menus.shortcut_owners()
    shared = {keys: names for keys, names in owners.items() if len(names) > 1}
    assert shared == {}
    for keys in ("Ctrl+N", "Ctrl+R", "Ctrl+,", "Ctrl+Tab", "Ctrl+I", "Alt+Up"):
        assert keys in owners, keys
    # A tab's own actions gave their keys to the menu: one owner each.
    assert window.backorders_tab.pin_action.shortcut().isEmpty()
    assert action(window, "backordersPinAction").shortcut().toString() == "Ctrl+Shift+P"


def test_actions_follow_the_current_tab_and_its_selection(window: MainWindow) -> None:
    window.show_tab(window.orders_tab)
    ship, details = action(window, "shipOrderAction"), action(window, "orderDetailsAction")
    assert not ship.isEnabled() and not details.isEnabled()  # nothing selected
    assert window.orders_tab.select_key("SO-1")  # SO-1: 5 anvils allocated
    assert ship.isEnabled() and details.isEnabled()
    assert window.orders_tab.select_key("SO-2")  # SO-2: everything waits
    assert not ship.isEnabled() and action(window, "cancelOrderAction").isEnabled()
    window.show_tab(window.stock_tab)
    assert not details.isEnabled() and not action(window, "cancelOrderAction").isEnabled()
    assert action(window, "newOrderAction").isEnabled()  # from anywhere
    assert action(window, "newPurchaseOrderAction").isEnabled()
    assert not action(window, "editDraftAction").isEnabled()


@pytest.mark.parametrize(
    ("tab_name", "key", "keys", "dialog_name"),
    [
        ("ordersTab", "SO-1", "Ctrl+I", "OrderDetailDialog"),
        ("ordersTab", "SO-1", "Ctrl+Shift+S", "ShipOrderDialog"),
        ("ordersTab", "SO-1", "Ctrl+Shift+X", "CancelOrderDialog"),
        ("ordersTab", "SO-1", "Ctrl+Shift+C", "CustomerDialog"),
        ("ordersTab", None, "Ctrl+N", "NewOrderDialog"),
        ("stockTab", None, "Ctrl+R", "ReceiveStockDialog"),
        ("stockTab", None, "Ctrl+J", "AdjustStockDialog"),
        ("purchaseOrdersTab", None, "Ctrl+Shift+N", "NewPurchaseOrderDialog"),
        ("purchaseOrdersTab", None, "Ctrl+Shift+G", "SuggestPurchaseOrdersDialog"),
        ("purchaseOrdersTab", "PO-1", "Ctrl+Shift+E", "ExpectedDateDialog"),
        ("purchaseOrdersTab", "PO-1", "Ctrl+Shift+K", "CancelPurchaseOrderDialog"),
        ("purchaseOrdersTab", "PO-1", "Ctrl+R", "ReceiveStockDialog"),
        ("backordersTab", None, "Ctrl+Shift+F", "QueuePriorityDialog"),
    ],
)
def test_each_shortcut_opens_its_dialog(
    window: MainWindow,
    qtbot: QtBot,
    tab_name: str,
    key: object,
    keys: str,
    dialog_name: str,
) -> None:
    tab = window.findChild(TableTab, tab_name)
    window.show_tab(tab)
    if key is not None:
        assert tab.select_key(key)
    qtbot.keySequence(tab.table, QKeySequence(keys))
    opened = visible_dialogs(window)
    names = [type(d).__name__ for d in opened]
    assert dialog_name in names, (names, window.statusBar().currentMessage())
    close_dialogs(window)


def test_ship_preference_and_queue_shortcuts_save_and_show_checked(
    window: MainWindow, qtbot: QtBot
) -> None:
    window.show_tab(window.orders_tab)
    assert window.orders_tab.select_key("SO-3")  # SO-3: rope allocated, anvils wait
    qtbot.keySequence(window.orders_tab.table, QKeySequence("Ctrl+Shift+M"))
    qtbot.waitUntil(lambda: "now ships complete" in window.statusBar().currentMessage())
    window.menus.update()
    assert action(window, "shipCompleteAction").isChecked()
    assert not action(window, "shipPartialAction").isChecked()

    tab = window.backorders_tab
    window.show_tab(tab)
    tab.table.selectRow(1)
    qtbot.keySequence(tab.table, QKeySequence("Ctrl+Shift+P"))
    qtbot.waitUntil(lambda: window.statusBar().currentMessage().startswith("Pinned"))
    assert action(window, "backordersUnpinAction").isEnabled()


def test_a_read_only_window_disables_every_action_that_writes(
    qtbot: QtBot, sqlite_db: Database
) -> None:
    fill_shop(sqlite_db)
    database = open_database(sqlite_db.url, read_only=True)
    try:
        reader = MainWindow(database, read_only=True)
        qtbot.addWidget(reader)
        reader.show()
        reader.show_tab(reader.orders_tab)
        assert reader.orders_tab.select_key("SO-1")
        for names in TAB_ACTIONS.values():
            for name in names:
                if name not in {"queuePriorityAction", "orderDetailsAction"}:  # look only
                    assert not action(reader, name).isEnabled(), name
        details = action(reader, "orderDetailsAction")
        assert details.isEnabled()  # looking is fine
        details.trigger()
        assert [type(d).__name__ for d in visible_dialogs(reader)] == ["OrderDetailDialog"]
        dialog = visible_dialogs(reader)[0]
        assert not dialog.ship_button.isEnabled()
        assert not dialog.cancel_line_button.isEnabled()
        dialog.reject()
        reader.close()
    finally:
        database.dispose()


@pytest.mark.parametrize("key", [Qt.Key.Key_Tab, Qt.Key.Key_Backtab])
def test_ctrl_shift_tab_goes_back_a_tab(window: MainWindow, qtbot: QtBot, key: Qt.Key) -> None:
    window.show_tab(window.orders_tab)
    modifiers = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
    qtbot.keyClick(window.orders_tab.table, key, modifiers)
    assert window.tabs.currentWidget() is window.stock_tab
    assert window.stock_tab.table.hasFocus()


def test_enter_on_a_waiting_line_opens_its_order(window: MainWindow, qtbot: QtBot) -> None:
    tab = window.backorders_tab
    window.show_tab(tab)
    tab.table.selectRow(0)
    ref = tab.selected_row().order_ref
    qtbot.keyClick(tab.table, Qt.Key.Key_Return)
    opened = [d for d in visible_dialogs(window) if type(d).__name__ == "OrderDetailDialog"]
    assert len(opened) == 1 and opened[0].ref == ref
    close_dialogs(window)


def test_draft_shortcuts_edit_and_send_it(
    window: MainWindow, qtbot: QtBot, sqlite_db: Database
) -> None:
    with sqlite_db.write() as s:
        purchasing.create_purchase_order(
            s, "ACME", [LineRequest("GLUE", 4)], ref="PO-D", draft=True
        )
    tab = window.purchase_orders_tab
    window.show_tab(tab)
    tab.reload()
    assert tab.select_key("PO-D")
    qtbot.keySequence(tab.table, QKeySequence("Ctrl+E"))
    assert [type(d).__name__ for d in visible_dialogs(window)] == ["EditDraftDialog"]
    close_dialogs(window)
    qtbot.keySequence(tab.table, QKeySequence("Ctrl+Shift+D"))
    qtbot.waitUntil(lambda: "PO-D sent" in window.statusBar().currentMessage())
    assert not action(window, "sendPurchaseOrderAction").isEnabled()  # no longer a draft


def test_move_and_unpin_from_the_keyboard_in_the_window(window: MainWindow, qtbot: QtBot) -> None:
    tab = window.backorders_tab
    window.show_tab(tab)
    tab.table.selectRow(0)
    line = tab.selected_key()
    qtbot.keyClick(tab.table, Qt.Key.Key_Down, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: window.statusBar().currentMessage().startswith("Moved down"))
    assert tab.selected_key() == line and tab.table.currentIndex().row() == 1
    qtbot.keySequence(tab.table, QKeySequence("Ctrl+Shift+P"))
    qtbot.waitUntil(lambda: window.statusBar().currentMessage().startswith("Pinned"))
    qtbot.keySequence(tab.table, QKeySequence("Ctrl+Shift+U"))
    qtbot.waitUntil(lambda: window.statusBar().currentMessage().startswith("Unpinned"))
