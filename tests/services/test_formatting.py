"""One way to show amounts and dates, by the user's locale, exact for Decimals."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from app.services import formatting


@pytest.fixture(autouse=True)
def locale_restored() -> Iterator[None]:
    before = str(formatting.current_locale())
    yield
    formatting.set_locale(before)


def test_amounts_follow_the_locale_and_the_currency() -> None:
    formatting.set_locale("de_DE")
    assert formatting.money(Decimal("1234.5"), "EUR") == "1.234,50\xa0€"
    formatting.set_locale("en-GB")
    assert formatting.money(Decimal("1234.5"), "GBP") == "£1,234.50"
    assert formatting.money(Decimal("1234"), "JPY") == "JP¥1,234"
    assert formatting.currency_digits("JPY") == 0 and formatting.currency_digits("EUR") == 2


def test_an_amount_is_never_rounded_through_a_float() -> None:
    formatting.set_locale("en_US")
    assert formatting.money(Decimal("9999999999.99"), "USD") == "$9,999,999,999.99"
    assert formatting.money(Decimal("0.1") + Decimal("0.2"), "USD") == "$0.30"


def test_dates_have_one_format_per_locale() -> None:
    formatting.set_locale("en_GB")
    assert formatting.day(date(2026, 12, 5)) == "5 Dec 2026"
    formatting.set_locale("en_US")
    assert formatting.day(date(2026, 12, 5)) == "Dec 5, 2026"
    assert formatting.day(None, empty="no date") == "no date"


def test_time_stamps_are_shown_in_the_computers_time_zone(monkeypatch) -> None:
    monkeypatch.setenv("TZ", "America/New_York")
    import time

    time.tzset()
    try:
        formatting.set_locale("en_US")
        stamp = datetime(2026, 12, 5, 3, 30, tzinfo=UTC)  # 22:30 the day before in New York
        assert formatting.moment(stamp) == "Dec 4, 2026 22:30"
        assert formatting.day(stamp) == "Dec 4, 2026"
    finally:
        monkeypatch.undo()
        time.tzset()


def test_an_unknown_locale_falls_back_instead_of_failing() -> None:
    assert str(formatting.set_locale("xx_YY")) == formatting.FALLBACK_LOCALE
    assert str(formatting.set_locale("")) == formatting.FALLBACK_LOCALE
