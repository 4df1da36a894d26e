"""View > History…: the audit trail paged from the database, filtered, with before and
after in words; the order detail view shows who did what to that order."""

from __future__ import annotations

from decimal import Decimal

import pytest
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from app.db import Database
from app.domain.actors import Actor, Role
from app.services import cancelling, catalog
from app.ui.dialogs.history import HistoryDialog
from app.ui.dialogs.order_detail import OrderDetailDialog
from app.ui.main_window import MainWindow
from app.ui.models.history_model import HistoryModel
from tests.ui.shop_data import Shop, build_shop, open_window, show_active

SAM = Actor(name="Sam", role=Role.MANAGER, user_id=2, till="FRONT-TILL")


@pytest.fixture
def shop(sqlite_db: Database) -> Shop:
    shop = build_shop(sqlite_db)
    sqlite_db.actor = SAM
    with sqlite_db.write() as s:
        cancelling.cancel_line(s, shop.orders["C002"], 1, "Waiting too long", qty=1)
        catalog.update_product(s, "MUG", price=Decimal("7.25"))
    sqlite_db.actor = None
    return shop


def cell(dialog: HistoryDialog, row: int, title: str) -> str:
    titles = [column.title for column in dialog.model.columns]
    return str(dialog.model.index(row, titles.index(title)).data())


def test_the_history_model_passes_the_model_checks(
    qtmodeltester: ModelTester, sqlite_db: Database, shop: Shop
) -> None:
    model = HistoryModel(sqlite_db)
    model.reload()
    qtmodeltester.check(model)


def test_view_history_lists_who_did_what_newest_first_with_before_and_after(
    qtbot: QtBot, sqlite_db: Database, shop: Shop
) -> None:
    window: MainWindow = open_window(qtbot, sqlite_db)
    show_active(qtbot, window)
    window.menus.action("historyAction").trigger()
    dialog = window.findChild(HistoryDialog)
    assert dialog is not None and dialog.isVisible()
    assert (cell(dialog, 0, "Who"), cell(dialog, 0, "Till")) == ("Sam", "FRONT-TILL")
    assert (cell(dialog, 0, "Record"), cell(dialog, 0, "Product")) == ("Product", "MUG")
    assert cell(dialog, 0, "What changed").startswith("price ")
    assert "→ 7.25" in cell(dialog, 0, "What changed")
    # The selected event's fields, each before and after.
    dialog.table.selectRow(0)
    changes = dialog.changes_model.rows
    assert [field for field, _before, _after in changes] == ["price"]
    assert changes[0][2] == "7.25"
    assert "by Sam (manager) on FRONT-TILL" in dialog.event_text.text()


def test_the_filters_narrow_the_history_in_the_database(
    qtbot: QtBot, sqlite_db: Database, shop: Shop
) -> None:
    dialog = HistoryDialog(sqlite_db)
    qtbot.addWidget(dialog)
    everything = dialog.model.count.value
    dialog.user.setCurrentIndex(dialog.user.findData("Sam"))
    assert {cell(dialog, r, "Who") for r in range(dialog.model.rowCount())} == {"Sam"}
    assert dialog.count.text() == f"{dialog.model.count.value} events"
    qtbot.keyClicks(dialog.document, shop.orders["C002"])
    dialog.apply_filters()  # as the pause after typing does
    rows = range(dialog.model.rowCount())
    assert {cell(dialog, r, "Document") for r in rows} == {shop.orders["C002"]}
    assert any("Waiting too long" in cell(dialog, r, "What changed") for r in rows)
    dialog.user.setCurrentIndex(0)
    dialog.document.clear()
    dialog.product.setText("NOPE")
    dialog.apply_filters()
    assert dialog.model.rowCount() == 0 and dialog.count.text() == "0 events"
    dialog.product.clear()
    dialog.apply_filters()
    assert dialog.model.count.value == everything


def test_the_order_detail_shows_who_did_what_to_the_order(
    qtbot: QtBot, sqlite_db: Database, shop: Shop
) -> None:
    ref = shop.orders["C002"]
    dialog = OrderDetailDialog(sqlite_db, ref)
    qtbot.addWidget(dialog)
    rows = dialog.audit_model.rows
    assert [row[3] for row in rows[:2]] == ["added", "added"]  # the order and its line
    cancel = next(row for row in rows if row[1] == "Sam")
    assert (cancel[2], cancel[3], cancel[4]) == ("FRONT-TILL", "changed", "Order line")
    assert "cancelled 0 → 1" in cancel[5] and "Waiting too long" in cancel[5]
    assert dialog.history_tabs.tabText(1) == "Who did what"
