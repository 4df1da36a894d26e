"""Table models of an allocation plan, shared by the receive-stock and freed-stock dialogs.

``PlainTableModel`` is the plumbing of the small preview tables (plain rows, fixed headers, one
editable column). ``AllocationPreviewModel`` shows an ``AllocationPlan`` and validates each
edit of "allocated now" through ``plan.adjusted``; a rejected edit leaves the cell as it was
and reports the reason.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont

from app.domain.allocation import AllocationPlan, PlannedAllocation
from app.domain.enums import CustomerTier
from app.domain.errors import ShopError
from app.services.formatting import moment
from app.ui.dialogs.widgets import parse_qty

Index = QModelIndex | QPersistentModelIndex

EDITABLE_BACKGROUND = QBrush(QColor("#f3f8ff"))
MUTED = QBrush(QColor("#6b6b6b"))
READY = QBrush(QColor("#1e6b30"))
ALIGN_NUMBER = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)


def cell_text(value: object) -> str:
    """What a cell shows: a whole number with thousands separators, else the text."""
    return f"{value:,}" if isinstance(value, int) else str(value)


def customer_text(name: str, gold: bool) -> str:
    """A customer's name, marked "★" when gold (as the Backorders tab marks them)."""
    return f"{name} ★" if gold else name


def is_gold(allocation: PlannedAllocation) -> bool:
    return allocation.line.tier is CustomerTier.GOLD


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
            return ALIGN_NUMBER
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if index.column() == self.EDITABLE:
            flags |= Qt.ItemFlag.ItemIsEditable
        return flags


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
            return value if role == Qt.ItemDataRole.EditRole else cell_text(value)
        if role == Qt.ItemDataRole.TextAlignmentRole and column in (3, 4):
            return ALIGN_NUMBER
        if role == Qt.ItemDataRole.ToolTipRole:
            placed = moment(allocation.placed_at)
            gold = "Gold customer. " if is_gold(allocation) and column == 0 else ""
            return (
                f"{gold}{allocation.order_ref} line {allocation.line_no}, placed {placed}: "
                f"{allocation.reason}"
            )
        if role == Qt.ItemDataRole.ForegroundRole:
            if column == 5 and complete:
                return READY
            if allocation.qty == 0:
                return MUTED
        if role == Qt.ItemDataRole.BackgroundRole and column == self.ALLOCATED_NOW:
            return EDITABLE_BACKGROUND
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
