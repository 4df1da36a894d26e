"""Rules for quantities typed or imported by people: whole units, within sane bounds."""

from __future__ import annotations

import re

from app.domain.errors import InvalidQuantity

#: No shop orders or receives a million units of one thing in one line; anything larger is a
#: slip of the finger (or a barcode scanned into the quantity field).
MAX_QUANTITY = 999_999

_WHOLE_NUMBER = re.compile(r"[+-]?[0-9]+")


def parse_quantity(text: str | int, *, allow_zero: bool = False, what: str = "Quantity") -> int:
    """Turn user input into a whole number of units, or raise InvalidQuantity saying why."""
    if isinstance(text, bool):
        raise InvalidQuantity(f"{what} must be a whole number")
    if isinstance(text, int):
        value = text
    else:
        cleaned = str(text).strip()
        if not cleaned:
            raise InvalidQuantity(f"{what} is empty; enter a whole number")
        # Plain ASCII digits only: int() would also take "1_000" and non-Latin digits.
        if not _WHOLE_NUMBER.fullmatch(cleaned):
            raise InvalidQuantity(f"{what} must be a whole number of units, not {cleaned[:20]!r}")
        if len(cleaned) > 20:
            raise InvalidQuantity(f"{what} {cleaned[:20]}... is too large")
        value = int(cleaned)
    return check_quantity(value, allow_zero=allow_zero, what=what)


def check_quantity(value: int, *, allow_zero: bool = False, what: str = "Quantity") -> int:
    """Check an integer quantity against the shop's bounds and return it."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidQuantity(f"{what} must be a whole number of units")
    if value < 0:
        raise InvalidQuantity(f"{what} cannot be negative ({value})")
    if value == 0 and not allow_zero:
        raise InvalidQuantity(f"{what} must be at least 1")
    if value > MAX_QUANTITY:
        raise InvalidQuantity(f"{what} {value:,} is too large (at most {MAX_QUANTITY:,})")
    return value
