"""Barcodes: what a GTIN (EAN/UPC) looks like and whether its check digit is right.

A scanner that misreads one bar, or a clerk who mistypes one digit, produces a code that is
one digit off; the GS1 check digit catches that, so a wrong code is reported at the counter
instead of finding nothing (or, worse, another product). The arithmetic is python-stdnum's
(``stdnum.ean`` checks GTIN-8, -12, -13 and -14), not ours. No Qt, no database.
"""

from __future__ import annotations

from stdnum import ean
from stdnum.exceptions import InvalidChecksum, InvalidFormat, InvalidLength

from app.domain.errors import InvalidInput

#: The lengths of a GTIN: GTIN-8 (EAN-8), GTIN-12 (UPC-A), GTIN-13 (EAN-13), GTIN-14.
GTIN_LENGTHS = (8, 12, 13, 14)


class InvalidBarcode(InvalidInput):
    """A code that was meant as a barcode but cannot be one (wrong length, wrong check digit,
    not only digits): most likely a misread scan, so the clerk should scan it again."""


def looks_like_barcode(code: str) -> bool:
    """Whether ``code`` is all digits (what a scanner sends), whatever its length: such a code
    is checked as a GTIN rather than searched for as a name."""
    code = code.strip()
    return code.isascii() and code.isdigit()


def validate_gtin(code: str) -> str:
    """The GTIN ``code`` (stripped), or InvalidBarcode saying in plain words what is wrong."""
    code = code.strip()
    shown = code[:30]
    try:
        return str(ean.validate(code))
    except InvalidLength:  # a subclass of InvalidFormat in stdnum: caught first
        raise InvalidBarcode(
            f"Barcode {shown!r} is not a GTIN: it has {len(code)} digits, "
            "a GTIN has 8, 12, 13 or 14"
        ) from None
    except InvalidChecksum:
        raise InvalidBarcode(
            f"Barcode {shown} has a wrong check digit (misread?): scan it again"
        ) from None
    except InvalidFormat:
        raise InvalidBarcode(f"Barcode {shown!r} is not a GTIN: a GTIN has only digits") from None


def is_valid_gtin(code: str) -> bool:
    """Whether ``code`` is a GTIN-8/12/13/14 with a correct check digit."""
    try:
        validate_gtin(code)
    except InvalidBarcode:
        return False
    return True
