"""The shop's own settings that every till shares: its currency and how long a wait is "long".

Kept as rows of ``ShopSetting`` (strings) so a newer Shopkeeper can add keys without a
migration. Reading never fails on a value written by hand or by a newer version: it falls back
to the default and logs, because a till must keep selling. Writing checks the value and says
what is wrong in words a shop owner can act on. No Qt.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from babel.numbers import list_currencies
from sqlalchemy.orm import Session

from app.domain.errors import InvalidInput
from app.domain.permissions import Permission, require
from app.domain.settings import ShopSetting
from app.services.changes import Area, Changes

log = logging.getLogger(__name__)

CURRENCY_KEY = "currency"
LONG_WAIT_DAYS_KEY = "long_wait_days"

#: Until the owner chooses one. Most shops set it once, on the first day.
DEFAULT_CURRENCY = "EUR"
#: Most customers accept waiting up to about two weeks; New order warns beyond this.
DEFAULT_LONG_WAIT_DAYS = 14
#: A wait longer than a year is not a setting anyone means.
MAX_LONG_WAIT_DAYS = 365


@dataclass(frozen=True, slots=True)
class SettingSaved:
    """What a setting change reports to the window."""

    key: str
    value: str
    changes: Changes


def _read(session: Session, key: str) -> str | None:
    setting = session.get(ShopSetting, key)
    return None if setting is None else setting.value


def _write(session: Session, key: str, value: str) -> SettingSaved:
    setting = session.get(ShopSetting, key)
    if setting is None:
        session.add(ShopSetting(key=key, value=value))
    else:
        setting.value = value
    return SettingSaved(key, value, Changes.of(Area.SETTINGS))


def check_currency(code: str) -> str:
    """``code`` as an ISO 4217 currency code ("eur " -> "EUR"), or a clear refusal."""
    cleaned = code.strip().upper()
    if len(cleaned) != 3 or not cleaned.isalpha():
        raise InvalidInput(
            f"{code.strip() or 'An empty code'!r} is not a currency code: use three letters "
            "such as EUR, USD or GBP."
        )
    if cleaned not in list_currencies():
        raise InvalidInput(f"{cleaned} is not a currency Shopkeeper knows.")
    return cleaned


def get_currency(session: Session) -> str:
    """The shop's currency (ISO 4217); :data:`DEFAULT_CURRENCY` until one is chosen."""
    stored = _read(session, CURRENCY_KEY)
    if stored is None:
        return DEFAULT_CURRENCY
    try:
        return check_currency(stored)
    except InvalidInput:
        log.warning("unknown shop currency %r; showing amounts in %s", stored, DEFAULT_CURRENCY)
        return DEFAULT_CURRENCY


def set_currency(session: Session, code: str) -> SettingSaved:
    """Make ``code`` the shop's currency. Amounts are not converted: only how they are shown."""
    require(session, Permission.CHANGE_SETTINGS)
    return _write(session, CURRENCY_KEY, check_currency(code))


def check_long_wait_days(days: int | str) -> int:
    try:
        value = int(str(days).strip())
    except ValueError as error:
        raise InvalidInput(f"{days!r} is not a whole number of days.") from error
    if not 1 <= value <= MAX_LONG_WAIT_DAYS:
        raise InvalidInput(
            f"A long wait must be between 1 and {MAX_LONG_WAIT_DAYS} days, not {value}."
        )
    return value


def get_long_wait_days(session: Session) -> int:
    """Waits longer than this many days get a warning when the order is taken."""
    stored = _read(session, LONG_WAIT_DAYS_KEY)
    if stored is None:
        return DEFAULT_LONG_WAIT_DAYS
    try:
        return check_long_wait_days(stored)
    except InvalidInput:
        log.warning(
            "unreadable long-wait setting %r; using %s days", stored, DEFAULT_LONG_WAIT_DAYS
        )
        return DEFAULT_LONG_WAIT_DAYS


def set_long_wait_days(session: Session, days: int | str) -> SettingSaved:
    require(session, Permission.CHANGE_SETTINGS)
    return _write(session, LONG_WAIT_DAYS_KEY, str(check_long_wait_days(days)))


@dataclass(frozen=True, slots=True)
class ShopSettings:
    """The shop page's settings, read or saved together."""

    currency: str = DEFAULT_CURRENCY
    long_wait_days: int = DEFAULT_LONG_WAIT_DAYS
    changes: Changes = field(default_factory=lambda: Changes.of(Area.SETTINGS))


def get_shop_settings(session: Session) -> ShopSettings:
    return ShopSettings(get_currency(session), get_long_wait_days(session))


def set_shop_settings(session: Session, currency: str, long_wait_days: int | str) -> ShopSettings:
    """Save both settings of the Shop page (each checked first: nothing is written if either
    is refused)."""
    require(session, Permission.CHANGE_SETTINGS)
    code, days = check_currency(currency), check_long_wait_days(long_wait_days)
    set_currency(session, code)
    set_long_wait_days(session, days)
    return ShopSettings(code, days)
