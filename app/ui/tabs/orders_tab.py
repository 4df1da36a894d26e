"""Orders: customer orders with their status and line totals; new, ship, cancel, and a
manager's choice of how one order ships (partial or complete, over the customer's own)."""

from __future__ import annotations

from functools import partial
from typing import Any

from PySide6.QtCore import Slot
from PySide6.QtGui import QAction, QActionGroup
from PySide6.QtWidgets import QComboBox, QMenu, QWidget

from app.db import Database
from app.domain import OrderStatus
from app.domain.enums import ShipPreference
from app.services import shipping
from app.services.views import OrderRow
from app.ui.actions import TabAction
from app.ui.models.orders_model import OrdersModel
from app.ui.print_preview import print_document
from app.ui.tabs.base import TableTab


class OrdersTab(TableTab):
    singular = "order"
    plural = "orders"

    def __init__(self, database: Database, parent: QWidget | None = None) -> None:
        super().__init__(
            database,
            OrdersModel(database),
            search_name="ordersSearch",
            search_hint="Search order ref or customer",
            parent=parent,
        )
        self.setObjectName("ordersTab")
        self.add_button(
            "New order…", "newOrderButton", self.new_order, tip="Take a customer's order (Ctrl+N)"
        )
        self.ship_button = self.add_button(
            "Ship…",
            "shipOrderButton",
            self.ship_selected,
            tip="Ship the allocated units of the selected order, or part of them",
        )
        self.preference_button = self.add_button(
            "Ships: partial",
            "shipPreferenceButton",
            lambda: None,
            tip="How the selected order ships: partial (what is here now) or complete (held "
            "until every unit is here); a manager may override the customer's preference",
        )
        self.preference_menu = QMenu(self.preference_button)
        self.preference_menu.setObjectName("shipPreferenceMenu")
        self.preference_actions = QActionGroup(self.preference_menu)
        for preference, text in _PREFERENCES:
            action = QAction(text, self.preference_menu, checkable=True)
            action.setData(preference)
            action.triggered.connect(lambda _=False, p=preference: self.set_ship_preference(p))
            self.preference_actions.addAction(action)
            self.preference_menu.addAction(action)
        self.preference_button.setMenu(self.preference_menu)
        self.customer_button = self.add_button(
            "Customer…",
            "editCustomerButton",
            self.edit_customer,
            tip="The selected order's customer: contact details, tier (gold customers may be "
            "served first) and how they want part-filled orders shipped",
        )
        self.cancel_button = self.add_button(
            "Cancel order…",
            "cancelOrderButton",
            self.cancel_selected,
            tip="Cancel what is still open on the selected order",
        )
        self.toolbar.addStretch(1)
        self.status_filter = QComboBox()
        self.status_filter.setObjectName("ordersStatusFilter")
        self.status_filter.addItem("All statuses", None)
        for status in OrderStatus:
            self.status_filter.addItem(status.label, status)
        self.status_filter.currentIndexChanged.connect(self._status_chosen)
        self.toolbar.addWidget(self.status_filter)
        self.toolbar.addWidget(self.search)
        self.selection_changed(None)

    def menu_actions(self) -> list[TabAction]:
        menu = "&Orders"
        selected = self.selected_order
        specs = [
            TabAction(
                "newOrderAction", "&New order…", self.new_order, menu, "Ctrl+N", anywhere=True
            ),
            TabAction(
                "orderDetailsAction",
                "Order &details…",
                self.open_selected,
                menu,
                "Ctrl+I",
                enabled=lambda: selected() is not None,
                writes=False,
                tip="Lines, allocations, ETAs and history of the selected order (or Enter)",
                separator_before=True,
            ),
            TabAction(
                "shipOrderAction",
                "&Ship…",
                self.ship_selected,
                menu,
                "Ctrl+Shift+S",
                enabled=self.ship_button.isEnabled,
            ),
            TabAction(
                "cancelOrderAction",
                "&Cancel order or line…",
                self.cancel_selected,
                menu,
                "Ctrl+Shift+X",
                enabled=self.cancel_button.isEnabled,
            ),
            TabAction(
                "editCustomerAction",
                "C&ustomer…",
                self.edit_customer,
                menu,
                "Ctrl+Shift+C",
                enabled=self.customer_button.isEnabled,
            ),
            TabAction(
                "printPackingSlipAction",
                "&Packing slip…",
                partial(self.print_selected, "packing-slip"),
                "&Documents",
                "Ctrl+P",
                enabled=lambda: selected() is not None,
                writes=False,
                tip="Preview and print the selected order's packing slip, or save it as PDF",
            ),
            TabAction(
                "printOrderStatusAction",
                "Order &status for the customer…",
                partial(self.print_selected, "order-status"),
                "&Documents",
                enabled=lambda: selected() is not None,
                writes=False,
                tip="Each line's status and expected dates, to print or attach to a message",
            ),
            TabAction(
                "printPickListAction",
                "Pic&k list of orders ready to ship…",
                lambda: print_document(self, self.database, "pick-list", None),
                "&Documents",
                anywhere=True,
                writes=False,
                separator_before=True,
            ),
        ]
        for (preference, text), keys, name in zip(
            _PREFERENCES,
            ("Ctrl+Shift+A", "Ctrl+Shift+L", "Ctrl+Shift+M"),
            ("shipAsCustomerPrefersAction", "shipPartialAction", "shipCompleteAction"),
            strict=True,
        ):
            specs.append(
                TabAction(
                    name,
                    text,
                    partial(self.set_ship_preference, preference),
                    menu,
                    keys,
                    enabled=self.preference_button.isEnabled,
                    submenu="How the order &ships",
                    checked=partial(self._preference_chosen, preference),
                )
            )
        return specs

    def _preference_chosen(self, preference: ShipPreference | None) -> bool:
        order = self.selected_order()
        return order is not None and (order.ship_preference if order.overridden else None) == (
            preference
        )

    def print_selected(self, kind: str) -> None:
        order = self.selected_order()
        if order is None:
            self.message.emit("Select an order first")
            return
        print_document(self, self.database, kind, order.ref)

    def open_selected(self) -> None:
        order = self.selected_order()
        if order is None:
            self.message.emit("Select an order first")
            return
        self.row_activated(order)

    def row_activated(self, row: Any) -> None:
        """Enter or a double-click: the order in full (its detail view)."""
        if isinstance(row, OrderRow):
            self.open_order_detail(row.ref)

    def open_order_detail(self, ref: str) -> None:
        self.open_dialog("order_detail", "OrderDetailDialog", ref)

    def selected_order(self) -> OrderRow | None:
        row = self.selected_row()
        return row if isinstance(row, OrderRow) else None

    def selection_changed(self, row: Any | None) -> None:
        self.ship_button.setEnabled(isinstance(row, OrderRow) and row.allocated > 0)
        is_open = isinstance(row, OrderRow) and row.allocated + row.backordered > 0
        self.preference_button.setEnabled(is_open)
        if isinstance(row, OrderRow):
            self.preference_button.setText(f"Ships: {row.ship_preference.value}")
            chosen = row.ship_preference if row.overridden else None
            for action in self.preference_actions.actions():
                action.setChecked(action.data() == chosen)
        self.cancel_button.setEnabled(
            isinstance(row, OrderRow) and row.allocated + row.backordered > 0
        )
        self.customer_button.setEnabled(isinstance(row, OrderRow) and bool(row.customer_code))

    @Slot()
    def _status_chosen(self) -> None:
        self.model.set_query(status=self.status_filter.currentData())

    def new_order(self) -> None:
        self.open_dialog("new_order", "NewOrderDialog")

    def edit_customer(self) -> None:
        """Edit the selected order's customer (a changed ship preference or tier re-derives
        their open orders and re-serves their place in the queues)."""
        order = self.selected_order()
        if order is not None and order.customer_code:
            self.open_dialog("customer", "CustomerDialog", order.customer_code)

    def cancel_selected(self) -> None:
        order = self.selected_order()
        if order is not None:
            self.open_dialog("cancel_order", "CancelOrderDialog", order.ref)

    def ship_selected(self) -> None:
        """Open the ship dialog for the selected order (all or part of what is allocated)."""
        order = self.selected_order()
        if order is None:
            self.message.emit("Select an order to ship")
            return
        if order.allocated == 0:
            self.message.emit(f"Order {order.ref} has nothing allocated to ship yet")
            return
        self.open_dialog("ship_order", "ShipOrderDialog", order.ref)

    def set_ship_preference(self, preference: ShipPreference | None) -> None:
        """A manager's override of how the selected order ships (None: as the customer
        prefers); its status follows (held as backordered, or part ready)."""
        order = self.selected_order()
        if order is None:
            self.message.emit("Select an order first")
            return
        ref = order.ref

        def done(result: shipping.ShipPreferenceSet) -> None:
            status = result.status.label.lower()
            self.message.emit(f"{ref} now ships {_HOW[preference]}; it is {status}")

        self.write(
            lambda session: shipping.set_order_ship_preference(session, ref, preference),
            label=f"Changing how {ref} ships…",
            done=done,
        )


#: The choices of how one order ships (None: as its customer prefers).
_PREFERENCES: tuple[tuple[ShipPreference | None, str], ...] = (
    (None, "As the customer prefers"),
    (ShipPreference.PARTIAL, "Ship partial (this order)"),
    (ShipPreference.COMPLETE, "Ship complete (this order)"),
)

#: How an order ships, as the end of "SO-000010 now ships …".
_HOW = {
    None: "as the customer prefers",
    ShipPreference.PARTIAL: "partial (what is in stock goes now, the rest follows)",
    ShipPreference.COMPLETE: "complete (held until every unit is in)",
}
