"""The Goodwill coupons page of Settings: the rule shown, changed and saved for every till off
the GUI thread; a wrong amount or someone other than the owner refused in plain words."""

from __future__ import annotations

from decimal import Decimal

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from app.db import Database
from app.domain.actors import Actor, Role
from app.services import shop_settings
from app.services.shop_settings import GoodwillRule
from app.ui.dialogs.settings import SettingsDialog
from app.ui.dialogs.settings_goodwill import GoodwillPage
from tests.ui.conftest import wait_for_saves
from tests.ui.settings_pages import press_ok, settings_with


def open_page(qtbot: QtBot, database: Database) -> tuple[SettingsDialog, GoodwillPage]:
    page = GoodwillPage(database)
    return settings_with(qtbot, page), page


def saved(database: Database) -> GoodwillRule:
    with database.read() as session:
        return shop_settings.get_goodwill_rule(session)


def test_a_new_shop_shows_the_rule_off_with_its_fields_greyed(
    qtbot: QtBot, sqlite_db: Database
) -> None:
    _, page = open_page(qtbot, sqlite_db)
    assert not page.enabled.isChecked()
    assert not page.fields.isEnabled()
    assert page.by_percent.isChecked() and page.percent.value() == 10


def test_an_amount_coupon_with_a_validity_is_saved_and_shown_again(
    qtbot: QtBot, sqlite_db: Database
) -> None:
    dialog, page = open_page(qtbot, sqlite_db)
    qtbot.mouseClick(page.enabled, Qt.MouseButton.LeftButton)
    assert page.fields.isEnabled() and not page.amount.isEnabled()
    page.days.setValue(21)
    page.by_amount.setChecked(True)
    assert page.amount.isEnabled() and not page.percent.isEnabled()
    qtbot.keyClicks(page.amount, "7.50")
    page.limited.setChecked(True)
    page.valid_days.setValue(60)
    press_ok(qtbot, dialog)
    wait_for_saves(qtbot)
    assert dialog.result() == dialog.DialogCode.Accepted
    assert saved(sqlite_db) == GoodwillRule(True, 21, None, Decimal("7.50"), 60)
    assert (
        page.outcome.startswith("Goodwill coupons on: ")
        and "for waits over 21 days" in page.outcome
    )

    _, page = open_page(qtbot, sqlite_db)
    assert page.by_amount.isChecked() and page.amount.text() == "7.50"
    assert page.limited.isChecked() and page.valid_days.value() == 60


def test_a_wrong_amount_is_refused_in_plain_words_and_nothing_is_saved(
    qtbot: QtBot, sqlite_db: Database
) -> None:
    dialog, page = open_page(qtbot, sqlite_db)
    page.enabled.setChecked(True)
    page.by_amount.setChecked(True)
    qtbot.keyClicks(page.amount, "five")
    press_ok(qtbot, dialog)
    wait_for_saves(qtbot)
    assert dialog.isVisible()
    assert "A coupon's amount must be an amount like 12.50" in dialog.message.text()
    assert saved(sqlite_db) == GoodwillRule()


def test_a_manager_is_told_only_the_owner_changes_the_rule(
    qtbot: QtBot, sqlite_db: Database
) -> None:
    sqlite_db.actor = Actor(name="Max", role=Role.MANAGER, user_id=2)
    dialog, page = open_page(qtbot, sqlite_db)
    page.enabled.setChecked(True)
    press_ok(qtbot, dialog)
    wait_for_saves(qtbot)
    assert dialog.isVisible()
    assert "ask the owner" in dialog.message.text()
    assert saved(sqlite_db) == GoodwillRule()
