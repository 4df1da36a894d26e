"""Undo a receipt… (Purchasing menu): a manager picks a confirmed receipt (newest first),
reads what undoing it would do (units leaving stock, customers losing units, purchase order
lines outstanding again) or why it cannot be undone, types why, and confirms.

The preview is read again whenever another receipt is picked, off the GUI thread
(``background.LatestRead``: a flash-sale delivery's preview walks thousands of customer lines;
picking another receipt meanwhile drops the older read); the undo goes through the write
helper and re-checks everything under the locks (a preview gone stale is refused and read
again).
"""

from __future__ import annotations

from html import escape
from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtWidgets import (
    QDialogButtonBox,
    QFormLayout,
    QHeaderView,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QTableView,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from app.db import Database
from app.domain.errors import StalePlan
from app.services.formatting import day
from app.services.undo_receipt import (
    RecentReceipt,
    UndoneReceipt,
    UndoPreview,
    preview_undo_receipt,
    recent_receipts,
    undo_receipt,
)
from app.ui.background import LatestRead
from app.ui.dialogs.discard import Question
from app.ui.dialogs.plan_models import ALIGN_NUMBER, PlainTableModel
from app.ui.dialogs.widgets import (
    KeyboardDialog,
    MessageLabel,
    guarded,
    heading_label,
    no_auto_default,
    pick_one_row,
    plural,
    read_with,
    show_failure,
    stacked,
)

Index = QModelIndex | QPersistentModelIndex

#: Customer lines listed in the preview; a flash-sale delivery's thousands are counted after.
CUSTOMERS_SHOWN = 200


class ReceiptsModel(PlainTableModel):
    """Recent receipts, newest first (plain rows)."""

    HEADERS = ("Receipt", "Received", "Purchase order", "Supplier", "Units", "State")
    NUMBERS = frozenset({4})

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.rows: list[RecentReceipt] = []

    def _count(self) -> int:
        return len(self.rows)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self.rows):
            return None
        row = self.rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            values = (
                row.label,
                f"{day(row.received_at.date())} {row.received_at:%H:%M}",
                row.po_ref or "no purchase order",
                row.supplier,
                f"{row.units:,}",
                "Undone" if row.undone_at is not None else "Stands",
            )
            return values[index.column()]
        if role == Qt.ItemDataRole.TextAlignmentRole and index.column() in self.NUMBERS:
            return ALIGN_NUMBER
        return None


def preview_html(preview: UndoPreview) -> str:
    """The preview in plain words, as the dialog shows it."""
    against = f" against {escape(preview.po_ref)}" if preview.po_ref else ""
    parts = [
        f"<p><b>{preview.label}</b>, received {day(preview.received_at.date())}{against}"
        + (f" ({escape(preview.note)})" if preview.note else "")
        + "</p>"
    ]
    if preview.refusals:
        parts.append("<p style='color:#b00020'><b>It cannot be undone:</b></p><ul>")
        parts.extend(f"<li style='color:#b00020'>{escape(r)}</li>" for r in preview.refusals)
        parts.append("</ul>")
        return "".join(parts)
    parts.append("<p><b>Leaves stock</b></p><ul>")
    for s in preview.stock:
        detail = []
        if s.from_customers:
            detail.append(f"{s.from_customers:,} taken back from customers")
        if s.from_stock:
            detail.append(f"{s.from_stock:,} from stock")
        parts.append(
            f"<li>{escape(s.sku)}: {plural(s.received, 'unit')} ({', '.join(detail)})</li>"
        )
    parts.append("</ul>")
    if preview.customers:
        parts.append(
            "<p><b>Customers who lose units</b> (they wait again, in their places in the "
            "queue)</p><ul>"
        )
        shown = preview.customers[:CUSTOMERS_SHOWN]
        parts.extend(
            f"<li>{escape(c.customer)}: {c.qty:,} {escape(c.sku)} on {escape(c.order_ref)} "
            f"line {c.line_no}</li>"
            for c in shown
        )
        if len(preview.customers) > len(shown):
            more = len(preview.customers) - len(shown)
            parts.append(f"<li>…and {plural(more, 'more line')}</li>")
        parts.append("</ul>")
    else:
        parts.append("<p>No customer loses units: everything it brought went to stock.</p>")
    if preview.po_lines:
        parts.append("<p><b>Purchase order</b></p><ul>")
        parts.extend(
            f"<li>{escape(p.po_ref)} line {p.line_no} {escape(p.sku)}: received "
            f"{p.received_now:,} → {p.received_after:,} of {p.ordered:,}</li>"
            for p in preview.po_lines
        )
        if preview.po_status is not None and preview.po_ref:
            before, after = preview.po_status
            parts.append(f"<li>{escape(preview.po_ref)}: {before.label} → {after.label}</li>")
        parts.append("</ul>")
    return "".join(parts)


class UndoReceiptDialog(KeyboardDialog):
    """Pick a receipt, read the preview, give a reason, undo it."""

    def __init__(self, database: Database, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.database = database
        self.preview: UndoPreview | None = None
        self.undone: UndoneReceipt | None = None
        #: Reads the preview of the picked receipt off the GUI thread (the newest pick wins).
        self.reader: LatestRead[UndoPreview] = LatestRead(self)
        self.setObjectName("UndoReceiptDialog")
        self.setWindowTitle("Undo a receipt")
        self.resize(820, 560)
        self.setMinimumSize(600, 420)
        self.message = MessageLabel()
        title = heading_label("Undo a receipt", "undoReceiptTitle", 1.3)
        self.receipts = ReceiptsModel(self)
        self.table = QTableView()
        self.table.setObjectName("undoReceiptsTable")
        self.table.setModel(self.receipts)
        pick_one_row(self.table)
        self.table.setAlternatingRowColors(True)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)  # the supplier
        self.table.selectionModel().currentRowChanged.connect(lambda *_: self._read_preview())
        self.details = QTextBrowser()
        self.details.setObjectName("undoReceiptPreview")
        self.details.setOpenLinks(False)
        splitter = stacked(self.table, self.details, (2, 3))
        self.reason = QLineEdit()
        self.reason.setObjectName("undoReasonInput")
        self.reason.setMaxLength(500)
        self.reason.setPlaceholderText("Why (kept with the receipt): wrong PO, counted twice…")
        self.reason.textChanged.connect(lambda _: self._enable())
        form = QFormLayout()
        form.addRow("&Reason:", self.reason)
        buttons = QDialogButtonBox()
        self.undo_button = QPushButton("&Undo receipt…")
        self.undo_button.setObjectName("undoReceiptButton")
        self.undo_button.setToolTip("Undo the selected receipt (Ctrl+Return)")
        close = buttons.addButton(QDialogButtonBox.StandardButton.Close)
        buttons.addButton(self.undo_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.undo_button.clicked.connect(self.submit)
        close.clicked.connect(self.reject)
        no_auto_default(self.undo_button, close)
        self.question = Question(
            self,
            "undoReceiptQuestion",
            title="Undo receipt",
            question="",
            risky="&Undo it",
            safe="&Keep it",
            chosen=self._undo,
            icon=QMessageBox.Icon.Warning,
        )
        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addWidget(splitter, 1)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(buttons)
        self._load()
        self.table.setFocus()

    def _load(self, select_id: int | None = None) -> None:
        rows = guarded(self.message, lambda: read_with(self.database, recent_receipts))
        self.receipts.beginResetModel()
        self.receipts.rows = rows or []
        self.receipts.endResetModel()
        if not self.receipts.rows:
            self.details.setHtml("<p>No receipt has been confirmed yet.</p>")
            self._enable()
            return
        chosen = next((i for i, r in enumerate(self.receipts.rows) if r.receipt_id == select_id), 0)
        self.table.selectRow(chosen)
        self._read_preview()

    def selected(self) -> RecentReceipt | None:
        index = self.table.currentIndex()
        return self.receipts.rows[index.row()] if index.isValid() else None

    def _read_preview(self) -> None:
        row = self.selected()
        self.preview = None
        self._enable()
        if row is None:
            self.reader.cancel()
            self.details.setHtml("")
            return
        self.details.setHtml(f"<p>Reading what undoing {escape(row.label)} would do…</p>")
        database, receipt_id = self.database, row.receipt_id
        self.reader.start(
            lambda: read_with(database, lambda s: preview_undo_receipt(s, receipt_id)),
            self._show_preview,
            self._preview_failed,
        )

    def _show_preview(self, preview: UndoPreview) -> None:
        self.preview = preview
        self.details.setHtml(preview_html(preview))
        self._enable()

    def _preview_failed(self, error: Exception) -> None:
        self.details.setHtml("")
        show_failure(self.message, error)

    def _enable(self) -> None:
        self.undo_button.setEnabled(self.can_submit())

    def can_submit(self) -> bool:
        return (
            self.preview is not None and self.preview.can_undo and bool(self.reason.text().strip())
        )

    def submit(self) -> None:
        """Ask before undoing: undoing is never a single key away."""
        if self.preview is None or not self.can_submit():
            if self.preview is not None and self.preview.can_undo:
                self.message.show_error("Say why the receipt is undone first")
                self.reason.setFocus()
            return
        p = self.preview
        taken = sum(c.qty for c in p.customers)
        orders = len({c.order_ref for c in p.customers})
        text = f"{plural(p.units_out, 'unit')} leave stock"
        if taken:
            text += (
                f"; {plural(taken, 'unit')} are taken back from {plural(orders, 'order')}, "
                "whose customers wait again"
            )
        self.question.ask(f"{text}. This cannot be undone itself.")
        box = self.question.box
        if box is not None:
            box.setText(f"Undo {p.label}?")

    def _undo(self) -> None:
        assert self.preview is not None
        token, reason, label = self.preview.token, self.reason.text().strip(), self.preview.label

        def done(result: UndoneReceipt) -> None:
            self.undone = result
            self.outcome = (
                f"{label} undone: {plural(result.units_out, 'unit')} left stock, "
                f"{plural(result.units_taken_back, 'unit')} taken back from customers"
            )
            self.accept()

        def failed(error: Exception) -> None:
            self.show_failure(error)
            if isinstance(error, StalePlan):
                self._load(select_id=token.receipt_id)

        self.save(
            self.database,
            lambda session: undo_receipt(session, token, reason),
            label=f"Undoing {label}…",
            done=done,
            failed=failed,
        )
