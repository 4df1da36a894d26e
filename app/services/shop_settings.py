"""The shop's own settings that every till shares: its currency, how long a wait is "long",
and the goodwill rule (a coupon for customers who waited long).

Kept as rows of ``ShopSetting`` (strings) so a newer Shopkeeper can add keys without a
migration. Reading never fails on a value written by hand or by a newer version: it falls back
to the default and logs, because a till must keep selling. Writing checks the value and says
what is wrong in words a shop owner can act on. No Qt.
"""

from __future__ import annotations

import base64
import logging
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

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


def _whole_days(days: int | str) -> int:
    try:
        return int(str(days).strip())
    except ValueError as error:
        raise InvalidInput(f"{days!r} is not a whole number of days.") from error


def check_long_wait_days(days: int | str) -> int:
    value = _whole_days(days)
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


GOODWILL_KEY = "goodwill_rule"
#: The most a percentage coupon may take off: the whole order.
MAX_GOODWILL_PERCENT = Decimal(100)
#: A coupon valid for more than five years is not a setting anyone means.
MAX_GOODWILL_VALID_DAYS = 5 * 365


@dataclass(frozen=True, slots=True)
class GoodwillRule:
    """ "Customers who waited more than ``days`` days get a coupon of ``percent`` % (or a
    fixed ``amount``) off their next order", valid for ``valid_days`` days (None: no end).

    Exactly one of ``percent`` and ``amount`` is set. Off until the owner turns it on.
    """

    enabled: bool = False
    days: int = DEFAULT_LONG_WAIT_DAYS
    percent: Decimal | None = Decimal(10)
    amount: Decimal | None = None
    valid_days: int | None = None
    changes: Changes = field(default_factory=lambda: Changes.of(Area.SETTINGS), compare=False)

    def stored(self) -> str:
        """The rule as its one setting row: "on|14|percent|10|90" (valid days empty: no end)."""
        kind = "percent" if self.percent is not None else "amount"
        value = self.percent if self.percent is not None else self.amount
        valid = "" if self.valid_days is None else str(self.valid_days)
        return "|".join(("on" if self.enabled else "off", str(self.days), kind, str(value), valid))


def check_goodwill_rule(
    *,
    enabled: bool,
    days: int | str,
    percent: Decimal | str | None = None,
    amount: Decimal | str | None = None,
    valid_days: int | str | None = None,
    currency: str = DEFAULT_CURRENCY,
) -> GoodwillRule:
    """The rule as the owner typed it, checked; an :class:`InvalidInput` says what is wrong."""
    wait = check_long_wait_days(days)
    if (percent is None) == (amount is None):
        raise InvalidInput("A goodwill coupon is worth either a percentage or an amount.")
    if percent is not None:
        try:
            share = Decimal(str(percent).strip().rstrip("%").strip())
        except InvalidOperation as error:
            raise InvalidInput(f"{percent!r} is not a percentage.") from error
        if not share.is_finite() or not 0 < share <= MAX_GOODWILL_PERCENT:
            raise InvalidInput(
                f"A coupon's percentage must be above 0 and at most 100, not {percent}."
            )
        if share != share.quantize(Decimal("0.01")):
            raise InvalidInput(f"A coupon's percentage has at most two decimals, not {percent}.")
        share = share.quantize(Decimal("0.01"))
        return GoodwillRule(enabled, wait, share, None, _valid_days(valid_days))
    # Deferred: pricing reads the currency from this module.
    from app.services.pricing import parse_price

    assert amount is not None
    value = parse_price(amount, currency, what="A coupon's amount")
    if value <= 0:
        raise InvalidInput("A coupon's amount must be more than zero.")
    return GoodwillRule(enabled, wait, None, value, _valid_days(valid_days))


def _valid_days(days: int | str | None) -> int | None:
    if days is None or str(days).strip() == "":
        return None
    value = _whole_days(days)
    if not 1 <= value <= MAX_GOODWILL_VALID_DAYS:
        raise InvalidInput(
            f"A coupon is valid for 1 to {MAX_GOODWILL_VALID_DAYS} days (or leave it empty "
            f"for no end), not {value}."
        )
    return value


def get_goodwill_rule(session: Session) -> GoodwillRule:
    """The shop's goodwill rule; off (the default) when none is set or it cannot be read,
    because a till must keep shipping."""
    stored = _read(session, GOODWILL_KEY)
    if stored is None:
        return GoodwillRule()
    try:
        state, days, kind, value, valid = stored.split("|")
        if state not in ("on", "off") or kind not in ("percent", "amount"):
            raise InvalidInput(stored)
        return check_goodwill_rule(
            enabled=state == "on",
            days=days,
            percent=value if kind == "percent" else None,
            amount=value if kind == "amount" else None,
            valid_days=valid,
            currency=get_currency(session),
        )
    except (ValueError, InvalidInput):
        log.warning("unreadable goodwill rule %r; no coupons until it is saved again", stored)
        return GoodwillRule()


def set_goodwill_rule(
    session: Session,
    *,
    enabled: bool,
    days: int | str,
    percent: Decimal | str | None = None,
    amount: Decimal | str | None = None,
    valid_days: int | str | None = None,
) -> GoodwillRule:
    """Save the goodwill rule (the owner's decision: it gives the shop's money away). It
    applies to orders shipped from now on; coupons already given keep their value."""
    require(session, Permission.CHANGE_SETTINGS)
    rule = check_goodwill_rule(
        enabled=enabled,
        days=days,
        percent=percent,
        amount=amount,
        valid_days=valid_days,
        currency=get_currency(session),
    )
    _write(session, GOODWILL_KEY, rule.stored())
    return rule


# The shop as its documents name it: printed on packing slips, order status sheets and
# purchase orders by every till, so kept here rather than in a computer's own settings.
SHOP_NAME_KEY = "shop_name"
SHOP_ADDRESS_KEY = "shop_address"
SHOP_PHONE_KEY = "shop_phone"
SHOP_LOGO_KEY = "shop_logo"

MAX_SHOP_NAME = 120
MAX_SHOP_ADDRESS = 500
MAX_SHOP_PHONE = 40
#: A logo is printed a few centimetres wide: a larger file only slows every document down.
MAX_LOGO_BYTES = 512 * 1024

#: The image formats a logo may be in, by their first bytes (what the file is, not its name).
_LOGO_SIGNATURES = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
)


@dataclass(frozen=True, slots=True)
class ShopIdentity:
    """The shop's name, address, phone and logo, as its documents print them."""

    name: str = ""
    address: str = ""  #: lines separated by newlines
    phone: str = ""
    logo: bytes | None = None  #: a PNG, JPEG or GIF image, or None for no logo
    changes: Changes = field(default_factory=lambda: Changes.of(Area.SETTINGS))

    @property
    def logo_type(self) -> str | None:
        """The logo's MIME type ("image/png"), None without a logo."""
        return None if self.logo is None else logo_type(self.logo)


def logo_type(data: bytes) -> str | None:
    """The MIME type of an image a logo may be (PNG, JPEG, GIF), or None for anything else."""
    for signature, mime in _LOGO_SIGNATURES:
        if data.startswith(signature):
            return mime
    return None


def check_logo(data: bytes) -> bytes:
    """``data`` if it can be the shop's logo, or a refusal the owner can act on."""
    if not data:
        raise InvalidInput("The logo file is empty.")
    if len(data) > MAX_LOGO_BYTES:
        raise InvalidInput(
            f"The logo is {len(data) / 1024:,.0f} KB; use an image of at most "
            f"{MAX_LOGO_BYTES // 1024} KB (a few hundred pixels wide is plenty for print)."
        )
    if logo_type(data) is None:
        raise InvalidInput("The logo must be a PNG, JPEG or GIF image.")
    return data


def _checked_text(value: str, what: str, limit: int, *, lines: bool = False) -> str:
    text = "\n".join(line.strip() for line in value.strip().splitlines()) if lines else value
    text = text.strip()
    if not lines and ("\n" in text or "\r" in text):
        raise InvalidInput(f"The shop's {what} must fit on one line.")
    if len(text) > limit:
        raise InvalidInput(f"The shop's {what} is {len(text)} characters; at most {limit} fit.")
    return text


def get_shop_identity(session: Session) -> ShopIdentity:
    """The shop's name, address, phone and logo (empty until the owner fills them in). A
    stored logo that is no longer a usable image is left off, logged, so documents still
    print."""
    logo: bytes | None = None
    stored = _read(session, SHOP_LOGO_KEY)
    if stored:
        try:
            logo = check_logo(base64.b64decode(stored, validate=True))
        except (ValueError, InvalidInput):
            log.warning("unreadable shop logo setting (%d characters); printing none", len(stored))
    return ShopIdentity(
        name=_read(session, SHOP_NAME_KEY) or "",
        address=_read(session, SHOP_ADDRESS_KEY) or "",
        phone=_read(session, SHOP_PHONE_KEY) or "",
        logo=logo,
    )


def set_shop_identity(
    session: Session, name: str, address: str, phone: str, logo: bytes | None
) -> ShopIdentity:
    """Save what the shop's documents print about it (each value checked first: nothing is
    written if one is refused). ``logo`` None removes the logo. Only the owner may."""
    require(session, Permission.CHANGE_SETTINGS)
    identity = ShopIdentity(
        name=_checked_text(name, "name", MAX_SHOP_NAME),
        address=_checked_text(address, "address", MAX_SHOP_ADDRESS, lines=True),
        phone=_checked_text(phone, "phone number", MAX_SHOP_PHONE),
        logo=None if logo is None else check_logo(logo),
    )
    _write(session, SHOP_NAME_KEY, identity.name)
    _write(session, SHOP_ADDRESS_KEY, identity.address)
    _write(session, SHOP_PHONE_KEY, identity.phone)
    if identity.logo is None:
        stored = session.get(ShopSetting, SHOP_LOGO_KEY)
        if stored is not None:
            session.delete(stored)
    else:
        _write(session, SHOP_LOGO_KEY, base64.b64encode(identity.logo).decode("ascii"))
    return identity
