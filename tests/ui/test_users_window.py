"""Users in the window: sign-in at start, switching user (Ctrl+L), the Users page of Settings,
and a clerk refused a cancel with the message naming who may."""

from __future__ import annotations

from dataclasses import replace

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QLabel

from app.db import Database
from app.db.config import load_settings, save_settings
from app.domain.actors import Actor, Role
from app.services import users
from app.ui.dialogs.cancel_order import CancelOrderDialog
from app.ui.dialogs.settings_users import UsersPage
from app.ui.dialogs.sign_in import SignInDialog
from app.ui.main_window import MainWindow
from app.ui.role_actions import ACTION_PERMISSIONS
from tests.services.shop import add_staff
from tests.ui.conftest import wait_for_saves
from tests.ui.shop_data import Shop, confirm_cancel, open_window, show_active


@pytest.fixture
def staffed(sqlite_db: Database, shop: Shop) -> Database:
    """The small shop with Olga (owner, 1111) and Cleo (clerk, 3333); nobody signed in."""
    add_staff(sqlite_db)
    return sqlite_db


def _sign_in_dialog(qtbot, window: MainWindow) -> SignInDialog:
    qtbot.waitUntil(
        lambda: window.till_lock.dialog is not None and window.till_lock.dialog.isVisible()
    )
    dialog = window.till_lock.dialog
    assert dialog is not None
    return dialog


def _sign_in(qtbot, dialog: SignInDialog, name: str, pin: str) -> None:
    dialog.name.setCurrentText(name)
    dialog.pin.clear()
    qtbot.keyClicks(dialog.pin, pin)
    qtbot.keyClick(dialog.pin, Qt.Key.Key_Return)  # Enter signs in
    wait_for_saves(qtbot)


def _status(window: MainWindow) -> str:
    label = window.findChild(QLabel, "signedInLabel")
    return label.text() if label is not None and label.isVisible() else ""


def test_a_shop_with_users_asks_who_is_at_the_till_before_showing_anything(
    qtbot, staffed: Database
) -> None:
    window = open_window(qtbot, staffed)
    dialog = _sign_in_dialog(qtbot, window)
    assert not window.tabs.isVisible() and window.till_lock.cover.isVisible()
    _sign_in(qtbot, dialog, "Cleo", "9999")
    assert dialog.message.text() == "That name and PIN do not match. Try again."
    assert dialog.isVisible() and dialog.pin.text() == ""
    _sign_in(qtbot, dialog, "cleo", "3333")
    assert window.till_lock.dialog is None  # closed (and deleted)
    assert window.tabs.isVisible() and not window.till_lock.cover.isVisible()
    assert _status(window) == "Signed in as Cleo (clerk)"
    assert staffed.actor is not None and staffed.actor.role is Role.CLERK
    # A courtesy on top of the services' refusal: a clerk's menus grey out what needs more.
    adjust = window.findChild(QAction, "adjustStockAction")
    assert not adjust.isEnabled()
    assert adjust.toolTip() == "Only a manager or the owner may correct stock"
    assert window.findChild(QAction, "newOrderAction").isEnabled()


def test_switch_user_locks_the_window_until_someone_signs_in(qtbot, staffed: Database) -> None:
    window = open_window(qtbot, staffed)
    _sign_in(qtbot, _sign_in_dialog(qtbot, window), "Cleo", "3333")
    lock = window.findChild(QAction, "lockAction")
    assert lock.isEnabled() and lock.shortcut().toString() == "Ctrl+L"
    lock.trigger()
    dialog = _sign_in_dialog(qtbot, window)
    assert not window.tabs.isVisible() and not window.menuBar().isEnabled()
    assert dialog.name.currentText() == "Cleo"  # the last person, ready for their PIN
    _sign_in(qtbot, dialog, "Olga", "1111")
    assert _status(window) == "Signed in as Olga (owner)"
    assert window.menuBar().isEnabled()
    assert window.findChild(QAction, "adjustStockAction").isEnabled()


def test_a_shop_without_users_never_asks_anyone_to_sign_in(
    qtbot, sqlite_db: Database, shop: Shop
) -> None:
    window = open_window(qtbot, sqlite_db)
    qtbot.wait(50)
    assert window.till_lock.dialog is None and window.tabs.isVisible()
    assert _status(window) == ""
    assert not window.findChild(QAction, "lockAction").isEnabled()


def _page(qtbot, database: Database) -> UsersPage:
    page = UsersPage(database)
    qtbot.addWidget(page)
    page.load()
    show_active(qtbot, page)
    return page


def _add(qtbot, page: UsersPage, name: str, role: Role, pin: str, again: str | None = None) -> None:
    page.new_name.setText(name)
    page.new_role.setCurrentIndex(page.new_role.findData(role.value))
    page.new_pin.setText(pin)
    page.new_pin_again.setText(pin if again is None else again)
    qtbot.mouseClick(page.add_button, Qt.MouseButton.LeftButton)
    wait_for_saves(qtbot)


def test_the_users_page_adds_the_owner_first_and_signs_in_as_them(
    qtbot, sqlite_db: Database
) -> None:
    page = _page(qtbot, sqlite_db)
    assert page.intro.text().startswith("No users yet")
    assert not page.table.isVisible() and not page.new_role.isEnabled()
    _add(qtbot, page, "Olga", Role.OWNER, "1111", again="1112")
    assert page.message.text() == "The two PINs differ: type the same PIN twice."
    _add(qtbot, page, "Olga", Role.OWNER, "1111")
    assert page.message.text() == "Added Olga (owner)."
    assert sqlite_db.actor is not None and sqlite_db.actor.name == "Olga"
    _add(qtbot, page, "Cleo", Role.CLERK, "3333")
    assert [(row.name, row.role, row.active) for row in page.rows] == [
        ("Cleo", Role.CLERK, True),
        ("Olga", Role.OWNER, True),
    ]
    # The only owner cannot be deactivated; the refusal says what to do instead.
    page.table.selectRow(1)
    qtbot.mouseClick(page.active_button, Qt.MouseButton.LeftButton)
    wait_for_saves(qtbot)
    assert page.message.text().startswith("Olga is the shop's only owner: make someone else")
    page.table.selectRow(0)
    page.role.setCurrentIndex(page.role.findData(Role.MANAGER.value))
    qtbot.mouseClick(page.set_role_button, Qt.MouseButton.LeftButton)
    wait_for_saves(qtbot)
    assert page.message.text() == "Cleo is now a manager."
    page.reset_pin.setText("4444")
    page.reset_pin_again.setText("4444")
    qtbot.mouseClick(page.reset_button, Qt.MouseButton.LeftButton)
    wait_for_saves(qtbot)
    with sqlite_db.write() as session:
        assert users.sign_in(session, "Cleo", "4444").actor_or_raise().role is Role.MANAGER


def test_the_users_page_is_the_owners_only(qtbot, staffed: Database) -> None:
    staffed.actor = Actor("Cleo", Role.CLERK, user_id=2)
    page = _page(qtbot, staffed)
    assert page.intro.text().endswith("Only the owner adds and changes users.")
    assert not page.adding_box.isEnabled()
    page.table.selectRow(0)
    assert not page.selected_box.isEnabled()


def test_a_clerk_is_refused_a_cancel_in_the_window_and_told_who_may(
    qtbot, staffed: Database, shop: Shop
) -> None:
    staffed.actor = Actor("Cleo", Role.CLERK, user_id=2)
    dialog = CancelOrderDialog(staffed, shop.orders["C001"])
    qtbot.addWidget(dialog)
    show_active(qtbot, dialog)
    qtbot.mouseClick(dialog.order_button, Qt.MouseButton.LeftButton)
    confirm_cancel(qtbot, dialog.order_question)
    wait_for_saves(qtbot)
    assert dialog.isVisible()
    assert dialog.message.text() == (
        "Cleo (clerk) may not cancel orders and purchase orders: ask a manager or the owner to "
        "do it."
    )


def test_the_window_locks_itself_after_the_idle_minutes_this_computer_asks_for(
    qtbot, staffed: Database
) -> None:
    save_settings(replace(load_settings(), auto_lock_minutes=5))
    window = open_window(qtbot, staffed)
    _sign_in(qtbot, _sign_in_dialog(qtbot, window), "Cleo", "3333")
    timer = window.till_lock.idle_timer
    assert timer.isActive() and timer.interval() == 5 * 60_000
    timer.setInterval(200)  # five minutes, shortened for the test
    timer.start()
    qtbot.keyClick(window.tabs, Qt.Key.Key_Down)  # someone at the till: it starts again
    assert timer.isActive()
    dialog = _sign_in_dialog(qtbot, window)  # then nobody for the while: locked
    assert not window.tabs.isVisible()
    _sign_in(qtbot, dialog, "Cleo", "3333")
    assert window.tabs.isVisible()


def test_this_computers_idle_lock_is_set_on_the_users_page(qtbot, staffed: Database) -> None:
    staffed.actor = Actor("Olga", Role.OWNER, user_id=1)
    page = _page(qtbot, staffed)
    assert page.auto_lock.text() == "Never"
    page.auto_lock.setValue(10)
    page.apply()
    assert load_settings().auto_lock_minutes == 10


def test_a_read_only_window_on_a_shop_with_users_shows_without_a_sign_in(
    qtbot, staffed: Database
) -> None:
    """Looking is open to every role, and a sign-in writes its wrong tries, which a read-only
    window could not: nobody signs in there."""
    window = MainWindow(staffed, read_only=True)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    qtbot.wait(50)
    assert window.till_lock.dialog is None and window.tabs.isVisible()
    assert not window.findChild(QAction, "lockAction").isEnabled()


def test_every_action_the_roles_grey_out_is_in_the_window(qtbot, sqlite_db: Database) -> None:
    window = open_window(qtbot, sqlite_db)
    names = {action.objectName() for action in window.findChildren(QAction)}
    assert set(ACTION_PERMISSIONS) <= names


def test_a_clerks_menus_grey_out_what_needs_a_manager_or_the_owner(
    qtbot, staffed: Database
) -> None:
    window = open_window(qtbot, staffed)
    _sign_in(qtbot, _sign_in_dialog(qtbot, window), "Cleo", "3333")
    for name, permission in ACTION_PERMISSIONS.items():
        action = window.findChild(QAction, name)
        if permission.least_role is not Role.CLERK:
            assert not action.isEnabled(), name
            assert action.toolTip().startswith("Only "), name
