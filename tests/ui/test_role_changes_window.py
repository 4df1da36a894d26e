"""A role changed or a user deactivated at another till takes effect in the window at once:
the next write is refused with the new role, the menus follow it, and a deactivated user's
till says so and asks who signs in. Adding the first user after another till did says so."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QLabel

from app.db import Database
from app.domain.actors import Role
from app.services import users
from app.services.changes import Changes
from app.ui import events
from app.ui.background import reads_under_way
from app.ui.dialogs.cancel_order import CancelOrderDialog
from app.ui.dialogs.settings_users import UsersPage
from app.ui.main_window import MainWindow
from tests.services.shop import add_staff
from tests.ui.conftest import wait_for_saves
from tests.ui.shop_data import Shop, confirm_cancel, open_window, show_active


@pytest.fixture
def owners_till(sqlite_db: Database, shop: Shop) -> Iterator[Database]:
    """Another till on the same shop, signed in as Olga (the owner); Max is a manager."""
    add_staff(sqlite_db)
    other = Database(sqlite_db.url)
    other.actor = other.run(lambda s: users.sign_in(s, "Olga", "1111")).actor_or_raise()
    with other.write() as session:
        users.create_user(session, "Max", Role.MANAGER, "2222")
    yield other
    other.dispose()


def _window_as_max(qtbot, database: Database) -> MainWindow:
    window = open_window(qtbot, database)
    qtbot.waitUntil(lambda: window.till_lock.dialog is not None)
    dialog = window.till_lock.dialog
    assert dialog is not None
    qtbot.waitUntil(dialog.isVisible)
    dialog.name.setCurrentText("Max")
    qtbot.keyClicks(dialog.pin, "2222")
    qtbot.keyClick(dialog.pin, Qt.Key.Key_Return)
    wait_for_saves(qtbot)
    assert window.till_lock.dialog is None
    return window


def _signed_in(window: MainWindow) -> str:
    label = window.findChild(QLabel, "signedInLabel")
    assert label is not None
    return label.text()


def _try_cancel(qtbot, database: Database, ref: str) -> CancelOrderDialog:
    dialog = CancelOrderDialog(database, ref)
    qtbot.addWidget(dialog)
    show_active(qtbot, dialog)
    qtbot.mouseClick(dialog.order_button, Qt.MouseButton.LeftButton)
    confirm_cancel(qtbot, dialog.order_question)
    wait_for_saves(qtbot)
    return dialog


def _first_owner_added_at_another_till(database: Database) -> None:
    """Olga becomes the shop's first user (its owner) through another connection."""
    other = Database(database.url)
    try:
        with other.write() as session:
            users.create_user(session, "Olga", Role.OWNER, "1111", first_only=True)
    finally:
        other.dispose()


def test_a_manager_demoted_at_another_till_is_refused_and_the_menus_follow(
    qtbot, sqlite_db: Database, shop: Shop, owners_till: Database
) -> None:
    window = _window_as_max(qtbot, sqlite_db)
    assert _signed_in(window) == "Signed in as Max (manager)"
    adjust = window.findChild(QAction, "adjustStockAction")
    assert adjust.toolTip() != "Only a manager or the owner may correct stock"
    with owners_till.write() as session:
        users.set_role(session, "Max", Role.CLERK)
    dialog = _try_cancel(qtbot, sqlite_db, shop.orders["C001"])
    assert dialog.message.text().startswith("Max (clerk) may not cancel orders")
    assert _signed_in(window) == "Signed in as Max (clerk)"
    assert not adjust.isEnabled()
    assert adjust.toolTip() == "Only a manager or the owner may correct stock"


def test_another_tills_change_of_role_regreys_the_menus_without_a_write(
    qtbot, sqlite_db: Database, owners_till: Database
) -> None:
    window = _window_as_max(qtbot, sqlite_db)
    with owners_till.write() as session:
        users.set_role(session, "Max", Role.CLERK)
    events.bus().announce(Changes.everything())  # as the live refresh does for another till
    # read off the GUI thread, followed when it arrives
    qtbot.waitUntil(lambda: _signed_in(window) == "Signed in as Max (clerk)")
    assert sqlite_db.actor is not None and sqlite_db.actor.role is Role.CLERK
    with owners_till.write() as session:
        users.set_role(session, "Max", Role.MANAGER)
    events.bus().announce(Changes.everything())
    qtbot.waitUntil(lambda: _signed_in(window) == "Signed in as Max (manager)")


def test_a_user_deactivated_at_another_till_is_told_and_asked_to_sign_in(
    qtbot, sqlite_db: Database, shop: Shop, owners_till: Database
) -> None:
    window = _window_as_max(qtbot, sqlite_db)
    with owners_till.write() as session:
        users.deactivate_user(session, "Max")
    dialog = _try_cancel(qtbot, sqlite_db, shop.orders["C001"])
    said = (
        "Max can no longer use the tills (deactivated by the owner): nothing was saved. "
        "Sign in again."
    )
    assert dialog.message.text() == said
    qtbot.waitUntil(lambda: window.till_lock.dialog is not None)
    sign_in = window.till_lock.dialog
    assert sign_in is not None
    assert sign_in.message.text() == said
    assert not window.tabs.isVisible() and window.till_lock.cover.isVisible()
    assert sign_in.name.currentText() == ""  # not Max's name, ready for his PIN


def test_a_deactivation_seen_by_the_live_refresh_locks_the_window(
    qtbot, sqlite_db: Database, owners_till: Database
) -> None:
    window = _window_as_max(qtbot, sqlite_db)
    with owners_till.write() as session:
        users.deactivate_user(session, "Max")
    events.bus().announce(Changes.everything())
    qtbot.waitUntil(lambda: window.till_lock.dialog is not None)
    assert not window.tabs.isVisible()
    assert window.till_lock.dialog.message.text() == (
        "Max can no longer use the tills (deactivated by the owner). Sign in again."
    )


def test_adding_the_first_user_after_another_till_did_says_to_sign_in(
    qtbot, sqlite_db: Database
) -> None:
    page = UsersPage(sqlite_db)
    qtbot.addWidget(page)
    page.load()
    show_active(qtbot, page)
    assert page.intro.text().startswith("No users yet")
    _first_owner_added_at_another_till(sqlite_db)
    page.new_name.setText("Bea")
    page.new_pin.setText("2222")
    page.new_pin_again.setText("2222")
    qtbot.mouseClick(page.add_button, Qt.MouseButton.LeftButton)
    wait_for_saves(qtbot)
    assert page.message.text().startswith("An owner was just created on another till: sign in")
    assert not page.intro.text().startswith("No users yet")  # the page shows Olga now
    assert sqlite_db.actor is None  # nobody was signed in as a second owner
    with sqlite_db.read() as session:
        assert [u.name for u in users.list_users(session)] == ["Olga"]


def test_a_shop_without_users_asks_who_is_at_the_till_once_another_till_adds_the_first(
    qtbot, sqlite_db: Database, shop: Shop
) -> None:
    window = open_window(qtbot, sqlite_db)
    assert window.till_lock.dialog is None and window.tabs.isVisible()  # nobody signs in
    events.bus().announce(Changes.everything())  # another till's change, no users yet
    qtbot.waitUntil(lambda: reads_under_way() == 0)
    assert window.till_lock.dialog is None and window.tabs.isVisible()
    _first_owner_added_at_another_till(sqlite_db)
    events.bus().announce(Changes.everything())  # as the live refresh does
    qtbot.waitUntil(lambda: window.till_lock.dialog is not None)
    assert not window.tabs.isVisible() and window.till_lock.cover.isVisible()
    assert sqlite_db.actor is None


def test_the_live_refresh_reads_the_users_row_off_the_gui_thread(
    qtbot, sqlite_db: Database, owners_till: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another till writes every second in a busy shop: the re-read of who is signed in
    never waits on the database on the GUI thread."""
    import threading

    from app.ui import locking

    window = _window_as_max(qtbot, sqlite_db)
    threads: list[threading.Thread] = []
    real = locking.checked_actor

    def spy(session):  # type: ignore[no-untyped-def]
        threads.append(threading.current_thread())
        return real(session)

    monkeypatch.setattr(locking, "checked_actor", spy)
    for _ in range(3):
        events.bus().announce(Changes.everything())
    qtbot.waitUntil(lambda: bool(threads) and reads_under_way() == 0)
    assert threading.main_thread() not in threads
    assert len(threads) <= 2  # refreshes during a read wait for it: one more read at most
    assert _signed_in(window) == "Signed in as Max (manager)"
