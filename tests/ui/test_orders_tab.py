"""The orders tab: a manager's choice of how one order ships, said in plain words, and the
selected order's customer edited from it."""

from __future__ import annotations

from PySide6.QtCore import Qt
from sqlalchemy import select

from app.db import Database
from app.domain import OrderStatus, SalesOrder
from app.domain.enums import ShipPreference
from app.ui.dialogs.customer import CustomerDialog
from app.ui.tabs.orders_tab import OrdersTab
from tests.ui.conftest import wait_for_saves
from tests.ui.shop_data import build_shop


def test_choosing_how_an_order_ships_is_said_in_plain_words(qtbot, sqlite_db: Database) -> None:
    shop = build_shop(sqlite_db)
    tab = OrdersTab(sqlite_db)
    qtbot.addWidget(tab)
    tab.show()
    qtbot.waitExposed(tab)
    ref = shop.orders["C001"]
    assert tab.select_key(ref)
    said: list[str] = []
    tab.message.connect(said.append)
    tab.set_ship_preference(ShipPreference.COMPLETE)
    wait_for_saves(qtbot)
    tab.set_ship_preference(ShipPreference.PARTIAL)
    wait_for_saves(qtbot)
    tab.set_ship_preference(None)
    wait_for_saves(qtbot)
    assert said == [
        f"{ref} now ships complete (held until every unit is in); it is backordered",
        f"{ref} now ships partial (what is in stock goes now, the rest follows); "
        "it is part ready to ship",
        f"{ref} now ships as the customer prefers; it is part ready to ship",
    ]


def test_the_selected_orders_customer_is_edited_from_the_tab_and_the_order_follows(
    qtbot, sqlite_db: Database
) -> None:
    shop = build_shop(sqlite_db)
    tab = OrdersTab(sqlite_db)
    qtbot.addWidget(tab)
    tab.show()
    qtbot.waitExposed(tab)
    ref = shop.orders["C001"]
    assert tab.select_key(ref)
    assert tab.customer_button.isEnabled()
    said: list[str] = []
    tab.message.connect(said.append)
    qtbot.mouseClick(tab.customer_button, Qt.MouseButton.LeftButton)
    dialog = tab.findChild(CustomerDialog)
    assert dialog is not None and dialog.windowTitle() == "Edit customer"
    dialog.preference.setCurrentIndex(dialog.preference.findData(ShipPreference.COMPLETE))
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(said))
    assert said[0].startswith("Customer ") and said[0].endswith(" saved")
    with sqlite_db.read() as session:
        order = session.scalar(select(SalesOrder).where(SalesOrder.ref == ref))
        assert order is not None
        assert order.status is OrderStatus.BACKORDERED  # now held until complete
