"""Receiving with a scanner, as a clerk does it (issue 9, items 4, 5, 6 and 7).

- Choosing the PO puts the focus in the scan field, and a scan typed anywhere in the dialog
  is counted (item 4).
- One counting model: a PO opens as "Receive all outstanding"; the first scan starts the
  count at zero, so scanning every unit counts each once ("14 of 14 counted"); more than
  outstanding is marked in its row and confirmed once, with the units beyond (item 5).
- Esc (or Cancel) asks before throwing away a count, as New order does (item 6).
- The Arrived table has room for a 20-line PO, sharing it with the plan (item 7).
"""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QLabel,
    QLineEdit,
    QMessageBox,
    QSplitter,
    QTableView,
)
from sqlalchemy import select

from app.db import Database
from app.domain import ReceiptLine
from app.services import catalog, purchasing
from app.services.ordering import LineRequest
from app.ui.dialogs.receive_models import ReceivedLinesModel
from app.ui.dialogs.receive_stock import ReceiveStockDialog
from tests.ui.conftest import wait_for_saves
from tests.ui.shop_data import (
    MUG_BARCODE,
    TEA_BARCODE,
    Shop,
    answer_risky_by_keyboard,
    show_active,
    snapshot,
    wait_for_plan,
)


def opened(qtbot, database: Database, ref: str | None = None) -> ReceiveStockDialog:
    dialog = ReceiveStockDialog(database, ref)
    qtbot.addWidget(dialog)
    show_active(qtbot, dialog)
    if ref is not None:
        wait_for_plan(qtbot, dialog)
    return dialog


def focused():
    return QApplication.focusWidget()


def scanner(qtbot, code: str, times: int = 1) -> None:
    """A keyboard-wedge scanner: each key goes wherever the focus is at that moment, then
    Enter. It knows nothing of scan fields."""
    for _ in range(times):
        for character in code:
            qtbot.keyClick(focused(), character)
        qtbot.keyClick(focused(), Qt.Key.Key_Return)
        QApplication.sendPostedEvents()
        qtbot.wait(1)


def ctrl_return(qtbot) -> None:
    qtbot.keyClick(focused(), Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    wait_for_saves(qtbot)


def quantities(dialog: ReceiveStockDialog) -> dict[str, int]:
    return {row.line.sku: row.qty for row in dialog.received.rows()}


def progress(dialog: ReceiveStockDialog) -> str:
    label = dialog.findChild(QLabel, "receiveProgress")
    assert label is not None
    return label.text()


def received_on_po(database: Database, ref: str) -> dict[str, int]:
    with database.read() as s:
        po = purchasing.get_purchase_order(s, ref)
        return {line.product.sku: line.qty_received for line in po.lines}


def column_named(dialog: ReceiveStockDialog, name: str) -> int:
    model = dialog.received
    headers = [model.headerData(c, Qt.Orientation.Horizontal) for c in range(model.columnCount())]
    assert name in headers, headers
    return headers.index(name)


def check(dialog: ReceiveStockDialog, sku: str, role=Qt.ItemDataRole.DisplayRole):
    """The line's "Check" cell: "2 to go", "✓ all in", "1 over outstanding"."""
    return cell(dialog, sku, column_named(dialog, "Check"), role)


def cell(dialog: ReceiveStockDialog, sku: str, column: int, role=Qt.ItemDataRole.DisplayRole):
    model = dialog.received
    row = model.find_row(sku)
    assert row is not None
    return model.index(row, column).data(role)


# --- item 4: the focus, and scans typed anywhere ----------------------------------------------


@pytest.fixture
def spoons(sqlite_db: Database, shop: Shop) -> str:
    """A second open PO: 32 spoons (the clerk picks it from the list)."""
    with sqlite_db.write() as s:
        catalog.create_product(s, "SPOON-32", "Teaspoon", barcode="4012345678901")
        return purchasing.create_purchase_order(s, "ACME", [LineRequest("SPOON-32", 32)]).ref


def test_choosing_the_po_in_the_list_puts_the_focus_in_the_scan_field(
    qtbot, sqlite_db, shop, spoons
):
    """The issue's clerk: picks the PO, scans 32 spoons, presses Ctrl+Return: 32 received."""
    dialog = opened(qtbot, sqlite_db)
    picker = dialog.findChild(QComboBox, "purchaseOrderPicker")
    qtbot.keyClick(focused(), Qt.Key.Key_P, Qt.KeyboardModifier.AltModifier)  # "Purchase order"
    qtbot.waitUntil(picker.hasFocus)
    picker.showPopup()
    popup = picker.view()
    qtbot.waitUntil(popup.isVisible)
    target = picker.findText(spoons)
    while popup.currentIndex().row() != target:
        qtbot.keyClick(popup, Qt.Key.Key_Down)
    qtbot.keyClick(popup, Qt.Key.Key_Return)  # chosen
    qtbot.waitUntil(lambda: dialog.po is not None and dialog.po.ref == spoons)
    assert focused() is dialog.scan
    wait_for_plan(qtbot, dialog)
    qtbot.waitUntil(lambda: not popup.isVisible())
    show_active(qtbot, dialog)  # the offscreen platform forgets the active window with a popup
    assert dialog.focusWidget() is dialog.scan
    scanner(qtbot, "4012345678901", times=32)
    assert quantities(dialog) == {"SPOON-32": 32}
    assert progress(dialog).startswith("Counting by scan: 32 of 32 counted")
    ctrl_return(qtbot)
    assert dialog.result() == dialog.DialogCode.Accepted
    assert received_on_po(sqlite_db, spoons) == {"SPOON-32": 32}


def test_a_po_chosen_with_the_arrow_keys_is_ready_for_scans_too(qtbot, sqlite_db, shop, spoons):
    dialog = opened(qtbot, sqlite_db)
    picker = dialog.header.picker
    picker.setFocus()
    qtbot.keyClick(picker, Qt.Key.Key_Down)
    qtbot.waitUntil(lambda: dialog.po is not None)
    assert focused() is dialog.scan


def test_a_scan_typed_anywhere_in_the_dialog_is_counted(qtbot, sqlite_db, shop):
    dialog = opened(qtbot, sqlite_db, shop.po_ref)
    places = [
        dialog.header.picker,  # hidden here; kept for the menu case below
        dialog.confirm_button,
        dialog.fill_button,
        dialog.what_if.combo,
        dialog.received_view,  # a table whose cells take quantities
        dialog.preview_view,
    ]
    counted = 0
    for place in places[1:]:
        before = dialog.received.rows()[0].qty if counted else 0
        place.setFocus()
        assert focused() is place
        scanner(qtbot, MUG_BARCODE)
        counted += 1
        assert quantities(dialog)["MUG"] == before + 1, place.objectName()
        assert focused() is dialog.scan
    scanner(qtbot, "TEA")  # a SKU typed by hand, while the focus is on a table
    assert quantities(dialog) == {"MUG": counted, "TEA": 1, "KET": 0}
    assert dialog.result() != dialog.DialogCode.Accepted  # no scan's Enter confirmed


def test_a_scan_typed_into_the_po_picker_is_counted(qtbot, sqlite_db, shop):
    dialog = opened(qtbot, sqlite_db)
    dialog.header.picker.setCurrentText(shop.po_ref)
    wait_for_plan(qtbot, dialog)
    dialog.header.picker.setFocus()
    scanner(qtbot, MUG_BARCODE)
    assert quantities(dialog)["MUG"] == 1
    assert dialog.header.picker.currentText() == shop.po_ref  # the PO stayed


def test_typing_a_digit_in_a_cell_still_types_a_quantity(qtbot, sqlite_db, shop):
    dialog = opened(qtbot, sqlite_db, shop.po_ref)
    view = dialog.findChild(QTableView, "receivedLinesTable")
    view.setFocus()
    qtbot.keyClicks(view, "4")
    qtbot.keyClick(focused(), Qt.Key.Key_Return)
    QApplication.sendPostedEvents()
    qtbot.waitUntil(lambda: view.state() != QTableView.State.EditingState)
    assert quantities(dialog)["MUG"] == 4
    assert not dialog.received.counting  # typing is not scanning


def test_scanning_a_po_reference_opens_that_po(qtbot, sqlite_db, shop, spoons):
    dialog = opened(qtbot, sqlite_db)
    scanner(qtbot, spoons)
    qtbot.waitUntil(lambda: dialog.po is not None and dialog.po.ref == spoons)
    assert dialog.header.picker.currentText() == spoons
    assert focused() is dialog.scan


def test_another_po_never_replaces_a_count_in_progress(qtbot, sqlite_db, shop, spoons):
    """A delivery note of the next PO scanned mid-count, or the picker changed: the count
    stays, and the clerk is told to confirm or discard it first."""
    dialog = opened(qtbot, sqlite_db)
    dialog.header.picker.setCurrentText(shop.po_ref)
    wait_for_plan(qtbot, dialog)
    scanner(qtbot, MUG_BARCODE, times=2)
    scanner(qtbot, spoons)
    assert dialog.po.ref == shop.po_ref and quantities(dialog)["MUG"] == 2
    assert dialog.message.text() == (
        f"{spoons} not opened: confirm what you counted on {shop.po_ref} first, or press Esc "
        "to discard it."
    )
    dialog.header.picker.setCurrentText(spoons)  # chosen in the list
    assert dialog.po.ref == shop.po_ref and quantities(dialog)["MUG"] == 2
    assert dialog.header.picker.currentText() == shop.po_ref
    scanner(qtbot, shop.po_ref)  # its own reference: nothing changes
    assert quantities(dialog)["MUG"] == 2
    assert dialog.message.text() == f"{shop.po_ref} is the purchase order being received."


# --- item 5: one counting model ---------------------------------------------------------------


def test_a_po_opens_receiving_all_outstanding_and_says_so(qtbot, sqlite_db, shop):
    dialog = opened(qtbot, sqlite_db, shop.po_ref)
    assert quantities(dialog) == {"MUG": 6, "TEA": 6, "KET": 2}
    assert progress(dialog) == (
        "Receiving all outstanding: 14 units on 3 lines. Scan an item to count instead: "
        "the count starts at 0"
    )
    header = dialog.received.headerData(ReceivedLinesModel.RECEIVED_NOW, Qt.Orientation.Horizontal)
    assert header == "Received now"
    ctrl_return(qtbot)  # received without scanning: exactly what is outstanding
    assert received_on_po(sqlite_db, shop.po_ref) == {"MUG": 6, "TEA": 6, "KET": 2}


def test_scanning_every_unit_counts_each_once(qtbot, sqlite_db, shop):
    """The issue: prefilled quantities plus a scan per unit received 64 for 32."""
    dialog = opened(qtbot, sqlite_db, shop.po_ref)
    scanner(qtbot, MUG_BARCODE)
    assert quantities(dialog) == {"MUG": 1, "TEA": 0, "KET": 0}
    assert dialog.message.text().startswith("Counting by scan: every line started at 0")
    assert column_named(dialog, "Counted") == ReceivedLinesModel.RECEIVED_NOW
    assert progress(dialog) == "Counting by scan: 1 of 14 counted · 13 to go"
    assert dialog.findChild(QLabel, "receiveProgress").isVisible()
    scanner(qtbot, MUG_BARCODE, times=5)
    scanner(qtbot, TEA_BARCODE, times=6)
    scanner(qtbot, "KET", times=2)
    assert quantities(dialog) == {"MUG": 6, "TEA": 6, "KET": 2}
    assert progress(dialog) == "Counting by scan: 14 of 14 counted · all outstanding units counted"
    assert check(dialog, "MUG") == "✓ all in"
    ctrl_return(qtbot)
    assert dialog.result() == dialog.DialogCode.Accepted
    assert received_on_po(sqlite_db, shop.po_ref) == {"MUG": 6, "TEA": 6, "KET": 2}


def test_a_partial_count_receives_what_was_counted(qtbot, sqlite_db, shop):
    dialog = opened(qtbot, sqlite_db, shop.po_ref)
    scanner(qtbot, MUG_BARCODE, times=4)
    assert check(dialog, "MUG") == "2 to go"
    assert check(dialog, "TEA") == "6 to go"
    ctrl_return(qtbot)
    assert received_on_po(sqlite_db, shop.po_ref) == {"MUG": 4, "TEA": 0, "KET": 0}


def test_an_unknown_or_misread_code_changes_nothing_not_even_the_mode(qtbot, sqlite_db, shop):
    dialog = opened(qtbot, sqlite_db, shop.po_ref)
    for code in ("4006381333932", "NOPE", "SPOON", "5901234123457"):
        scanner(qtbot, code)
        assert dialog.message.kind == "error"
        assert quantities(dialog) == {"MUG": 6, "TEA": 6, "KET": 2}
        assert not dialog.received.counting
        assert focused() is dialog.scan and dialog.scan.text() == ""


def test_receive_all_outstanding_after_counting_goes_back_to_what_is_outstanding(
    qtbot, sqlite_db, shop
):
    dialog = opened(qtbot, sqlite_db, shop.po_ref)
    scanner(qtbot, MUG_BARCODE, times=2)
    qtbot.mouseClick(dialog.fill_button, Qt.MouseButton.LeftButton)
    assert quantities(dialog) == {"MUG": 6, "TEA": 6, "KET": 2}
    assert not dialog.received.counting
    assert focused() is dialog.scan
    qtbot.mouseClick(dialog.zero_button, Qt.MouseButton.LeftButton)  # count from zero
    assert quantities(dialog) == {"MUG": 0, "TEA": 0, "KET": 0}
    assert progress(dialog) == "Counting by scan: 0 of 14 counted · 14 to go"
    scanner(qtbot, MUG_BARCODE)
    assert quantities(dialog) == {"MUG": 1, "TEA": 0, "KET": 0}


def test_more_than_outstanding_is_marked_in_its_row_and_confirmed_once_with_the_units(
    qtbot, sqlite_db, shop
):
    dialog = opened(qtbot, sqlite_db, shop.po_ref)
    scanner(qtbot, "KET", times=3)
    assert check(dialog, "KET") == "1 over outstanding"
    assert check(dialog, "KET", Qt.ItemDataRole.BackgroundRole) is not None
    assert cell(dialog, "KET", 1, Qt.ItemDataRole.BackgroundRole) is not None  # whole row
    assert cell(dialog, "MUG", 1, Qt.ItemDataRole.BackgroundRole) is None
    ket_row = dialog.received.find_row("KET")
    assert dialog.received_view.currentIndex().row() == ket_row  # the line scanned...
    assert not dialog.received_view.selectionModel().isRowSelected(ket_row)  # ...its colour seen
    view, bold = dialog.received_view, dialog.received_view.font()
    bold.setBold(True)
    wide = QFontMetrics(bold).horizontalAdvance("1 over outstanding")
    assert view.columnWidth(column_named(dialog, "Check")) > wide  # said whole, not "1 …"
    assert "1 unit over outstanding on 1 line" in progress(dialog)
    assert dialog.message.kind == "warning"
    before = snapshot(sqlite_db)
    ctrl_return(qtbot)  # asks, with the exact units beyond outstanding per line
    assert dialog.result() != dialog.DialogCode.Accepted
    assert snapshot(sqlite_db) == before
    assert dialog.message.text() == (
        "More than outstanding: check the count.\n"
        "• KET Kettle: 3 received now, 2 outstanding: 1 unit beyond\n"
        "Receive the 1 extra unit as an over-receipt only if it really arrived; otherwise "
        "correct the count."
    )
    box = over_box(qtbot, dialog)
    assert dialog.over.question.risky_button.text() == "&Receive 1 extra unit"
    # Ctrl+Return on the question does nothing; a scanner's Enter or Esc goes back to the count.
    qtbot.keyClick(box, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    wait_for_saves(qtbot)
    assert dialog.over.question.box is box and box.isVisible()
    for key in (Qt.Key.Key_Return, Qt.Key.Key_Escape):
        qtbot.keyClick(over_box(qtbot, dialog), key)
        qtbot.waitUntil(lambda: dialog.over.question.box is None)
        wait_for_saves(qtbot)
        assert snapshot(sqlite_db) == before and dialog.isVisible()
        ctrl_return(qtbot)  # asks again
    over_box(qtbot, dialog).reject()
    qtbot.waitUntil(lambda: dialog.over.question.box is None)
    assert focused() is dialog.scan  # back where the clerk was, ready for the next scan
    scanner(qtbot, "KET")  # one more: the question was about 1 unit, not 2
    ctrl_return(qtbot)
    assert dialog.result() != dialog.DialogCode.Accepted
    assert "KET Kettle: 4 received now, 2 outstanding: 2 units beyond" in dialog.message.text()
    assert dialog.over.question.risky_button.text() == "&Receive 2 extra units"
    # Only the question's own button receives them, the 2 beyond recorded as accepted.
    over_box(qtbot, dialog)
    answer_risky_by_keyboard(qtbot, dialog.over.question, stray_scan="RUG")
    wait_for_saves(qtbot)
    assert dialog.result() == dialog.DialogCode.Accepted
    assert received_on_po(sqlite_db, shop.po_ref) == {"MUG": 0, "TEA": 0, "KET": 4}
    with sqlite_db.read() as s:
        assert list(s.scalars(select(ReceiptLine.qty_over))) == [2]


def over_box(qtbot, dialog: ReceiveStockDialog):
    """The over-receipt question, once it is on screen."""
    qtbot.waitUntil(
        lambda: dialog.over.question.box is not None and dialog.over.question.box.isVisible()
    )
    return dialog.over.question.box


# --- item 6: Esc asks before throwing a count away --------------------------------------------


def test_escape_closes_at_once_when_nothing_was_counted(qtbot, sqlite_db, shop):
    dialog = opened(qtbot, sqlite_db, shop.po_ref)
    qtbot.keyClick(focused(), Qt.Key.Key_Escape)
    assert not dialog.isVisible() and dialog.discard.box is None
    assert dialog.result() == dialog.DialogCode.Rejected


def test_escape_asks_before_discarding_counted_scans(qtbot, sqlite_db, shop):
    before = snapshot(sqlite_db)
    dialog = opened(qtbot, sqlite_db, shop.po_ref)
    scanner(qtbot, MUG_BARCODE, times=3)
    first_box = None
    for answer in (Qt.Key.Key_Escape, Qt.Key.Key_Return):  # both keep the count
        qtbot.keyClick(dialog.scan, Qt.Key.Key_Escape)
        box = dialog.discard.box
        assert box is not None and box.text() == "Discard this receipt?"
        assert box.informativeText() == "The 3 units counted so far will be lost."
        assert box.defaultButton().text() == "&Keep counting"
        first_box = first_box or box
        assert box is first_box  # made once, kept as the dialog's child
        show_active(qtbot, box)
        qtbot.keyClick(box, answer)
        qtbot.waitUntil(lambda: dialog.discard.box is None)
        assert dialog.isVisible() and quantities(dialog)["MUG"] == 3
    qtbot.mouseClick(dialog.cancel_button, Qt.MouseButton.LeftButton)  # Cancel asks too
    box = dialog.discard.box
    assert box is not None and box.parent() is dialog
    assert len(dialog.findChildren(QMessageBox)) == 1
    answer_risky_by_keyboard(qtbot, dialog.discard, stray_scan="DUCK")  # "D" is not Discard
    qtbot.waitUntil(lambda: not dialog.isVisible())
    assert dialog.result() == dialog.DialogCode.Rejected
    assert snapshot(sqlite_db) == before


def test_escape_asks_before_discarding_typed_quantities(qtbot, sqlite_db, shop):
    dialog = opened(qtbot, sqlite_db, shop.po_ref)
    model = dialog.received
    model.setData(model.index(0, model.RECEIVED_NOW), "5")
    qtbot.keyClick(dialog.scan, Qt.Key.Key_Escape)
    assert dialog.discard.box is not None
    assert dialog.discard.box.informativeText() == (
        "Your changes to what arrived and who gets it will be lost."
    )


# --- item 7: room for the lines ---------------------------------------------------------------


@pytest.fixture
def big_po(sqlite_db: Database, shop: Shop) -> str:
    """A purchase order of 20 lines."""
    with sqlite_db.write() as s:
        skus = [f"ITEM-{n:02}" for n in range(1, 21)]
        for number, sku in enumerate(skus, start=1):
            catalog.create_product(s, sku, f"Item number {number}", supplier_code="ACME")
        return purchasing.create_purchase_order(
            s, "ACME", [LineRequest(sku, 2) for sku in skus]
        ).ref


def rows_in_view(view: QTableView) -> int:
    """Rows shown whole, without scrolling."""
    height = view.viewport().height()
    return sum(
        1
        for row in range(view.model().rowCount())
        if view.visualRect(view.model().index(row, 0)).bottom() < height
    )


@pytest.mark.parametrize(("size", "least"), [(None, 12), ((1024, 700), 10)])
def test_a_twenty_line_po_shows_most_of_its_lines_beside_the_plan(
    qtbot, sqlite_db, big_po, size, least
):
    dialog = ReceiveStockDialog(sqlite_db, big_po)
    qtbot.addWidget(dialog)
    if size is not None:
        dialog.resize(*size)
    show_active(qtbot, dialog)
    wait_for_plan(qtbot, dialog)
    scanner(qtbot, "ITEM-01")  # counting: the message bar takes its room too
    splitter = dialog.findChild(QSplitter, "receiveSplitter")
    assert splitter is not None
    assert splitter.isAncestorOf(dialog.received_view)
    assert splitter.isAncestorOf(dialog.preview_view)
    view = dialog.received_view
    assert rows_in_view(view) >= least, (dialog.size(), splitter.sizes())
    assert dialog.preview_view.height() >= 3 * view.verticalHeader().defaultSectionSize()


def test_a_short_po_leaves_the_room_to_the_plan(qtbot, sqlite_db, shop):
    dialog = opened(qtbot, sqlite_db, shop.po_ref)
    assert rows_in_view(dialog.received_view) == 3
    assert dialog.preview_view.height() > dialog.received_view.height()


def test_the_scan_field_has_the_focus_when_the_dialog_opens(qtbot, sqlite_db, shop):
    dialog = opened(qtbot, sqlite_db, shop.po_ref)
    assert isinstance(focused(), QLineEdit) and focused() is dialog.scan
