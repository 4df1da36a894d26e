"""The tabs' toolbar buttons grey out what the signed-in role may not do, with a tooltip saying
who may, and come back when someone who may signs in (a courtesy: the services refuse anyway).
"""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QAbstractButton, QPushButton

from app.db import Database
from app.domain.actors import Role
from app.domain.permissions import allows
from app.services import users
from app.ui.dialogs.order_detail import OrderDetailDialog
from app.ui.main_window import MainWindow
from app.ui.role_actions import BUTTON_PERMISSIONS
from tests.services.shop import add_staff
from tests.ui.conftest import wait_for_saves
from tests.ui.shop_data import Shop, open_window

PINS = {Role.OWNER: ("Olga", "1111"), Role.MANAGER: ("Max", "2222"), Role.CLERK: ("Cleo", "3333")}


@pytest.fixture
def staffed(sqlite_db: Database, shop: Shop) -> Database:
    """Olga (owner), Max (manager) and Cleo (clerk); nobody signed in."""
    add_staff(sqlite_db)
    sqlite_db.actor = sqlite_db.run(lambda s: users.sign_in(s, "Olga", "1111")).actor_or_raise()
    with sqlite_db.write() as session:
        users.create_user(session, "Max", Role.MANAGER, "2222")
    sqlite_db.actor = None
    return sqlite_db


def _sign_in(qtbot, window: MainWindow, role: Role) -> None:
    if window.till_lock.dialog is None:
        window.till_lock.lock()
    qtbot.waitUntil(lambda: window.till_lock.dialog is not None)
    dialog = window.till_lock.dialog
    assert dialog is not None
    qtbot.waitUntil(dialog.isVisible)
    name, pin = PINS[role]
    dialog.name.setCurrentText(name)
    qtbot.keyClicks(dialog.pin, pin)
    qtbot.keyClick(dialog.pin, Qt.Key.Key_Return)
    wait_for_saves(qtbot)
    assert window.till_lock.dialog is None


def _buttons(window: MainWindow) -> dict[str, QAbstractButton | QAction]:
    found: list[QAbstractButton | QAction] = [*window.findChildren(QAbstractButton)]
    found += window.findChildren(QAction)
    return {w.objectName(): w for w in found if w.objectName() in BUTTON_PERMISSIONS}


#: The buttons of the order detail (a dialog the tabs open), greyed the same way.
DETAIL_BUTTONS = {"orderDetailShipButton", "orderDetailCancelLineButton"}
#: The ship dialog's "Ship anyway" (tests/ui/test_new_order_dialog.py checks it for a clerk).
SHIP_DIALOG_BUTTONS = {"shipAnywayCheck"}


def test_every_button_the_roles_grey_out_is_in_the_window(qtbot, sqlite_db: Database) -> None:
    window = open_window(qtbot, sqlite_db)
    assert set(_buttons(window)) == set(BUTTON_PERMISSIONS) - DETAIL_BUTTONS - SHIP_DIALOG_BUTTONS


@pytest.mark.parametrize("role", list(Role), ids=lambda role: role.value)
def test_the_order_detail_greys_cancel_line_for_a_clerk(
    qtbot, staffed: Database, shop: Shop, role: Role
) -> None:
    name, pin = PINS[role]
    staffed.actor = staffed.run(lambda s: users.sign_in(s, name, pin)).actor_or_raise()
    dialog = OrderDetailDialog(staffed, shop.orders["C001"])
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.lines.selectRow(0)  # 2 MUG waiting: a line that can be cancelled
    found = {b.objectName(): b for b in dialog.findChildren(QPushButton)}
    assert set(found) >= DETAIL_BUTTONS
    cancel = found["orderDetailCancelLineButton"]
    if role is Role.CLERK:
        assert not cancel.isEnabled()
        assert (
            cancel.toolTip() == "Only a manager or the owner may cancel orders and purchase orders"
        )
    else:
        assert cancel.isEnabled()
        assert cancel.toolTip() == "Cancel the selected line, or some of its units"
    assert found["orderDetailShipButton"].isEnabled()  # 2 TEA allocated: anyone may ship


@pytest.mark.parametrize("role", list(Role), ids=lambda role: role.value)
def test_each_role_sees_greyed_exactly_the_buttons_it_may_not_use(
    qtbot, staffed: Database, role: Role
) -> None:
    window = open_window(qtbot, staffed)
    _sign_in(qtbot, window, role)
    for name, widget in _buttons(window).items():
        permission = BUTTON_PERMISSIONS[name]
        if allows(role, permission):
            assert not widget.toolTip().startswith("Only "), name
        else:
            assert not widget.isEnabled(), name
            assert widget.toolTip() == f"Only {permission.who_may} may {permission.label}", name


def test_switching_user_gives_the_buttons_back_with_their_own_tooltips(
    qtbot, staffed: Database
) -> None:
    window = open_window(qtbot, staffed)
    _sign_in(qtbot, window, Role.OWNER)
    adjust = window.findChild(QPushButton, "adjustStockButton")
    policy = window.findChild(QPushButton, "backordersChangePolicy")
    own_tips = (adjust.toolTip(), policy.toolTip())
    assert adjust.isEnabled() and policy.isEnabled()
    _sign_in(qtbot, window, Role.CLERK)
    assert not adjust.isEnabled() and adjust.toolTip() == (
        "Only a manager or the owner may correct stock"
    )
    assert not policy.isEnabled()
    assert policy.toolTip() == "Only the owner may change the shop's settings and policies"
    _sign_in(qtbot, window, Role.MANAGER)
    assert adjust.isEnabled() and adjust.toolTip() == own_tips[0]
    assert not policy.isEnabled()
    _sign_in(qtbot, window, Role.OWNER)
    assert (adjust.toolTip(), policy.toolTip()) == own_tips
    assert adjust.isEnabled() and policy.isEnabled()


def test_a_selection_never_brings_back_a_refused_button(qtbot, staffed: Database) -> None:
    window = open_window(qtbot, staffed)
    _sign_in(qtbot, window, Role.CLERK)
    tab = window.orders_tab
    window.tabs.setCurrentWidget(tab)
    qtbot.waitUntil(lambda: tab.model.rowCount() > 0)
    tab.table.selectRow(0)
    cancel = window.findChild(QPushButton, "cancelOrderButton")
    assert not cancel.isEnabled()
    assert window.findChild(QPushButton, "newOrderButton").isEnabled()
