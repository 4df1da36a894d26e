"""Edit a draft purchase order before it is sent: its lines and its expected date."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

from PySide6.QtCore import QDate
from PySide6.QtWidgets import (
    QDateEdit,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.orm import Session

from app.db import Database
from app.domain import PurchaseOrderStatus
from app.domain.errors import InvalidTransition, ShopError
from app.services.purchasing import (
    PurchaseOrderChange,
    get_purchase_order,
    set_draft_lines,
    set_expected_date,
)
from app.ui.dates import show_days
from app.ui.dialogs.line_costs import cost_total_label, show_costs
from app.ui.dialogs.line_items import (
    LineItemsModel,
    add_line,
    lines_area,
    lines_footer,
    remove_current_line,
    report_line_errors,
)
from app.ui.dialogs.lookups import ProductRow, row_of_product
from app.ui.dialogs.scanning import keep_for_next_scan, look_up_item
from app.ui.dialogs.widgets import (
    KeyboardDialog,
    MessageLabel,
    commit_editor,
    guarded,
    heading_label,
    no_auto_default,
    parse_qty,
    read_with,
    submit_buttons,
    tab_order,
)


@dataclass(frozen=True, slots=True)
class DraftView:
    ref: str
    supplier: str
    supplier_code: str
    ordered: date | None
    expected: date | None
    lines: tuple[tuple[ProductRow, int], ...]


def draft_view(session: Session, ref: str) -> DraftView:
    po = get_purchase_order(session, ref)
    if po.status != PurchaseOrderStatus.DRAFT:
        raise InvalidTransition(f"Purchase order {po.ref} was sent; only a draft can be edited")
    return DraftView(
        po.ref,
        po.supplier.name,
        po.supplier.code,
        po.ordered_at.date() if po.ordered_at else None,
        po.expected_date,
        tuple((row_of_product(line.product), line.qty_ordered) for line in po.lines),
    )


class EditDraftDialog(KeyboardDialog):
    """A draft's lines (add by SKU or barcode, type a quantity, remove) and expected date."""

    def __init__(self, database: Database, ref: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.database = database
        self.ref = ref
        self.setObjectName("EditDraftDialog")
        self.setWindowTitle(f"Edit draft {ref}")
        self.resize(700, 500)
        self.message = MessageLabel()
        self.view = guarded(self.message, lambda: read_with(database, lambda s: draft_view(s, ref)))
        self.lines = LineItemsModel(self, with_supplier_sku=True)
        self.lines.set_supplier(self.view.supplier_code if self.view else None)
        for product, qty in self.view.lines if self.view else ():
            self.lines.add(product, qty)
        self.lines.linesChanged.connect(self._lines_changed)
        self.expected = QDateEdit()
        self.expected.setObjectName("draftExpectedDate")
        self.expected.setCalendarPopup(True)
        show_days(self.expected)
        if self.view is not None:
            when = self.view.expected or date.today()
            self.expected.setDate(QDate(when.year, when.month, when.day))
        self.sku = QLineEdit()
        self.sku.setObjectName("draftSkuInput")
        self.sku.setPlaceholderText("SKU or barcode")
        self.qty = QLineEdit("1")
        self.qty.setObjectName("draftQtyInput")
        self.qty.setMaximumWidth(90)
        self.add_button = QPushButton("&Add line")
        for signal in (self.sku.returnPressed, self.qty.returnPressed, self.add_button.clicked):
            signal.connect(self._add_line)
        self.table, self.remove_button, self.footer, footer_row = lines_area(
            self.lines, "draftLinesTable", "Draft purchase order lines"
        )
        self.total = cost_total_label(footer_row, "draftTotal")
        self.remove_button.clicked.connect(lambda: remove_current_line(self.table, self.lines))
        self.buttons, self.save_button, self.cancel_button = submit_buttons(
            self, "Save draft", "saveDraftButton", "Save the draft's lines and expected date"
        )
        no_auto_default(self.add_button, self.remove_button, self.save_button, self.cancel_button)

        form = QFormLayout()
        form.addRow("&Expected:", self.expected)
        entry = QHBoxLayout()
        entry.addWidget(self.sku, 1)
        entry.addWidget(self.qty)
        entry.addWidget(self.add_button)
        product_label = QLabel("&Product:")
        product_label.setBuddy(self.sku)
        form.addRow(product_label, entry)
        layout = QVBoxLayout(self)
        layout.addWidget(heading_label(f"Edit draft {ref}", "editDraftTitle", 1.3))
        layout.addWidget(QLabel(self.view.supplier if self.view else ""))
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(self.table, 1)
        layout.addLayout(footer_row)
        layout.addWidget(self.buttons)
        tab_order(self.expected, self.sku, self.qty, self.add_button, self.table)
        tab_order(self.table, self.remove_button, self.save_button, self.cancel_button)
        self._lines_changed()
        self.sku.setFocus()

    def _add_line(self) -> None:
        code = self.sku.text().strip()
        if not code:
            self.sku.setFocus()
            return
        try:
            qty = parse_qty(self.qty.text(), what=f"Quantity of {code[:40]}")
        except ShopError as error:
            self.message.show_error(str(error))
            self.qty.setFocus()
            return
        product = look_up_item(self.database, self.message, code)
        if product is None or add_line(self.message, self.lines, self.table, product, qty) is None:
            keep_for_next_scan(self.sku, code)
            return
        self.sku.clear()
        self.qty.setText("1")
        self.sku.setFocus()

    def _lines_changed(self) -> None:
        errors = report_line_errors(self.message, self.lines, clear_old_error=self.view is not None)
        self.footer.setText(lines_footer(self.lines))
        show_costs(self.database, self.message, self.lines, self.total, self.ref)
        self.save_button.setEnabled(
            self.view is not None and bool(self.lines.items()) and not errors
        )

    def can_submit(self) -> bool:
        return self.save_button.isEnabled()

    def submit(self) -> None:
        commit_editor(self.table)
        if not self.save_button.isEnabled():
            return
        picked = self.expected.date()
        expected = date(picked.year(), picked.month(), picked.day())
        ref, requests = self.ref, self.lines.requests()

        def write(session: Session) -> PurchaseOrderChange:
            lines = set_draft_lines(session, ref, requests)
            dated = set_expected_date(session, ref, expected)
            return replace(dated, changes=lines.changes | dated.changes)

        self.save(self.database, write, label=f"Saving draft {ref}…", done=self._saved)

    def _saved(self, _change: PurchaseOrderChange) -> None:
        self.outcome = f"Draft {self.ref} saved: {lines_footer(self.lines)}"
        self.accept()
