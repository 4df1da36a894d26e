"""Amounts and dates as the shop's people read them: one format everywhere.

The window, the command line and (later) printed documents and customer messages all format
through here, so a date never looks three different ways and an amount is always shown in
the shop's currency with the user's separators. No Qt: the window tells this module the
user's locale at start (``set_locale(QLocale.system().name())``), because on Windows and
macOS a desktop program gets no ``LANG`` to read.

Amounts are ``Decimal`` end to end (Babel formats a Decimal exactly; no float on the way).
"""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal

from babel import Locale, UnknownLocaleError
from babel.dates import format_date as _babel_date
from babel.dates import format_datetime as _babel_datetime
from babel.dates import format_interval as _babel_interval
from babel.numbers import format_currency, get_currency_precision

#: Used when the system names no locale Babel knows.
FALLBACK_LOCALE = "en_US"

_locale: Locale = Locale.parse(FALLBACK_LOCALE)


def set_locale(name: str | None) -> Locale:
    """Format for the locale ``name`` ("de_DE", "en-GB", ...); an unknown or empty name falls
    back to :data:`FALLBACK_LOCALE`. Returns the locale now in use."""
    global _locale
    try:
        _locale = Locale.parse((name or FALLBACK_LOCALE).replace("-", "_"))
    except (UnknownLocaleError, ValueError, TypeError):
        _locale = Locale.parse(FALLBACK_LOCALE)
    return _locale


def current_locale() -> Locale:
    return _locale


def money(amount: Decimal, currency: str) -> str:
    """``amount`` in ``currency`` (ISO 4217), e.g. "€1,234.50" or "1.234,50 €"."""
    return str(format_currency(amount, currency, locale=_locale))


def currency_digits(currency: str) -> int:
    """Decimal places the currency uses (2 for EUR, 0 for JPY)."""
    return int(get_currency_precision(currency))


def day(value: date | None, *, empty: str = "") -> str:
    """A date, the one way dates are shown: "5 Dec 2026" / "Dec 5, 2026" by locale."""
    if value is None:
        return empty
    if isinstance(value, datetime):
        value = value.astimezone().date() if value.tzinfo else value.date()
    return str(_babel_date(value, "medium", locale=_locale))


def moment(value: datetime | None, *, empty: str = "") -> str:
    """A time stamp in the computer's time zone: the date as :func:`day`, then the time."""
    if value is None:
        return empty
    local = value.astimezone() if value.tzinfo else value
    return f"{day(local.date())} {_babel_datetime(local, 'HH:mm', locale=_locale)}"


def day_pattern() -> str:
    """The CLDR pattern :func:`day` uses ("MMM d, y", "dd.MM.y"...), for date pickers that
    must show dates the same way."""
    return str(_locale.date_formats["medium"].pattern)


def _day_skeleton() -> str:
    """The CLDR skeleton of :func:`day`'s pattern ("MMM d, y" -> "yMMMd"), so a range of
    days is written in the same style as one day."""
    pattern = re.sub(r"'[^']*'", "", day_pattern())
    fields = [m.group(0).replace("L", "M") for m in re.finditer(r"([yMLd])\1*", pattern)]
    return "".join(sorted(fields, key=lambda field: "yMd".index(field[0]))) or "yMMMd"


def day_range(first: date, last: date) -> str:
    """Two days as one range, in :func:`day`'s style: "Dec 12 \N{EN DASH} 16, 2026",
    "12.\N{EN DASH}16.12.2026"; one day when they are the same."""
    if isinstance(first, datetime):
        first = first.date()
    if isinstance(last, datetime):
        last = last.date()
    if first == last:
        return day(first)
    return str(_babel_interval(first, last, _day_skeleton(), locale=_locale))
