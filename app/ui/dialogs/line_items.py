"""The lines table of the new-order and new-purchase-order dialogs: products and quantities.

Rows are plain (a ProductRow and a quantity). Scanning the same product again adds one more
to its line. A quantity typed badly is kept as typed, shown in red, and reported by
:meth:`LineItemsModel.errors` so the dialog can say what is wrong.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QTableView

from app.domain.errors import InvalidInput, InvalidQuantity, ShopError
from app.domain.quantities import MAX_QUANTITY
from app.services import formatting
from app.services.eta.preview import WaitPreview
from app.services.ordering import LineDecision, LineRequest
from app.services.pricing import CostQuote
from app.ui.dialogs.edit_tables import make_table
from app.ui.dialogs.lookups import ProductRow
from app.ui.dialogs.order_hints import (
    _ERROR,
    _WARN,
    LineMoney,
    availability_hint,
    wait_text,
    wait_tip,
)
from app.ui.dialogs.widgets import MessageLabel, parse_qty, plural

Index = QModelIndex | QPersistentModelIndex
_EDITABLE = QBrush(QColor("#f3f8ff"))
_RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)


@dataclass(slots=True)
class LineItem:
    product: ProductRow
    qty: int
    text: str = ""
    error: str = ""
    #: The unit price the clerk typed (None: the product's price when the order is placed).
    price: Decimal | None = None
    price_text: str = ""  #: a price typed badly, kept as typed
    price_error: str = ""


class LineItemsModel(QAbstractTableModel):
    """Products with an editable quantity, and (for orders) what placing each line would do
    (ships now, backordered, a note) or (for purchase orders) the supplier's own SKU."""

    QTY = 2
    PRICE = 3  #: orders: the unit price, editable
    SHIPS_NOW = 4
    BACKORDERED = 5
    ETA = 6  #: orders: when the waiting units likely arrive
    HINT = 7  #: the note: "Ships now", "Only 2 can be sold"...
    SUPPLIER_SKU = 3
    COST = 4  #: purchase orders: the unit cost

    linesChanged = Signal()

    def __init__(
        self, parent: Any = None, *, with_hints: bool = False, with_supplier_sku: bool = False
    ) -> None:
        super().__init__(parent)
        assert not (with_hints and with_supplier_sku), "one fourth column at most"
        self.headers = ["SKU", "Product", "Qty"]
        if with_hints:
            self.headers += ["Price", "Ships now", "Backordered", "Expected", "Note"]
        self._hints = with_hints
        self._supplier: str | None = None
        if with_supplier_sku:
            self.headers += ["Supplier SKU", "Unit cost"]
        self._costs: CostQuote | None = None
        self._rows: list[LineItem] = []
        self._quote: dict[int, LineDecision] = {}
        self._held = False
        self._waits: dict[int, WaitPreview] = {}
        self.money = LineMoney()

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
            held = self._held and section == self.SHIPS_NOW
            return "Allocated" if held else self.headers[section]
        numeric = (
            (self.QTY, self.PRICE, self.SHIPS_NOW, self.BACKORDERED) if self._hints else (self.QTY,)
        )
        if role == Qt.ItemDataRole.TextAlignmentRole and section in numeric:
            return _RIGHT
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if index.column() == self.QTY or (self._hints and index.column() == self.PRICE):
            flags |= Qt.ItemFlag.ItemIsEditable
        return flags

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        item = self._rows[index.row()]
        column = index.column()
        if self._hints and column in (self.PRICE, self.ETA):
            return self._order_data(item, column, role)
        if self._hints:
            decision = None if item.error else self._quote.get(item.product.id)
            ships, waits, note, brush = availability_hint(decision, held=self._held)
            if role == Qt.ItemDataRole.ToolTipRole and column == self.HINT and decision:
                return decision.refusal or None
            extra: tuple[str, ...] = ("", ships, waits, "", note)
        else:
            extra, brush = (self._supplier_sku(item.product), self._cost_text(item)), None
            if role == Qt.ItemDataRole.TextAlignmentRole and column == self.COST:
                return _RIGHT
        if role == Qt.ItemDataRole.EditRole and column == self.QTY:
            return item.text if item.error else item.qty
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole):
            if column == self.QTY:
                return item.text if item.error else f"{item.qty:,}"
            return (item.product.sku, item.product.name, "", *extra)[column]
        if role == Qt.ItemDataRole.TextAlignmentRole and (
            column == self.QTY or (self._hints and column in (self.SHIPS_NOW, self.BACKORDERED))
        ):
            return _RIGHT
        if role == Qt.ItemDataRole.ForegroundRole:
            if column == self.QTY and item.error:
                return _ERROR
            return brush if self._hints and column == self.HINT else None
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

    def _cost_text(self, item: LineItem) -> str:
        if self._costs is None or item.product.id not in self._costs.costs:
            return ""
        return formatting.money(self._costs.costs[item.product.id], self._costs.currency)

    def set_costs(self, costs: CostQuote | None) -> None:
        """Purchase orders: each line's unit cost (``pricing.quote_costs``)."""
        self._costs = costs
        if self._rows and not self._hints:
            last = len(self._rows) - 1
            self.dataChanged.emit(self.index(0, self.COST), self.index(last, self.COST))

    def cost_total(self) -> str:
        """Purchase orders: what the lines cost, in the shop's currency ("" before costs)."""
        if self._costs is None:
            return ""
        lines = [(item.product.id, item.qty) for item in self._rows if not item.error]
        return formatting.money(self._costs.total(lines), self._costs.currency)

    def _supplier_sku(self, product: ProductRow) -> str:
        """The supplier's own code for the product: only the preferred supplier's, and only
        when the order is to that supplier (or no supplier was chosen)."""
        if self._supplier is not None and product.supplier_code != self._supplier:
            return ""
        return product.supplier_sku or ""

    def _order_data(self, item: LineItem, column: int, role: int) -> Any:
        """The price and expected-date cells of an order line."""
        if column == self.PRICE:
            if role == Qt.ItemDataRole.EditRole:
                return item.price_text if item.price_error else self._price_of(item) or ""
            if role == Qt.ItemDataRole.DisplayRole:
                if item.price_error:
                    return item.price_text
                price = self._price_of(item)
                return "" if price is None else self.money.show(price)
            if role == Qt.ItemDataRole.TextAlignmentRole:
                return _RIGHT
            if role == Qt.ItemDataRole.ForegroundRole and item.price_error:
                return _ERROR
            if role == Qt.ItemDataRole.BackgroundRole:
                return _EDITABLE
            if role == Qt.ItemDataRole.ToolTipRole:
                if item.price_error:
                    return item.price_error
                if item.price is not None:
                    return "Price agreed for this order (clear it for the product's price)"
                return "The product's price; type another to agree a different one"
            if role == Qt.ItemDataRole.FontRole and item.price is not None:
                return self.money.agreed_font
            return None
        wait = None if item.error else self._waits.get(item.product.id)
        if wait is None:
            return None
        long = wait.is_long(self.money.long_wait_days, self.money.today)
        if role == Qt.ItemDataRole.DisplayRole:
            return wait_text(wait)
        if role == Qt.ItemDataRole.ToolTipRole:
            return wait_tip(wait, self.money.long_wait_days, self.money.today)
        if role == Qt.ItemDataRole.ForegroundRole:
            return _WARN if long else None
        return None

    def _price_of(self, item: LineItem) -> Decimal | None:
        if item.price is not None:
            return item.price
        decision = self._quote.get(item.product.id)
        return None if decision is None else decision.price

    def _set_price(self, row: int, value: Any) -> bool:
        item = self._rows[row]
        text = "" if value is None else str(value).strip()
        try:
            item.price = self.money.parse(text, what=f"Price of {item.product.sku}")
            item.price_text, item.price_error = "", ""
        except InvalidInput as error:
            item.price_text, item.price_error = text, str(error)
        self._row_changed(row)
        return True

    def setData(self, index: Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if role != Qt.ItemDataRole.EditRole or not index.isValid():
            return False
        if self._hints and index.column() == self.PRICE:
            return self._set_price(index.row(), value)
        if index.column() != self.QTY:
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

    def set_quote(self, decisions: dict[int, LineDecision], *, held: bool = False) -> None:
        """What placing each line would do now, by product id (from ``quote_lines``);
        ``held``: the order waits to ship complete (the allocated units do not ship now)."""
        self._quote = dict(decisions)
        if held != self._held:
            self._held = held
            self.headerDataChanged.emit(Qt.Orientation.Horizontal, self.SHIPS_NOW, self.SHIPS_NOW)
        if self._rows and self._hints:
            self.dataChanged.emit(
                self.index(0, self.PRICE), self.index(len(self._rows) - 1, self.HINT)
            )

    def set_waits(self, waits: dict[int, WaitPreview]) -> None:
        """Each waiting line's ETA, by product id (``eta.preview``); set before
        :meth:`set_quote`, which repaints the lines."""
        self._waits = dict(waits)

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
        return [error for item in self._rows for error in (item.error, item.price_error) if error]

    def requests(self) -> list[LineRequest]:
        """The lines to quote or place: those with a good quantity (a badly typed price
        counts as the product's price here; :meth:`errors` stops the order being placed)."""
        return [
            LineRequest(item.product.sku, item.qty, item.price)
            for item in self._rows
            if not item.error
        ]

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
