"""The orders tab: a manager's choice of how one order ships, said in plain words."""

from __future__ import annotations

from app.db import Database
from app.domain.enums import ShipPreference
from app.ui.tabs.orders_tab import OrdersTab
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
    tab.set_ship_preference(ShipPreference.PARTIAL)
    tab.set_ship_preference(None)
    assert said == [
        f"{ref} now ships complete (held until every unit is in); it is backordered",
        f"{ref} now ships partial (what is in stock goes now, the rest follows); "
        "it is part ready to ship",
        f"{ref} now ships as the customer prefers; it is part ready to ship",
    ]
