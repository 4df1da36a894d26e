"""Take a customer's order: pick the customer, scan or type what they want, place it.

Each line says, from current availability, whether it ships now or waits in the backorder
queue; ``place_order`` decides for real when the clerk places the order.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QCompleter,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.db import Database
from app.domain.errors import InvalidInput, ShopError
from app.services.ordering import PlacedOrder, place_order
from app.ui import events
from app.ui.dialogs.line_items import LineItemsModel, lines_footer
from app.ui.dialogs.lookups import Choice, ProductRow, customer_choices, product_row, stock_of
from app.ui.dialogs.widgets import (
    KeyboardDialog,
    MessageLabel,
    guarded,
    make_table,
    no_auto_default,
    plural,
    read_with,
)


def customer_combo(choices: list[Choice], name: str) -> QComboBox:
    """An editable combo over "CODE — Name" that completes on any part of code or name."""
    combo = QComboBox()
    combo.setObjectName(name)
    combo.setEditable(True)
    combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
    for choice in choices:
        combo.addItem(choice.label, choice.code)
    combo.setCurrentIndex(-1)
    editor = combo.lineEdit()
    assert editor is not None  # an editable combo has one
    editor.setPlaceholderText("Type a customer code or name")
    completer = QCompleter(combo.model(), combo)
    completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
    completer.setFilterMode(Qt.MatchFlag.MatchContains)
    completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
    combo.setCompleter(completer)
    return combo


def chosen_code(combo: QComboBox, choices: list[Choice], what: str) -> str:
    """The code of the chosen customer/supplier, from the list or typed as code or name."""
    text = combo.currentText().strip()
    if not text:
        raise InvalidInput(f"Choose a {what}")
    for choice in choices:
        if text.casefold() in (choice.label.casefold(), choice.code.casefold()):
            return choice.code
    by_name = [c for c in choices if c.name.casefold() == text.casefold()]
    if len(by_name) == 1:
        return by_name[0].code
    raise InvalidInput(f"No {what} matches {text[:40]!r}; choose one from the list")


class NewOrderDialog(KeyboardDialog):
    """A new customer order, built by scanning or typing SKUs."""

    def __init__(self, database: Database, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.database = database
        self.placed: PlacedOrder | None = None
        self.setObjectName("NewOrderDialog")
        self.setWindowTitle("New order")
        self.resize(760, 520)
        self.message = MessageLabel()
        self.choices: list[Choice] = (
            guarded(self.message, lambda: read_with(self.database, customer_choices)) or []
        )
        self.lines = LineItemsModel(self, with_hints=True)
        self.lines.linesChanged.connect(self._lines_changed)

        self.customer = customer_combo(self.choices, "orderCustomerInput")
        self.scan = QLineEdit()
        self.scan.setObjectName("orderScanInput")
        self.scan.setPlaceholderText("Scan a barcode or type a SKU, then Enter (adds one)")
        self.scan.setClearButtonEnabled(True)
        self.scan.returnPressed.connect(self._scan)
        self.table = make_table("orderLinesTable", self.lines, stretch=1)
        self.table.setAccessibleName("Order lines")
        self.remove_button = QPushButton("&Remove line")
        self.remove_button.clicked.connect(self._remove_selected)
        remove_key = QShortcut(QKeySequence.StandardKey.Delete, self.table)
        remove_key.setContext(Qt.ShortcutContext.WidgetShortcut)
        remove_key.activated.connect(self._remove_selected)
        self.footer = QLabel("No lines yet")
        self.footer.setObjectName("orderFooter")
        self.buttons = QDialogButtonBox()
        self.place_button = self.buttons.addButton(
            "Place order", QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.place_button.setObjectName("placeOrderButton")
        self.place_button.setToolTip("Place the order (Ctrl+Return)")
        self.cancel_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.place_button.clicked.connect(self.submit)
        self.cancel_button.clicked.connect(self.reject)
        no_auto_default(self.place_button, self.cancel_button, self.remove_button)

        form = QFormLayout()
        form.addRow("&Customer:", self.customer)
        form.addRow("&Scan:", self.scan)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(self.table, 1)
        row = QHBoxLayout()
        row.addWidget(self.footer, 1)
        row.addWidget(self.remove_button)
        layout.addLayout(row)
        layout.addWidget(self.buttons)
        for first, second in (
            (self.customer, self.scan),
            (self.scan, self.table),
            (self.table, self.remove_button),
            (self.remove_button, self.place_button),
            (self.place_button, self.cancel_button),
        ):
            self.setTabOrder(first, second)
        self._lines_changed()
        self.customer.setFocus()

    def _scan(self) -> None:
        code = self.scan.text().strip()
        self.scan.clear()
        self.scan.setFocus()
        if not code:
            return
        product: ProductRow | None = guarded(
            self.message, lambda: read_with(self.database, lambda s: product_row(s, code))
        )
        if product is None:
            return
        try:
            row = self.lines.add(product)
        except ShopError as error:
            self.message.show_error(str(error))
            return
        self.table.setCurrentIndex(self.lines.index(row, LineItemsModel.QTY))
        qty = self.lines.items()[row].qty
        self.message.show_info(f"+1 {product.sku} {product.name}: {plural(qty, 'unit')}.")

    def _remove_selected(self) -> None:
        index = self.table.currentIndex()
        if index.isValid():
            self.lines.remove(index.row())
            self.message.clear_message()

    def _lines_changed(self) -> None:
        ids = self.lines.product_ids()
        stock = (
            guarded(self.message, lambda: read_with(self.database, lambda s: stock_of(s, ids)))
            or {}
        )
        self.lines.set_stock(stock)
        errors = self.lines.errors()
        if errors:
            self.message.show_error(errors[0])
        elif self.message.kind == "error":
            self.message.clear_message()
        self.footer.setText(lines_footer(self.lines))
        self.place_button.setEnabled(bool(self.lines.items()) and not errors)

    def can_submit(self) -> bool:
        return self.place_button.isEnabled()

    def submit(self) -> None:
        if self.table.state() == self.table.State.EditingState:
            self.table.setFocus()  # commit the quantity being typed
        if not self.place_button.isEnabled():
            return

        def place() -> PlacedOrder:
            code = chosen_code(self.customer, self.choices, "customer")
            with self.database.write() as session:
                return place_order(session, code, self.lines.requests())

        placed = guarded(self.message, place)
        if placed is None:
            return
        self.placed = placed
        waiting = placed.backordered
        self.outcome = f"Order {placed.ref} placed" + (
            f"; {plural(waiting, 'unit')} backordered" if waiting else "; ready to ship"
        )
        events.bus().announce(frozenset({events.ORDERS, events.STOCK, events.BACKORDERS}))
        self.accept()
