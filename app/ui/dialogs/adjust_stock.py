"""Correct on hand (a count, damage, a found box) with a reason the ledger keeps.

Removing units that are promised to customers (a count finds fewer than were promised) is
possible, never silently: the dialog says whose units would be taken back and asks for a
second confirmation ("Take promised units back") before it saves.
"""

from __future__ import annotations

from PySide6.QtWidgets import (
    QCheckBox,
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
from app.services.stock import Adjustment, TakenBack, adjust_stock, promised_to_take_back
from app.ui.dialogs.allocate_freed import AllocateFreedDialog, offer_freed_stock
from app.ui.dialogs.lookups import ProductRow, Stock, product_row, stock_of
from app.ui.dialogs.widgets import (
    KeyboardDialog,
    MessageLabel,
    guarded,
    no_auto_default,
    parse_qty,
    plural,
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


def take_back_text(removed: int, taken: list[TakenBack] | tuple[TakenBack, ...]) -> str:
    """ "Removing 3 takes 1 unit back from SO-000012 (Ruth Ashworth), who goes back in the
    queue"; from several orders: "… takes 3 units back: 2 from SO-1 (Ann) and 1 from SO-2
    (Bob), who go back in the queue" (three orders named, then how many more)."""
    units = plural(sum(item.qty for item in taken), "unit")
    if len(taken) == 1:
        whom = f"{units} back from {taken[0].order_ref} ({taken[0].customer}), who goes"
    else:
        named = [f"{item.qty:,} from {item.order_ref} ({item.customer})" for item in taken[:3]]
        if len(taken) > 3:
            named.append(
                f"{sum(item.qty for item in taken[3:]):,} from "
                f"{plural(len(taken) - 3, 'more order')}"
            )
        whom = f"{units} back: {', '.join(named[:-1])} and {named[-1]}, who go"
    return f"Removing {removed:,} takes {whom} back in the queue"


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
        self.resize(560, 300)
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
        self.effect.setWordWrap(True)
        #: Who would give promised units back (empty: the change takes nothing back).
        self.taken_back: list[TakenBack] = []
        self.take_back = QCheckBox("&Take promised units back")
        self.take_back.setObjectName("adjustTakeBackCheck")
        self.take_back.setToolTip(
            "The units are missing: take them back from the customers who got units last; "
            "they wait in the queue again, in their own place"
        )
        self.take_back.hide()
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
        form.addRow("", self.take_back)
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
        self.taken_back = []
        self.effect.setText(self._effect_text())
        self.take_back.setVisible(bool(self.taken_back))
        if not self.taken_back:
            self.take_back.setChecked(False)

    def _effect_text(self) -> str:
        if self.stock is None or self.product is None or not self.change.text().strip():
            return ""
        try:
            change = parse_change(self.change.text())
        except InvalidQuantity as error:
            return str(error)
        after = self.stock.on_hand + change
        text = f"On hand {self.stock.on_hand:,} → {after:,}"
        if after < 0:
            return f"{text} (not possible: on hand cannot go below zero)"
        short = self.stock.allocated - after
        if short <= 0:
            return text
        product_id = self.product.id
        taken = guarded(
            self.message,
            lambda: read_with(self.database, lambda s: promised_to_take_back(s, product_id, short)),
        )
        self.taken_back = taken or []
        if not self.taken_back:
            return text
        return f"{text}. {take_back_text(-change, self.taken_back)}."

    def submit(self) -> None:
        self._look_up()
        if self.product is None:  # the message says why (a misread barcode, an unknown SKU)
            if self.message.kind != "error":
                self.message.show_error("Scan or type the product first")
            self.code.setFocus()
            self.code.selectAll()
            return
        code = self.code.text()
        reason = self.reason.currentText()
        take_back = self.take_back.isChecked() and bool(self.taken_back)
        if self.taken_back and not take_back:
            self.message.show_error(
                "These units are promised to customers: tick “Take promised units back” to "
                "take them back, or remove fewer."
            )
            self.take_back.setFocus()
            return

        change = guarded(self.message, lambda: parse_change(self.change.text()))
        if change is None:
            return
        self.save(
            self.database,
            lambda session: adjust_stock(
                session, code, change, reason, take_back_promised=take_back
            ),
            label="Adjusting stock…",
            done=lambda result: self._adjusted(result, reason),
        )

    def _adjusted(self, result: Adjustment, reason: str) -> None:
        self.result_adjustment = result
        self.outcome = f"{result.sku}: {result.qty_change:+,} ({reason.strip()})"
        if result.qty_change > 0 and self.product is not None:
            # Units found or returned: offer them to customers waiting for the product.
            self.apply_button.setEnabled(False)  # done: never applied twice while offering
            offer_freed_stock(
                self, self.database, [self.product.id], self.message, self._freed_done, self._opened
            )
        else:
            self._freed_done("")

    def reject(self) -> None:
        """Close. Once the adjustment is saved, closing (even while who-waits is still read,
        which drops the offer) ends the dialog as done, so the window reports it."""
        if self.result_adjustment is not None and self.freed_dialog is None:
            self._freed_done("")
            return
        super().reject()

    def _opened(self, dialog: AllocateFreedDialog) -> None:
        self.freed_dialog = dialog

    def can_submit(self) -> bool:
        return self.apply_button.isEnabled()

    def _freed_done(self, freed: str) -> None:
        """Finish the outcome once the found units were offered (or not): what is available
        is said after the freed-stock step, which may have promised some of them."""
        result = self.result_adjustment
        assert result is not None
        if freed and self.product is not None:
            product_id = self.product.id
            now = guarded(
                self.message,
                lambda: read_with(self.database, lambda s: stock_of(s, [product_id])),
            )
            available = now[product_id].available if now else result.available
            self.outcome += f"; {result.on_hand:,} on hand; {freed}; {available:,} available now"
        else:
            self.outcome += f"; {result.on_hand:,} on hand, {result.available:,} available"
        if result.taken_back:
            self.outcome += (
                f"; {plural(result.units_taken_back, 'promised unit')} taken back from "
                f"{', '.join(item.order_ref for item in result.taken_back)} (back in the queue)"
            )
        self.accept()
