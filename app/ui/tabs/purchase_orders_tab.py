"""Purchase orders: what the shop ordered from suppliers and what is still outstanding.

From here the owner creates POs (by hand or from suggestions), sends drafts, moves a PO's
expected date, cancels what is still outstanding, and receives goods.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QWidget

from app.db import Database
from app.domain import PurchaseOrderStatus
from app.services import purchasing
from app.services.changes import Area
from app.services.formatting import day
from app.services.views import PurchaseOrderRow
from app.ui.actions import TabAction
from app.ui.models.purchase_orders_model import PurchaseOrdersModel
from app.ui.print_preview import print_document
from app.ui.tabs.base import TableTab

_OPEN = (PurchaseOrderStatus.DRAFT, *(s for s in PurchaseOrderStatus if s.is_incoming))


class PurchaseOrdersTab(TableTab):
    singular = "purchase order"
    plural = "purchase orders"
    areas = frozenset({Area.PURCHASE_ORDERS, Area.STOCK, Area.CATALOG, Area.SETTINGS})

    def __init__(self, database: Database, parent: QWidget | None = None) -> None:
        super().__init__(
            database,
            PurchaseOrdersModel(database),
            search_name="purchaseOrdersSearch",
            search_hint="Search PO ref or supplier",
            parent=parent,
        )
        self.setObjectName("purchaseOrdersTab")
        self.add_button(
            "New PO…",
            "newPurchaseOrderButton",
            self.new_purchase_order,
            tip="Order goods from a supplier",
        )
        self.add_button(
            "Suggest POs…",
            "suggestPurchaseOrdersButton",
            self.suggest_purchase_orders,
            tip="Draft POs for what waiting customers and reorder points need",
        )
        self.edit_button = self.add_button(
            "Edit draft…",
            "editDraftButton",
            self.edit_selected,
            tip="Change the selected draft's lines and expected date before sending it",
        )
        self.send_button = self.add_button(
            "Send",
            "sendPurchaseOrderButton",
            self.send_selected,
            tip="Mark the selected draft as ordered: its units become incoming",
        )
        self.date_button = self.add_button(
            "Expected date…",
            "changeExpectedDateButton",
            self.change_expected_date,
            tip="Move the date the supplier is expected to deliver",
        )
        self.cancel_button = self.add_button(
            "Cancel PO…",
            "cancelPurchaseOrderButton",
            self.cancel_selected,
            tip="Cancel what is still outstanding on the selected purchase order",
        )
        self.receive_button = self.add_button(
            "Receive…",
            "receiveButton",
            self.receive_selected,
            tip="Receive goods against the selected purchase order (or double-click it)",
        )
        self.finish_toolbar()
        self.selection_changed(None)

    def menu_actions(self) -> list[TabAction]:
        menu = "&Purchasing"
        return [
            TabAction(
                "newPurchaseOrderAction",
                "&New purchase order…",
                self.new_purchase_order,
                menu,
                "Ctrl+Shift+N",
                anywhere=True,
            ),
            TabAction(
                "suggestPurchaseOrdersAction",
                "&Suggest purchase orders…",
                self.suggest_purchase_orders,
                menu,
                "Ctrl+Shift+G",
                anywhere=True,
            ),
            TabAction(
                "editDraftAction",
                "&Edit draft…",
                self.edit_selected,
                menu,
                "Ctrl+E",
                enabled=self.edit_button.isEnabled,
                separator_before=True,
            ),
            TabAction(
                "sendPurchaseOrderAction",
                "Sen&d to supplier",
                self.send_selected,
                menu,
                "Ctrl+Shift+D",
                enabled=self.send_button.isEnabled,
            ),
            TabAction(
                "changeExpectedDateAction",
                "Change e&xpected date…",
                self.change_expected_date,
                menu,
                "Ctrl+Shift+E",
                enabled=self.date_button.isEnabled,
            ),
            TabAction(
                "cancelPurchaseOrderAction",
                "&Cancel PO…",
                self.cancel_selected,
                menu,
                "Ctrl+Shift+K",
                enabled=self.cancel_button.isEnabled,
            ),
            TabAction(
                "undoReceiptAction",
                "&Undo a receipt…",
                self.undo_receipt,
                menu,
                anywhere=True,
                separator_before=True,
                tip="Reverse a confirmed receipt (a manager): its units leave stock again",
            ),
            TabAction(
                "printPurchaseOrderAction",
                "P&urchase order to send…",
                self.print_selected,
                "&Documents",
                enabled=lambda: self.selected_ref() is not None,
                writes=False,
                tip="Preview and print the selected purchase order, or save it as PDF",
            ),
        ]

    def print_selected(self) -> None:
        ref = self.selected_ref()
        if ref is not None:
            print_document(self, self.database, "purchase-order", ref)

    def selected_ref(self) -> str | None:
        row = self.selected_row()
        return row.ref if isinstance(row, PurchaseOrderRow) else None

    def selection_changed(self, row: Any | None) -> None:
        status = row.status if isinstance(row, PurchaseOrderRow) else None
        self.edit_button.setEnabled(status == PurchaseOrderStatus.DRAFT)
        self.send_button.setEnabled(status == PurchaseOrderStatus.DRAFT)
        self.date_button.setEnabled(status in _OPEN)
        self.cancel_button.setEnabled(status in _OPEN)

    def new_purchase_order(self) -> None:
        self.open_dialog("new_purchase_order", "NewPurchaseOrderDialog")

    def suggest_purchase_orders(self) -> None:
        self.open_dialog("suggest_purchase_orders", "SuggestPurchaseOrdersDialog")

    def change_expected_date(self) -> None:
        ref = self.selected_ref()
        if ref is None:
            self.message.emit("Select a purchase order first")
            return
        self.open_dialog("edit_purchase_order", "ExpectedDateDialog", ref)

    def edit_selected(self) -> None:
        ref = self.selected_ref()
        if ref is None:
            self.message.emit("Select a draft purchase order to edit")
            return
        self.open_dialog("edit_draft", "EditDraftDialog", ref)

    def cancel_selected(self) -> None:
        ref = self.selected_ref()
        if ref is None:
            self.message.emit("Select a purchase order first")
            return
        self.open_dialog("edit_purchase_order", "CancelPurchaseOrderDialog", ref)

    def undo_receipt(self) -> None:
        self.open_dialog("undo_receipt", "UndoReceiptDialog")

    def send_selected(self) -> None:
        ref = self.selected_ref()
        if ref is None:
            self.message.emit("Select a draft purchase order to send")
            return

        def done(change: purchasing.PurchaseOrderChange) -> None:
            expected = day(change.expected_date, empty="no date")
            self.message.emit(f"Purchase order {change.ref} sent; expected {expected}")

        self.write(
            lambda session: purchasing.send_purchase_order(session, ref),
            label=f"Sending purchase order {ref}…",
            done=done,
        )

    def receive_selected(self) -> None:
        self.open_dialog("receive_stock", "ReceiveStockDialog", self.selected_ref())

    def row_activated(self, row: Any) -> None:
        """Double-click: a draft opens for editing, any other PO for receiving."""
        if isinstance(row, PurchaseOrderRow) and row.status == PurchaseOrderStatus.DRAFT:
            self.open_dialog("edit_draft", "EditDraftDialog", row.ref)
        elif isinstance(row, PurchaseOrderRow):
            self.open_dialog("receive_stock", "ReceiveStockDialog", row.ref)
