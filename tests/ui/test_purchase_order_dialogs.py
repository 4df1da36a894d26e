"""Purchase orders in the window: drafts from suggestions, send, re-date, cancel."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QPushButton, QTableView
from pytestqt.qtbot import QtBot

from app.db import Database
from app.domain import PurchaseOrderStatus
from app.services import catalog, formatting, ordering, purchasing
from app.services.ordering import LineRequest
from app.ui import events
from app.ui.dialogs.edit_draft import EditDraftDialog
from app.ui.dialogs.edit_purchase_order import CancelPurchaseOrderDialog, ExpectedDateDialog
from app.ui.dialogs.line_items import LineItemsModel
from app.ui.dialogs.suggest_purchase_orders import SuggestionsModel, SuggestPurchaseOrdersDialog
from app.ui.tabs.purchase_orders_tab import PurchaseOrdersTab
from tests.ui.conftest import wait_for_saves
from tests.ui.shop_data import Shop, build_shop, show_active


@pytest.fixture
def shop(sqlite_db: Database) -> Shop:
    """build_shop leaves 3 MUG waiting that its PO does not cover; SPOON has no supplier."""
    shop = build_shop(sqlite_db)
    with sqlite_db.write() as s:
        ordering.place_order(s, "C002", [LineRequest("SPOON", 2)])
    return shop


def po(database: Database, ref: str) -> tuple[PurchaseOrderStatus, date | None, list[tuple]]:
    with database.read() as s:
        found = purchasing.get_purchase_order(s, ref)
        lines = [(line.product.sku, line.qty_ordered) for line in found.lines]
        return found.status, found.expected_date, lines


def ctrl_return(qtbot: QtBot) -> None:
    qtbot.keyClick(
        QApplication.focusWidget(), Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier
    )


def cells(model: SuggestionsModel, column: int) -> list[str]:
    return [model.index(row, column).data() for row in range(model.rowCount())]


def test_drafts_are_created_from_suggestions_with_the_keyboard(
    qtbot: QtBot, sqlite_db: Database, shop: Shop
) -> None:
    dialog = SuggestPurchaseOrdersDialog(sqlite_db)
    qtbot.addWidget(dialog)
    show_active(qtbot, dialog)
    model = dialog.model
    assert cells(model, 1) == ["MUG", "SPOON"]
    assert cells(model, 0) == ["Acme Wholesale", "No supplier"]
    assert cells(model, SuggestionsModel.ORDER) == ["3", "2"]
    assert not model.flags(model.index(1, SuggestionsModel.ORDER)) & Qt.ItemFlag.ItemIsEditable
    assert dialog.footer.text().startswith(
        f"1 draft · 3 units · cost {formatting.money(Decimal('0.00'), 'EUR')}"
    )
    assert "1 product with no supplier" in dialog.footer.text()
    assert dialog.table.hasFocus()
    qtbot.keyClicks(dialog.table, "5")  # the current cell is MUG's quantity: typing edits it
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Return)
    QApplication.sendPostedEvents()  # the delegate commits on a queued call
    qtbot.waitUntil(lambda: dialog.table.state() != QTableView.State.EditingState)
    assert cells(model, SuggestionsModel.ORDER)[0] == "5"
    with qtbot.waitSignal(events.bus().data_changed, timeout=1000):
        ctrl_return(qtbot)
    assert dialog.result() == dialog.DialogCode.Accepted
    (ref,) = dialog.created_refs
    assert dialog.outcome == f"Created 1 draft purchase order ({ref}); review and send them"
    assert po(sqlite_db, ref)[0] == PurchaseOrderStatus.DRAFT
    assert po(sqlite_db, ref)[2] == [("MUG", 5)]


def test_a_bad_suggested_quantity_is_explained_inline_and_zero_leaves_a_product_out(
    qtbot: QtBot, sqlite_db: Database, shop: Shop
) -> None:
    dialog = SuggestPurchaseOrdersDialog(sqlite_db)
    qtbot.addWidget(dialog)
    model = dialog.model
    model.setData(model.index(0, SuggestionsModel.ORDER), "lots")
    assert "whole number" in dialog.message.text()
    assert not dialog.create_button.isEnabled()
    model.setData(model.index(0, SuggestionsModel.ORDER), "0")
    assert dialog.message.text() == ""
    assert not dialog.create_button.isEnabled()  # nothing left to order
    assert dialog.footer.text().startswith("0 drafts")


def test_nothing_to_suggest_says_so(qtbot: QtBot, sqlite_db: Database) -> None:
    with sqlite_db.write() as s:
        catalog.create_supplier(s, "ACME", "Acme")
    dialog = SuggestPurchaseOrdersDialog(sqlite_db)
    qtbot.addWidget(dialog)
    assert dialog.message.text().startswith("Nothing to order")
    assert not dialog.create_button.isEnabled()


@pytest.fixture
def tab(qtbot: QtBot, sqlite_db: Database, shop: Shop) -> PurchaseOrdersTab:
    with sqlite_db.write() as s:
        purchasing.create_purchase_order(
            s, "ACME", [LineRequest("MUG", 3)], ref="PO-DRAFT", draft=True
        )
    widget = PurchaseOrdersTab(sqlite_db)
    qtbot.addWidget(widget)
    widget.resize(1200, 500)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def button(tab: PurchaseOrdersTab, name: str) -> QPushButton:
    found = tab.findChild(QPushButton, name)
    assert found is not None
    return found


def test_a_draft_is_sent_from_the_tab(qtbot: QtBot, sqlite_db: Database, tab) -> None:
    messages: list[str] = []
    tab.message.connect(messages.append)
    assert tab.select_key("PO-DRAFT")
    assert button(tab, "sendPurchaseOrderButton").isEnabled()
    with qtbot.waitSignal(events.bus().data_changed, timeout=1000):
        qtbot.mouseClick(button(tab, "sendPurchaseOrderButton"), Qt.MouseButton.LeftButton)
    status, expected, _ = po(sqlite_db, "PO-DRAFT")
    assert status == PurchaseOrderStatus.OPEN
    assert messages[-1] == f"Purchase order PO-DRAFT sent; expected {formatting.day(expected)}"
    assert tab.selected_row().status == PurchaseOrderStatus.OPEN  # the table re-read it
    assert not button(tab, "sendPurchaseOrderButton").isEnabled()


def test_the_expected_date_is_changed_from_the_tab(
    qtbot: QtBot, sqlite_db: Database, shop: Shop, tab
) -> None:
    assert tab.select_key(shop.po_ref)
    qtbot.mouseClick(button(tab, "changeExpectedDateButton"), Qt.MouseButton.LeftButton)
    (dialog,) = tab.findChildren(ExpectedDateDialog)
    show_active(qtbot, dialog)
    old = po(sqlite_db, shop.po_ref)[1]
    assert dialog.new_date() == old
    assert dialog.date.hasFocus()
    dialog.date.setDate(dialog.date.date().addDays(10))
    with qtbot.waitSignal(events.bus().data_changed, timeout=1000):
        ctrl_return(qtbot)
    new = old + timedelta(days=10)
    assert po(sqlite_db, shop.po_ref)[1] == new
    assert dialog.outcome == (
        f"Purchase order {shop.po_ref} now expected {formatting.day(new)} (later than before)"
        "; 6 waiting lines now expected later"
    )
    assert new.isoformat() in tab.selected_row().expected_date.isoformat()


def test_a_date_before_the_order_is_refused_inline(qtbot, sqlite_db: Database, shop: Shop) -> None:
    dialog = ExpectedDateDialog(sqlite_db, shop.po_ref)
    qtbot.addWidget(dialog)
    dialog.date.setMinimumDate(dialog.date.date().addYears(-5))
    dialog.date.setDate(dialog.date.date().addYears(-2))
    dialog.submit()
    wait_for_saves(qtbot)
    assert "before" in dialog.message.text()
    assert dialog.result() != dialog.DialogCode.Accepted


def test_a_purchase_order_is_cancelled_from_the_tab(
    qtbot: QtBot, sqlite_db: Database, shop: Shop, tab
) -> None:
    assert tab.select_key(shop.po_ref)
    qtbot.mouseClick(button(tab, "cancelPurchaseOrderButton"), Qt.MouseButton.LeftButton)
    (dialog,) = tab.findChildren(CancelPurchaseOrderDialog)
    show_active(qtbot, dialog)
    assert dialog.reason.hasFocus()
    qtbot.keyClicks(dialog.reason, "supplier closed")
    qtbot.keyClick(dialog.reason, Qt.Key.Key_Return)  # plain Enter never cancels the PO
    assert dialog.isVisible()
    with qtbot.waitSignal(events.bus().data_changed, timeout=1000):
        ctrl_return(qtbot)
    assert po(sqlite_db, shop.po_ref)[0] == PurchaseOrderStatus.CANCELLED
    assert dialog.outcome == (
        f"Purchase order {shop.po_ref} cancelled; 14 units no longer incoming"
        "; 6 waiting lines now expected later"
    )
    assert not button(tab, "cancelPurchaseOrderButton").isEnabled()


def test_a_cancelled_purchase_order_cannot_be_cancelled_again(
    qtbot, sqlite_db: Database, shop: Shop
) -> None:
    with sqlite_db.write() as s:
        purchasing.cancel_purchase_order(s, shop.po_ref)
    dialog = CancelPurchaseOrderDialog(sqlite_db, shop.po_ref)
    qtbot.addWidget(dialog)
    dialog.submit()
    wait_for_saves(qtbot)
    assert (
        dialog.message.text()
        == f"Purchase order {shop.po_ref} is cancelled; it cannot be cancelled"
    )


def test_a_draft_is_edited_from_the_tab_with_the_keyboard(
    qtbot: QtBot, sqlite_db: Database, tab
) -> None:
    assert tab.select_key("PO-DRAFT")
    qtbot.mouseClick(button(tab, "editDraftButton"), Qt.MouseButton.LeftButton)
    (dialog,) = tab.findChildren(EditDraftDialog)
    show_active(qtbot, dialog)
    assert dialog.sku.hasFocus()
    qtbot.keyClicks(dialog.sku, "KET")
    qtbot.keyClick(dialog.sku, Qt.Key.Key_Return)
    qtbot.keyClicks(dialog.sku, "NOPE")
    qtbot.keyClick(dialog.sku, Qt.Key.Key_Return)
    assert dialog.message.text() == "No product has the SKU or barcode 'NOPE'"
    dialog.lines.setData(dialog.lines.index(0, LineItemsModel.QTY), "7")  # MUG 3 -> 7
    assert dialog.footer.text() == "2 lines · 8 units"
    with qtbot.waitSignal(events.bus().data_changed, timeout=1000):
        ctrl_return(qtbot)
    assert dialog.outcome == "Draft PO-DRAFT saved: 2 lines · 8 units"
    assert po(sqlite_db, "PO-DRAFT")[2] == [("MUG", 7), ("KET", 1)]


def test_a_sent_po_is_not_edited_as_a_draft(qtbot, sqlite_db: Database, shop: Shop) -> None:
    dialog = EditDraftDialog(sqlite_db, shop.po_ref)
    qtbot.addWidget(dialog)
    assert "only a draft can be edited" in dialog.message.text()
    assert not dialog.save_button.isEnabled()
