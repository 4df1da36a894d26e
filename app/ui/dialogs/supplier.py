"""Add or edit a supplier: its code (what purchase orders and imports call it), name, usual
lead time, and who to talk to there."""

from __future__ import annotations

from PySide6.QtWidgets import QFormLayout, QWidget
from sqlalchemy.orm import Session

from app.db import Database
from app.domain.errors import ShopError
from app.services import catalog
from app.services.catalog import SavedSupplier
from app.services.views import catalog as views
from app.ui.dialogs.widgets import (
    KeyboardDialog,
    MessageLabel,
    form_dialog,
    guarded,
    line_field,
    parse_qty,
    read_with,
    tab_order,
)


class SupplierDialog(KeyboardDialog):
    """New supplier (``code`` None) or edit the supplier with that code (which stays)."""

    def __init__(
        self, database: Database, code: str | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.database = database
        self.editing = code
        self.saved: SavedSupplier | None = None
        self.setObjectName("SupplierDialog")
        self.setWindowTitle("Edit supplier" if code else "New supplier")
        self.message = MessageLabel()

        self.code = line_field("supplierCodeInput", placeholder="Short code, e.g. ACME")
        self.code.setMaxLength(40)
        self.name = line_field("supplierNameInput", placeholder="Company name")
        self.lead_time = line_field("supplierLeadTimeInput", placeholder="7", right=True, width=90)
        self.lead_time.setToolTip("Usual days from ordering to delivery: it sets expected dates")
        self.contact = line_field("supplierContactInput", placeholder="Who you talk to (optional)")
        self.email = line_field("supplierEmailInput", placeholder="orders@example.com (optional)")
        self.phone = line_field("supplierPhoneInput", placeholder="(optional)")
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        form.addRow("C&ode:", self.code)
        form.addRow("&Name:", self.name)
        form.addRow("&Lead time (days):", self.lead_time)
        form.addRow("&Contact:", self.contact)
        form.addRow("&Email:", self.email)
        form.addRow("&Phone:", self.phone)
        self.buttons, self.save_button, cancel = form_dialog(
            self, form, self.message, "Save" if code else "Add supplier", "saveSupplierButton",
            "Save the supplier",
        )  # fmt: skip
        tab_order(
            self.code, self.name, self.lead_time, self.contact, self.email, self.phone,
            self.save_button, cancel,
        )  # fmt: skip
        self.resize(440, 0)
        if code:
            self._load(code)
            self.name.setFocus()
        else:
            self.code.setFocus()

    def _load(self, code: str) -> None:
        row = guarded(
            self.message,
            lambda: read_with(self.database, lambda s: views.supplier_details(s, code)),
        )
        if row is None:
            self.save_button.setEnabled(False)
            return
        self.code.setText(row.code)
        self.code.setReadOnly(True)  # purchase orders and imports name suppliers by code
        self.name.setText(row.name)
        self.lead_time.setText(str(row.lead_time_days))
        self.contact.setText(row.contact_name)
        self.email.setText(row.email)
        self.phone.setText(row.phone)

    def submit(self) -> None:
        try:
            lead_time = parse_qty(
                self.lead_time.text().strip() or "7", allow_zero=True, what="Lead time"
            )
            email = catalog.check_email(self.email.text())
        except ShopError as error:
            self.message.show_error(str(error))
            return
        editing, code, name = self.editing, self.code.text(), self.name.text()
        contact, phone = self.contact.text(), self.phone.text()

        def save(session: Session) -> SavedSupplier:
            if editing:
                return catalog.update_supplier(
                    session, editing, name=name, email=email, lead_time_days=lead_time,
                    contact_name=contact, phone=phone,
                )  # fmt: skip
            return catalog.create_supplier(
                session, code, name, email=email, lead_time_days=lead_time,
                contact_name=contact, phone=phone,
            )  # fmt: skip

        self.save(
            self.database,
            save,
            label="Saving the supplier…" if editing else "Adding the supplier…",
            done=self._saved,
        )

    def _saved(self, saved: SavedSupplier) -> None:
        self.saved = saved
        self.outcome = f"Supplier {saved.code} {'saved' if self.editing else 'added'}"
        self.accept()
