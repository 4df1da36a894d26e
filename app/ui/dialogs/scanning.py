"""Item fields: where a clerk scans a barcode or types a SKU (in New order, a name too).

One piece for every such field (receive, adjust stock, new purchase order, edit draft, new
order), so a scan reads the same everywhere: a misread barcode (wrong check digit, a digit
missing) asks for a scan again, a barcode nobody stocks says so, an unknown SKU says so
(``catalog.find_product_by_code``), and nothing else changes.
"""

from __future__ import annotations

from PySide6.QtWidgets import QLineEdit

from app.db import Database
from app.ui.dialogs.lookups import ProductRow, product_row
from app.ui.dialogs.widgets import MessageLabel, guarded, read_with


def look_up_item(
    database: Database, message: MessageLabel, code: str, *, names: bool = False
) -> ProductRow | None:
    """The product ``code`` names (its SKU or barcode; with ``names``, its name too), or
    None: then ``message`` says why (a misread barcode, an unknown code)."""
    return guarded(
        message, lambda: read_with(database, lambda s: product_row(s, code, names=names))
    )


def keep_for_next_scan(field: QLineEdit, code: str) -> None:
    """After a code that found nothing: it stays in ``field``, selected, so the clerk sees
    what was read and the next scan (or typing) replaces it."""
    field.setText(code)
    field.selectAll()
    field.setFocus()
