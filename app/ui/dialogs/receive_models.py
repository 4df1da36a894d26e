"""The receive dialog's two table models: what arrived, and who gets it.

Both hold plain rows. ``ReceivedLinesModel`` keeps what the clerk typed even when it is not
a valid quantity (shown in red with the reason), so the dialog can say what is wrong and
disable Confirm instead of silently reverting. ``AllocationPreviewModel`` shows an
``AllocationPlan`` and validates each edit of "allocated now" through ``plan.adjusted``;
a rejected edit leaves the cell as it was and reports the reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont

from app.domain.enums import CustomerTier
from app.domain.errors import InvalidQuantity, ShopError
from app.domain.quantities import MAX_QUANTITY
from app.services.purchasing import OutstandingLine
from app.services.receiving import AllocationPlan, PlannedAllocation, ReceiptInput
from app.ui.dialogs.widgets import parse_qty

Index = QModelIndex | QPersistentModelIndex

_ERROR_TEXT = QBrush(QColor("#b3261e"))
_ERROR_BACKGROUND = QBrush(QColor("#fdecea"))
_EDITABLE_BACKGROUND = QBrush(QColor("#f3f8ff"))
_SURPLUS_BACKGROUND = QBrush(QColor("#fff3d6"))
_MUTED = QBrush(QColor("#6b6b6b"))
_READY = QBrush(QColor("#1e6b30"))
_ALIGN_NUMBER = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)


def _text(value: object) -> str:
    return f"{value:,}" if isinstance(value, int) else str(value)


def customer_text(name: str, gold: bool) -> str:
    """A customer's name, marked "★" when gold (as the Backorders tab marks them)."""
    return f"{name} ★" if gold else name


def is_gold(allocation: PlannedAllocation) -> bool:
    return allocation.line.tier is CustomerTier.GOLD


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

    def matches(self, code: str) -> bool:
        return code in (self.line.sku, self.line.barcode)


class PlainTableModel(QAbstractTableModel):
    """Shared plumbing of the preview tables: plain rows, fixed headers, at most one editable
    column, right-aligned number columns."""

    HEADERS: tuple[str, ...] = ()
    NUMBERS: frozenset[int] = frozenset()
    EDITABLE = -1

    def _count(self) -> int:
        raise NotImplementedError

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else self._count()

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.HEADERS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(self.HEADERS):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self.HEADERS[section]
        if role == Qt.ItemDataRole.TextAlignmentRole and section in self.NUMBERS:
            return _ALIGN_NUMBER
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if index.column() == self.EDITABLE:
            flags |= Qt.ItemFlag.ItemIsEditable
        return flags


class ReceivedLinesModel(PlainTableModel):
    """PO lines with an editable "Received now" column."""

    HEADERS = (
        "#",
        "SKU",
        "Supplier SKU",
        "Product",
        "Ordered",
        "Received before",
        "Outstanding",
        "Received now",
    )
    NUMBERS = frozenset({4, 5, 6, 7})
    PRODUCT = 3
    RECEIVED_NOW = EDITABLE = 7

    #: Emitted after any received quantity changed (typed, scanned or reset).
    quantitiesChanged = Signal()

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: list[ReceivedLine] = []

    # --- Qt model API -------------------------------------------------------------------
    def _count(self) -> int:
        return len(self._rows)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row = self._rows[index.row()]
        column = index.column()
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole):
            if column == self.RECEIVED_NOW and row.error:
                return row.text
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
            return value if role == Qt.ItemDataRole.EditRole else _text(value)
        if role == Qt.ItemDataRole.TextAlignmentRole and column in self.NUMBERS:
            return _ALIGN_NUMBER
        if role == Qt.ItemDataRole.ToolTipRole:
            if column == self.RECEIVED_NOW:
                if row.error:
                    return row.error
                if row.surplus:
                    return f"{row.surplus:,} more than outstanding: check the count"
                return "Units of this line that arrived now (0 if none)"
            if column == self.PRODUCT and row.line.barcode:
                return f"Barcode {row.line.barcode}"
        if column == self.RECEIVED_NOW:
            if role == Qt.ItemDataRole.ForegroundRole and row.error:
                return _ERROR_TEXT
            if role == Qt.ItemDataRole.BackgroundRole:
                if row.error:
                    return _ERROR_BACKGROUND
                return _SURPLUS_BACKGROUND if row.surplus else _EDITABLE_BACKGROUND
            if role == Qt.ItemDataRole.FontRole:
                font = QFont()
                font.setBold(True)
                return font
        if role == Qt.ItemDataRole.ForegroundRole and column in (0, 5):
            return _MUTED
        return None

    def setData(self, index: Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if (
            role != Qt.ItemDataRole.EditRole
            or not index.isValid()
            or index.column() != self.RECEIVED_NOW
        ):
            return False
        row = self._rows[index.row()]
        text = str(value).strip() if value is not None else ""
        try:
            row.qty = parse_qty(text, allow_zero=True, what=f"Received now of {row.line.sku}")
            row.text, row.error = "", ""
        except InvalidQuantity as error:
            row.text, row.error = text, str(error)
        self._changed(index.row())
        return True

    # --- the dialog's API ---------------------------------------------------------------
    def set_lines(self, lines: tuple[OutstandingLine, ...]) -> None:
        """Show a PO's lines, each prefilled with what is still outstanding."""
        self.beginResetModel()
        self._rows = [ReceivedLine(line, line.qty_outstanding) for line in lines]
        self.endResetModel()
        self.quantitiesChanged.emit()

    def rows(self) -> list[ReceivedLine]:
        return list(self._rows)

    def set_all(self, outstanding: bool) -> None:
        """Every line to its outstanding quantity (or to zero, to count by scanning)."""
        for row in self._rows:
            row.qty = row.line.qty_outstanding if outstanding else 0
            row.text, row.error = "", ""
        if self._rows:
            self.dataChanged.emit(
                self.index(0, self.RECEIVED_NOW), self.index(len(self._rows) - 1, self.RECEIVED_NOW)
            )
        self.quantitiesChanged.emit()

    def find_row(self, code: str) -> int | None:
        """The first line whose SKU or barcode is ``code``."""
        return next((i for i, row in enumerate(self._rows) if row.matches(code)), None)

    def add_one(self, row_number: int) -> int:
        """One more unit of a line (a scan). Returns the new quantity."""
        row = self._rows[row_number]
        if row.error:
            row.qty = 0
        if row.qty + 1 > MAX_QUANTITY:
            raise InvalidQuantity(
                f"Received now of {row.line.sku} cannot go above {MAX_QUANTITY:,}"
            )
        row.qty += 1
        row.text, row.error = "", ""
        self._changed(row_number)
        return row.qty

    def errors(self) -> list[str]:
        return [row.error for row in self._rows if row.error]

    def surplus_note(self) -> str:
        """A warning naming lines where more arrived than was outstanding, or ""."""
        lines = [
            f"{r.line.sku} {r.qty:,} of {r.line.qty_outstanding:,}" for r in self._rows if r.surplus
        ]
        if not lines:
            return ""
        return (
            f"More than outstanding: {', '.join(lines)}. "
            "Check the count; the extra units are received too."
        )

    def total(self) -> int:
        return sum(row.qty for row in self._rows if not row.error)

    def receipt_inputs(self) -> list[ReceiptInput]:
        return [
            ReceiptInput(row.line.product_id, row.qty, row.line.po_line_id)
            for row in self._rows
            if row.qty > 0 and not row.error
        ]

    def _changed(self, row_number: int) -> None:
        index = self.index(row_number, self.RECEIVED_NOW)
        self.dataChanged.emit(index, index)
        self.quantitiesChanged.emit()


class AllocationPreviewModel(PlainTableModel):
    """An allocation plan, with an editable "Allocated now" column checked by the plan."""

    HEADERS = ("Customer", "Order", "SKU", "Waiting", "Allocated now", "Order complete?", "Why")
    NUMBERS = frozenset({3, 4})
    ALLOCATED_NOW = EDITABLE = 4
    REASON = 6
    READY_TEXT = "Yes — ready to ship"

    #: Emitted after the shown plan changed (a new preview or an accepted edit).
    planChanged = Signal()
    #: Emitted with a plain message when an edit is refused (the cell keeps its old value).
    editRejected = Signal(str)

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._plan: AllocationPlan | None = None
        self._adjusted: AllocationPlan | None = None
        self._adjustments: dict[int, int] = {}

    @property
    def plan(self) -> AllocationPlan | None:
        """The plan as previewed (what ``confirm_receipt`` is given with the adjustments)."""
        return self._plan

    @property
    def adjusted_plan(self) -> AllocationPlan | None:
        """The plan with the clerk's adjustments: what the table and the summary show."""
        return self._adjusted

    @property
    def adjustments(self) -> dict[int, int]:
        return dict(self._adjustments)

    def set_plan(self, plan: AllocationPlan | None, keep_adjustments: bool = True) -> bool:
        """Show a new plan, keeping the clerk's adjustments if they still fit it.

        Returns False when earlier adjustments had to be dropped.
        """
        kept = True
        adjustments = dict(self._adjustments) if keep_adjustments else {}
        adjusted = plan
        if plan is not None and adjustments:
            known = {a.order_line_id for a in plan.allocations}
            adjustments = {k: v for k, v in adjustments.items() if k in known}
            try:
                adjusted = plan.adjusted(adjustments)
            except ShopError:
                adjustments, adjusted, kept = {}, plan, False
        self.beginResetModel()
        self._plan, self._adjusted, self._adjustments = plan, adjusted, adjustments
        self.endResetModel()
        self.planChanged.emit()
        return kept

    def _allocations(self) -> tuple[PlannedAllocation, ...]:
        return self._adjusted.allocations if self._adjusted is not None else ()

    def _count(self) -> int:
        return len(self._allocations())

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        allocations = self._allocations()
        if not index.isValid() or not 0 <= index.row() < len(allocations):
            return None
        allocation = allocations[index.row()]
        column = index.column()
        complete = allocation.completes_order and allocation.qty > 0
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole):
            values = (
                customer_text(allocation.customer, is_gold(allocation)),
                allocation.order_ref,
                allocation.sku,
                allocation.waiting,
                allocation.qty,
                self.READY_TEXT if complete else "No",
                allocation.reason,  # built for the rows on screen only
            )
            value = values[column]
            return value if role == Qt.ItemDataRole.EditRole else _text(value)
        if role == Qt.ItemDataRole.TextAlignmentRole and column in (3, 4):
            return _ALIGN_NUMBER
        if role == Qt.ItemDataRole.ToolTipRole:
            placed = allocation.placed_at.strftime("%Y-%m-%d %H:%M UTC")
            gold = "Gold customer. " if is_gold(allocation) and column == 0 else ""
            return (
                f"{gold}{allocation.order_ref} line {allocation.line_no}, placed {placed}: "
                f"{allocation.reason}"
            )
        if role == Qt.ItemDataRole.ForegroundRole:
            if column == 5 and complete:
                return _READY
            if allocation.qty == 0:
                return _MUTED
        if role == Qt.ItemDataRole.BackgroundRole and column == self.ALLOCATED_NOW:
            return _EDITABLE_BACKGROUND
        if role == Qt.ItemDataRole.FontRole and column == self.ALLOCATED_NOW:
            font = QFont()
            font.setBold(True)
            return font
        return None

    def setData(self, index: Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if (
            role != Qt.ItemDataRole.EditRole
            or not index.isValid()
            or index.column() != self.ALLOCATED_NOW
            or self._plan is None
        ):
            return False
        allocation = self._allocations()[index.row()]
        try:
            qty = parse_qty(
                "" if value is None else str(value), allow_zero=True, what="Allocated now"
            )
            adjustments = {**self._adjustments, allocation.order_line_id: qty}
            adjusted = self._plan.adjusted(adjustments)
        except ShopError as error:
            self.editRejected.emit(str(error))
            return False
        self._adjustments, self._adjusted = adjustments, adjusted
        # Any row's "order complete?" may change with one edit (several lines, one order).
        self.dataChanged.emit(self.index(0, 0), self.index(self.rowCount() - 1, self.REASON))
        self.planChanged.emit()
        return True
