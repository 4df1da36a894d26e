"""Customers at the counter: a type-ahead picker, and a small dialog to add or edit one.

The picker asks the database for matches as the clerk types (part of a name, code, email or
phone; ``catalog.search_customers``), so it stays quick with a hundred thousand customers,
where a completer filtering a list of them all in Python would not.
"""

from __future__ import annotations

from PySide6.QtCore import QStringListModel, Signal, Slot
from PySide6.QtGui import QHideEvent, QShowEvent
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QComboBox,
    QCompleter,
    QFormLayout,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.orm import Session

from app.db import Database
from app.domain import CustomerTier, NotificationChannel
from app.domain.enums import ShipPreference
from app.services import catalog
from app.services.catalog import CustomerRow, SavedCustomer
from app.services.notifications.customers import (
    get_customer_notifications,
    set_customer_notifications,
)
from app.services.views.coupons import coupons_list
from app.ui.dialogs.coupon_table import coupons_table
from app.ui.dialogs.widgets import (
    KeyboardDialog,
    MessageLabel,
    form_dialog,
    guarded,
    read_with,
    tab_order,
)

#: Wide enough for the coupons table's seven columns without scrolling.
COUPONS_WIDTH = 760


class CustomerPicker(QLineEdit):
    """A line edit that completes customers from the database and remembers the one chosen.

    ``chosen`` is the customer whose label the field shows; typing changes nothing until a
    match is taken from the list, or the field is left with text naming exactly one customer
    (its code, or text only one customer matches).
    """

    customerChosen = Signal(object)  #: the CustomerRow chosen, or None when cleared

    def __init__(self, database: Database, message: MessageLabel, parent: QWidget | None = None):
        super().__init__(parent)
        self.database = database
        self.message = message
        self.chosen: CustomerRow | None = None
        self._matches: list[CustomerRow] = []
        self.setObjectName("orderCustomerInput")
        self.setPlaceholderText("Type part of a name, code, email or phone")
        self.setClearButtonEnabled(True)
        self._labels = QStringListModel(self)
        completer = QCompleter(self._labels, self)
        completer.setObjectName("customerCompleter")
        # The database already filtered by any part of name, code, email or phone: the
        # completer must show its rows as they are, not filter them again by prefix.
        completer.setCompletionMode(QCompleter.CompletionMode.UnfilteredPopupCompletion)
        completer.setMaxVisibleItems(catalog.CUSTOMER_MATCHES)
        completer.activated[str].connect(self._take_label)  # type: ignore[index]
        self.setCompleter(completer)
        self.textEdited.connect(self._search)
        self.returnPressed.connect(self.resolve)
        self._watching_focus = False

    def showEvent(self, event: QShowEvent) -> None:
        """Watch the application's focus only while shown: a connection left to a field
        being destroyed would be called mid-destruction when its window's focus moves."""
        super().showEvent(event)
        app = QApplication.instance()
        if isinstance(app, QApplication) and not self._watching_focus:
            app.focusChanged.connect(self._focus_changed)
            self._watching_focus = True

    def hideEvent(self, event: QHideEvent) -> None:
        app = QApplication.instance()
        if isinstance(app, QApplication) and self._watching_focus:
            app.focusChanged.disconnect(self._focus_changed)
            self._watching_focus = False
        super().hideEvent(event)

    @Slot(QWidget, QWidget)
    def _focus_changed(self, old: QWidget | None, new: QWidget | None) -> None:
        """Leaving the field (Tab to the scan field) takes the customer the text names.
        (Neither editingFinished nor a focus-out event comes while the completer's popup
        is open, so this watches where the focus goes instead.)"""
        popup = self.completer().popup()
        if new is None or new is self or new is popup or not self.isVisible():
            return
        if popup is not None:
            popup.hide()  # the list belongs to this field: it must not float over the next one
        if self.chosen is None or self.text() != self.chosen.label:
            self.resolve()

    def _search(self, text: str) -> None:
        if self.chosen is not None and text != self.chosen.label:
            self._choose(None)
        rows = guarded(
            self.message,
            lambda: read_with(self.database, lambda s: catalog.search_customers(s, text)),
        )
        self._matches = rows or []
        self._labels.setStringList([row.label for row in self._matches])
        completer = self.completer()
        if self._matches and self.hasFocus():
            completer.complete()
        else:
            popup = completer.popup()
            if popup is not None:
                popup.hide()

    def _take_label(self, label: str) -> None:
        row = next((row for row in self._matches if row.label == label), None)
        if row is not None:
            self.set_customer(row)

    def resolve(self) -> CustomerRow | None:
        """The customer the text names (chosen, its exact code, or its only match)."""
        text = self.text().strip()
        if self.chosen is not None and text == self.chosen.label:
            return self.chosen
        if not text:
            self._choose(None)
            return None
        rows = guarded(
            self.message,
            lambda: read_with(self.database, lambda s: catalog.search_customers(s, text)),
        )
        rows = rows or []
        exact = [row for row in rows if row.code.casefold() == text.casefold()]
        if len(exact) == 1 or len(rows) == 1:
            self.set_customer(exact[0] if exact else rows[0])
            return self.chosen
        self._choose(None)
        return None

    def set_customer(self, row: CustomerRow) -> None:
        self.setText(row.label)
        self._choose(row)

    def _choose(self, row: CustomerRow | None) -> None:
        if row != self.chosen:
            self.chosen = row
            self.customerChosen.emit(row)


def describe(row: CustomerRow) -> str:
    """ "Gold customer · ships complete": what the clerk should know before taking the order."""
    tier = "Gold customer" if row.tier is CustomerTier.GOLD else "Standard customer"
    return f"{tier} · {row.ship_preference.label.lower()}"


class CustomerDialog(KeyboardDialog):
    """Add a customer (from the New-order dialog, without leaving it) or edit one: name,
    code (suggested from the name until the clerk types one), email, phone, tier and how
    they want part-filled orders shipped."""

    def __init__(
        self,
        database: Database,
        code: str | None = None,
        *,
        name: str = "",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.database = database
        self.editing = code
        self.saved: CustomerRow | None = None
        self.setObjectName("CustomerDialog")
        self.setWindowTitle("Edit customer" if code else "New customer")
        self.message = MessageLabel()
        self.name = QLineEdit(name)
        self.name.setObjectName("customerNameInput")
        self.code = QLineEdit()
        self.code.setObjectName("customerCodeInput")
        self.code.setMaxLength(40)
        self.email = QLineEdit()
        self.email.setObjectName("customerEmailInput")
        self.phone = QLineEdit()
        self.phone.setObjectName("customerPhoneInput")
        self.tier = QComboBox()
        self.tier.setObjectName("customerTierInput")
        for tier in CustomerTier:
            self.tier.addItem(tier.value.capitalize(), tier)
        self.preference = QComboBox()
        self.preference.setObjectName("customerShipPreferenceInput")
        self.preference.setToolTip(
            "Ship partial: send what is in stock now, the rest follows.\n"
            "Ship complete: hold the order until every unit is here."
        )
        for preference in ShipPreference:
            self.preference.addItem(preference.label, preference)
        self.notify = QCheckBox("Wants &messages about their orders")
        self.notify.setObjectName("customerNotifyInput")
        self.notify.setToolTip(
            "Only with the customer's yes: backorders, later dates, ready, shipped, cancelled"
        )
        self.channel = QComboBox()
        self.channel.setObjectName("customerChannelInput")
        for channel in (NotificationChannel.EMAIL, NotificationChannel.WEBHOOK):
            self.channel.addItem(channel.label, channel)
        self.channel.setEnabled(False)
        self.notify.toggled.connect(self.channel.setEnabled)
        self._code_typed = False
        self._confirmed_name = ""  #: a name shared with another customer, warned about once
        self.code.textEdited.connect(self._code_edited)
        self.name.textEdited.connect(self._suggest_code)
        form = QFormLayout()
        form.addRow("&Name:", self.name)
        form.addRow("C&ode:", self.code)
        form.addRow("&Email:", self.email)
        form.addRow("&Phone:", self.phone)
        form.addRow("&Tier:", self.tier)
        form.addRow("&Shipping:", self.preference)
        form.addRow("", self.notify)
        form.addRow("Messages &by:", self.channel)
        label = "Save" if code else "Add customer"
        self.buttons, self.save_button, cancel = form_dialog(
            self, form, self.message, label, "saveCustomerButton", "Save the customer"
        )
        tab_order(
            self.name, self.code, self.email, self.phone, self.tier, self.preference,
            self.notify, self.channel, self.save_button, cancel,
        )  # fmt: skip
        if code:
            self._load(code)
            self._show_coupons(code)
        else:
            self._suggest_code(name)
        self.name.setFocus()

    def _show_coupons(self, code: str) -> None:
        """The customer's goodwill coupons, under the form (only when they have any)."""
        rows = guarded(
            self.message, lambda: read_with(self.database, lambda s: coupons_list(s, code))
        )
        if rows:
            self.coupons = coupons_table(rows)
            layout = self.layout()
            assert isinstance(layout, QVBoxLayout)
            layout.insertWidget(1, self.coupons)
            self.resize(max(self.width(), COUPONS_WIDTH), self.height())

    def _load(self, code: str) -> None:
        row = guarded(
            self.message, lambda: read_with(self.database, lambda s: catalog.customer_row(s, code))
        )
        if row is None:
            return
        self.name.setText(row.name)
        self.code.setText(row.code)
        self.code.setReadOnly(True)  # orders and imports refer to customers by code
        self.email.setText(row.email)
        self.phone.setText(row.phone)
        self.tier.setCurrentIndex(self.tier.findData(row.tier))
        self.preference.setCurrentIndex(self.preference.findData(row.ship_preference))
        notify = guarded(
            self.message,
            lambda: read_with(self.database, lambda s: get_customer_notifications(s, code)),
        )
        if notify is not None:
            self.notify.setChecked(notify.opt_in)
            if notify.channel is not NotificationChannel.NONE:
                self.channel.setCurrentIndex(self.channel.findData(notify.channel))

    def _code_edited(self, text: str) -> None:
        self._code_typed = bool(text.strip())

    def _suggest_code(self, name: str) -> None:
        if self._code_typed or self.editing:
            return
        suggested = guarded(
            self.message,
            lambda: (
                read_with(self.database, lambda s: catalog.suggest_customer_code(s, name))
                if name.strip()
                else ""
            ),
        )
        self.code.setText(suggested or "")

    def _same_name_unconfirmed(self) -> bool:
        """A new customer named like an existing one: say so once (the clerk may be adding
        a regular again); submitting again with that name adds them all the same."""
        name = self.name.text().strip()
        if self.editing or not name or name.casefold() == self._confirmed_name:
            return False
        same = guarded(
            self.message,
            lambda: read_with(self.database, lambda s: catalog.customers_named(s, name)),
        )
        if not same:
            return False
        self._confirmed_name = name.casefold()
        who = ", ".join(f"{row.name} ({row.code})" for row in same[:3])
        verb = "already exists" if len(same) == 1 else "already exist"
        self.message.show_warning(
            f"{who} {verb} — add another? Press “Add customer” again to add them."
        )
        return True

    def submit(self) -> None:
        if self._same_name_unconfirmed():
            return
        editing, code, name = self.editing, self.code.text(), self.name.text()
        email, phone = self.email.text(), self.phone.text()
        tier = self.tier.currentData()
        preference = self.preference.currentData()
        opt_in = self.notify.isChecked()
        channel = NotificationChannel(self.channel.currentData())

        def save(session: Session) -> SavedCustomer:
            saved = save_details(session)
            set_customer_notifications(session, saved.customer.code, opt_in=opt_in, channel=channel)
            return saved

        def save_details(session: Session) -> SavedCustomer:
            if editing:
                return catalog.update_customer(
                    session,
                    editing,
                    name=name,
                    email=email,
                    phone=phone,
                    tier=tier,
                    ship_preference=preference,
                )
            return catalog.create_customer(
                session, code, name, email=email, phone=phone, tier=tier, ship_preference=preference
            )

        self.save(
            self.database,
            save,
            label="Saving the customer…" if editing else "Adding the customer…",
            done=self._saved,
        )

    def _saved(self, saved: SavedCustomer) -> None:
        self.saved = saved.customer
        verb = "saved" if self.editing else "added"
        self.outcome = f"Customer {saved.customer.code} {verb}"
        self.accept()
