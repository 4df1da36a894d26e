"""A table model that reads its rows page by page, and sorts and filters by re-querying.

Subclasses name their columns and say how to read a page and a count from
``app.services.views``; this base keeps only the plain rows loaded so far (frozen
dataclasses), fetches the next page when the view scrolls near the end (``canFetchMore`` /
``fetchMore``), and re-reads everything when the sort or the filter changes. Each page is
read in its own short read transaction. Never put a QSortFilterProxyModel over it.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from enum import Enum
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QBrush, QColor, QFont
from sqlalchemy.orm import Session

from app.db import Database
from app.domain.errors import ShopError
from app.services import formatting
from app.services.views import PAGE_SIZE, Count

Index = QModelIndex | QPersistentModelIndex

#: Row key role: a stable id of the row (product id, order ref...), to keep the selection.
KeyRole = Qt.ItemDataRole.UserRole + 1

_DIM = QBrush(QColor(150, 150, 150))
_WAITING_BG = QBrush(QColor(255, 240, 214))
_WAITING_FG = QBrush(QColor(138, 74, 0))
_TONES = {
    "warn": QBrush(QColor(160, 90, 0)),
    "good": QBrush(QColor(20, 120, 60)),
    "quiet": QBrush(QColor(130, 130, 130)),
    "bad": QBrush(QColor(179, 38, 30)),  #: something late or wrong: an overdue delivery
}
_RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
_LEFT = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter


@dataclass(frozen=True, slots=True)
class Column:
    """One column of a table: its title, how to read its value from a row, how to show it."""

    title: str
    value: Callable[[Any], object]
    sort_key: str | None = None  #: the views sort key, or None if the column is not sortable
    width: int = 100
    stretch: bool = False
    tooltip: str = ""
    numeric: bool = False  #: right-aligned, thousands separators
    waiting: bool = False  #: a backordered quantity: dim when zero, highlight when positive
    tone: Callable[[Any], str | None] | None = None  #: "warn", "good", "quiet" or "bad" colour
    tip: Callable[[Any], str | None] | None = None  #: a cell's own tooltip, if it has one


def format_value(value: object) -> str:
    """How a cell shows a value: 1,234 / dates and times as ``formatting`` shows them / enum
    labels."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, datetime):
        return formatting.moment(value)
    if isinstance(value, date):
        return formatting.day(value)
    if isinstance(value, Enum):
        label = getattr(value, "label", None)
        return str(label) if label is not None else str(value.value)
    return str(value)


class PagedTableModel(QAbstractTableModel):
    """Base of the tabs' table models. Subclasses set ``columns`` and what the hooks read."""

    #: A read failed (a locked or unreachable database); the message is fit to show.
    loadFailed = Signal(str)
    #: The total count changed (after a reload); read it from ``count``.
    countChanged = Signal()

    columns: Sequence[Column] = ()
    page_size = PAGE_SIZE
    #: What the hooks read by default: the views query a new model starts from (its class),
    #: the views functions giving a page and a count (wrap them in ``staticmethod``), and the
    #: row field that keys a row.
    query_type: Callable[[], Any]
    read_page: Callable[[Session, Any, int, int], Sequence[Any]]
    read_count: Callable[[Session, Any], Count]
    key_field: str

    def __init__(self, database: Database, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._database = database
        self._query = self.query_type()
        self._rows: list[Any] = []
        self._has_more = False
        self.count = Count(0)
        self._bold = QFont()
        self._bold.setBold(True)

    # --- hooks -------------------------------------------------------------------------------

    def fetch_page(self, session: Session, query: Any, offset: int, limit: int) -> Sequence[Any]:
        return self.read_page(session, query, offset, limit)

    def count_rows(self, session: Session, query: Any) -> Count:
        return self.read_count(session, query)

    def row_key(self, row: Any) -> Hashable:
        return getattr(row, self.key_field)  # type: ignore[no-any-return]

    # --- query -------------------------------------------------------------------------------

    @property
    def query(self) -> Any:
        return self._query

    def set_query(self, **changes: Any) -> None:
        """Change the filter or sort (fields of the views query) and re-read from the start."""
        query = replace(self._query, **changes)
        if query != self._query:
            self._query = query
            self.reload(keep_loaded=False)
            if self.columns:  # the sorted column's title moves aside for the sort arrow
                self.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, len(self.columns) - 1)

    def sort_column(self) -> int:
        """The column the rows are sorted by (for the header's sort indicator)."""
        for number, column in enumerate(self.columns):
            if column.sort_key == self._query.sort:
                return number
        return -1

    def sort_order(self) -> Qt.SortOrder:
        descending = self._query.descending
        return Qt.SortOrder.DescendingOrder if descending else Qt.SortOrder.AscendingOrder

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if not 0 <= column < len(self.columns) or self.columns[column].sort_key is None:
            return  # not sortable: keep the current order
        self.set_query(
            sort=self.columns[column].sort_key,
            descending=order == Qt.SortOrder.DescendingOrder,
        )

    # --- loading -----------------------------------------------------------------------------

    def reload(self, *, keep_loaded: bool = True) -> None:
        """Re-read the rows (as many as were loaded, so the scroll position survives)."""
        want = max(self.page_size, len(self._rows)) if keep_loaded else self.page_size
        rows, more = self._read(0, want)
        count = self._read_count()
        self.beginResetModel()
        self._rows = list(rows)
        self._has_more = more
        self.endResetModel()
        if count is not None:
            self.count = count
        self.countChanged.emit()

    def _read(self, offset: int, limit: int) -> tuple[Sequence[Any], bool]:
        try:
            with self._database.read() as session:
                rows = self.fetch_page(session, self._query, offset, limit + 1)
        except ShopError as error:
            self.loadFailed.emit(str(error))
            return [], False
        return rows[:limit], len(rows) > limit

    def _read_count(self) -> Count | None:
        try:
            with self._database.read() as session:
                return self.count_rows(session, self._query)
        except ShopError as error:
            self.loadFailed.emit(str(error))
            return None

    def canFetchMore(self, parent: Index = QModelIndex()) -> bool:  # noqa: B008
        return not parent.isValid() and self._has_more

    def fetchMore(self, parent: Index = QModelIndex()) -> None:  # noqa: B008
        if parent.isValid() or not self._has_more:
            return
        rows, more = self._read(len(self._rows), self.page_size)
        self._has_more = more
        if rows:
            first = len(self._rows)
            self.beginInsertRows(QModelIndex(), first, first + len(rows) - 1)
            self._rows.extend(rows)
            self.endInsertRows()

    # --- rows --------------------------------------------------------------------------------

    def row_at(self, row: int) -> Any | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def find_row(self, key: Hashable) -> int:
        """The row number of the loaded row with this key, or -1."""
        for number, row in enumerate(self._rows):
            if self.row_key(row) == key:
                return number
        return -1

    # --- QAbstractTableModel -----------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.columns)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self._rows):
            return None
        row = self._rows[index.row()]
        column = self.columns[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            return format_value(column.value(row))
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return _RIGHT if column.numeric else _LEFT
        if role == KeyRole:
            return self.row_key(row)
        if column.tip is not None and role == Qt.ItemDataRole.ToolTipRole:
            return column.tip(row)
        if column.tone is not None and role == Qt.ItemDataRole.ForegroundRole:
            tone = column.tone(row)
            return _TONES.get(tone) if tone else None
        if column.waiting and role in (
            Qt.ItemDataRole.ForegroundRole,
            Qt.ItemDataRole.BackgroundRole,
            Qt.ItemDataRole.FontRole,
        ):
            return self._waiting_style(column.value(row), role)
        return None

    def _waiting_style(self, value: object, role: int) -> Any:
        if not isinstance(value, int):
            return None
        if role == Qt.ItemDataRole.ForegroundRole:
            return _WAITING_FG if value > 0 else _DIM
        if role == Qt.ItemDataRole.BackgroundRole:
            return _WAITING_BG if value > 0 else None
        return self._bold if value > 0 else None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(self.columns):
            return None
        column = self.columns[section]
        if role == Qt.ItemDataRole.DisplayRole:
            return column.title
        if role == Qt.ItemDataRole.ToolTipRole:
            return column.tooltip or None
        if role == Qt.ItemDataRole.TextAlignmentRole:
            # The sort arrow sits at the right end of the section, over a right-aligned title.
            return _RIGHT if column.numeric and section != self.sort_column() else _LEFT
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return (
            Qt.ItemFlag.ItemIsEnabled
            | Qt.ItemFlag.ItemIsSelectable
            | Qt.ItemFlag.ItemNeverHasChildren
        )
