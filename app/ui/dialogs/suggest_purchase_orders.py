"""Suggested purchase orders: what waiting customers and reorder points need, per supplier.

The owner reviews the suggested quantities (typing a new one, or 0 to leave a product out)
and creates draft POs, which are sent from the Purchase orders tab once checked.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from app.db import Database
from app.domain.errors import InvalidQuantity
from app.services.formatting import money
from app.services.shop_settings import DEFAULT_CURRENCY, get_currency
from app.services.suggestions import (
    CreatedDrafts,
    SuggestedLine,
    SuggestedPO,
    create_suggested_purchase_orders,
    suggest_purchase_orders,
)
from app.ui.dialogs.edit_tables import make_table
from app.ui.dialogs.widgets import (
    KeyboardDialog,
    MessageLabel,
    commit_editor,
    guarded,
    heading_label,
    no_auto_default,
    parse_qty,
    plural,
    read_with,
    set_current_cell,
    submit_buttons,
    tab_order,
)

Index = QModelIndex | QPersistentModelIndex
_RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
_QUIET = QBrush(QColor("#6b6b6b"))
_ERROR = QBrush(QColor("#b3261e"))
_EDITABLE = QBrush(QColor("#f3f8ff"))

RULE = (
    "Waiting customers that nothing on order covers, plus what brings each product back to its "
    "reorder point (free + incoming minus waiting). Drafts do not count as on order."
)


@dataclass(slots=True)
class _Row:
    group: int
    line: SuggestedLine
    orderable: bool  #: False for a product with no preferred supplier
    first: bool  #: the first row of its supplier's group (shows the supplier's name)
    qty: int
    text: str = ""
    error: str = ""


class SuggestionsModel(QAbstractTableModel):
    """One row per suggested line, grouped by supplier; the Order column is editable."""

    HEADERS = (
        "Supplier",
        "SKU",
        "Supplier SKU",
        "Product",
        "Waiting",
        "Free",
        "Incoming",
        "Reorder pt",
        "Order",
        "Why",
    )
    TIPS = {
        "Supplier SKU": "What the supplier calls the product: order by this code",
        "Waiting": "Units customers are waiting for (backordered)",
        "Free": "On hand minus allocated: units no customer has been promised",
        "Incoming": "Units still outstanding on sent purchase orders",
        "Order": "Units to order; type a new quantity, or 0 to leave the product out",
    }
    ORDER = 8
    FIRST_NUMBER = 4
    changed = Signal()

    def __init__(self, suggestions: list[SuggestedPO], parent: Any = None) -> None:
        super().__init__(parent)
        self.suggestions = suggestions
        self.rows = [
            _Row(g, line, po.supplier_code is not None, n == 0, line.qty)
            for g, po in enumerate(suggestions)
            for n, line in enumerate(po.lines)
        ]

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.HEADERS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(self.HEADERS):
            return None
        title = self.HEADERS[section]
        if role == Qt.ItemDataRole.DisplayRole:
            return title
        if role == Qt.ItemDataRole.ToolTipRole:
            return self.TIPS.get(title)
        if role == Qt.ItemDataRole.TextAlignmentRole and self.FIRST_NUMBER <= section <= self.ORDER:
            return _RIGHT
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if index.column() == self.ORDER and self.rows[index.row()].orderable:
            flags |= Qt.ItemFlag.ItemIsEditable
        return flags

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self.rows):
            return None
        row, column = self.rows[index.row()], index.column()
        line = row.line
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole):
            if column == self.ORDER:
                if row.error:
                    return row.text
                return row.qty if role == Qt.ItemDataRole.EditRole else f"{row.qty:,}"
            supplier = self.suggestions[row.group].supplier_name if row.first else ""
            free = line.on_hand - line.allocated
            values = (
                supplier,
                line.sku,
                line.supplier_sku or "",
                line.name,
                line.backordered,
                free,
                line.incoming,
                line.reorder_point,
                None,
                line.reason,
            )
            value = values[column]
            return f"{value:,}" if isinstance(value, int) else value
        if role == Qt.ItemDataRole.TextAlignmentRole and self.FIRST_NUMBER <= column <= self.ORDER:
            return _RIGHT
        if role == Qt.ItemDataRole.FontRole and column == 0:
            font = QFont()
            font.setBold(True)
            return font
        if role == Qt.ItemDataRole.ForegroundRole:
            if column == self.ORDER and row.error:
                return _ERROR
            return None if row.orderable else _QUIET
        if role == Qt.ItemDataRole.BackgroundRole and column == self.ORDER and row.orderable:
            return _EDITABLE
        if role == Qt.ItemDataRole.ToolTipRole:
            if row.error:
                return row.error
            if not row.orderable:
                return "No preferred supplier: set one for the product to order it from here"
        return None

    def setData(self, index: Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if role != Qt.ItemDataRole.EditRole or not (self.flags(index) & Qt.ItemFlag.ItemIsEditable):
            return False
        row = self.rows[index.row()]
        text = "" if value is None else str(value).strip()
        try:
            row.qty = parse_qty(text, allow_zero=True, what=f"Quantity of {row.line.sku}")
            row.text, row.error = "", ""
        except InvalidQuantity as error:
            row.text, row.error = text, str(error)
        self.dataChanged.emit(index, index)
        self.changed.emit()
        return True

    def errors(self) -> list[str]:
        return [row.error for row in self.rows if row.error]

    def edited(self) -> list[SuggestedPO]:
        """The orderable suggestions with the owner's quantities."""
        return [
            po.with_quantities(
                {row.line.product_id: row.qty for row in self.rows if row.group == number}
            )
            for number, po in enumerate(self.suggestions)
            if po.supplier_code is not None
        ]


class SuggestPurchaseOrdersDialog(KeyboardDialog):
    """Review the suggested lines per supplier, edit quantities, and create draft POs."""

    def __init__(self, database: Database, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.database = database
        self.created_refs: list[str] = []
        self.setObjectName("SuggestPurchaseOrdersDialog")
        self.setWindowTitle("Suggest purchase orders")
        self.resize(1280, 540)
        self.message = MessageLabel()
        suggestions = guarded(self.message, lambda: read_with(database, suggest_purchase_orders))
        self.currency = (
            guarded(self.message, lambda: read_with(database, get_currency)) or DEFAULT_CURRENCY
        )
        self.model = SuggestionsModel(suggestions or [], self)
        self.model.changed.connect(self._update)
        self.table = make_table(
            "suggestedLinesTable", self.model, stretch=SuggestionsModel.HEADERS.index("Why")
        )
        self.table.setAccessibleName("Suggested purchase order lines")
        self.table.setColumnWidth(SuggestionsModel.ORDER, 72)
        rule = QLabel(RULE)
        rule.setWordWrap(True)
        rule.setProperty("role", "footer")
        self.footer = QLabel()
        self.footer.setObjectName("suggestionsSummary")
        self.buttons, self.create_button, self.cancel_button = submit_buttons(
            self, "Create drafts", "createDraftsButton", "Create one draft PO per supplier"
        )
        no_auto_default(self.create_button, self.cancel_button)
        layout = QVBoxLayout(self)
        layout.addWidget(heading_label("Suggested purchase orders", "suggestionsTitle", 1.3))
        layout.addWidget(rule)
        layout.addWidget(self.message)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.footer)
        layout.addWidget(self.buttons)
        tab_order(self.table, self.create_button, self.cancel_button)
        if suggestions == []:
            self.message.show_info(
                "Nothing to order: every waiting customer is covered by stock or open POs, "
                "and no product is below its reorder point."
            )
        self._update()
        first = next((n for n, row in enumerate(self.model.rows) if row.orderable), -1)
        set_current_cell(self.table, first, SuggestionsModel.ORDER)
        self.table.setFocus()

    def _update(self) -> None:
        errors = self.model.errors()
        if errors:
            self.message.show_error(errors[0])
        elif self.message.kind == "error":
            self.message.clear_message()
        drafts = [po for po in self.model.edited() if po.units > 0]
        units = sum(po.units for po in drafts)
        cost = sum((po.cost for po in drafts), Decimal("0.00"))
        orphans = sum(1 for row in self.model.rows if not row.orderable)
        cost_text = money(cost, self.currency)
        text = f"{plural(len(drafts), 'draft')} · {plural(units, 'unit')} · cost {cost_text}"
        if orphans:
            text += f" · {plural(orphans, 'product')} with no supplier (not drafted)"
        self.footer.setText(text)
        self.create_button.setEnabled(bool(drafts) and not errors)

    def can_submit(self) -> bool:
        return self.create_button.isEnabled()

    def submit(self) -> None:
        commit_editor(self.table)
        if not self.create_button.isEnabled():
            return
        edited = self.model.edited()
        self.save(
            self.database,
            lambda session: create_suggested_purchase_orders(session, edited),
            label="Creating the draft purchase orders…",
            done=self._created,
        )

    def _created(self, created: CreatedDrafts) -> None:
        refs = list(created.refs)
        if not refs:
            return
        self.created_refs = refs
        self.outcome = (
            f"Created {plural(len(refs), 'draft purchase order')} ({', '.join(refs)}); "
            "review and send them"
        )
        self.accept()
