"""A table's stretching column (a product's or customer's name) never shrinks to nothing.

The stretching column takes what the other columns leave. On a small screen (1024 px) the
others can leave it a few pixels, and the name is what the clerk reads first. So while the
room left is less than the column's own width, it stops stretching and keeps that width
(the table scrolls sideways instead); with room again it stretches again.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QHeaderView, QTableView


class KeepStretchReadable(QObject):
    def __init__(self, table: QTableView, column: int, width: int) -> None:
        super().__init__(table)
        self.table = table
        self.column = column
        self.width = width
        table.viewport().installEventFilter(self)
        table.horizontalHeader().sectionResized.connect(self._section_resized)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Resize:
            self.fit()
        return False

    def _section_resized(self, number: int, _old: int, _new: int) -> None:
        if number != self.column:  # another column widened or narrowed by hand
            self.fit()

    def fit(self) -> None:
        header = self.table.horizontalHeader()
        others = sum(
            header.sectionSize(n)
            for n in range(header.count())
            if n != self.column and not header.isSectionHidden(n)
        )
        room = self.table.viewport().width() - others
        stretch = QHeaderView.ResizeMode.Stretch
        if room >= self.width:
            if header.sectionResizeMode(self.column) != stretch:
                header.setSectionResizeMode(self.column, stretch)
        elif header.sectionResizeMode(self.column) == stretch:
            header.setSectionResizeMode(self.column, QHeaderView.ResizeMode.Interactive)
            header.resizeSection(self.column, self.width)
