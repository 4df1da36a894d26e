"""Every item field reads a scan the same way (issue 9, item 7): a misread barcode asks for a
scan again, a barcode nobody stocks says so, and neither changes any quantity or line.

The fields: Receive stock, Adjust stock, New purchase order, Edit draft and New order (whose
own test proves it there too: tests/ui/test_new_order_dialog.py).
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLineEdit

from app.services import purchasing
from app.services.ordering import LineRequest
from app.ui.dialogs.adjust_stock import AdjustStockDialog
from app.ui.dialogs.edit_draft import EditDraftDialog
from app.ui.dialogs.new_order import NewOrderDialog
from app.ui.dialogs.new_purchase_order import NewPurchaseOrderDialog
from app.ui.dialogs.receive_stock import ReceiveStockDialog
from tests.ui.conftest import wait_for_saves
from tests.ui.shop_data import MUG_BARCODE, show_active, snapshot, wait_for_plan

MISREAD = "4006381333932"  # the mug's barcode with one digit misread: wrong check digit
SHORT = "400638133393"  # a digit missing
UNKNOWN = "5901234123457"  # a right GTIN that no product has
WRONG_CHECK_DIGIT = f"Barcode {MISREAD} has a wrong check digit (misread?): scan it again"
NOT_STOCKED = f"No product has the barcode {UNKNOWN}: is it in the catalog?"


def scan(qtbot, field: QLineEdit, code: str) -> None:
    """A keyboard-wedge scanner: the code's keys, then Enter."""
    qtbot.keyClicks(field, code)
    qtbot.keyClick(field, Qt.Key.Key_Return)


def shown(qtbot, dialog):
    qtbot.addWidget(dialog)
    show_active(qtbot, dialog)
    return dialog


def test_receive_says_a_barcode_was_misread_and_counts_nothing(qtbot, sqlite_db, shop):
    dialog = shown(qtbot, ReceiveStockDialog(sqlite_db, shop.po_ref))
    wait_for_plan(qtbot, dialog)
    scan(qtbot, dialog.scan, MUG_BARCODE)  # one mug counted
    counted = [row.qty for row in dialog.received.rows()]
    scan(qtbot, dialog.scan, MISREAD)
    assert dialog.message.kind == "error"
    assert dialog.message.text() == WRONG_CHECK_DIGIT
    assert [row.qty for row in dialog.received.rows()] == counted
    assert dialog.scan.hasFocus()  # ready for the next scan
    scan(qtbot, dialog.scan, SHORT)
    assert "wrong check digit" in dialog.message.text()
    scan(qtbot, dialog.scan, UNKNOWN)
    assert dialog.message.text() == NOT_STOCKED
    assert [row.qty for row in dialog.received.rows()] == counted
    scan(qtbot, dialog.scan, MUG_BARCODE)  # the next good scan counts again
    assert dialog.message.kind != "error"
    assert dialog.received.rows()[0].qty == counted[0] + 1


def test_adjust_stock_says_a_barcode_was_misread_and_saves_nothing(qtbot, sqlite_db, shop):
    dialog = shown(qtbot, AdjustStockDialog(sqlite_db))
    before = snapshot(sqlite_db)
    qtbot.keyClicks(dialog.code, MISREAD)
    qtbot.keyClick(dialog.code, Qt.Key.Key_Tab)
    assert dialog.message.text() == WRONG_CHECK_DIGIT
    assert dialog.product_label.text() == "—"
    qtbot.keyClicks(dialog.change, "+2")
    qtbot.keyClicks(dialog.reason.lineEdit(), "Found")
    qtbot.keyClick(
        QApplication.focusWidget(), Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier
    )
    wait_for_saves(qtbot)
    assert dialog.isVisible()
    assert dialog.message.text() == WRONG_CHECK_DIGIT  # not replaced by "not found"
    assert dialog.code.hasFocus() and dialog.code.selectedText() == MISREAD
    assert snapshot(sqlite_db) == before
    dialog.code.setText(UNKNOWN)
    qtbot.keyClick(dialog.code, Qt.Key.Key_Tab)
    assert dialog.message.text() == NOT_STOCKED


def test_a_new_purchase_order_says_a_barcode_was_misread_and_adds_no_line(qtbot, sqlite_db, shop):
    dialog = shown(qtbot, NewPurchaseOrderDialog(sqlite_db))
    scan(qtbot, dialog.sku, MISREAD)
    assert dialog.message.text() == WRONG_CHECK_DIGIT
    assert dialog.lines.items() == []
    assert dialog.sku.hasFocus() and dialog.sku.selectedText() == MISREAD
    scan(qtbot, dialog.sku, UNKNOWN)  # replaces the selected code
    assert dialog.message.text() == NOT_STOCKED
    scan(qtbot, dialog.sku, MUG_BARCODE)
    assert [item.product.sku for item in dialog.lines.items()] == ["MUG"]


def test_edit_draft_says_a_barcode_was_misread_and_adds_no_line(qtbot, sqlite_db, shop):
    with sqlite_db.write() as s:
        purchasing.create_purchase_order(
            s, "ACME", [LineRequest("MUG", 3)], ref="PO-DRAFT", draft=True
        )
    dialog = shown(qtbot, EditDraftDialog(sqlite_db, "PO-DRAFT"))
    scan(qtbot, dialog.sku, MISREAD)
    assert dialog.message.text() == WRONG_CHECK_DIGIT
    assert [(item.product.sku, item.qty) for item in dialog.lines.items()] == [("MUG", 3)]
    assert dialog.sku.hasFocus() and dialog.sku.selectedText() == MISREAD
    scan(qtbot, dialog.sku, UNKNOWN)
    assert dialog.message.text() == NOT_STOCKED


def test_new_order_reads_a_misread_barcode_the_same_way(qtbot, sqlite_db, shop):
    dialog = shown(qtbot, NewOrderDialog(sqlite_db))
    dialog.scan.setFocus()
    scan(qtbot, dialog.scan, MISREAD)
    assert dialog.message.text() == WRONG_CHECK_DIGIT
    scan(qtbot, dialog.scan, UNKNOWN)
    assert dialog.message.text() == NOT_STOCKED
    assert dialog.lines.items() == []
