"""Change one purchase order: move its expected date, or cancel what is still outstanding."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from PySide6.QtCore import QDate
from PySide6.QtWidgets import QDateEdit, QFormLayout, QLabel, QLineEdit, QVBoxLayout, QWidget
from sqlalchemy.orm import Session

from app.db import Database
from app.domain import PurchaseOrderStatus
from app.services.formatting import day
from app.services.purchasing import (
    PurchaseOrderChange,
    cancel_purchase_order,
    get_purchase_order,
    set_expected_date,
)
from app.ui.dates import show_days
from app.ui.dialogs.widgets import (
    KeyboardDialog,
    MessageLabel,
    guarded,
    heading_label,
    no_auto_default,
    plural,
    read_with,
    submit_buttons,
    tab_order,
)


@dataclass(frozen=True, slots=True)
class POSummary:
    ref: str
    supplier: str
    status: PurchaseOrderStatus
    ordered: date | None
    expected: date | None
    outstanding: int
    received: int

    @property
    def text(self) -> str:
        expected = day(self.expected, empty="no date")
        return (
            f"{self.supplier}   ·   {self.status.label}   ·   expected {expected}   ·   "
            f"{plural(self.outstanding, 'unit')} outstanding"
        )


def po_summary(session: Session, ref: str) -> POSummary:
    po = get_purchase_order(session, ref)
    return POSummary(
        po.ref,
        po.supplier.name,
        po.status,
        po.ordered_at.date() if po.ordered_at else None,
        po.expected_date,
        sum(line.qty_outstanding for line in po.lines),
        sum(line.qty_received for line in po.lines),
    )


def moved_text(change: PurchaseOrderChange) -> str:
    """ "; 3 waiting lines now expected later" (or "" when no customer's ETA moved later)."""
    moved = change.lines_moved_later
    if not moved:
        return ""
    return f"; {plural(moved, 'waiting line')} now expected later"


def _qdate(value: date) -> QDate:
    return QDate(value.year, value.month, value.day)


class _PODialog(KeyboardDialog):
    """A heading, the PO's summary, a form, the inline message and the buttons."""

    def __init__(
        self, database: Database, ref: str, title: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.database = database
        self.ref = ref
        self.change: PurchaseOrderChange | None = None
        self.setWindowTitle(f"{title} {ref}")
        self.resize(540, 180)
        self.message = MessageLabel()
        self.summary = guarded(
            self.message, lambda: read_with(database, lambda s: po_summary(s, ref))
        )
        self.details = QLabel(self.summary.text if self.summary else "")
        self.form = QFormLayout()
        self.layout_ = QVBoxLayout(self)
        self.layout_.addWidget(heading_label(f"{title} {ref}", "poDialogTitle", 1.3))
        self.layout_.addWidget(self.details)
        self.layout_.addLayout(self.form)
        self.layout_.addWidget(self.message)
        self.layout_.addStretch(1)

    def _changed(self, change: PurchaseOrderChange, outcome: str) -> None:
        """After the write: ``outcome`` plus which waiting lines moved later; close."""
        self.change = change
        self.outcome = outcome + moved_text(change)
        self.accept()


class ExpectedDateDialog(_PODialog):
    """Move the date the supplier is expected to deliver a PO."""

    def __init__(self, database: Database, ref: str, parent: QWidget | None = None) -> None:
        super().__init__(database, ref, "Change expected date of", parent)
        self.setObjectName("ExpectedDateDialog")
        self.date = QDateEdit()
        self.date.setObjectName("poNewExpectedDate")
        self.date.setCalendarPopup(True)
        show_days(self.date)
        if self.summary is not None:
            self.date.setDate(_qdate(self.summary.expected or date.today()))
            if self.summary.ordered is not None:
                self.date.setMinimumDate(_qdate(self.summary.ordered))
        self.form.addRow("&Expected:", self.date)
        self.buttons, self.save_button, self.cancel_button = submit_buttons(
            self, "Save date", "saveExpectedDateButton", "Save the new expected date"
        )
        no_auto_default(self.save_button, self.cancel_button)
        self.save_button.setEnabled(self.summary is not None)
        self.layout_.addWidget(self.buttons)
        tab_order(self.date, self.save_button, self.cancel_button)
        self.date.setFocus()

    def can_submit(self) -> bool:
        return self.save_button.isEnabled()

    def new_date(self) -> date:
        picked = self.date.date()
        return date(picked.year(), picked.month(), picked.day())

    def submit(self) -> None:
        ref, expected = self.ref, self.new_date()

        def done(change: PurchaseOrderChange) -> None:
            later = " (later than before)" if change.moved_later else ""
            self._changed(change, f"Purchase order {ref} now expected {day(expected)}{later}")

        self.save(
            self.database,
            lambda s: set_expected_date(s, ref, expected),
            label=f"Moving {ref}'s expected date…",
            done=done,
        )


class CancelPurchaseOrderDialog(_PODialog):
    """Cancel what is still outstanding on a PO; what already arrived stays received."""

    def __init__(self, database: Database, ref: str, parent: QWidget | None = None) -> None:
        super().__init__(database, ref, "Cancel purchase order", parent)
        self.setObjectName("CancelPurchaseOrderDialog")
        self.reason = QLineEdit()
        self.reason.setObjectName("poCancelReasonInput")
        self.reason.setPlaceholderText("Why? (kept with the PO, e.g. 'supplier discontinued it')")
        self.reason.setMaxLength(200)
        self.form.addRow("&Reason:", self.reason)
        self.buttons, self.confirm_button, self.close_button = submit_buttons(
            self, "Cancel purchase order", "confirmCancelPurchaseOrderButton", "Cancel the PO"
        )
        self.close_button.setText("Keep it")
        no_auto_default(self.confirm_button, self.close_button)
        self.layout_.addWidget(self.buttons)
        tab_order(self.reason, self.confirm_button, self.close_button)
        summary = self.summary
        self.confirm_button.setEnabled(summary is not None)
        if summary is not None and summary.received:
            self.message.show_warning(
                f"{plural(summary.received, 'unit')} already arrived and stay in stock; "
                f"only the {plural(summary.outstanding, 'unit')} still outstanding are cancelled."
            )
        self.reason.setFocus()

    def can_submit(self) -> bool:
        return self.confirm_button.isEnabled()

    def submit(self) -> None:
        ref, reason = self.ref, self.reason.text()

        def done(change: PurchaseOrderChange) -> None:
            units = plural(change.units_cancelled, "unit")
            self._changed(change, f"Purchase order {ref} cancelled; {units} no longer incoming")

        self.save(
            self.database,
            lambda s: cancel_purchase_order(s, ref, reason),
            label=f"Cancelling purchase order {ref}…",
            done=done,
        )
