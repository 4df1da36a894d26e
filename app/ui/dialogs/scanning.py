"""Item fields: where a clerk scans a barcode or types a SKU (in New order, a name too).

One piece for every such field (receive, adjust stock, new purchase order, edit draft, new
order), so a scan reads the same everywhere: a misread barcode (wrong check digit, a digit
missing) asks for a scan again, a barcode nobody stocks says so, an unknown SKU says so
(``catalog.find_product_by_code``), and nothing else changes.

A scanner types wherever the focus is. In the receive dialog a scan typed into the PO picker,
a button or a table goes to the scan field all the same (:class:`ScanRouter`,
:class:`ScanAwareDelegate`): a clerk never loses a count because the focus was elsewhere.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import (
    QAbstractItemModel,
    QEvent,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    QTimer,
)
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QAbstractItemView, QApplication, QLineEdit, QWidget

from app.db import Database
from app.domain.quantities import MAX_QUANTITY
from app.ui.dialogs.edit_tables import QuantityDelegate
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


def is_scanned_code(text: str) -> bool:
    """Whether text typed into a quantity cell is a barcode rather than a quantity: more
    digits than any quantity has (at most 999,999 units)."""
    text = text.strip()
    return text.isascii() and text.isdigit() and len(text) > len(str(MAX_QUANTITY))


class ScanRouter(QObject):
    """Sends what a scanner types where it means nothing (a picker, a button, a read-only
    table) to the dialog's scan field, so no scan is lost because the focus was elsewhere.

    Watch a widget with :meth:`watch`; a quantity table is watched with ``quantities=True``:
    a digit there still types a quantity into the current cell (a barcode typed there is a
    scan all the same: see :class:`ScanAwareDelegate`), any other character goes to the field.
    """

    def __init__(self, field: QLineEdit) -> None:
        super().__init__(field)
        self._field = field
        self._quantity_widgets: list[QWidget] = []

    def watch(self, *widgets: QWidget, quantities: bool = False) -> None:
        for widget in widgets:
            widget.installEventFilter(self)
            if quantities:
                self._quantity_widgets.append(widget)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() != QEvent.Type.KeyPress or not isinstance(event, QKeyEvent):
            return False
        text = event.text()
        if not text or not text.isprintable() or text.isspace() or watched is self._field:
            return False
        if event.modifiers() & _COMMAND_KEYS:
            return False  # a shortcut or a mnemonic, never a scan
        # The focus, not ``watched``: a table that starts a cell editor for a key still
        # passes the key on to the dialog.
        focus = QApplication.focusWidget()
        if focus is None or (isinstance(focus, QLineEdit) and focus is not self._field):
            return False  # typing into a text field or a cell
        if text in _QUANTITY_KEYS and any(
            focus is widget or widget.isAncestorOf(focus) for widget in self._quantity_widgets
        ):
            return False
        self._field.setFocus(Qt.FocusReason.OtherFocusReason)
        QApplication.sendEvent(
            self._field,
            QKeyEvent(QEvent.Type.KeyPress, event.key(), event.modifiers(), text),
        )
        return True


_COMMAND_KEYS = (
    Qt.KeyboardModifier.ControlModifier
    | Qt.KeyboardModifier.AltModifier
    | Qt.KeyboardModifier.MetaModifier
)
_QUANTITY_KEYS = frozenset("0123456789+-")


class ScanAwareDelegate(QuantityDelegate):
    """A quantity cell that knows a scan: a barcode typed into it (by a scanner while the
    table had the focus) goes to ``scanned`` as a scan, and the cell keeps its quantity."""

    def __init__(self, view: QAbstractItemView, scanned: Callable[[str], None]) -> None:
        super().__init__(view)
        self._view = view
        self._scanned = scanned

    def setModelData(
        self,
        editor: QWidget,
        model: QAbstractItemModel,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        assert isinstance(editor, QLineEdit)
        code = editor.text().strip()
        if is_scanned_code(code):
            # After the editor has closed: the scan may re-plan and reset this very table.
            QTimer.singleShot(0, self._view, lambda: self._scanned(code))
            return
        super().setModelData(editor, model, index)
