"""The main window: a thin shell around the tabs, the menus and the status bar."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence, QShowEvent
from PySide6.QtWidgets import (
    QAbstractButton,
    QLabel,
    QMainWindow,
    QMessageBox,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.engine import make_url

import app
from app.db import Database
from app.db.opening import sqlite_path
from app.ui import window_state
from app.ui.actions import MenuActions, TabAction
from app.ui.banner import Banner
from app.ui.dialog_opening import open_dialog
from app.ui.locking import TillLock
from app.ui.notifier import Notifier
from app.ui.tabs.backorders_tab import BackordersTab
from app.ui.tabs.base import TableTab
from app.ui.tabs.catalog_tabs import (
    CustomersTab,
    ProductsTab,
    SuppliersTab,
    catalog_menu_actions,
)
from app.ui.tabs.orders_tab import OrdersTab
from app.ui.tabs.purchase_orders_tab import PurchaseOrdersTab
from app.ui.tabs.reports_tab import ReportsTab
from app.ui.tabs.stock_tab import StockTab

STATUS_TIMEOUT_MS = 8000


def database_name(url: str) -> str:
    """What the title bar calls the database: the file name, or the server database's name."""
    path = sqlite_path(url)
    if path is not None:
        return path.name
    parsed = make_url(url)
    return parsed.database or parsed.get_backend_name()


class MainWindow(QMainWindow):
    #: Settings changed which database to open: the app closes this window and opens that.
    reopen_requested = Signal()
    #: Open the window again on this database URL instead (the welcome's demo shop).
    switch_requested = Signal(str)

    def __init__(
        self, database: Database, parent: QWidget | None = None, *, read_only: bool = False
    ) -> None:
        super().__init__(parent)
        self.database = database
        self.read_only = read_only
        self.setObjectName("mainWindow")
        # The app's name once, last: Qt appends the application display name on X11 and
        # Windows unless the title already ends with it, and never on macOS.
        name = database_name(database.url) + (" (read-only)" if read_only else "")
        self.setWindowTitle(f"{name} — Shopkeeper")

        self.stock_tab = StockTab(database)
        self.orders_tab = OrdersTab(database)
        self.purchase_orders_tab = PurchaseOrdersTab(database)
        self.backorders_tab = BackordersTab(database)
        self.products_tab = ProductsTab(database)
        self.suppliers_tab = SuppliersTab(database)
        self.customers_tab = CustomersTab(database)
        self.reports_tab = ReportsTab(database)
        self.tabs = QTabWidget()
        self.tabs.setObjectName("mainTabs")
        self.tabs.setDocumentMode(True)
        for tab, title in (
            (self.stock_tab, "Stock"),
            (self.orders_tab, "Orders"),
            (self.purchase_orders_tab, "Purchase orders"),
            (self.backorders_tab, "Backorders"),
            (self.products_tab, "Products"),
            (self.suppliers_tab, "Suppliers"),
            (self.customers_tab, "Customers"),
            (self.reports_tab, "Reports"),
        ):
            self.tabs.addTab(tab, title)
            tab.message.connect(self.show_message)
        central = QWidget()
        self.banners = QVBoxLayout()
        self.banners.setSpacing(0)
        layout = QVBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addLayout(self.banners)
        layout.addWidget(self.tabs, 1)
        self.till_lock = TillLock(self)
        layout.addWidget(self.till_lock.cover, 1)
        self.setCentralWidget(central)
        if not read_only:
            self._offer_welcome()
        # Only the tab on show reads its rows now; each other one reads them when first shown.
        self.current_tab().ensure_loaded()

        self.signed_in_label = QLabel()
        self.signed_in_label.setObjectName("signedInLabel")
        self.signed_in_label.setContentsMargins(0, 0, 12, 0)
        self.statusBar().addPermanentWidget(self.signed_in_label)
        where = QLabel(database_name(database.url))
        where.setObjectName("databaseLabel")
        where.setToolTip(database.url if sqlite_path(database.url) else "PostgreSQL database")
        self.statusBar().addPermanentWidget(where)
        self._layout_restored = False
        self._build_menus()
        if read_only:
            self._go_read_only()
        else:  # customer messages go out every minute while the window is open
            self.notifier = Notifier.started(self, database)
        self.till_lock.users_changed()
        self.show_message("Ready")

    def _build_menus(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu("&File")
        self._action(
            file_menu, "&Refresh", self.refresh, QKeySequence.StandardKey.Refresh, "refreshAction"
        )
        file_menu.addSeparator()
        self.import_action = self._action(
            file_menu, "&Import CSV files…", self.import_csv, None, "importCsvAction"
        )
        file_menu.addSeparator()
        self.backup_action = self._action(
            file_menu, "&Back up now", self.back_up_now, None, "backUpNowAction"
        )
        self.restore_action = self._action(
            file_menu, "Restore from bac&kup…", self.restore_backup, None, "restoreBackupAction"
        )
        self._action(
            file_menu, "&Check database…", self.check_database, None, "checkDatabaseAction"
        )
        file_menu.addSeparator()
        settings = self._action(
            file_menu, "Se&ttings…", self.open_settings, "Ctrl+,", "settingsAction"
        )
        settings.setMenuRole(QAction.MenuRole.PreferencesRole)
        file_menu.addSeparator()
        self.lock_action = self._action(
            file_menu, "S&witch user / Lock", self.till_lock.lock, "Ctrl+L", "lockAction"
        )
        self._action(file_menu, "&Quit", self.close, QKeySequence.StandardKey.Quit, "quitAction")

        self.menus = MenuActions(self, self.tabs)
        self.menus.add_tab_navigation("&View")
        self.menus.add_all(self._shell_actions())
        for tab in self.all_tabs:
            self.menus.add_all(tab.menu_actions(), tab)
            tab.actions_changed.connect(self.menus.update)
        self.menus.add_all(catalog_menu_actions(self.tabs))
        self.tabs.currentChanged.connect(lambda _index: self.menus.update())
        self.receive_action = self.menus.action("receiveStockAction")
        self.adjust_action = self.menus.action("adjustStockAction")
        self.new_order_action = self.menus.action("newOrderAction")
        self.write_actions: list[QAction] = [
            self.receive_action,
            self.adjust_action,
            self.new_order_action,
            self.menus.action("newPurchaseOrderAction"),
            self.menus.action("suggestPurchaseOrdersAction"),
            self.restore_action,
            self.import_action,
        ]
        self.menus.update()

        help_menu = bar.addMenu("&Help")
        self._action(help_menu, "&About Shopkeeper", self.about, None, "aboutAction")

    # --- layout remembered across runs (window_state.py) --------------------------------------

    def showEvent(self, event: QShowEvent) -> None:
        if not self._layout_restored:  # the first show: where it was last time, on screen
            self._layout_restored = True
            window_state.restore_window(self, [tab.table for tab in self.all_tabs])
        super().showEvent(event)

    def closeEvent(self, event: QCloseEvent) -> None:
        window_state.remember_window(self, [tab.table for tab in self.all_tabs])
        super().closeEvent(event)

    def _shell_actions(self) -> list[TabAction]:
        """The window's own actions: receiving and adjusting stock start from whatever is
        selected on the tab on show."""
        return [
            TabAction(
                "receiveStockAction",
                "&Receive stock…",
                self.receive_stock,
                "&Stock",
                "Ctrl+R",
                anywhere=True,
                tip="Receive against the purchase order selected on its tab, or a delivery",
            ),
            TabAction(
                "adjustStockAction",
                "&Adjust stock…",
                self.adjust_stock,
                "&Stock",
                "Ctrl+J",
                anywhere=True,
                tip="Correct on hand of the product selected on the Stock tab, or another",
            ),
            TabAction(
                "historyAction",
                "&History…",
                self.open_history,
                "&View",
                anywhere=True,
                writes=False,
                separator_before=True,
                tip="Who did what, on which till and when: the shop's audit trail",
            ),
            TabAction(
                "notificationsAction",
                "&Notifications…",
                self.show_notifications,
                "&View",
                anywhere=True,
                writes=False,
                tip="Messages to customers: waiting, sent and failed",
            ),
        ]

    def show_tab(self, tab: QWidget) -> None:
        self.menus.show_tab(tab)

    def _offer_welcome(self) -> None:
        """A brand-new shop (no products) gets the welcome above the tabs (``welcome``)."""
        from app.ui.welcome import WelcomePanel

        panel = WelcomePanel(self.database)
        if not panel.offered():
            panel.deleteLater()
            return
        panel.add_product_requested.connect(self.products_tab.new_record)
        panel.import_requested.connect(self.import_csv)
        panel.demo_requested.connect(self.open_demo)
        self.welcome = panel
        self.banners.addWidget(panel)

    def import_csv(self) -> None:
        self._open("import_csv", "ImportDialog")

    def open_demo(self) -> None:
        from app.ui.welcome import make_demo_shop

        self.switch_requested.emit(make_demo_shop())

    def _action(
        self,
        menu: Any,
        text: str,
        slot: Any,
        shortcut: QKeySequence.StandardKey | str | None = None,
        name: str = "",
    ) -> QAction:
        action = QAction(text, self)
        if name:
            action.setObjectName(name)
        if isinstance(shortcut, str):
            action.setShortcut(QKeySequence(shortcut))
        elif shortcut is not None:
            action.setShortcuts(shortcut)
        action.triggered.connect(lambda _checked=False: slot())
        menu.addAction(action)
        return action

    @property
    def all_tabs(self) -> tuple[TableTab, ...]:
        return tuple(
            tab
            for tab in (self.tabs.widget(n) for n in range(self.tabs.count()))
            if isinstance(tab, TableTab)
        )

    def current_tab(self) -> TableTab | ReportsTab:
        tab = self.tabs.currentWidget()
        assert isinstance(tab, TableTab | ReportsTab)
        return tab

    def show_message(self, text: str) -> None:
        self.statusBar().showMessage(text, STATUS_TIMEOUT_MS)

    def refresh(self) -> None:
        """Re-read every tab (e.g. after another program changed the database)."""
        for tab in self.all_tabs:
            tab.refresh()  # a hidden tab re-reads when next shown
        self.reports_tab.refresh()
        self.current_tab().ensure_loaded()
        self.show_message("Refreshed")

    def receive_stock(self) -> None:
        """Receive against the PO selected on the Purchase orders tab, if that tab is shown."""
        po_ref = None
        if self.tabs.currentWidget() is self.purchase_orders_tab:
            po_ref = self.purchase_orders_tab.selected_ref()
        self._open("receive_stock", "ReceiveStockDialog", po_ref)

    def show_notifications(self) -> None:
        self._open("notifications_view", "NotificationsDialog")

    def adjust_stock(self) -> None:
        sku = None
        if self.tabs.currentWidget() is self.stock_tab:
            sku = self.stock_tab.selected_sku()
        self._open("adjust_stock", "AdjustStockDialog", sku)

    def _open(self, module: str, name: str, *args: Any) -> None:
        open_dialog(
            self,
            self.database,
            module,
            name,
            *args,
            report=self.show_message,
            read_only=self.read_only,
        )

    # --- the database as a whole (maintenance.py holds the behaviour) ---------------------

    def show_banner(self, text: str, *, kind: str = "info", closable: bool = True) -> Banner:
        banner = Banner(text, kind=kind, closable=closable)
        self.banners.addWidget(banner)
        return banner

    def _go_read_only(self) -> None:
        self.menus.read_only = True
        self.menus.update()
        for action in self.write_actions:
            action.setEnabled(False)
            action.setToolTip("Not in a read-only window")
        # Every button on a tab's toolbar changes the shop (new order, receive, ship, pin...):
        # hidden rather than disabled, since a tab re-enables them as rows are selected. A
        # tab also refuses the rest (double-click, Enter, context menu, shortcuts).
        for tab in self.all_tabs:
            tab.set_read_only()
            for number in range(tab.toolbar.count()):
                item = tab.toolbar.itemAt(number)
                button = item.widget() if item is not None else None
                if isinstance(button, QAbstractButton):
                    button.hide()
        unwritable = self.database.read_only_reason
        banner = self.show_banner(
            f"Read-only: this computer cannot write to the shop file ({unwritable}), so this "
            "window can look things up but not change anything."
            if unwritable
            else "Read-only: another copy of Shopkeeper has this shop open on this computer, "
            "so this window can look things up but not change anything. It still shows the "
            "other window's changes as they happen.",
            closable=False,
        )
        banner.setObjectName("readOnlyBanner")
        label = self.findChild(QLabel, "databaseLabel")
        if label is not None:
            label.setText(f"{database_name(self.database.url)} (read-only)")

    def open_settings(self, page: str = "") -> None:
        from app.ui import maintenance

        maintenance.open_settings(self, page)

    def back_up_now(self) -> None:
        from app.ui import maintenance

        maintenance.back_up_now(self)

    def restore_backup(self) -> None:
        self._open("restore_backup", "RestoreBackupDialog")

    def open_history(self) -> None:
        self._open("history", "HistoryDialog")

    def check_database(self) -> None:
        self._open("check_database", "CheckDatabaseDialog")

    def about(self) -> None:
        box = QMessageBox(self)
        box.setWindowTitle("About Shopkeeper")
        box.setIconPixmap(self.windowIcon().pixmap(64, 64))
        box.setText(f"<b>Shopkeeper {app.__version__}</b>")
        box.setInformativeText(
            "Stock, customer orders, purchase orders and backorders for small shops.<br>"
            f"Database: {database_name(self.database.url)}"
        )
        box.open()
