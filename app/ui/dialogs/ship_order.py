"""Ship an order, or part of it: per line, how many of the allocated units go out now.

Each line's "Ship now" starts at what is allocated to it (everything that can go); the clerk
may lower it to send part. An order whose customer wants it complete, with units still
waiting, is held: the dialog says so plainly and ships only when a manager ticks "Ship
anyway" (the service refuses it otherwise, so the rule holds for every caller).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtWidgets import QCheckBox, QLabel, QVBoxLayout, QWidget

from app.db import Database
from app.domain.actors import Actor
from app.domain.errors import InvalidInput, InvalidQuantity
from app.services.shipping import ShipResult, ship_order
from app.ui.dialogs.edit_tables import make_table
from app.ui.dialogs.lookups import OrderLineRow, OrderView, order_view
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
from app.ui.role_actions import refusal

Index = QModelIndex | QPersistentModelIndex
_RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)


class ShipLinesModel(QAbstractTableModel):
    """The order's lines with an editable "Ship now" (0 to allocated) per line."""

    HEADERS = ("#", "SKU", "Product", "Ordered", "Shipped", "Allocated", "Waiting", "Ship now")
    SHIP = 7

    def __init__(self, lines: tuple[OrderLineRow, ...], parent: Any = None) -> None:
        super().__init__(parent)
        self.rows = [line for line in lines if line.open or line.shipped]
        self.ship = {line.line_no: line.allocated for line in self.rows}
        self.errors: dict[int, str] = {}
        self.typed: dict[int, str] = {}

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.HEADERS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self.HEADERS[section]
        if role == Qt.ItemDataRole.TextAlignmentRole and section >= 3:
            return _RIGHT
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if index.column() == self.SHIP and self.rows[index.row()].allocated > 0:
            flags |= Qt.ItemFlag.ItemIsEditable
        return flags

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        line, column = self.rows[index.row()], index.column()
        error = self.errors.get(line.line_no)
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole):
            if column == self.SHIP:
                if error:
                    return self.typed[line.line_no]
                qty = self.ship[line.line_no]
                return qty if role == Qt.ItemDataRole.EditRole else f"{qty:,}"
            values = (
                line.line_no, line.sku, line.name, line.ordered, line.shipped,
                line.allocated, line.backordered,
            )  # fmt: skip
            value = values[column]
            return f"{value:,}" if column >= 3 else str(value)
        if role == Qt.ItemDataRole.TextAlignmentRole and column >= 3:
            return _RIGHT
        if role == Qt.ItemDataRole.ToolTipRole and column == self.SHIP and error:
            return error
        return None

    def setData(self, index: Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if role != Qt.ItemDataRole.EditRole or index.column() != self.SHIP:
            return False
        line = self.rows[index.row()]
        text = str(value).strip()
        self.errors.pop(line.line_no, None)
        try:
            qty = parse_qty(text, allow_zero=True, what=f"Ship now on line {line.line_no}")
            if qty > line.allocated:
                raise InvalidQuantity(
                    f"Line {line.line_no} ({line.sku}): only {line.allocated:,} allocated can ship"
                )
            self.ship[line.line_no] = qty
        except InvalidQuantity as error:
            self.errors[line.line_no], self.typed[line.line_no] = str(error), text
        self.dataChanged.emit(index, index)
        return True

    def quantities(self) -> dict[int, int]:
        return {no: qty for no, qty in self.ship.items() if qty > 0}


class ShipOrderDialog(KeyboardDialog):
    """Ship what is allocated to an order (all or part); the order's status follows."""

    def __init__(self, database: Database, ref: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.database = database
        self.result_summary: ShipResult | None = None
        self.setObjectName("ShipOrderDialog")
        self.setWindowTitle(f"Ship {ref}")
        self.resize(760, 400)
        self.message = MessageLabel()
        view: OrderView | None = guarded(
            self.message, lambda: read_with(database, lambda s: order_view(s, ref))
        )
        if view is None:
            raise InvalidInput(self.message.text())
        self.view = view
        self.lines = ShipLinesModel(view.lines, self)
        self.lines.dataChanged.connect(self._changed)
        self.heading = heading_label(f"Ship {view.ref} — {view.customer}", "shipHeading")
        how = "ships complete" if view.ships_complete else "takes partial shipments"
        who = "This order (manager's choice)" if view.overridden else "The customer"
        self.preference = QLabel(f"{who} {how}. Status: {view.status_label}.")
        self.preference.setObjectName("shipPreferenceNote")
        self.table = make_table("shipLinesTable", self.lines, stretch=2)
        self.table.setAccessibleName("Lines to ship")
        self.override = QCheckBox("Ship anyway (manager's override of ship complete)")
        self.override.setObjectName("shipAnywayCheck")
        self.override.setVisible(view.held)
        self.override.toggled.connect(self._changed)
        # Greyed for a clerk, saying who may (a courtesy: the service refuses anyway).
        role = (database.actor or Actor.shop_owner()).role
        self.override_refused = refusal(role, self.override.objectName())
        if self.override_refused:
            self.override.setEnabled(False)
            self.override.setToolTip(self.override_refused)
        self.buttons, self.ship_button, cancel = submit_buttons(
            self, "Ship", "confirmShipButton", "Ship the units in Ship now"
        )
        no_auto_default(self.ship_button, cancel)
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addWidget(self.preference)
        layout.addWidget(self.message)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.override)
        layout.addWidget(self.buttons)
        tab_order(self.table, self.override, self.ship_button, cancel)
        first = next((r for r, line in enumerate(self.lines.rows) if line.allocated), 0)
        set_current_cell(self.table, first, ShipLinesModel.SHIP)
        self.table.setFocus()
        self._changed()

    def _changed(self) -> None:
        errors = list(self.lines.errors.values())
        units = sum(self.lines.quantities().values())
        waiting = sum(line.backordered for line in self.view.lines)
        allocated = sum(line.allocated for line in self.view.lines)
        if errors:
            self.message.show_error(errors[0])
        elif self.view.held and not self.override.isChecked():
            self.message.show_warning(
                f"{self.view.customer} wants this order in one shipment and "
                f"{plural(waiting, 'unit')} still {'waits' if waiting == 1 else 'wait'} for "
                "stock: it is held. "
                + (
                    f"{self.override_refused}: ask them to ship what is here now."
                    if self.override_refused
                    else "Tick “Ship anyway” to send what is here now."
                )
            )
        elif not units and allocated:
            self.message.show_info(
                f"Enter how many units to ship in “Ship now” ({allocated:,} allocated)."
            )
        elif not units:
            self.message.show_info("Nothing to ship: no units are allocated to this order yet.")
        else:
            after = f"; {plural(waiting, 'unit')} will follow" if waiting else ""
            self.message.show_info(f"{plural(units, 'unit')} will ship now{after}.")
        self.ship_button.setEnabled(
            not errors and units > 0 and (not self.view.held or self.override.isChecked())
        )
        self.ship_button.setText("Ship anyway" if self.override.isChecked() else "Ship")

    def can_submit(self) -> bool:
        return self.ship_button.isEnabled()

    def submit(self) -> None:
        commit_editor(self.table)
        if not self.ship_button.isEnabled():
            return
        ref, quantities = self.view.ref, self.lines.quantities()
        override = self.override.isChecked()
        self.save(
            self.database,
            lambda session: ship_order(session, ref, quantities, override_complete=override),
            label=f"Shipping {ref}…",
            done=self._shipped,
        )

    def _shipped(self, result: ShipResult) -> None:
        self.result_summary = result
        self.outcome = (
            f"Shipped {plural(result.units, 'unit')} of {result.ref}; "
            f"it is now {result.status.label.lower()}"
        )
        self.accept()
