"""A customer's goodwill coupons as a small table (a handful of rows, read whole): code,
value, the order that earned it, when it was given and expires, and the order that used it."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

from app.services.formatting import day, money
from app.services.views.coupons import CouponRow

Index = QModelIndex | QPersistentModelIndex

COLUMNS = ("Code", "Value", "Earned by", "Given", "Expires", "Used on", "Discount")


def used_text(row: CouponRow) -> str:
    """The order the coupon was used on, or why it was not (expired) or "not used yet"."""
    if row.redeemed_on is not None:
        return f"{row.redeemed_on}, {day(row.redeemed_at)}"
    return "expired" if row.state() == "expired" else "not used yet"


class CouponTableModel(QAbstractTableModel):
    def __init__(self) -> None:
        super().__init__()
        self.rows: list[CouponRow] = []

    def show(self, rows: list[CouponRow]) -> None:
        self.beginResetModel()
        self.rows = list(rows)
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row = self.rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return (
                row.code,
                row.value,
                row.earned_by,
                day(row.created_at),
                day(row.expires_at, empty="never"),
                used_text(row),
                "" if row.discount is None else money(row.discount, row.currency),
            )[index.column()]
        if role == Qt.ItemDataRole.TextAlignmentRole and index.column() in (1, 6):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None
