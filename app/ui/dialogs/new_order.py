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
    QFormLayout,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from app.db import Database
from app.domain.errors import InvalidInput
from app.services.ordering import PlacedOrder, place_order
from app.ui import events
from app.ui.dialogs.line_items import (
    LineItemsModel,
    add_line,
    lines_area,
    lines_footer,
    remove_current_line,
    report_line_errors,
)
from app.ui.dialogs.lookups import Choice, ProductRow, customer_choices, product_row, stock_of
from app.ui.dialogs.widgets import (
    KeyboardDialog,
    MessageLabel,
    commit_editor,
    guarded,
    no_auto_default,
    plural,
    read_with,
    submit_buttons,
    take_scan,
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
        self.table, self.remove_button, self.footer, footer_row = lines_area(
            self.lines, "orderLinesTable", "Order lines"
        )
        self.remove_button.clicked.connect(self._remove_selected)
        remove_key = QShortcut(QKeySequence.StandardKey.Delete, self.table)
        remove_key.setContext(Qt.ShortcutContext.WidgetShortcut)
        remove_key.activated.connect(self._remove_selected)
        self.footer.setObjectName("orderFooter")
        self.buttons, self.place_button, self.cancel_button = submit_buttons(
            self, "Place order", "placeOrderButton", "Place the order"
        )
        no_auto_default(self.place_button, self.cancel_button, self.remove_button)

        form = QFormLayout()
        form.addRow("&Customer:", self.customer)
        form.addRow("&Scan:", self.scan)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(self.table, 1)
        layout.addLayout(footer_row)
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
        code = take_scan(self.scan)
        if not code:
            return
        product: ProductRow | None = guarded(
            self.message, lambda: read_with(self.database, lambda s: product_row(s, code))
        )
        if product is None:
            return
        row = add_line(self.message, self.lines, self.table, product, 1)
        if row is None:
            return
        qty = self.lines.items()[row].qty
        self.message.show_info(f"+1 {product.sku} {product.name}: {plural(qty, 'unit')}.")

    def _remove_selected(self) -> None:
        if remove_current_line(self.table, self.lines):
            self.message.clear_message()

    def _lines_changed(self) -> None:
        ids = self.lines.product_ids()
        stock = (
            guarded(self.message, lambda: read_with(self.database, lambda s: stock_of(s, ids)))
            or {}
        )
        self.lines.set_stock(stock)
        errors = report_line_errors(self.message, self.lines)
        self.footer.setText(lines_footer(self.lines))
        self.place_button.setEnabled(bool(self.lines.items()) and not errors)

    def can_submit(self) -> bool:
        return self.place_button.isEnabled()

    def submit(self) -> None:
        commit_editor(self.table)  # save the quantity being typed
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
