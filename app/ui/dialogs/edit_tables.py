"""The small editable table of the line-item dialogs: whole-row selection, Tab leaves it, and
quantities typed as text so the model can say what is wrong with "abc"."""

from __future__ import annotations

from PySide6.QtCore import QAbstractItemModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLineEdit,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QWidget,
)

#: Tables with more rows than this keep their column widths instead of measuring every row.
FIT_COLUMNS_MAX_ROWS = 200


class QuantityDelegate(QStyledItemDelegate):
    """Edits a quantity cell as plain text, so the model can say what is wrong with "abc".

    (The default editor for an int is a spin box, which silently refuses such input.)
    """

    def createEditor(
        self,
        parent: QWidget,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> QWidget:
        editor = QLineEdit(parent)
        editor.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        editor.setFrame(False)
        return editor

    def setEditorData(self, editor: QWidget, index: QModelIndex | QPersistentModelIndex) -> None:
        assert isinstance(editor, QLineEdit)
        value = index.data(Qt.ItemDataRole.EditRole)
        editor.setText("" if value is None else str(value))
        editor.selectAll()

    def setModelData(
        self,
        editor: QWidget,
        model: QAbstractItemModel,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        assert isinstance(editor, QLineEdit)
        model.setData(index, editor.text(), Qt.ItemDataRole.EditRole)


def make_table(name: str, model: QAbstractItemModel, stretch: int) -> QTableView:
    """A small editable table: rows selected whole, Tab leaves it, quantities typed as text."""
    view = QTableView()
    view.setObjectName(name)
    view.setModel(model)
    view.setAlternatingRowColors(True)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setEditTriggers(
        QAbstractItemView.EditTrigger.DoubleClicked
        | QAbstractItemView.EditTrigger.EditKeyPressed
        | QAbstractItemView.EditTrigger.AnyKeyPressed
        | QAbstractItemView.EditTrigger.SelectedClicked
    )
    view.setItemDelegate(QuantityDelegate(view))
    view.setTabKeyNavigation(False)  # Tab leaves the table; arrows move between cells
    # A quiet selection when the table has no focus (two bright rows at once look busy).
    palette = view.palette()
    group = QPalette.ColorGroup.Inactive
    palette.setColor(group, QPalette.ColorRole.Highlight, QColor("#dde7f5"))
    palette.setColor(
        group, QPalette.ColorRole.HighlightedText, palette.color(QPalette.ColorRole.Text)
    )
    view.setPalette(palette)
    view.verticalHeader().hide()
    view.verticalHeader().setDefaultSectionSize(26)
    header = view.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    header.setSectionResizeMode(stretch, QHeaderView.ResizeMode.Stretch)
    header.setHighlightSections(False)

    def fit() -> None:
        # Measuring every row is fine for a PO's lines, not for a 50,000-line flash-sale
        # preview: then the widths from the header (or the last fit) stay.
        if model.rowCount() <= FIT_COLUMNS_MAX_ROWS:
            view.resizeColumnsToContents()

    model.modelReset.connect(fit)
    model.rowsInserted.connect(fit)
    fit()
    return view
