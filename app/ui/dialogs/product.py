"""Add or edit a product: what it is called, its barcode, price and cost, who supplies it,
what happens when it runs out, and (for a new shop) how many are on the shelf already.

Everything is checked by the catalog services; what they refuse (a negative price, a SKU
already taken, a barcode with a wrong check digit) is said in the dialog and nothing is
saved. Opening stock is booked through the stock ledger in the same transaction.
"""

from __future__ import annotations

from decimal import Decimal

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.orm import Session

from app.db import Database
from app.domain import BackorderPolicy
from app.domain.barcodes import validate_gtin
from app.domain.errors import ShopError
from app.services import catalog
from app.services.catalog import OpeningStock, SavedProduct
from app.services.shop_settings import get_currency
from app.services.views import catalog as views
from app.services.views.catalog import ProductRow
from app.ui.dialogs.scanning import keep_for_next_scan
from app.ui.dialogs.widgets import (
    KeyboardDialog,
    MessageLabel,
    form_dialog,
    guarded,
    line_field,
    no_auto_default,
    parse_qty,
    read_with,
    submit_buttons,
    tab_order,
    titled_group,
)

_RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter


def _align_labels(forms: list[QFormLayout]) -> None:
    """One label column across the dialog's groups, so their fields line up."""
    labels: list[QLabel] = []
    for form in forms:
        for row in range(form.rowCount()):
            item = form.itemAt(row, QFormLayout.ItemRole.LabelRole)
            label = item.widget() if item is not None else None
            if isinstance(label, QLabel):
                labels.append(label)
    width = max((label.sizeHint().width() for label in labels), default=0)
    for label in labels:
        label.setMinimumWidth(width)


class ProductDialog(KeyboardDialog):
    """New product (``sku`` None) or edit the product with SKU ``sku``."""

    def __init__(
        self, database: Database, sku: str | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.database = database
        self.editing = sku
        self.saved: SavedProduct | None = None
        self.setObjectName("ProductDialog")
        self.setWindowTitle("Edit product" if sku else "New product")
        self.message = MessageLabel()
        currency = guarded(self.message, lambda: read_with(database, get_currency)) or ""
        self.sku = line_field("productSkuInput", placeholder="Your code, e.g. MUG-BLUE", width=220)
        self.sku.setMaxLength(64)
        self.name = line_field("productNameInput", placeholder="As customers know it")
        self.barcode = line_field(
            "productBarcodeInput", placeholder="Scan or type the EAN/UPC (optional)", width=220
        )
        self.barcode.setMaxLength(14)
        self.barcode.editingFinished.connect(self._check_barcode)
        self.price = line_field("productPriceInput", placeholder="0.00", right=True, width=120)
        self.cost = line_field("productCostInput", placeholder="0.00", right=True, width=120)
        self.supplier = QComboBox()
        self.supplier.setObjectName("productSupplierInput")
        self.supplier_sku = line_field(
            "productSupplierSkuInput", placeholder="Their code (optional)", width=220
        )
        self.policy = QComboBox()
        self.policy.setObjectName("productPolicyInput")
        self.policy.addItem("Take backorders: customers wait", BackorderPolicy.BACKORDER)
        self.policy.addItem("Sell from stock only", BackorderPolicy.OUT_OF_STOCK)
        self.policy.setToolTip(
            "Take backorders: keep selling when none are left; customers wait for the next "
            "delivery.\nSell from stock only: refuse more than is available."
        )
        self.policy.currentIndexChanged.connect(self._policy_changed)
        self.max_waiting = line_field(
            "productMaxBackorderInput", placeholder="no limit", right=True, width=120
        )
        self.max_waiting.setToolTip(
            "Most units that may wait for this product at once (e.g. what the supplier can "
            "still deliver); empty for no limit"
        )
        self.bin = line_field(
            "productBinInput", placeholder="Shelf, e.g. A3-02 (optional)", width=220
        )
        self.bin.setMaxLength(catalog.MAX_BIN_LENGTH)
        self.bin.setToolTip("Where it sits in the shop: the pick list walks bin by bin")
        self.reorder_point = line_field("productReorderPointInput", placeholder="0", right=True)
        self.reorder_point.setMaximumWidth(120)
        self.reorder_point.setToolTip("Suggest a purchase order when available falls to this")
        self.opening = line_field(
            "productOpeningStockInput", placeholder="0", right=True, width=120
        )
        self.opening.setToolTip(
            "Units already on the shelf: booked in the stock ledger as opening stock"
        )

        about = QFormLayout()
        about.addRow("&SKU:", self.sku)
        about.addRow("&Name:", self.name)
        about.addRow("&Barcode:", self.barcode)
        about.addRow(f"&Price ({currency}):", self.price)
        about.addRow(f"C&ost ({currency}):", self.cost)
        about.addRow("B&in:", self.bin)
        product_box = titled_group("Product")
        product_box.setLayout(about)
        bought = QFormLayout()
        bought.addRow("Supp&lier:", self.supplier)
        bought.addRow("Supplier's SK&U:", self.supplier_sku)
        bought.addRow("&Reorder at:", self.reorder_point)
        supplier_box = titled_group("Buying")
        supplier_box.setLayout(bought)
        runs_out = QFormLayout()
        runs_out.addRow("&When none are left:", self.policy)
        runs_out.addRow("&Most units waiting:", self.max_waiting)
        out_box = titled_group("When it runs out")
        out_box.setLayout(runs_out)
        forms = [about, bought, runs_out]
        for form in forms:
            form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)

        label = "Save" if sku else "Add product"
        self.buttons, self.save_button, cancel = submit_buttons(
            self, label, "saveProductButton", "Save the product"
        )
        no_auto_default(self.save_button, cancel)
        layout = QVBoxLayout(self)
        layout.addWidget(product_box)
        layout.addWidget(supplier_box)
        layout.addWidget(out_box)
        if not sku:
            on_shelf = QFormLayout()
            on_shelf.addRow("On the s&helf now:", self.opening)
            stock_box = titled_group("Opening stock")
            stock_box.setLayout(on_shelf)
            layout.addWidget(stock_box)
            forms.append(on_shelf)
        else:
            self.opening.hide()
        _align_labels(forms)
        layout.addWidget(self.message)
        layout.addStretch(1)
        layout.addWidget(self.buttons)
        tab_order(
            self.sku, self.name, self.barcode, self.price, self.cost, self.bin, self.supplier,
            self.supplier_sku, self.reorder_point, self.policy, self.max_waiting,
            *(() if sku else (self.opening,)), self.save_button, cancel,
        )  # fmt: skip
        self.resize(520, 0)
        self.current: ProductRow | None = None
        if sku:
            self._load(sku)
        else:
            self._fill_suppliers("")
        (self.name if sku else self.sku).setFocus()

    def _fill_suppliers(self, keep: str) -> None:
        choices = guarded(
            self.message,
            lambda: read_with(self.database, lambda s: views.supplier_choices(s, keep)),
        )
        self.supplier.clear()
        self.supplier.addItem("(none)", "")
        for code, name in choices or []:
            self.supplier.addItem(f"{code} — {name}", code)
        self.supplier.setCurrentIndex(max(0, self.supplier.findData(keep)))

    def _load(self, sku: str) -> None:
        row = guarded(
            self.message,
            lambda: read_with(self.database, lambda s: views.product_details(s, sku)),
        )
        if row is None:
            self.save_button.setEnabled(False)
            return
        self.current = row
        self.sku.setText(row.sku)
        self.name.setText(row.name)
        self.barcode.setText(row.barcode or "")
        self.price.setText(f"{row.price:.2f}")
        self.cost.setText(f"{row.cost:.2f}")
        self.bin.setText(row.bin)
        self._fill_suppliers(row.supplier)
        self.supplier_sku.setText(row.supplier_sku)
        self.policy.setCurrentIndex(self.policy.findData(row.policy))
        limit = row.max_backorder_qty
        self.max_waiting.setText("" if limit is None else str(limit))
        self.reorder_point.setText(str(row.reorder_point))
        self._policy_changed()

    def _policy_changed(self, *_args: object) -> None:
        self.max_waiting.setEnabled(self.policy.currentData() == BackorderPolicy.BACKORDER)

    def _check_barcode(self) -> None:
        """A barcode is checked as it is scanned or typed: a misread scan says so at once."""
        code = self.barcode.text().strip()
        if not code:
            return
        try:
            validate_gtin(code)
        except ShopError as error:
            self.message.show_error(str(error))
            keep_for_next_scan(self.barcode, code)
            return
        if self.message.kind == "error":
            self.message.clear_message()

    def _amount(self, field: QLineEdit, what: str) -> Decimal:
        return catalog.parse_money(field.text().strip() or "0", what=what)

    def submit(self) -> None:
        try:
            price = self._amount(self.price, "Price")
            cost = self._amount(self.cost, "Cost")
            reorder = parse_qty(
                self.reorder_point.text().strip() or "0", allow_zero=True, what="Reorder at"
            )
            limit_text = self.max_waiting.text().strip()
            limit = (
                parse_qty(limit_text, allow_zero=True, what="Most units waiting")
                if limit_text and self.policy.currentData() == BackorderPolicy.BACKORDER
                else None
            )
            opening = 0
            if not self.editing:
                opening = parse_qty(
                    self.opening.text().strip() or "0", allow_zero=True, what="Opening stock"
                )
        except ShopError as error:
            self.message.show_error(str(error))
            return
        editing, sku, name = self.editing, self.sku.text(), self.name.text()
        barcode = self.barcode.text().strip() or None
        supplier = self.supplier.currentData() or None
        supplier_sku = self.supplier_sku.text()
        bin_ = self.bin.text()
        policy = self.policy.currentData()

        def save(session: Session) -> SavedProduct:
            if editing:
                return catalog.update_product(
                    session, editing, sku=sku, name=name, barcode=barcode, price=price,
                    cost=cost, backorder_policy=policy, reorder_point=reorder,
                    supplier_code=supplier, supplier_sku=supplier_sku, max_backorder_qty=limit,
                    bin=bin_,
                )  # fmt: skip
            return catalog.create_product(
                session, sku, name, barcode=barcode, price=price, cost=cost,
                backorder_policy=policy, reorder_point=reorder, supplier_code=supplier,
                supplier_sku=supplier_sku, max_backorder_qty=limit, bin=bin_,
                opening_stock=opening,
            )  # fmt: skip

        self.save(
            self.database,
            save,
            label="Saving the product…" if editing else "Adding the product…",
            done=self._saved,
        )

    def _saved(self, saved: SavedProduct) -> None:
        self.saved = saved
        self.outcome = f"Product {saved.sku} {'saved' if self.editing else 'added'}"
        self.accept()


class OpeningStockDialog(KeyboardDialog):
    """How many units of one product are on the shelf as the shop starts using Shopkeeper:
    booked in the stock ledger as "opening stock"."""

    def __init__(self, database: Database, sku: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.database = database
        self.sku = sku
        self.setObjectName("OpeningStockDialog")
        self.setWindowTitle("Opening stock")
        self.message = MessageLabel()
        self.qty = line_field("openingStockInput", placeholder="units", right=True, width=120)
        form = QFormLayout()
        form.addRow("Product:", QLabel(sku))
        form.addRow("&Units on the shelf:", self.qty)
        self.buttons, self.save_button, _cancel = form_dialog(
            self, form, self.message, "Book opening stock", "saveOpeningStockButton",
            "Add them to on hand",
        )  # fmt: skip
        self.qty.setFocus()

    def submit(self) -> None:
        try:
            qty = parse_qty(self.qty.text(), what="Opening stock")
        except ShopError as error:
            self.message.show_error(str(error))
            return
        sku = self.sku
        self.save(
            self.database,
            lambda session: catalog.enter_opening_stock(session, sku, qty),
            label="Booking opening stock…",
            done=self._saved,
        )

    def _saved(self, saved: OpeningStock) -> None:
        self.outcome = (
            f"Opening stock of {saved.sku}: {saved.qty:,} booked ({saved.on_hand:,} on hand)"
        )
        self.accept()
