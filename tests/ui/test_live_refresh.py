"""Live refresh through the window: other tills' changes appear; the window's own do not
make the tabs read everything a second time."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from app.db import Database, open_database
from app.services import catalog
from app.services.changes import Area, Changes
from app.ui import events
from app.ui.live_refresh import LiveRefresh
from app.ui.main_window import MainWindow
from tests.ui.shop_data import open_window
from tests.ui.test_main_window import model_of
from tests.ui.test_models import cells, fill_shop


def test_the_window_s_own_change_is_read_once_not_again_by_the_live_refresh(
    qtbot: QtBot, sqlite_db: Database
) -> None:
    fill_shop(sqlite_db)
    window: MainWindow = open_window(qtbot, sqlite_db)
    live = LiveRefresh(window.database, window, interval_ms=100)
    seen: list[object] = []
    live.refreshed.connect(lambda: seen.append(True))
    try:
        # As a dialog does: write, then announce what changed.
        window.database.run(lambda session: catalog.create_product(session, "BOLT", "Bolt M6"))
        events.bus().announce(Changes.of(Area.STOCK))
        assert "BOLT" in cells(model_of(window, "stockTab"), "SKU")
        qtbot.wait(1_000)  # ten looks by the watcher
        assert seen == []

        other_till = open_database(window.database.url)
        try:
            with other_till.write() as session:
                catalog.create_product(session, "NUT", "Nut M6")
        finally:
            other_till.dispose()
        qtbot.waitUntil(lambda: seen == [True], timeout=5_000)
        assert "NUT" in cells(model_of(window, "stockTab"), "SKU")
    finally:
        live.stop()
