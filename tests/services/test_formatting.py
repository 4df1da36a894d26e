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


def test_a_range_of_days_is_written_in_the_style_of_one_day() -> None:
    formatting.set_locale("en_US")
    assert (
        formatting.day_range(date(2026, 12, 12), date(2026, 12, 16))
        == "Dec 12\u2009\u2013\u200916, 2026"
    )
    assert formatting.day_range(date(2026, 12, 30), date(2027, 1, 4)) == (
        "Dec 30, 2026\u2009\u2013\u2009Jan 4, 2027"
    )
    assert formatting.day_range(date(2026, 12, 5), date(2026, 12, 5)) == "Dec 5, 2026"
    formatting.set_locale("de_DE")
    assert formatting.day(date(2026, 12, 12)) == "12.12.2026"
    assert formatting.day_range(date(2026, 12, 12), date(2026, 12, 16)) == "12.\u201316.12.2026"


def test_eta_ranges_use_the_one_date_format() -> None:
    from app.services.views.etas import eta_text

    formatting.set_locale("en_GB")
    today = date(2026, 12, 1)
    assert (
        eta_text(date(2026, 12, 12), date(2026, 12, 16), today) == "12\u2009\u2013\u200916 Dec 2026"
    )
    assert eta_text(date(2026, 12, 12), None, today) == "12 Dec 2026"
    assert eta_text(date(2026, 11, 20), date(2026, 11, 25), today) == "overdue (20 Nov 2026)"
    assert eta_text(None, None, today) == "no date"
