"""The Shop page of Settings: the shop's currency and how many days of waiting are long.

Both are the whole shop's (every till shares them, ``app.services.shop_settings``). The
currency is picked from ISO codes with their names (type "yen", "JPY" or "Swiss" to find
one); amounts are shown in it, never converted. New order warns when a customer would wait
longer than the long-wait days. Saving runs off the GUI thread (``app.ui.writing``), as the
Settings window expects of a page that writes to the shop.
"""

from __future__ import annotations

from dataclasses import dataclass

from babel.numbers import get_currency_name, list_currencies
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QCompleter,
    QFormLayout,
    QLabel,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.orm import Session

from app.db import Database
from app.services import formatting, shop_settings
from app.services.changes import Changes
from app.services.shop_settings import MAX_LONG_WAIT_DAYS, ShopIdentity, ShopSettings
from app.ui.dialogs.settings_letterhead import LetterheadBox
from app.ui.dialogs.settings_page import ShopSettingsPage, hint_label, page_heading

#: Currencies no shop prices in (funds, precious metals, test and "no currency" codes).
_NOT_FOR_SHOPS = frozenset({"XAG", "XAU", "XPD", "XPT", "XTS", "XXX", "XDR", "XSU", "XUA"})


def currency_choices() -> list[tuple[str, str]]:
    """(code, "EUR — Euro") for every currency a shop may use, by code."""
    locale = formatting.current_locale()
    choices = []
    for code in sorted(list_currencies()):
        if code in _NOT_FOR_SHOPS:
            continue
        name = get_currency_name(code, locale=locale)
        if name == code:
            name = get_currency_name(code, locale="en")
        choices.append((code, f"{code} \N{EM DASH} {name}"))
    return choices


@dataclass(frozen=True, slots=True)
class _PageSaved:
    """Both halves of the page, saved in one transaction."""

    settings: ShopSettings
    identity: ShopIdentity
    changes: Changes


def _save_page(session: Session, code: str, days: int, shown: ShopIdentity) -> _PageSaved:
    settings = shop_settings.set_shop_settings(session, code, days)
    identity = shop_settings.set_shop_identity(
        session, shown.name, shown.address, shown.phone, shown.logo
    )
    return _PageSaved(settings, identity, settings.changes | identity.changes)


class ShopPage(ShopSettingsPage):
    """Currency and long-wait days; ``apply()`` starts saving them when they changed."""

    title = "Shop"

    def __init__(self, database: Database, parent: QWidget | None = None) -> None:
        super().__init__(database, "shopSettingsPage", parent)
        self._saved = ShopSettings()
        self._saved_identity = ShopIdentity()

        self.currency = QComboBox()
        self.currency.setObjectName("shopCurrency")
        self.currency.setEditable(True)
        self.currency.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        for code, label in currency_choices():
            self.currency.addItem(label, code)
        completer = self.currency.completer()
        assert completer is not None
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        self.currency.setToolTip('Type a code or part of a name: "yen", "CHF", "pound"…')
        self.long_wait = QSpinBox()
        self.long_wait.setObjectName("shopLongWaitDays")
        self.long_wait.setRange(1, MAX_LONG_WAIT_DAYS)
        self.long_wait.setSuffix(" days")
        self.long_wait.setToolTip(
            "New order warns when a customer would wait longer than this "
            "(most customers accept up to about two weeks)"
        )

        heading = page_heading("The shop")
        form = QFormLayout()
        currency_label = QLabel("&Currency:")
        currency_label.setBuddy(self.currency)
        form.addRow(currency_label, self.currency)
        wait_label = QLabel("A wait is &long after:")
        wait_label.setBuddy(self.long_wait)
        form.addRow(wait_label, self.long_wait)
        note = hint_label(
            "Every till of the shop shares these. Changing the currency changes how amounts "
            "are shown, not the amounts: prices are not converted."
        )
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(heading)
        layout.addLayout(form)
        layout.addSpacing(6)
        layout.addWidget(note)
        layout.addSpacing(12)
        self.letterhead = LetterheadBox()
        layout.addWidget(self.letterhead)
        layout.addStretch(1)

    def load(self) -> None:
        with self.database.read() as session:
            self._saved = shop_settings.get_shop_settings(session)
            self._saved_identity = shop_settings.get_shop_identity(session)
        self.letterhead.load(self._saved_identity)
        self.set_currency(self._saved.currency)
        self.long_wait.setValue(self._saved.long_wait_days)

    def set_currency(self, code: str) -> None:
        index = self.currency.findData(code)
        if index >= 0:
            self.currency.setCurrentIndex(index)
        else:
            self.currency.setEditText(code)

    def chosen_currency(self) -> str:
        """The currency shown: an item picked or typed as listed, else the code typed
        (checked by :func:`shop_settings.check_currency`, which says what is wrong)."""
        text = self.currency.currentText().strip()
        index = self.currency.findText(text, Qt.MatchFlag.MatchFixedString)
        if index >= 0:
            return str(self.currency.itemData(index))
        return shop_settings.check_currency(text.split()[0] if text else "")

    def apply(self) -> None:
        """Check what is shown (raising ``InvalidInput`` with a plain reason) and, if it
        changed, start saving it off the GUI thread; ``saved`` or ``failed`` follows."""
        code = self.chosen_currency()
        days = shop_settings.check_long_wait_days(self.long_wait.value())
        shown = self.letterhead.identity()
        saved = self._saved_identity
        if (code, days) == (self._saved.currency, self._saved.long_wait_days) and (
            shown.name.strip(),
            shown.address.strip(),
            shown.phone.strip(),
            shown.logo,
        ) == (saved.name, saved.address, saved.phone, saved.logo):
            return

        def done(page: _PageSaved) -> str:
            settings = self._saved = page.settings
            self._saved_identity = page.identity
            self.letterhead.load(page.identity)
            self.set_currency(settings.currency)
            return (
                f"Shop settings saved: amounts in {settings.currency}, waits over "
                f"{settings.long_wait_days} days are long"
            )

        self.save(
            lambda session: _save_page(session, code, days, shown),
            label="Saving the shop's settings…",
            done=done,
        )
