"""New order's coupon field: a goodwill coupon's code, typed or scanned, checked as it comes.

The field asks ``coupons.quote_coupon`` (a read: nothing is written or locked) whether the
chosen customer may take the code now and what it takes off the lines as they stand; the
dialog shows the discount and the new total, or the refusal in the coupon's own words.
``place_order`` checks the code again, under the coupon's lock, when the order is placed.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QLineEdit, QWidget

from app.db import Database
from app.services.coupons import CouponQuote, quote_coupon
from app.services.formatting import money
from app.ui.dialogs.widgets import read_with
from app.ui.writing import failure_text


class CouponField(QWidget):
    """The code and, beside it, what it takes off ("-€8.00 (10%)") or why it cannot."""

    #: The quote or the refusal changed: the dialog shows the total again.
    changed = Signal()

    def __init__(self, database: Database, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.database = database
        self.quote: CouponQuote | None = None
        self.refusal = ""
        self._customer: str | None = None
        self._line_total: Decimal | None = None
        self.edit = QLineEdit()
        self.edit.setObjectName("orderCouponInput")
        self.edit.setPlaceholderText("A goodwill coupon's code, if the customer has one")
        self.edit.setClearButtonEnabled(True)
        self.edit.setMaxLength(20)
        self.edit.returnPressed.connect(self.check)
        self.edit.editingFinished.connect(self.check)
        self.edit.textEdited.connect(self._forget)
        self.info = QLabel()
        self.info.setObjectName("orderCouponInfo")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.edit, 1)
        layout.addWidget(self.info, 1)

    @property
    def code(self) -> str | None:
        """The code to place the order with (None: the field is empty)."""
        return self.edit.text().strip() or None

    def total_text(self, line_total: Decimal | None, show: Callable[[Decimal], str]) -> str:
        """The order's total as New order shows it: less the coupon's discount, if any."""
        if line_total is None:
            return ""
        if self.quote is None:
            return f"Total {show(line_total)}"
        off = self.quote.discount
        return f"Total {show(line_total - off)} ({show(line_total)} less coupon {show(off)})"

    def set_order(self, customer_code: str | None, line_total: Decimal | None) -> None:
        """The order as it stands now; a code typed is checked against it again."""
        if (customer_code, line_total) == (self._customer, self._line_total):
            return
        self._customer, self._line_total = customer_code, line_total
        self.check()

    def _forget(self) -> None:
        """A code being typed is not the one checked: nothing shows until it is checked."""
        if self.quote is not None or self.refusal:
            self.quote, self.refusal = None, ""
            self.info.setText("")
            self.changed.emit()

    def check(self) -> None:
        code = self.code
        self.quote, self.refusal = None, ""
        if code is None:
            self.info.setText("")
        elif self._customer is None:
            self.refusal = "Choose the customer first: a coupon is for one customer."
        else:
            customer, total = self._customer, self._line_total or Decimal("0.00")
            try:
                self.quote = read_with(
                    self.database, lambda s: quote_coupon(s, customer, code, total)
                )
            except Exception as error:  # a refusal in its words; a bug logged
                self.refusal = failure_text(error)
        if self.quote is not None:
            quote = self.quote
            self.info.setStyleSheet("")
            off = money(quote.discount, quote.currency)
            self.info.setText(f"{quote.code}: \N{MINUS SIGN}{off} ({quote.value})")
        elif self.refusal:
            self.info.setStyleSheet("QLabel { color: #b00020; }")
            self.info.setText(self.refusal)
        self.info.setToolTip(self.info.text())
        self.changed.emit()
