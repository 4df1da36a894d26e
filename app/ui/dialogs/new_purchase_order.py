"""Order goods from a supplier: supplier, lines by SKU and quantity, expected date."""

from __future__ import annotations

from datetime import date, timedelta

from PySide6.QtCore import QDate
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.db import Database
from app.domain.errors import ShopError
from app.services.purchasing import CreatedPurchaseOrder, create_purchase_order
from app.ui.dates import show_days
from app.ui.dialogs.line_costs import cost_total_label, show_costs
from app.ui.dialogs.line_items import (
    LineItemsModel,
    add_line,
    lines_area,
    lines_footer,
    remove_current_line,
    report_line_errors,
)
from app.ui.dialogs.lookups import Choice, supplier_choices
from app.ui.dialogs.scanning import keep_for_next_scan, look_up_item
from app.ui.dialogs.widgets import (
    KeyboardDialog,
    MessageLabel,
    commit_editor,
    guarded,
    no_auto_default,
    parse_qty,
    read_with,
    submit_buttons,
    tab_order,
)


class NewPurchaseOrderDialog(KeyboardDialog):
    """A new purchase order; the expected date follows the supplier's lead time."""

    def __init__(self, database: Database, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.database = database
        self.created_ref: str | None = None
        self.setObjectName("NewPurchaseOrderDialog")
        self.setWindowTitle("New purchase order")
        self.resize(700, 500)
        self.message = MessageLabel()
        self.choices: list[Choice] = (
            guarded(self.message, lambda: read_with(database, supplier_choices)) or []
        )
        self.lines = LineItemsModel(self, with_supplier_sku=True)
        self.lines.linesChanged.connect(self._lines_changed)

        self.supplier = QComboBox()
        self.supplier.setObjectName("poSupplierInput")
        for choice in self.choices:
            self.supplier.addItem(choice.label, choice.code)
        self.supplier.currentIndexChanged.connect(self._supplier_changed)
        self.expected = QDateEdit()
        self.expected.setObjectName("poExpectedDate")
        self.expected.setCalendarPopup(True)
        show_days(self.expected)
        self.sku = QLineEdit()
        self.sku.setObjectName("poSkuInput")
        self.sku.setPlaceholderText("SKU or barcode")
        self.qty = QLineEdit("1")
        self.qty.setObjectName("poQtyInput")
        self.qty.setMaximumWidth(90)
        self.qty.setPlaceholderText("Qty")
        self.add_button = QPushButton("&Add line")
        for signal in (self.sku.returnPressed, self.qty.returnPressed, self.add_button.clicked):
            signal.connect(self._add_line)
        self.table, self.remove_button, self.footer, footer_row = lines_area(
            self.lines, "poLinesTable", "Purchase order lines"
        )
        self.total = cost_total_label(footer_row, "poTotal")
        self.remove_button.clicked.connect(self._remove_selected)
        self.buttons, self.create_button, self.cancel_button = submit_buttons(
            self, "Create purchase order", "createPurchaseOrderButton", "Create the purchase order"
        )
        no_auto_default(self.add_button, self.remove_button, self.create_button, self.cancel_button)

        form = QFormLayout()
        form.addRow("&Supplier:", self.supplier)
        form.addRow("&Expected:", self.expected)
        entry = QHBoxLayout()
        entry.addWidget(self.sku, 1)
        entry.addWidget(self.qty)
        entry.addWidget(self.add_button)
        product_label = QLabel("&Product:")
        product_label.setBuddy(self.sku)
        form.addRow(product_label, entry)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(self.table, 1)
        layout.addLayout(footer_row)
        layout.addWidget(self.buttons)
        tab_order(self.supplier, self.expected, self.sku, self.qty, self.add_button, self.table)
        tab_order(self.table, self.remove_button, self.create_button, self.cancel_button)
        if not self.choices:
            self.message.show_error("Add a supplier first: there are no suppliers yet.")
        self._supplier_changed()
        self._lines_changed()
        self.supplier.setFocus()

    def _supplier_changed(self) -> None:
        index = self.supplier.currentIndex()
        self.lines.set_supplier(self.supplier.currentData())
        lead = self.choices[index].lead_time_days if 0 <= index < len(self.choices) else 0
        expected = date.today() + timedelta(days=lead)
        self.expected.setDate(QDate(expected.year, expected.month, expected.day))

    def _add_line(self) -> None:
        code = self.sku.text().strip()
        if not code:
            self.sku.setFocus()
            return
        try:
            qty = parse_qty(self.qty.text(), what=f"Quantity of {code[:40]}")
        except ShopError as error:
            self.message.show_error(str(error))
            self.qty.setFocus()
            self.qty.selectAll()
            return
        product = look_up_item(self.database, self.message, code)
        if product is None:
            keep_for_next_scan(self.sku, code)
            return
        row = add_line(self.message, self.lines, self.table, product, qty)
        if row is None:
            return
        self.message.show_info(f"{product.sku} {product.name}: {self.lines.items()[row].qty:,}.")
        self.sku.clear()
        self.qty.setText("1")
        self.sku.setFocus()

    def _remove_selected(self) -> None:
        remove_current_line(self.table, self.lines)

    def _lines_changed(self) -> None:
        errors = report_line_errors(self.message, self.lines, clear_old_error=bool(self.choices))
        self.footer.setText(lines_footer(self.lines))
        show_costs(self.database, self.message, self.lines, self.total, None)
        self.create_button.setEnabled(
            bool(self.lines.items()) and not errors and bool(self.choices)
        )

    def can_submit(self) -> bool:
        return self.create_button.isEnabled()

    def submit(self) -> None:
        commit_editor(self.table)  # save the quantity being typed
        if not self.create_button.isEnabled():
            return
        picked = self.expected.date()
        expected = date(picked.year(), picked.month(), picked.day())
        code = self.supplier.currentData()
        if not code:
            self.message.show_error("Choose a supplier")
            return
        requests = self.lines.requests()
        self.save(
            self.database,
            lambda session: create_purchase_order(session, code, requests, expected_date=expected),
            label="Creating the purchase order…",
            done=self._created,
        )

    def _created(self, created: CreatedPurchaseOrder) -> None:
        self.created_ref = created.ref
        self.outcome = f"Purchase order {created.ref} created"
        self.accept()
