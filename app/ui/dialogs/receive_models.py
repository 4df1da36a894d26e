"""What arrived: the receive dialog's table of PO lines and the quantities received now.

Two ways to say what arrived, and the table always shows which one is on:

- **Receive all outstanding** (how a PO opens): every line is set to what is still
  outstanding, for a delivery checked by eye. The clerk may type a different number in a line.
- **Counting by scan**: the first scan sets every line to 0 and counts 1; each further scan
  counts one more. The column then reads "Counted", and the dialog shows "12 of 32 counted".
  Scanning never adds to the prefilled quantities (that counted every unit twice).

A line with more than is outstanding is marked in its row (colour and "2 over outstanding").
What the clerk typed is kept even when it is not a valid quantity (shown in red with the
reason), so the dialog can say what is wrong and disable Confirm instead of reverting it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont

from app.domain.errors import InvalidQuantity
from app.domain.quantities import MAX_QUANTITY
from app.services.purchasing import OutstandingLine
from app.services.receiving import ReceiptInput, ReceiptResult
from app.ui.dialogs.plan_models import (
    ALIGN_NUMBER,
    EDITABLE_BACKGROUND,
    MUTED,
    READY,
    Index,
    PlainTableModel,
    cell_text,
)
from app.ui.dialogs.widgets import parse_qty, plural

_ERROR_TEXT = QBrush(QColor("#b3261e"))
_ERROR_BACKGROUND = QBrush(QColor("#fdecea"))
_OVER_BACKGROUND = QBrush(QColor("#ffe2cc"))
_OVER_TEXT = QBrush(QColor("#8a2c00"))


@dataclass(slots=True)
class ReceivedLine:
    """One PO line and what the clerk says arrived now (``error`` set when it is not valid)."""

    line: OutstandingLine
    qty: int
    text: str = ""
    error: str = ""

    @property
    def surplus(self) -> int:
        """Units received now beyond what is outstanding (a miscount, or a generous supplier)."""
        return 0 if self.error else max(0, self.qty - self.line.qty_outstanding)

    @property
    def counted_toward_outstanding(self) -> int:
        return 0 if self.error else min(self.qty, self.line.qty_outstanding)

    def matches(self, code: str) -> bool:
        return code in (self.line.sku, self.line.barcode)


@dataclass(frozen=True, slots=True)
class OutstandingChange:
    """A PO line whose outstanding units changed since the dialog read it (another till)."""

    before: OutstandingLine
    now: OutstandingLine


class ReceivedLinesModel(PlainTableModel):
    """PO lines with an editable "Received now" (or, when counting, "Counted") column."""

    HEADERS = (
        "#",
        "SKU",
        "Supplier SKU",
        "Product",
        "Ordered",
        "Received before",
        "Outstanding",
        "Received now",
        "Check",
    )
    NUMBERS = frozenset({4, 5, 6, 7})
    PRODUCT = 3
    RECEIVED_NOW = EDITABLE = 7
    CHECK = 8
    COUNTED = "Counted"
    #: The widest "Check" text a line shows (the column is sized for it).
    WIDEST_CHECK = "99,999 over outstanding"

    #: Emitted after any received quantity changed (typed, scanned, reset or reloaded).
    quantitiesChanged = Signal()

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: list[ReceivedLine] = []
        #: Counting by scan (every line started at 0), rather than receiving all outstanding.
        self.counting = False

    # --- Qt model API -------------------------------------------------------------------
    def _count(self) -> int:
        return len(self._rows)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if (
            self.counting
            and section == self.RECEIVED_NOW
            and orientation == Qt.Orientation.Horizontal
            and role == Qt.ItemDataRole.DisplayRole
        ):
            return self.COUNTED
        return super().headerData(section, orientation, role)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row = self._rows[index.row()]
        column = index.column()
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole):
            if column == self.RECEIVED_NOW and row.error:
                return row.text
            if column == self.CHECK:
                return self._check(row)
            line = row.line
            values = (
                line.line_no,
                line.sku,
                line.supplier_sku or "",
                line.name,
                line.qty_ordered,
                line.qty_received,
                line.qty_outstanding,
                row.qty,
            )
            value = values[column]
            return value if role == Qt.ItemDataRole.EditRole else cell_text(value)
        if role == Qt.ItemDataRole.TextAlignmentRole and column in self.NUMBERS:
            return ALIGN_NUMBER
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(row, column)
        if role == Qt.ItemDataRole.BackgroundRole:
            if column == self.RECEIVED_NOW and row.error:
                return _ERROR_BACKGROUND
            if row.surplus:
                return _OVER_BACKGROUND  # the whole row: it cannot be missed
            return EDITABLE_BACKGROUND if column == self.RECEIVED_NOW else None
        if role == Qt.ItemDataRole.ForegroundRole:
            return self._foreground(row, column)
        if role == Qt.ItemDataRole.FontRole and (
            column == self.RECEIVED_NOW or (column == self.CHECK and row.surplus)
        ):
            font = QFont()
            font.setBold(True)
            return font
        return None

    def _check(self, row: ReceivedLine) -> str:
        """The row's state in words: "2 over outstanding", "4 to go", "✓ all in"."""
        if row.error:
            return ""
        if row.surplus:
            return f"{row.surplus:,} over outstanding"
        left = row.line.qty_outstanding - row.qty
        if left > 0:
            return f"{left:,} to go" if self.counting else f"{left:,} left outstanding"
        if self.counting and row.line.qty_outstanding:
            return "✓ all in"
        return ""

    def _tooltip(self, row: ReceivedLine, column: int) -> str | None:
        if column in (self.RECEIVED_NOW, self.CHECK):
            if row.error:
                return row.error
            if row.surplus:
                return (
                    f"{row.qty:,} received now, {row.line.qty_outstanding:,} outstanding: "
                    f"{plural(row.surplus, 'unit')} beyond outstanding. Check the count."
                )
            return "Units of this line that arrived now (0 if none)"
        if column == self.PRODUCT and row.line.barcode:
            return f"Barcode {row.line.barcode}"
        return None

    def _foreground(self, row: ReceivedLine, column: int) -> QBrush | None:
        if column == self.RECEIVED_NOW and row.error:
            return _ERROR_TEXT
        if column == self.CHECK:
            if row.surplus:
                return _OVER_TEXT
            return READY if self._check(row).startswith("✓") else MUTED
        return MUTED if column in (0, 5) else None

    def setData(self, index: Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if (
            role != Qt.ItemDataRole.EditRole
            or not index.isValid()
            or index.column() != self.RECEIVED_NOW
        ):
            return False
        row = self._rows[index.row()]
        text = str(value).strip() if value is not None else ""
        what = f"{'Counted' if self.counting else 'Received now'} of {row.line.sku}"
        try:
            row.qty = parse_qty(text, allow_zero=True, what=what)
            row.text, row.error = "", ""
        except InvalidQuantity as error:
            row.text, row.error = text, str(error)
        self._changed(index.row())
        return True

    # --- the dialog's API ---------------------------------------------------------------
    def set_lines(self, lines: tuple[OutstandingLine, ...]) -> None:
        """Show a PO's lines, each set to what is still outstanding (not counting)."""
        self.beginResetModel()
        self._rows = [ReceivedLine(line, line.qty_outstanding) for line in lines]
        self._set_counting(False)
        self.endResetModel()
        self.quantitiesChanged.emit()

    def rows(self) -> list[ReceivedLine]:
        return list(self._rows)

    def set_all(self, outstanding: bool) -> None:
        """Every line to what is outstanding ("Receive all outstanding"), or to zero to count
        by scanning."""
        for row in self._rows:
            row.qty = row.line.qty_outstanding if outstanding else 0
            row.text, row.error = "", ""
        self._set_counting(not outstanding)
        self._all_changed()

    def find_row(self, code: str) -> int | None:
        """The first line whose SKU or barcode is ``code``."""
        return next((i for i, row in enumerate(self._rows) if row.matches(code)), None)

    def add_one(self, row_number: int) -> int:
        """One more unit of a line (a scan). The first scan starts counting: every line goes
        to 0 first, so nothing prefilled is counted twice. Returns the line's count."""
        row = self._rows[row_number]
        starts = not self.counting
        base = 0 if row.error or starts else row.qty
        if base + 1 > MAX_QUANTITY:
            raise InvalidQuantity(f"Counted of {row.line.sku} cannot go above {MAX_QUANTITY:,}")
        if starts:
            for other in self._rows:
                other.qty, other.text, other.error = 0, "", ""
            self._set_counting(True)
        row.qty, row.text, row.error = base + 1, "", ""
        if starts:
            self._all_changed()
        else:
            self._changed(row_number)
        return row.qty

    def reload(self, lines: tuple[OutstandingLine, ...]) -> list[OutstandingChange]:
        """The PO as read again (another till may have received some of it meanwhile): each
        line's outstanding units as they are now; a line whose outstanding units fell
        receives no more than that now (more is the clerk's to type again, and to accept).
        Returns the lines whose outstanding units changed."""
        now = {line.po_line_id: line for line in lines}
        changes = [
            OutstandingChange(row.line, now[row.line.po_line_id])
            for row in self._rows
            if row.line.po_line_id in now
            and now[row.line.po_line_id].qty_outstanding != row.line.qty_outstanding
        ]
        if set(now) != {row.line.po_line_id for row in self._rows}:
            self.set_lines(lines)  # not a sent PO's way, but never more than outstanding
            return changes
        for row in self._rows:
            fresh = now[row.line.po_line_id]
            if fresh.qty_outstanding != row.line.qty_outstanding and not row.error:
                row.qty = min(row.qty, fresh.qty_outstanding)
            row.line = fresh
        if changes:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self._rows) - 1, self.CHECK))
            self.quantitiesChanged.emit()
        return changes

    def errors(self) -> list[str]:
        return [row.error for row in self._rows if row.error]

    def surplus_lines(self) -> list[ReceivedLine]:
        """The lines receiving more than is outstanding on them."""
        return [row for row in self._rows if row.surplus]

    def surplus_note(self) -> str:
        """A warning naming lines where more arrived than was outstanding, or ""."""
        lines = [
            f"{r.line.sku} {r.qty:,} of {r.line.qty_outstanding:,}" for r in self.surplus_lines()
        ]
        if not lines:
            return ""
        return (
            f"More than outstanding: {', '.join(lines)}. "
            "Check the count; the extra units are received too."
        )

    def total(self) -> int:
        return sum(row.qty for row in self._rows if not row.error)

    def outstanding(self) -> int:
        return sum(row.line.qty_outstanding for row in self._rows)

    def counted_toward_outstanding(self) -> int:
        """Units received now that fill what is outstanding (a surplus not included)."""
        return sum(row.counted_toward_outstanding for row in self._rows)

    def changed_by_clerk(self) -> bool:
        """Whether the clerk counted or typed anything (Esc would throw it away)."""
        if self.counting:
            return any(row.qty or row.error for row in self._rows)
        return any(row.error or row.qty != row.line.qty_outstanding for row in self._rows)

    def receipt_inputs(self) -> list[ReceiptInput]:
        return [
            ReceiptInput(row.line.product_id, row.qty, row.line.po_line_id)
            for row in self._rows
            if row.qty > 0 and not row.error
        ]

    def _set_counting(self, counting: bool) -> None:
        if counting != self.counting:
            self.counting = counting
            self.headerDataChanged.emit(
                Qt.Orientation.Horizontal, self.RECEIVED_NOW, self.RECEIVED_NOW
            )

    def _all_changed(self) -> None:
        if self._rows:
            self.dataChanged.emit(
                self.index(0, self.RECEIVED_NOW), self.index(len(self._rows) - 1, self.CHECK)
            )
        self.quantitiesChanged.emit()

    def _changed(self, row_number: int) -> None:
        self.dataChanged.emit(self.index(row_number, 0), self.index(row_number, self.CHECK))
        self.quantitiesChanged.emit()


def received_meanwhile(
    ref: str, changes: list[OutstandingChange], *, refused: bool, left: bool
) -> str:
    """ "PO-00012 was received at another till meanwhile: 0 of 6 MUG still outstanding."
    and what it means for this receipt: nothing was saved (``refused``: a confirm was
    refused), and whether anything is ``left`` to receive."""
    lines = ", ".join(
        f"{change.now.qty_outstanding:,} of {change.now.qty_ordered:,} {change.now.sku}"
        for change in changes
    )
    text = f"{ref} was received at another till meanwhile: {lines} still outstanding."
    if not refused:
        return f"{text} The quantities show what is outstanding now."
    if not left:
        return f"{text} Nothing was saved; nothing is left to receive."
    return (
        f"{text} Nothing was saved. The quantities now show what is still outstanding: "
        "check them and confirm again."
    )


def over_receipt_question(lines: list[ReceivedLine]) -> str:
    """What Confirm asks before receiving more than is outstanding, line by line."""
    beyond = sum(row.surplus for row in lines)
    each = "\n".join(
        f"• {row.line.sku} {row.line.name}: {row.qty:,} received now, "
        f"{row.line.qty_outstanding:,} outstanding: {plural(row.surplus, 'unit')} beyond"
        for row in lines
    )
    return (
        f"More than outstanding: check the count.\n{each}\nReceive the "
        f"{plural(beyond, 'extra unit')} as an over-receipt only if "
        f"{'it' if beyond == 1 else 'they'} really arrived; otherwise correct the count."
    )


def over_key(lines: list[ReceivedLine]) -> tuple[tuple[int, int, int], ...]:
    """Which units beyond outstanding an over-receipt question was about."""
    return tuple((row.line.po_line_id, row.qty, row.line.qty_outstanding) for row in lines)


def receipt_outcome(po_ref: str | None, result: ReceiptResult) -> str:
    """ "PO-00012 received: 11 units to customers, 3 to stock; 4 orders ready to ship"."""
    text = (
        f"{po_ref or 'Receipt'} received: {plural(result.units_to_customers, 'unit')} to "
        f"customers, {result.units_to_stock:,} to stock"
    )
    if result.orders_ready:
        text += f"; {plural(len(result.orders_ready), 'order')} ready to ship"
    return text
