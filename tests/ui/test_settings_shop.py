"""The Shop page of Settings: the shop's currency and when a wait is long, saved for every
till off the GUI thread, refused in plain words when wrong."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from app.db import Database
from app.services import shop_settings
from app.ui.dialogs.settings import SettingsDialog
from app.ui.dialogs.settings_shop import ShopPage, currency_choices
from tests.ui.conftest import wait_for_saves
from tests.ui.settings_pages import press_ok, settings_with


def open_page(qtbot: QtBot, database: Database) -> tuple[SettingsDialog, ShopPage]:
    page = ShopPage(database)
    return settings_with(qtbot, page), page


def saved(database: Database) -> tuple[str, int]:
    with database.read() as session:
        return shop_settings.get_currency(session), shop_settings.get_long_wait_days(session)


def type_into(qtbot: QtBot, page: ShopPage, currency: str, days: str) -> None:
    edit = page.currency.lineEdit()
    assert edit is not None
    edit.selectAll()
    qtbot.keyClicks(edit, currency)
    spin = page.long_wait
    spin.selectAll()
    qtbot.keyClicks(spin, days)


def test_a_new_shop_shows_euros_and_fourteen_days(qtbot: QtBot, sqlite_db: Database) -> None:
    _, page = open_page(qtbot, sqlite_db)
    assert page.currency.currentText() == "EUR \N{EM DASH} Euro"
    assert page.long_wait.value() == 14


def test_currencies_are_listed_by_code_with_their_names() -> None:
    choices = dict(currency_choices())
    assert choices["JPY"] == "JPY \N{EM DASH} Japanese Yen"
    assert choices["GBP"] == "GBP \N{EM DASH} British Pound"
    assert "XAU" not in choices  # gold is not a shop's currency


def test_a_currency_and_long_wait_chosen_are_saved_for_the_shop(
    qtbot: QtBot, sqlite_db: Database
) -> None:
    dialog, page = open_page(qtbot, sqlite_db)
    type_into(qtbot, page, "jpy", "21")
    press_ok(qtbot, dialog)
    wait_for_saves(qtbot)
    assert dialog.result() == dialog.DialogCode.Accepted
    assert saved(sqlite_db) == ("JPY", 21)
    assert page.outcome == "Shop settings saved: amounts in JPY, waits over 21 days are long"

    dialog, page = open_page(qtbot, sqlite_db)  # opened again: what was saved
    assert page.currency.currentText() == "JPY \N{EM DASH} Japanese Yen"
    assert page.long_wait.value() == 21


def test_a_currency_picked_from_the_list_is_saved(qtbot: QtBot, sqlite_db: Database) -> None:
    dialog, page = open_page(qtbot, sqlite_db)
    page.currency.setCurrentIndex(page.currency.findData("CHF"))
    press_ok(qtbot, dialog)
    wait_for_saves(qtbot)
    assert saved(sqlite_db) == ("CHF", 14)


def test_an_unknown_currency_is_refused_in_plain_words_and_nothing_is_saved(
    qtbot: QtBot, sqlite_db: Database
) -> None:
    dialog, page = open_page(qtbot, sqlite_db)
    type_into(qtbot, page, "XYZ", "30")
    press_ok(qtbot, dialog)
    wait_for_saves(qtbot)
    assert dialog.isVisible()
    assert dialog.message.text() == "XYZ is not a currency Shopkeeper knows."
    assert saved(sqlite_db) == ("EUR", 14)


def test_nothing_is_written_when_nothing_changed(qtbot: QtBot, sqlite_db: Database) -> None:
    dialog, page = open_page(qtbot, sqlite_db)
    press_ok(qtbot, dialog)
    assert not page.saving and dialog.result() == dialog.DialogCode.Accepted
    with sqlite_db.read() as session:
        assert session.get(shop_settings.ShopSetting, shop_settings.CURRENCY_KEY) is None
