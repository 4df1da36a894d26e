"""Text cells of the shop's CSV files that a spreadsheet would run as a formula (OWASP "CSV
injection"), and the way back.

A spreadsheet takes a cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return
for a formula (``=HYPERLINK(...)`` in a SKU would run on the clerk's computer). Every export
writes such a text cell with a single quote in front (``'=1+2``): the spreadsheet shows it as
text, and a person still reads the value. Numbers are written as numbers (``-3`` stays ``-3``):
only text cells are neutralised.

Every import takes that quote off again, so a value exported and imported comes back
unchanged. To keep the two exact inverses, a text that already starts with quotes before one of
those characters gets one more on export (``'=X`` is written ``''=X``) and the import removes
exactly one. A quote before anything else (``'X``, ``O'Brien``) is part of the value both ways.
"""

from __future__ import annotations

import re

#: The characters a spreadsheet reads as the start of a formula (OWASP).
FORMULA_START = "=+-@\t\r"

_MAY_NEED_QUOTE = FORMULA_START + "'"
_FORMULA_LIKE = re.compile(r"'*[=+\-@\t\r]")
_NEUTRALISED = re.compile(r"'+[=+\-@\t\r]")


def neutralise(text: str) -> str:
    """The text as an export writes it: with a ``'`` in front if a spreadsheet would run it."""
    if text and text[0] in _MAY_NEED_QUOTE and _FORMULA_LIKE.match(text):
        return "'" + text
    return text


def restore(text: str) -> str:
    """The value an exported cell stood for (the inverse of :func:`neutralise`)."""
    if text[:1] == "'" and _NEUTRALISED.match(text):
        return text[1:]
    return text
