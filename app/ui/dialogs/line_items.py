"""The lines table of the new-order and new-purchase-order dialogs: products and quantities.

Rows are plain (a ProductRow and a quantity). Scanning the same product again adds one more
to its line. A quantity typed badly is kept as typed, shown in red, and reported by
:meth:`LineItemsModel.errors` so the dialog can say what is wrong.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QTableView

from app.domain.errors import InvalidQuantity, ShopError
from app.domain.quantities import MAX_QUANTITY
from app.services.ordering import LineRequest
from app.ui.dialogs.lookups import ProductRow, Stock
from app.ui.dialogs.widgets import MessageLabel, make_table, parse_qty, plural

Index = QModelIndex | QPersistentModelIndex
_ERROR = QBrush(QColor("#b3261e"))
_WARN = QBrush(QColor("#8a5a00"))
_OK = QBrush(QColor("#1e6b30"))
_EDITABLE = QBrush(QColor("#f3f8ff"))
_RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)


@dataclass(slots=True)
class LineItem:
    product: ProductRow
    qty: int
    text: str = ""
    error: str = ""


def availability_hint(item: LineItem, stock: Stock | None) -> tuple[str, QBrush | None]:
    """What placing this line now would do: ship it, or backorder some of it."""
    if stock is None or item.error:
        return "", None
    available = max(stock.available, 0)
    if item.qty <= available:
        return "Ships now", _OK
    if item.product.sells_from_stock_only:
        return f"Only {available:,} available (sold from stock only)", _ERROR
    if available == 0:
        return f"{item.qty:,} backordered", _WARN
    return f"{available:,} ship now · {item.qty - available:,} backordered", _WARN


class LineItemsModel(QAbstractTableModel):
    """Products with an editable quantity, and (for orders) an availability hint or (for
    purchase orders) the supplier's own SKU, in the fourth column."""

    QTY = 2
    HINT = 3
    SUPPLIER_SKU = 3

    linesChanged = Signal()

    def __init__(
        self, parent: Any = None, *, with_hints: bool = False, with_supplier_sku: bool = False
    ) -> None:
        super().__init__(parent)
        assert not (with_hints and with_supplier_sku), "one fourth column at most"
        self.headers = ["SKU", "Product", "Qty"]
        if with_hints:
            self.headers.append("Ships now / backordered")
        self._hints = with_hints
        self._supplier: str | None = None
        if with_supplier_sku:
            self.headers.append("Supplier SKU")
        self._rows: list[LineItem] = []
        self._stock: dict[int, Stock] = {}

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.headers)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(self.headers):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self.headers[section]
        if role == Qt.ItemDataRole.TextAlignmentRole and section == self.QTY:
            return _RIGHT
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if index.column() == self.QTY:
            flags |= Qt.ItemFlag.ItemIsEditable
        return flags

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        item = self._rows[index.row()]
        column = index.column()
        hint, brush = (
            availability_hint(item, self._stock.get(item.product.id))
            if column == self.HINT and self._hints
            else (self._supplier_sku(item.product), None)
        )
        if role == Qt.ItemDataRole.EditRole and column == self.QTY:
            return item.text if item.error else item.qty
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole):
            if column == self.QTY:
                return item.text if item.error else f"{item.qty:,}"
            return (item.product.sku, item.product.name, "", hint)[column]
        if role == Qt.ItemDataRole.TextAlignmentRole and column == self.QTY:
            return _RIGHT
        if role == Qt.ItemDataRole.ForegroundRole:
            if column == self.QTY and item.error:
                return _ERROR
            return brush
        if role == Qt.ItemDataRole.BackgroundRole and column == self.QTY:
            return _EDITABLE
        if role == Qt.ItemDataRole.ToolTipRole and column == self.QTY and item.error:
            return item.error
        if (
            role == Qt.ItemDataRole.ToolTipRole
            and column == self.SUPPLIER_SKU
            and not self._hints
            and item.product.supplier_sku
            and not self._supplier_sku(item.product)
        ):
            owner = item.product.supplier_code or "another supplier"
            return f"{item.product.supplier_sku} is the code of {owner}, not of this supplier"
        return None

    def _supplier_sku(self, product: ProductRow) -> str:
        """The supplier's own code for the product: only the preferred supplier's, and only
        when the order is to that supplier (or no supplier was chosen)."""
        if self._supplier is not None and product.supplier_code != self._supplier:
            return ""
        return product.supplier_sku or ""

    def setData(self, index: Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if role != Qt.ItemDataRole.EditRole or not index.isValid() or index.column() != self.QTY:
            return False
        item = self._rows[index.row()]
        text = "" if value is None else str(value).strip()
        try:
            item.qty = parse_qty(text, what=f"Quantity of {item.product.sku}")
            item.text, item.error = "", ""
        except InvalidQuantity as error:
            item.text, item.error = text, str(error)
        self._row_changed(index.row())
        return True

    # --- the dialogs' API ---------------------------------------------------------------
    def add(self, product: ProductRow, qty: int = 1) -> int:
        """Add units of a product (a new line, or more on its existing line); returns the row."""
        for number, item in enumerate(self._rows):
            if item.product.id == product.id:
                base = 0 if item.error else item.qty
                if base + qty > MAX_QUANTITY:
                    raise InvalidQuantity(
                        f"Quantity of {product.sku} cannot go above {MAX_QUANTITY:,}"
                    )
                item.qty, item.text, item.error = base + qty, "", ""
                self._row_changed(number)
                return number
        self.beginInsertRows(QModelIndex(), len(self._rows), len(self._rows))
        self._rows.append(LineItem(product, qty))
        self.endInsertRows()
        self.linesChanged.emit()
        return len(self._rows) - 1

    def remove(self, row: int) -> None:
        if 0 <= row < len(self._rows):
            self.beginRemoveRows(QModelIndex(), row, row)
            del self._rows[row]
            self.endRemoveRows()
            self.linesChanged.emit()

    def set_stock(self, stock: dict[int, Stock]) -> None:
        self._stock = dict(stock)
        if self._rows and self._hints:
            self.dataChanged.emit(
                self.index(0, self.HINT), self.index(len(self._rows) - 1, self.HINT)
            )

    def set_supplier(self, code: str | None) -> None:
        """The supplier ordered from: the Supplier SKU column shows only that supplier's codes."""
        self._supplier = code
        if self._rows and len(self.headers) > self.SUPPLIER_SKU and not self._hints:
            last = len(self._rows) - 1
            self.dataChanged.emit(
                self.index(0, self.SUPPLIER_SKU), self.index(last, self.SUPPLIER_SKU)
            )

    def product_ids(self) -> list[int]:
        return [item.product.id for item in self._rows]

    def items(self) -> list[LineItem]:
        return list(self._rows)

    def errors(self) -> list[str]:
        return [item.error for item in self._rows if item.error]

    def requests(self) -> list[LineRequest]:
        return [LineRequest(item.product.sku, item.qty) for item in self._rows if not item.error]

    def _row_changed(self, row: int) -> None:
        self.dataChanged.emit(self.index(row, 0), self.index(row, self.columnCount() - 1))
        self.linesChanged.emit()


def lines_footer(model: LineItemsModel) -> str:
    """ "3 lines · 9 units" for under a lines table."""
    items = model.items()
    if not items:
        return "No lines yet"
    total = sum(item.qty for item in items if not item.error)
    return f"{plural(len(items), 'line')} · {plural(total, 'unit')}"


def lines_area(
    lines: LineItemsModel, name: str, accessible_name: str
) -> tuple[QTableView, QPushButton, QLabel, QHBoxLayout]:
    """The lines table, a "Remove line" button and the footer, and the row holding the footer
    and the button (to add under the table). Returns (table, button, footer, row)."""
    table = make_table(name, lines, stretch=1)
    table.setAccessibleName(accessible_name)
    remove_button = QPushButton("&Remove line")
    footer = QLabel("No lines yet")
    row = QHBoxLayout()
    row.addWidget(footer, 1)
    row.addWidget(remove_button)
    return table, remove_button, footer, row


def remove_current_line(table: QTableView, lines: LineItemsModel) -> bool:
    """Remove the line of the table's current row; False when there is none."""
    index = table.currentIndex()
    if not index.isValid():
        return False
    lines.remove(index.row())
    return True


def add_line(
    message: MessageLabel, lines: LineItemsModel, table: QTableView, product: ProductRow, qty: int
) -> int | None:
    """Add ``qty`` of ``product`` and make its quantity cell current; returns the row, or None
    when the line is refused (``message`` then says why)."""
    try:
        row = lines.add(product, qty)
    except ShopError as error:
        message.show_error(str(error))
        return None
    table.setCurrentIndex(lines.index(row, LineItemsModel.QTY))
    return row


def report_line_errors(
    message: MessageLabel, lines: LineItemsModel, *, clear_old_error: bool = True
) -> list[str]:
    """Show the first bad line's error; otherwise clear an error shown before (when
    ``clear_old_error``). Returns the errors."""
    errors = lines.errors()
    if errors:
        message.show_error(errors[0])
    elif message.kind == "error" and clear_old_error:
        message.clear_message()
    return errors
