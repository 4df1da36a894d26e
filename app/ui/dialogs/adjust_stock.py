"""Correct on hand (a count, damage, a found box) with a reason the ledger keeps."""

from __future__ import annotations

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
from app.domain.errors import InvalidQuantity
from app.services.stock import Adjustment, adjust_stock
from app.ui import events
from app.ui.dialogs.allocate_freed import AllocateFreedDialog, offer_freed_stock
from app.ui.dialogs.lookups import ProductRow, Stock, product_row, stock_of
from app.ui.dialogs.widgets import (
    KeyboardDialog,
    MessageLabel,
    guarded,
    no_auto_default,
    parse_qty,
    read_with,
    submit_buttons,
)

REASONS = ("Stock count", "Damaged", "Found", "Returned by customer", "Lost or stolen")


def parse_change(text: str) -> int:
    """A signed change of stock: "+5", "5" or "-3" (never 0)."""
    cleaned = text.strip().replace(" ", "")
    cleaned = cleaned.replace("\N{MINUS SIGN}", "-")
    sign = -1 if cleaned.startswith("-") else 1
    magnitude = cleaned[1:] if cleaned[:1] in ("+", "-") else cleaned
    if not magnitude:
        raise InvalidQuantity("Enter the change, like +5 (found) or -2 (damaged)")
    return sign * parse_qty(magnitude, what="Change")


class AdjustStockDialog(KeyboardDialog):
    """Add or remove units of one product, with a required reason."""

    def __init__(
        self, database: Database, sku: str | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.database = database
        self.product: ProductRow | None = None
        self.stock: Stock | None = None
        #: "Allocate freed stock", while it is open after units were added.
        self.freed_dialog: AllocateFreedDialog | None = None
        self.result_adjustment: Adjustment | None = None
        self.setObjectName("AdjustStockDialog")
        self.setWindowTitle("Adjust stock")
        self.resize(520, 300)
        self.message = MessageLabel()
        self.code = QLineEdit(sku or "")
        self.code.setObjectName("adjustSkuInput")
        self.code.setPlaceholderText("Scan a barcode or type a SKU")
        self.code.editingFinished.connect(self._look_up)
        self.product_label = QLabel("—")
        self.product_label.setObjectName("adjustProductLabel")
        self.product_label.setWordWrap(True)
        self.change = QLineEdit()
        self.change.setObjectName("adjustChangeInput")
        self.change.setPlaceholderText("+5 to add, -2 to remove")
        self.change.textChanged.connect(self._show_effect)
        self.effect = QLabel("")
        self.effect.setObjectName("adjustEffectLabel")
        self.reason = QComboBox()
        self.reason.setObjectName("adjustReasonInput")
        self.reason.setEditable(True)
        self.reason.addItems(REASONS)
        self.reason.setCurrentIndex(-1)
        reason_editor = self.reason.lineEdit()
        assert reason_editor is not None  # an editable combo has one
        reason_editor.setPlaceholderText("Required: why does stock change?")
        self.buttons, self.apply_button, self.cancel_button = submit_buttons(
            self, "Adjust stock", "applyAdjustmentButton", "Record the adjustment"
        )
        no_auto_default(self.apply_button, self.cancel_button)

        form = QFormLayout()
        form.addRow("&Product:", self.code)
        form.addRow("", self.product_label)
        form.addRow("&Change:", self.change)
        form.addRow("", self.effect)
        form.addRow("&Reason:", self.reason)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addStretch(1)
        layout.addWidget(self.buttons)
        if sku:
            self._look_up()
            self.change.setFocus()
        else:
            self.code.setFocus()

    def _look_up(self) -> None:
        code = self.code.text().strip()
        if not code or (
            self.product is not None and code in (self.product.sku, self.product.barcode)
        ):
            return
        self.message.clear_message()

        def query(session: Session) -> tuple[ProductRow, Stock]:
            product = product_row(session, code)
            return product, stock_of(session, [product.id])[product.id]

        found = guarded(self.message, lambda: read_with(self.database, query))
        self.product, self.stock = found if found else (None, None)
        if self.product is None or self.stock is None:
            self.product_label.setText("—")
        else:
            self.product_label.setText(
                f"{self.product.sku} {self.product.name}: {self.stock.on_hand:,} on hand, "
                f"{self.stock.allocated:,} promised to customers, "
                f"{self.stock.available:,} available"
            )
        self._show_effect()

    def _show_effect(self) -> None:
        if self.stock is None or not self.change.text().strip():
            self.effect.setText("")
            return
        try:
            change = parse_change(self.change.text())
        except InvalidQuantity as error:
            self.effect.setText(str(error))
            return
        after = self.stock.on_hand + change
        text = f"On hand {self.stock.on_hand:,} → {after:,}"
        if after < self.stock.allocated:
            text += f" (not possible: {self.stock.allocated:,} are promised to customers)"
        self.effect.setText(text)

    def submit(self) -> None:
        self._look_up()
        code = self.code.text()
        reason = self.reason.currentText()

        def apply() -> Adjustment:
            change = parse_change(self.change.text())
            return self.database.run(lambda session: adjust_stock(session, code, change, reason))

        result = guarded(self.message, apply)
        if result is None:
            return
        self.result_adjustment = result
        self.outcome = (
            f"{result.sku}: {result.qty_change:+,} ({reason.strip()}); "
            f"{result.on_hand:,} on hand, {result.available:,} available"
        )
        events.bus().announce(frozenset({events.STOCK, events.BACKORDERS}))
        if result.qty_change > 0 and self.product is not None:
            # Units found or returned: offer them to customers waiting for the product.
            self.freed_dialog = offer_freed_stock(
                self, self.database, [self.product.id], self.message, self._freed_done
            )
        else:
            self.accept()

    def _freed_done(self, outcome: str) -> None:
        if outcome:
            self.outcome += f"; {outcome}"
        self.accept()
