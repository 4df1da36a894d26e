"""The Goodwill page of Settings: the coupon a customer gets for a long wait.

"Customers who waited more than N days get a coupon of X % (or a fixed amount) off their next
order", optionally valid for a number of days. The rule is the whole shop's
(``app.services.shop_settings.GoodwillRule``) and only the owner may change it (the service
refuses anyone else in plain words). Saving runs off the GUI thread, as the Settings window
expects of a page that writes to the shop.
"""

from __future__ import annotations

from decimal import Decimal

from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QRadioButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app.db import Database
from app.services import shop_settings
from app.services.coupons import value_text
from app.services.shop_settings import (
    MAX_GOODWILL_VALID_DAYS,
    MAX_LONG_WAIT_DAYS,
    GoodwillRule,
)
from app.ui.dialogs.settings_page import ShopSettingsPage, hint_label, page_heading


class GoodwillPage(ShopSettingsPage):
    """The goodwill rule; ``apply()`` starts saving it when it changed."""

    title = "Goodwill coupons"

    def __init__(self, database: Database, parent: QWidget | None = None) -> None:
        super().__init__(database, "goodwillSettingsPage", parent)
        self.currency = shop_settings.DEFAULT_CURRENCY
        self._saved = GoodwillRule()

        self.enabled = QCheckBox("&Give a coupon to customers who waited long")
        self.enabled.setObjectName("goodwillEnabled")
        self.days = QSpinBox()
        self.days.setObjectName("goodwillDays")
        self.days.setRange(1, MAX_LONG_WAIT_DAYS)
        self.days.setSuffix(" days")
        self.days.setToolTip(
            "From the order to the day its last units were allocated; exactly this many "
            "days earns nothing, a moment more earns the coupon"
        )
        self.by_percent = QRadioButton("&Percent off:")
        self.by_percent.setObjectName("goodwillByPercent")
        self.percent = QDoubleSpinBox()
        self.percent.setObjectName("goodwillPercent")
        self.percent.setRange(0.01, 100)
        self.percent.setDecimals(2)
        self.percent.setSuffix("%")
        self.percent.setToolTip("A share of the next order's line total")
        self.by_amount = QRadioButton("&Fixed amount:")
        self.by_amount.setObjectName("goodwillByAmount")
        self.amount = QLineEdit()
        self.amount.setObjectName("goodwillAmount")
        self.amount.setPlaceholderText("5.00")
        self.amount.setToolTip("Taken off the next order, never more than its total")
        self.currency_label = QLabel()
        kinds = QButtonGroup(self)
        kinds.addButton(self.by_percent)
        kinds.addButton(self.by_amount)
        self.limited = QCheckBox("&Valid for:")
        self.limited.setObjectName("goodwillLimited")
        self.valid_days = QSpinBox()
        self.valid_days.setObjectName("goodwillValidDays")
        self.valid_days.setRange(1, MAX_GOODWILL_VALID_DAYS)
        self.valid_days.setValue(90)
        self.valid_days.setSuffix(" days after it is given")

        heading = page_heading("Goodwill coupons")
        form = QFormLayout()
        days_label = QLabel("For a wait of &more than:")
        days_label.setBuddy(self.days)
        form.addRow(days_label, self.days)
        form.addRow(self.by_percent, self.percent)
        amount_row = QHBoxLayout()
        amount_row.addWidget(self.amount, 1)
        amount_row.addWidget(self.currency_label)
        form.addRow(self.by_amount, amount_row)
        form.addRow(self.limited, self.valid_days)
        self.fields = QWidget()
        self.fields.setLayout(form)
        note = hint_label(
            "The coupon is given when the order ships, printed on its packing slip, and "
            "taken once, by the same customer, on a later order (type or scan its code in "
            "New order). Every till shares this rule; only the owner changes it."
        )
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(heading)
        layout.addWidget(self.enabled)
        layout.addWidget(self.fields)
        layout.addSpacing(6)
        layout.addWidget(note)
        layout.addStretch(1)

        self.enabled.toggled.connect(self._follow)
        self.by_percent.toggled.connect(self._follow)
        self.limited.toggled.connect(self._follow)

    def _follow(self) -> None:
        """Only what counts can be typed in: the rule's fields when it is on, the value of
        the kind chosen, the days of a limited validity."""
        self.fields.setEnabled(self.enabled.isChecked())
        self.percent.setEnabled(self.by_percent.isChecked())
        self.amount.setEnabled(self.by_amount.isChecked())
        self.valid_days.setEnabled(self.limited.isChecked())

    def load(self) -> None:
        with self.database.read() as session:
            self._saved = shop_settings.get_goodwill_rule(session)
            self.currency = shop_settings.get_currency(session)
        rule = self._saved
        self.currency_label.setText(self.currency)
        self.enabled.setChecked(rule.enabled)
        self.days.setValue(rule.days)
        self.by_percent.setChecked(rule.percent is not None)
        self.by_amount.setChecked(rule.amount is not None)
        self.percent.setValue(float(rule.percent if rule.percent is not None else 10))
        self.amount.setText("" if rule.amount is None else str(rule.amount))
        self.limited.setChecked(rule.valid_days is not None)
        if rule.valid_days is not None:
            self.valid_days.setValue(rule.valid_days)
        self._follow()

    def shown_rule(self) -> GoodwillRule:
        """The rule as the page shows it, checked (``InvalidInput`` saying what is wrong)."""
        return shop_settings.check_goodwill_rule(
            enabled=self.enabled.isChecked(),
            days=self.days.value(),
            percent=(
                Decimal(str(round(self.percent.value(), 2)))
                if self.by_percent.isChecked()
                else None
            ),
            amount=self.amount.text() if self.by_amount.isChecked() else None,
            valid_days=self.valid_days.value() if self.limited.isChecked() else None,
            currency=self.currency,
        )

    def apply(self) -> None:
        """Check what is shown and, if it changed, start saving it off the GUI thread;
        ``saved`` or ``failed`` follows."""
        rule = self.shown_rule()
        if rule == self._saved:
            return
        currency = self.currency

        def done(saved: GoodwillRule) -> str:
            self._saved = saved
            if saved.enabled:
                value = value_text(saved.percent, saved.amount, currency)
                return f"Goodwill coupons on: {value} for waits over {saved.days} days"
            return "Goodwill coupons off"

        self.save(
            lambda session: shop_settings.set_goodwill_rule(
                session,
                enabled=rule.enabled,
                days=rule.days,
                percent=rule.percent,
                amount=rule.amount,
                valid_days=rule.valid_days,
            ),
            label="Saving the goodwill rule…",
            done=done,
        )
