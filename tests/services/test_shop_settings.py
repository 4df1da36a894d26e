"""The shop's currency and long-wait settings: defaults, checks, and values written by hand."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy.orm import Session

from app.db import Database
from app.domain.errors import InvalidInput
from app.domain.settings import ShopSetting
from app.services import shop_settings
from app.services.changes import Area


@pytest.fixture
def session(db: Database) -> Iterator[Session]:
    """One write transaction per test, on SQLite and (when configured) PostgreSQL."""
    with db.write() as session:
        yield session


def test_a_new_shop_counts_in_euros_and_warns_after_two_weeks(session: Session) -> None:
    assert shop_settings.get_currency(session) == "EUR"
    assert shop_settings.get_long_wait_days(session) == 14


def test_the_chosen_currency_is_kept_in_capitals_and_reported_as_a_settings_change(
    session: Session,
) -> None:
    saved = shop_settings.set_currency(session, " gbp ")
    assert saved.value == "GBP"
    assert saved.changes.touches(Area.SETTINGS)
    assert shop_settings.get_currency(session) == "GBP"
    shop_settings.set_currency(session, "JPY")
    assert shop_settings.get_currency(session) == "JPY"


@pytest.mark.parametrize("code", ["", "EU", "EURO", "E1R", "XYZ", "€"])
def test_a_code_that_is_no_currency_is_refused_and_nothing_changes(
    session: Session, code: str
) -> None:
    with pytest.raises(InvalidInput):
        shop_settings.set_currency(session, code)
    assert shop_settings.get_currency(session) == "EUR"


@pytest.mark.parametrize("days", [0, -3, 366, "two weeks", "1.5"])
def test_a_long_wait_outside_one_day_to_a_year_is_refused(session: Session, days: object) -> None:
    with pytest.raises(InvalidInput):
        shop_settings.set_long_wait_days(session, days)  # type: ignore[arg-type]
    assert shop_settings.get_long_wait_days(session) == 14


def test_the_long_wait_can_be_set_from_the_text_a_clerk_typed(session: Session) -> None:
    shop_settings.set_long_wait_days(session, " 21 ")
    assert shop_settings.get_long_wait_days(session) == 21


def test_a_value_written_by_hand_falls_back_to_the_default_instead_of_failing(
    session: Session,
) -> None:
    session.add(ShopSetting(key=shop_settings.CURRENCY_KEY, value="money"))
    session.add(ShopSetting(key=shop_settings.LONG_WAIT_DAYS_KEY, value="soon"))
    session.flush()
    assert shop_settings.get_currency(session) == "EUR"
    assert shop_settings.get_long_wait_days(session) == 14


def test_the_shop_page_s_settings_are_saved_together_or_not_at_all(session: Session) -> None:
    saved = shop_settings.set_shop_settings(session, "chf", "30")
    assert (saved.currency, saved.long_wait_days) == ("CHF", 30)
    assert saved.changes.touches({Area.SETTINGS})
    with pytest.raises(InvalidInput, match="between 1 and 365 days"):
        shop_settings.set_shop_settings(session, "JPY", 0)
    assert shop_settings.get_shop_settings(session) == shop_settings.ShopSettings("CHF", 30)
