"""The top of the Receive-stock dialog: which purchase order is being received.

A title and one line of details (supplier, expected date, status, what is outstanding), and,
when the dialog is opened from the menu rather than from a PO, a picker of the POs waiting
to be received. Separate from ``receive_stock`` so the dialog itself is only the flow
(count, preview, confirm); this part only shows a PO and says which one the clerk picked.
"""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from app.services.formatting import day
from app.services.purchasing import ReceivablePO
from app.ui.dialogs.widgets import heading_label, plural


def labelled_row(label: str, field: QWidget, *more: QWidget, stretch: int = 0) -> QWidget:
    """A row: ``label`` ("&Scan:", whose Alt+letter focuses ``field``), the field (with
    ``stretch``), then ``more`` widgets."""
    row = QWidget()
    layout = QHBoxLayout(row)
    layout.setContentsMargins(0, 0, 0, 0)
    text = QLabel(label)
    text.setBuddy(field)
    layout.addWidget(text)
    layout.addWidget(field, stretch)
    for widget in more:
        layout.addWidget(widget)
    return row


class PurchaseOrderHeader(QWidget):
    """Title, details and (opened from the menu) the purchase order picker."""

    #: The clerk picked a purchase order (its ref) in the picker.
    picked = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = heading_label("Receive stock", "receiveTitle")
        self.details = QLabel("Choose the purchase order that arrived, or scan its reference.")
        self.details.setObjectName("receiveDetails")
        self.details.setStyleSheet("color: palette(placeholder-text);")
        self.picker = QComboBox()
        self.picker.setObjectName("purchaseOrderPicker")
        self.picker.setPlaceholderText("Choose a purchase order…")
        self.picker.setMinimumWidth(220)
        self.picker_row = labelled_row("&Purchase order:", self.picker)
        header = QHBoxLayout(self)
        header.setContentsMargins(0, 0, 0, 0)
        heading = QVBoxLayout()
        heading.setSpacing(2)
        heading.addWidget(self.title)
        heading.addWidget(self.details)
        header.addLayout(heading, 1)
        header.addWidget(self.picker_row, 0, Qt.AlignmentFlag.AlignTop)

    def offer(self, refs: list[str]) -> bool:
        """Offer these POs in the picker (one alone is picked at once); False if none."""
        self.picker.addItems(refs)
        self.picker.setCurrentIndex(-1)
        self.picker.currentTextChanged.connect(self._picked)
        if not refs:
            self.picker.setEnabled(False)
            return False
        if len(refs) == 1:
            self.picker.setCurrentIndex(0)
        return True

    def show_picked(self, ref: str) -> None:
        """Show ``ref`` as the PO chosen (without saying it was picked again)."""
        self.picker.blockSignals(True)
        self.picker.setCurrentText(ref)
        self.picker.blockSignals(False)

    def _picked(self, ref: str) -> None:
        if ref:
            self.picked.emit(ref)

    def show_po(self, po: ReceivablePO) -> None:
        self.title.setText(f"Receive {po.ref}")
        expected = day(po.expected_date, empty="no date")
        if po.expected_date and po.expected_date < date.today():
            expected += " (overdue)"
        outstanding = sum(line.qty_outstanding for line in po.lines)
        self.details.setText(
            f"Supplier: {po.supplier}   ·   Expected: {expected}   ·   {po.status.label}   ·   "
            f"{plural(len(po.lines), 'line')}, {plural(outstanding, 'unit')} outstanding"
        )

    def show_unreceivable(self, ref: str) -> None:
        self.title.setText(f"Receive {ref}")
        self.details.setText("This purchase order cannot be received.")
