"""The table beneath a report's chart: the report's rows as they came (small and read whole,
so no paging; the order is the report's own)."""

from __future__ import annotations

from datetime import date
from typing import Any

from babel.dates import format_skeleton
from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

from app.services.formatting import current_locale, day
from app.services.reports.tables import Cell, ReportTable
from app.ui.dialogs.plan_models import ALIGN_NUMBER, cell_text

Index = QModelIndex | QPersistentModelIndex


def month_text(first: date) -> str:
    """A month as the window names it: "Mar 2026" (in the user's locale)."""
    return str(format_skeleton("yMMM", first, locale=current_locale()))


def report_cell_text(value: Cell, column: str = "") -> str:
    """A cell as the window shows it: dates the one way (a month by its name), shares with
    one decimal, none blank."""
    if value is None:
        return ""
    if isinstance(value, date):
        return month_text(value) if column == "month" else day(value)
    if isinstance(value, float):
        return f"{value:,.1f}"
    return cell_text(value)


def column_title(name: str) -> str:
    """A CSV column name as a table header: "units waiting" -> "Units waiting"."""
    if name == "sku":
        return "SKU"
    return name[:1].upper() + name[1:]


class ReportTableModel(QAbstractTableModel):
    def __init__(self) -> None:
        super().__init__()
        self.report: ReportTable | None = None

    def show(self, report: ReportTable) -> None:
        self.beginResetModel()
        self.report = report
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() or self.report is None else len(self.report.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() or self.report is None else len(self.report.columns)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if self.report is None or not index.isValid():
            return None
        value = self.report.rows[index.row()][index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            return report_cell_text(value, self.report.columns[index.column()])
        if role == Qt.ItemDataRole.TextAlignmentRole and isinstance(value, int | float):
            return ALIGN_NUMBER
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if (
            self.report is None
            or orientation != Qt.Orientation.Horizontal
            or role != Qt.ItemDataRole.DisplayRole
        ):
            return None
        return column_title(self.report.columns[section])
