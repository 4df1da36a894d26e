"""Settings…, Back up now, Restore from backup…, Check database…, read-only windows, the
network-share warning and live refresh from another till, through the window."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QApplication, QLabel, QLineEdit, QMessageBox, QPushButton, QWidget
from pytestqt.qtbot import QtBot

from app.db import Database, open_database
from app.db.backup import list_backups
from app.db.config import load_settings
from app.db.opening import backup_database
from app.keychain import KEYRING_SERVICE
from app.services import catalog, stock
from app.ui.dialogs.check_database import CheckDatabaseDialog
from app.ui.dialogs.restore_backup import RestoreBackupDialog
from app.ui.dialogs.settings import SettingsDialog, _extra_pages, add_page
from app.ui.dialogs.settings_backups import BackupsPage
from app.ui.dialogs.settings_database import DatabasePage
from app.ui.live_refresh import LiveRefresh
from app.ui.main_window import MainWindow
from app.ui.maintenance import warn_if_on_network_share
from tests.keyrings import MemoryKeyring
from tests.ui.shop_data import open_window
from tests.ui.test_main_window import model_of
from tests.ui.test_models import cells, fill_shop


@pytest.fixture
def window(qtbot: QtBot, sqlite_db: Database) -> MainWindow:
    fill_shop(sqlite_db)
    return open_window(qtbot, sqlite_db)


def settings_dialog(qtbot: QtBot, database: Database, *extra: QWidget) -> SettingsDialog:
    dialog = SettingsDialog([DatabasePage(database.url), BackupsPage(database), *extra])
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def field(dialog: QWidget, name: str) -> QLineEdit:
    found = dialog.findChild(QLineEdit, name)
    assert found is not None, name
    return found


def test_settings_are_opened_from_the_file_menu_with_ctrl_comma(window: MainWindow) -> None:
    action = window.findChild(type(window.restore_action), "settingsAction")
    assert action is not None and action.shortcut().toString() == "Ctrl+,"
    action.trigger()
    dialog = window.findChild(SettingsDialog)
    assert dialog is not None and dialog.isVisible()
    titles = [dialog.page_list.item(i).text() for i in range(dialog.page_list.count())]
    assert titles == [
        "Database",
        "Backups",
        "Queue priority",
        "Shop",
        "Goodwill coupons",
        "Users",
        "Notifications",
        "Messages",
    ]
    dialog.reject()


def test_choosing_a_server_saves_it_and_puts_the_password_only_in_the_keyring(
    qtbot: QtBot, sqlite_db: Database, memory_keyring: MemoryKeyring, private_settings: Path
) -> None:
    dialog = settings_dialog(qtbot, sqlite_db)
    page = dialog.pages[0]
    assert isinstance(page, DatabasePage)
    assert "keyring" in page.keyring_note.text() and "never in a settings file" in (
        page.keyring_note.text()
    )
    # on the round button itself: a radio button takes clicks on its circle and words only
    indicator = QPoint(8, page.server_choice.height() // 2)
    qtbot.mouseClick(page.server_choice, Qt.MouseButton.LeftButton, pos=indicator)
    assert page.server_box.isEnabled() and not page.file_box.isEnabled()
    field(dialog, "serverHost").setText("shop-server")
    field(dialog, "serverDatabase").setText("shop")
    field(dialog, "serverUser").setText("clerk")
    field(dialog, "serverPassword").setText("s3cret")
    dialog.accept()
    assert dialog.result() == SettingsDialog.DialogCode.Accepted
    saved = load_settings()
    assert saved.mode == "server" and saved.server.host == "shop-server"
    assert "s3cret" not in private_settings.read_text()
    assert memory_keyring.passwords == {(KEYRING_SERVICE, "clerk@shop-server:5432/shop"): "s3cret"}
    assert dialog.needs_reopen  # a different database: the window offers to switch


def test_an_incomplete_server_keeps_the_dialog_open_and_says_what_is_missing(
    qtbot: QtBot, sqlite_db: Database
) -> None:
    dialog = settings_dialog(qtbot, sqlite_db)
    dialog.show_page("Backups")
    page = dialog.pages[0]
    assert isinstance(page, DatabasePage)
    page.server_choice.setChecked(True)
    dialog.accept()
    assert dialog.isVisible()
    assert dialog.page_list.currentRow() == 0  # back on the page with the problem
    assert dialog.message.text() == "Enter the server's name or address"
    assert load_settings().mode == "file"


def test_without_a_keyring_the_page_says_the_password_will_be_asked_for(
    qtbot: QtBot, sqlite_db: Database, no_keyring: None
) -> None:
    dialog = settings_dialog(qtbot, sqlite_db)
    page = dialog.pages[0]
    assert isinstance(page, DatabasePage)
    assert "no password keyring" in page.keyring_note.text()
    assert "asks for it each time" in page.keyring_note.text()


def test_test_connection_reports_a_server_that_cannot_be_reached_in_plain_words(
    qtbot: QtBot, sqlite_db: Database
) -> None:
    dialog = settings_dialog(qtbot, sqlite_db)
    page = dialog.pages[0]
    assert isinstance(page, DatabasePage)
    page.server_choice.setChecked(True)
    page.host.setText("127.0.0.1")
    page.port.setValue(9)
    qtbot.mouseClick(page.test_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.message.isVisible(), timeout=10_000)
    assert page.message.kind == "error"
    assert page.message.text().startswith("Cannot reach a database server at 127.0.0.1:9.")


@pytest.mark.postgres
def test_test_connection_reports_a_reachable_server(
    qtbot: QtBot, sqlite_db: Database, postgres_url: str
) -> None:
    from sqlalchemy.engine import make_url

    server = make_url(postgres_url)
    dialog = settings_dialog(qtbot, sqlite_db)
    page = dialog.pages[0]
    assert isinstance(page, DatabasePage)
    page.server_choice.setChecked(True)
    page.host.setText(server.host or "")
    page.port.setValue(server.port or 5432)
    page.database.setText(server.database or "")
    page.user.setText(server.username or "")
    qtbot.mouseClick(page.test_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: page.message.isVisible(), timeout=10_000)
    assert page.message.kind == "info", page.message.text()
    assert page.message.text().startswith("Connected to PostgreSQL")


def test_another_module_can_add_a_page(qtbot: QtBot, sqlite_db: Database) -> None:
    class QueuePriorityPage(QLabel):
        title = "Queue priority"
        applied = 0

        def load(self) -> None:
            self.setText("loaded")

        def apply(self) -> None:
            QueuePriorityPage.applied += 1

    factory = lambda database: QueuePriorityPage()  # noqa: E731
    add_page(factory)
    try:
        from app.ui.dialogs.settings import extra_pages

        dialog = settings_dialog(qtbot, sqlite_db, *extra_pages(sqlite_db))
        assert dialog.page_list.item(2).text() == "Queue priority"
        assert dialog.pages[2].text() == "loaded"  # type: ignore[attr-defined]
        dialog.accept()
        assert QueuePriorityPage.applied == 1
    finally:
        _extra_pages.remove(factory)


def test_back_up_now_on_the_backups_page_makes_a_backup_and_keeps_the_number_set(
    qtbot: QtBot, sqlite_db: Database, tmp_path: Path
) -> None:
    dialog = settings_dialog(qtbot, sqlite_db)
    page = dialog.pages[1]
    assert isinstance(page, BackupsPage)
    assert page.keep.value() == 10 and page.summary.text() == "No backups yet."
    page.keep.setValue(2)
    for made in range(1, 4):
        qtbot.mouseClick(page.backup_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: page.backup_button.isEnabled(), timeout=10_000)
        assert page.message.text().startswith("Backed up to shop-")
        assert page.summary.text().startswith(f"{min(made, 2)} backup")
    dialog.accept()
    assert load_settings().keep_backups == 2
    assert len(list_backups(tmp_path / "backups", "shop")) == 2


def test_restore_from_backup_brings_the_old_data_back_and_the_tabs_show_it(
    qtbot: QtBot, window: MainWindow, tmp_path: Path
) -> None:
    database = window.database
    backup_database(database, label="manual")
    with database.write() as session:
        stock.adjust_stock(session, "GLUE", 40, "count")
    window.refresh()
    assert "40" in cells(model_of(window, "stockTab"), "On hand")

    window.restore_action.trigger()
    dialog = window.findChild(RestoreBackupDialog)
    assert dialog is not None and dialog.list.topLevelItemCount() == 1
    assert dialog.list.topLevelItem(0).text(1) == "Made by hand"
    # The first backup is selected from the start: Restore… works without a click on it.
    assert dialog.list.topLevelItem(0).isSelected() and dialog.restore_button.isEnabled()
    qtbot.mouseClick(dialog.restore_button, Qt.MouseButton.LeftButton)
    box = dialog.findChild(QMessageBox, "confirmRestoreBox")
    assert box is not None
    with qtbot.waitSignal(dialog.accepted, timeout=10_000):
        box.findChild(QPushButton, "confirmRestoreButton").click()
    assert "40" not in cells(model_of(window, "stockTab"), "On hand")
    assert window.statusBar().currentMessage().startswith("Restored the backup of")
    labels = [info.label for info in list_backups(tmp_path / "backups", "shop")]
    assert sorted(labels) == ["before-restore", "manual"]


def test_check_database_reports_all_good_in_plain_words(qtbot: QtBot, window: MainWindow) -> None:
    window.findChild(type(window.restore_action), "checkDatabaseAction").trigger()
    dialog = window.findChild(CheckDatabaseDialog)
    assert dialog is not None
    qtbot.waitUntil(lambda: dialog.report is not None, timeout=10_000)
    assert dialog.headline.text() == "All good: 5 checks passed."
    dialog.copy_report()
    assert QApplication.clipboard().text().startswith("All good: 5 checks passed.")


def test_check_database_names_a_damaged_ledger_and_what_to_do(
    qtbot: QtBot, window: MainWindow
) -> None:
    with window.database.write() as session:
        from sqlalchemy import text

        session.execute(text("UPDATE stock_balance SET on_hand = on_hand + 1"))
    dialog = CheckDatabaseDialog(window.database, window)
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: dialog.report is not None, timeout=10_000)
    assert dialog.headline.text() == "1 of 5 checks found problems."
    texts = " ".join(label.text() for label in dialog.results.findChildren(QLabel))
    assert "What to do:" in texts and "ledger sums to" in texts


def test_a_read_only_window_says_so_and_offers_no_way_to_change_anything(
    qtbot: QtBot, sqlite_db: Database, tmp_path: Path
) -> None:
    fill_shop(sqlite_db)
    reader = open_database(sqlite_db.url, read_only=True)
    try:
        win = MainWindow(reader, read_only=True)
        qtbot.addWidget(win)
        win.show()
        assert win.windowTitle() == "shop.sqlite3 (read-only) — Shopkeeper"
        banner = win.findChild(QWidget, "readOnlyBanner")
        assert banner is not None and banner.isVisible()
        for name in (
            "receiveStockAction",
            "adjustStockAction",
            "newOrderAction",
            "restoreBackupAction",
        ):
            action = win.findChild(type(win.restore_action), name)
            assert action is not None and not action.isEnabled(), name
        assert cells(model_of(win, "stockTab"), "SKU") == ["ANVIL", "GLUE", "ROPE"]
        new_order = win.findChild(QPushButton, "newOrderButton")
        assert new_order is not None and new_order.isHidden()
    finally:
        reader.dispose()


def test_a_file_on_a_network_share_gets_a_warning_until_it_is_dismissed(
    qtbot: QtBot, window: MainWindow
) -> None:
    assert not warn_if_on_network_share(window)  # a local file: no warning
    assert warn_if_on_network_share(window, fstype="cifs")
    banner = window.findChild(QWidget, "networkShareBanner")
    assert banner is not None and "network share (cifs)" in banner.label.text()  # type: ignore[attr-defined]
    banner.findChild(QPushButton, "dismissNetworkWarning").click()
    assert not banner.isVisible()
    assert not warn_if_on_network_share(window, fstype="cifs")  # once dismissed, for good


def test_another_till_s_change_appears_in_the_open_tab_without_pressing_anything(
    qtbot: QtBot, window: MainWindow
) -> None:
    live = LiveRefresh(window.database, window, interval_ms=100)
    try:
        model = model_of(window, "stockTab")
        assert cells(model, "SKU") == ["ANVIL", "GLUE", "ROPE"]
        other_till = open_database(window.database.url)
        try:
            with other_till.write() as session:
                catalog.create_product(session, "BOLT", "Bolt M6")
        finally:
            other_till.dispose()
        qtbot.waitUntil(lambda: "BOLT" in cells(model, "SKU"), timeout=5_000)
    finally:
        live.stop()


def test_a_raw_sqlite_change_by_another_program_is_seen_too(
    qtbot: QtBot, window: MainWindow
) -> None:
    live = LiveRefresh(window.database, window, interval_ms=100)
    try:
        model = model_of(window, "stockTab")
        with qtbot.waitSignal(live.refreshed, timeout=5_000):
            path = window.database.url.removeprefix("sqlite:///")
            raw = sqlite3.connect(path)
            raw.execute("UPDATE product SET name = 'Glue (wood)' WHERE sku = 'GLUE'")
            raw.commit()
            raw.close()
        assert "Glue (wood)" in cells(model, "Name")
    finally:
        live.stop()
