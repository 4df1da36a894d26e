"""The receive-stock dialog: count what arrived, preview who gets it, confirm exactly that."""

from __future__ import annotations

import threading
from datetime import date, timedelta

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QComboBox, QLineEdit, QPushButton, QTableView
from sqlalchemy import select

from app.db import Database
from app.domain import AllocationEvent, OrderStatus, Product, PurchaseOrderStatus, StockBalance
from app.domain.enums import CustomerTier, QueuePolicy
from app.services import catalog, ordering, purchasing, snapshots
from app.services.demo import build_demo_shop
from app.services.ordering import LineRequest
from app.ui import events
from app.ui.dialogs.plan_models import AllocationPreviewModel
from app.ui.dialogs.receive_models import ReceivedLinesModel
from app.ui.dialogs.receive_stock import ReceiveStockDialog
from tests.ui.conftest import wait_for_saves
from tests.ui.shop_data import (
    MUG_BARCODE,
    T0,
    Shop,
    build_shop,
    held_until,
    line_state,
    show_active,
    snapshot,
    wait_for_plan,
)


@pytest.fixture
def shop(sqlite_db: Database) -> Shop:
    return build_shop(sqlite_db)


@pytest.fixture
def dialog(qtbot, sqlite_db: Database, shop: Shop) -> ReceiveStockDialog:
    widget = ReceiveStockDialog(sqlite_db, shop.po_ref)
    qtbot.addWidget(widget)
    wait_for_plan(qtbot, widget)
    return widget


def received_now(dialog: ReceiveStockDialog) -> dict[str, int | str]:
    model = dialog.received
    return {
        model.index(r, 1).data(): model.index(r, model.RECEIVED_NOW).data(Qt.ItemDataRole.EditRole)
        for r in range(model.rowCount())
    }


def preview_rows(dialog: ReceiveStockDialog) -> list[tuple[object, ...]]:
    model = dialog.preview
    return [
        tuple(model.index(r, c).data(Qt.ItemDataRole.EditRole) for c in range(model.columnCount()))
        for r in range(model.rowCount())
    ]


def set_received(dialog: ReceiveStockDialog, sku: str, value: str) -> None:
    model = dialog.received
    row = model.find_row(sku)
    assert row is not None
    model.setData(model.index(row, model.RECEIVED_NOW), value)


def set_allocated(dialog: ReceiveStockDialog, order_ref: str, sku: str, value: str) -> bool:
    model = dialog.preview
    for r in range(model.rowCount()):
        if model.index(r, 1).data() == order_ref and model.index(r, 2).data() == sku:
            return model.setData(model.index(r, model.ALLOCATED_NOW), value)
    raise AssertionError(f"{order_ref} {sku} not in the preview")


def confirm_button(dialog: ReceiveStockDialog) -> QPushButton:
    return dialog.findChild(QPushButton, "confirmReceiptButton")


def summary(dialog: ReceiveStockDialog) -> str:
    return dialog.summary.text()


def test_lines_are_prefilled_with_what_is_outstanding(qtbot, sqlite_db, shop):
    # A first delivery brought 4 mugs; the dialog then offers the remaining 2.
    first = ReceiveStockDialog(sqlite_db, shop.po_ref)
    qtbot.addWidget(first)
    wait_for_plan(qtbot, first)
    set_received(first, "MUG", "4")
    set_received(first, "TEA", "0")
    set_received(first, "KET", "0")
    first.submit()
    wait_for_saves(qtbot)
    assert first.result() == first.DialogCode.Accepted

    second = ReceiveStockDialog(sqlite_db, shop.po_ref)
    qtbot.addWidget(second)
    assert received_now(second) == {"MUG": 2, "TEA": 6, "KET": 2}
    assert shop.po_ref in second.header.title.text()
    assert "Acme Wholesale" in second.header.details.text()


def test_preview_gives_units_to_waiting_customers_in_queue_order(dialog, shop):
    mugs = [row for row in preview_rows(dialog) if row[2] == "MUG"]
    assert [(row[0], row[3], row[4]) for row in mugs] == [
        ("Ana Lima", 2, 2),
        ("Ben Okafor", 4, 4),
        ("Dev Patel", 3, 0),  # first in line after the 6 mugs run out
    ]
    assert summary(dialog) == (
        "11 units to customers · 3 units to stock · 4 orders now ready to ship"
    )
    ready = {row[1]: row[5] for row in preview_rows(dialog) if row[0] == "Ana Lima"}
    assert ready[shop.orders["C001"]] == "Yes — ready to ship"


def test_editing_a_received_quantity_updates_preview_and_summary(dialog):
    set_received(dialog, "MUG", "3")
    mugs = [(row[0], row[4]) for row in preview_rows(dialog) if row[2] == "MUG"]
    assert mugs[:2] == [("Ana Lima", 2), ("Ben Okafor", 1)]
    assert summary(dialog) == "8 units to customers · 3 units to stock · 3 orders now ready to ship"
    assert confirm_button(dialog).isEnabled()


def test_confirm_writes_exactly_the_adjusted_plan(qtbot, dialog, sqlite_db, shop):
    # The clerk keeps Ben waiting for 3 and gives Dev his 3 mugs instead.
    assert set_allocated(dialog, shop.orders["C002"], "MUG", "1")
    assert set_allocated(dialog, shop.orders["C004"], "MUG", "3")
    assert (
        summary(dialog) == "11 units to customers · 3 units to stock · 4 orders now ready to ship"
    )
    with qtbot.waitSignal(events.bus().data_changed, timeout=1000):
        qtbot.mouseClick(confirm_button(dialog), Qt.MouseButton.LeftButton)

    assert dialog.result() == dialog.DialogCode.Accepted
    assert dialog.result_summary is not None
    assert dialog.result_summary.units_to_customers == 11
    assert dialog.outcome == (
        f"{shop.po_ref} received: 11 units to customers, 3 to stock; 4 orders ready to ship"
    )
    assert line_state(sqlite_db, shop.orders["C002"], 1) == (1, 3)
    assert line_state(sqlite_db, shop.orders["C004"], 1) == (3, 0)
    with sqlite_db.read() as s:
        statuses = {ref: ordering.get_order(s, ref).status for ref in shop.orders.values()}
        po = purchasing.get_purchase_order(s, shop.po_ref)
        on_hand = dict(
            s.execute(
                select(Product.sku, StockBalance.on_hand).join(
                    StockBalance, StockBalance.product_id == Product.id
                )
            ).all()
        )
        assert [line.qty_received for line in po.lines] == [6, 6, 2]
        assert po.status == PurchaseOrderStatus.RECEIVED
    # Ben has 1 of his 4 mugs and takes partial shipments: part ready (rule of issue 3).
    assert statuses[shop.orders["C002"]] == OrderStatus.PART_READY
    assert statuses[shop.orders["C004"]] == OrderStatus.READY_TO_SHIP
    assert statuses[shop.orders["C001"]] == OrderStatus.READY_TO_SHIP
    assert on_hand == {"MUG": 6, "TEA": 8, "KET": 2, "SPOON": 0}


def test_refused_allocation_edit_says_why_and_keeps_the_cell(dialog, shop):
    ana = shop.orders["C001"]
    for value, words in [
        ("5", "waits for 2"),
        ("abc", "whole number"),
        ("-1", "cannot be negative"),
        ("99999999", "too large"),
    ]:
        assert not set_allocated(dialog, ana, "MUG", value)
        assert words in dialog.message.text()
        assert dialog.message.isVisible() or not dialog.isVisible()
        assert [row[4] for row in preview_rows(dialog) if row[1] == ana and row[2] == "MUG"] == [2]
    # Giving more units than arrived is refused too (6 mugs: Ana 2 + Ben 4 already).
    assert not set_allocated(dialog, shop.orders["C004"], "MUG", "1")
    assert "only 6 arrived" in dialog.message.text()
    assert confirm_button(dialog).isEnabled()


def test_cancel_changes_nothing(qtbot, dialog, sqlite_db):
    before = snapshot(sqlite_db)
    set_received(dialog, "MUG", "1")
    show_active(qtbot, dialog)
    qtbot.mouseClick(dialog.cancel_button, Qt.MouseButton.LeftButton)
    box = dialog.discard.box  # a changed quantity: Cancel asks first (issue 9, item 6)
    assert box is not None
    show_active(qtbot, box)
    qtbot.mouseClick(dialog.discard.risky_button, Qt.MouseButton.LeftButton)  # Discard
    qtbot.waitUntil(lambda: not dialog.isVisible())
    assert dialog.result() == dialog.DialogCode.Rejected
    assert snapshot(sqlite_db) == before


def test_scanning_a_barcode_adds_one_unit_to_its_line(qtbot, dialog):
    dialog.zero_button.click()
    assert received_now(dialog) == {"MUG": 0, "TEA": 0, "KET": 0}
    assert not confirm_button(dialog).isEnabled()
    scan = dialog.findChild(QLineEdit, "receiveScanInput")
    for code in (MUG_BARCODE, MUG_BARCODE, "KET"):
        qtbot.keyClicks(scan, code)
        qtbot.keyClick(scan, Qt.Key.Key_Return)
        assert scan.text() == ""
    assert received_now(dialog) == {"MUG": 2, "TEA": 0, "KET": 1}
    # Chloe's kettle completes her order; Ana still waits for tea.
    assert summary(dialog) == "3 units to customers · 0 units to stock · 1 order now ready to ship"
    assert confirm_button(dialog).isEnabled()
    assert dialog.result() != dialog.DialogCode.Accepted  # Enter never confirmed


def test_unknown_or_foreign_codes_are_explained_inline(qtbot, dialog, shop):
    before = received_now(dialog)
    scan = dialog.findChild(QLineEdit, "receiveScanInput")
    qtbot.keyClicks(scan, "NOPE-123")
    qtbot.keyClick(scan, Qt.Key.Key_Return)
    assert dialog.message.text() == "No product has the SKU or barcode 'NOPE-123'"
    qtbot.keyClicks(scan, "SPOON")
    qtbot.keyClick(scan, Qt.Key.Key_Return)
    assert dialog.message.text() == f"SPOON is not on {shop.po_ref}."
    qtbot.keyClicks(scan, "x" * 500)
    qtbot.keyClick(scan, Qt.Key.Key_Return)
    assert "No product has the SKU or barcode" in dialog.message.text()
    assert received_now(dialog) == before
    assert scan.text() == ""


@pytest.mark.parametrize(
    ("values", "words"),
    [
        ({"MUG": "0", "TEA": "0", "KET": "0"}, "Nothing to receive"),
        ({"MUG": "-1"}, "cannot be negative"),
        ({"MUG": "abc"}, "whole number"),
        ({"MUG": "99999999"}, "too large"),
        ({"MUG": ""}, "empty"),
    ],
)
def test_bad_received_quantities_disable_confirm(dialog, sqlite_db, values, words):
    before = snapshot(sqlite_db)
    for sku, value in values.items():
        set_received(dialog, sku, value)
    assert words in dialog.message.text()
    assert not confirm_button(dialog).isEnabled()
    assert dialog.preview.rowCount() == 0
    dialog.submit()  # Ctrl+Return path: refuses too
    assert dialog.result() != dialog.DialogCode.Accepted
    assert snapshot(sqlite_db) == before
    set_received(dialog, "MUG", "2")
    if "MUG" not in values or len(values) > 1:
        set_received(dialog, "TEA", "1")
    assert confirm_button(dialog).isEnabled()


def test_stale_plan_is_refused_and_previewed_again(qtbot, dialog, sqlite_db, shop, monkeypatch):
    with sqlite_db.write() as s:  # another till sells a mug after the preview
        late = ordering.place_order(
            s, "C005", [LineRequest("MUG", 1)], placed_at=T0 - timedelta(hours=1)
        ).ref
    before = snapshot(sqlite_db)
    gate = threading.Event()  # the new preview's read waits, so the test sees Confirm wait
    monkeypatch.setattr(
        "app.ui.dialogs.receive_stock.read_queues", held_until(gate, snapshots.read_queues)
    )
    dialog.submit()
    wait_for_saves(qtbot)
    assert dialog.result() != dialog.DialogCode.Accepted
    assert "changed since the preview" in dialog.message.text()
    assert dialog.message.kind == "error"
    assert snapshot(sqlite_db) == before
    assert not confirm_button(dialog).isEnabled()  # until the new plan is there
    gate.set()
    wait_for_plan(qtbot, dialog)
    assert "changed since the preview" in dialog.message.text()
    # The new preview shows the late order (placed earliest, so served first).
    mugs = [row[:2] for row in preview_rows(dialog) if row[2] == "MUG"]
    assert mugs[0] == ("Eva Novak", late)
    dialog.submit()
    wait_for_saves(qtbot)
    assert dialog.result() == dialog.DialogCode.Accepted
    assert line_state(sqlite_db, late, 1) == (1, 0)


def press_return_in_editor(qtbot, view: QTableView) -> None:
    """Enter in a cell editor; the delegate commits on a queued call, so deliver it."""
    qtbot.keyClick(view.indexWidget(view.currentIndex()), Qt.Key.Key_Return)
    QApplication.sendPostedEvents()
    qtbot.waitUntil(lambda: view.state() != QTableView.State.EditingState)


def test_keyboard_only_flow(qtbot, dialog, sqlite_db, shop):
    show_active(qtbot, dialog)
    scan = dialog.findChild(QLineEdit, "receiveScanInput")
    qtbot.waitUntil(scan.hasFocus)
    qtbot.keyClicks(scan, MUG_BARCODE)
    qtbot.keyClick(scan, Qt.Key.Key_Return)
    qtbot.keyClicks(scan, "MUG")
    qtbot.keyClick(scan, Qt.Key.Key_Return)
    assert dialog.isVisible()
    assert scan.hasFocus()
    # Scanning counts from zero (never 6 outstanding prefilled + 2 scanned: issue 9, item 5).
    assert received_now(dialog) == {"MUG": 2, "TEA": 0, "KET": 0}
    # The rest arrived as ordered: the clerk receives all outstanding (Alt+A), then corrects.
    qtbot.keyClick(scan, Qt.Key.Key_A, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: received_now(dialog) == {"MUG": 6, "TEA": 6, "KET": 2})  # animated
    assert scan.hasFocus()

    received = dialog.findChild(QTableView, "receivedLinesTable")
    preview = dialog.findChild(QTableView, "allocationPreviewTable")
    qtbot.keyClick(scan, Qt.Key.Key_Tab)
    assert received.hasFocus()
    # Type a quantity into the current cell ("Received now" of the mug line): 5 mugs.
    assert received.currentIndex().column() == dialog.received.RECEIVED_NOW
    qtbot.keyClicks(received, "5")
    press_return_in_editor(qtbot, received)
    assert received_now(dialog)["MUG"] == 5
    qtbot.keyClick(received, Qt.Key.Key_Tab)
    assert preview.hasFocus(), QApplication.focusWidget()
    # First in the preview: Chloe's kettle. The clerk keeps it in stock instead.
    assert preview.currentIndex().data() == "1"
    qtbot.keyClicks(preview, "0")
    press_return_in_editor(qtbot, preview)
    assert summary(dialog).startswith("9 units to customers · 4 units to stock")
    qtbot.keyClick(preview, Qt.Key.Key_Tab)
    assert confirm_button(dialog).hasFocus()
    qtbot.keyClick(preview, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    wait_for_saves(qtbot)
    assert dialog.result() == dialog.DialogCode.Accepted
    assert dialog.result_summary.units_received == 13  # 5 mugs, 6 tea, 2 kettles
    assert line_state(sqlite_db, shop.orders["C002"], 1) == (3, 1)
    assert line_state(sqlite_db, shop.orders["C003"], 1) == (0, 1)  # Chloe still waits


def test_opened_from_the_menu_picks_a_purchase_order_first(qtbot, sqlite_db, shop):
    with sqlite_db.write() as s:
        other = purchasing.create_purchase_order(s, "ACME", [LineRequest("SPOON", 10)]).ref
    dialog = ReceiveStockDialog(sqlite_db)
    qtbot.addWidget(dialog)
    assert dialog.header.picker.count() == 2
    assert dialog.received.rowCount() == 0
    assert not confirm_button(dialog).isEnabled()
    scan = dialog.findChild(QLineEdit, "receiveScanInput")
    qtbot.keyClicks(scan, "SPOON")
    qtbot.keyClick(scan, Qt.Key.Key_Return)
    assert "Choose a purchase order" in dialog.message.text()
    dialog.header.picker.setCurrentText(other)
    assert received_now(dialog) == {"SPOON": 10}
    wait_for_plan(qtbot, dialog)
    assert (
        summary(dialog) == "0 units to customers · 10 units to stock · 0 orders now ready to ship"
    )
    dialog.header.picker.setCurrentText(shop.po_ref)
    assert received_now(dialog) == {"MUG": 6, "TEA": 6, "KET": 2}
    wait_for_plan(qtbot, dialog)


def test_a_cancelled_or_unknown_po_is_explained(qtbot, sqlite_db, shop):
    dialog = ReceiveStockDialog(sqlite_db, "PO-NOPE")
    qtbot.addWidget(dialog)
    assert "No purchase order has the reference" in dialog.message.text()
    assert not confirm_button(dialog).isEnabled()


def test_models_pass_qt_model_tester(qtmodeltester, dialog):
    qtmodeltester.check(dialog.received, force_py=True)
    qtmodeltester.check(dialog.preview, force_py=True)
    fresh_received, fresh_preview = ReceivedLinesModel(), AllocationPreviewModel()
    qtmodeltester.check(fresh_received, force_py=True)
    qtmodeltester.check(fresh_preview, force_py=True)


def test_a_bug_while_confirming_says_nothing_was_saved(
    qtbot, dialog, sqlite_db, monkeypatch, caplog
):
    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr("app.ui.dialogs.receive_stock.confirm_receipt", broken)
    before = snapshot(sqlite_db)
    dialog.submit()
    wait_for_saves(qtbot)
    assert dialog.message.text().startswith("Something went wrong; nothing was saved")
    assert dialog.result() != dialog.DialogCode.Accepted
    assert "boom" in caplog.text
    assert snapshot(sqlite_db) == before


def test_tab_goes_from_the_picker_to_the_scan_field(qtbot, sqlite_db, shop):
    dialog = ReceiveStockDialog(sqlite_db)
    qtbot.addWidget(dialog)
    show_active(qtbot, dialog)
    scan = dialog.findChild(QLineEdit, "receiveScanInput")
    assert scan.hasFocus()  # ready for the first scan
    dialog.header.picker.setFocus()
    qtbot.keyClick(dialog.header.picker, Qt.Key.Key_Tab)
    assert scan.hasFocus()


def test_more_than_outstanding_is_received_only_on_the_clerks_explicit_yes(
    qtbot, dialog, sqlite_db, shop
):
    set_received(dialog, "KET", "3")
    assert dialog.message.kind == "warning"
    assert "More than outstanding: KET 3 of 2" in dialog.message.text()
    assert confirm_button(dialog).isEnabled()
    before = snapshot(sqlite_db)
    dialog.submit()  # the first press asks
    assert dialog.result() != dialog.DialogCode.Accepted
    assert "1 extra unit as an over-receipt only if it really arrived" in dialog.message.text()
    assert snapshot(sqlite_db) == before
    dialog.submit()  # pressing Confirm again is not a yes
    wait_for_saves(qtbot)
    assert dialog.result() != dialog.DialogCode.Accepted and snapshot(sqlite_db) == before
    qtbot.mouseClick(dialog.over.question.risky_button, Qt.MouseButton.LeftButton)
    wait_for_saves(qtbot)
    assert dialog.result() == dialog.DialogCode.Accepted
    with sqlite_db.read() as s:
        po = purchasing.get_purchase_order(s, shop.po_ref)
        assert [line.qty_received for line in po.lines] == [6, 6, 3]


def test_a_locked_database_is_explained_and_nothing_is_written(qtbot, tmp_path, monkeypatch):
    """Another program holds the file while the clerk confirms: a plain message, no write."""
    import sqlite3

    from app.db import database as database_module
    from app.db import open_database

    monkeypatch.setattr(database_module, "BUSY_TIMEOUT_MS", 200)
    path = tmp_path / "locked.sqlite3"
    db = open_database(f"sqlite:///{path}", backup_dir=tmp_path / "bk")
    try:
        shop = build_shop(db)
        widget = ReceiveStockDialog(db, shop.po_ref)
        qtbot.addWidget(widget)
        wait_for_plan(qtbot, widget)
        before = snapshot(db)
        other = sqlite3.connect(path, timeout=0.1)
        other.execute("BEGIN IMMEDIATE")  # another program is writing
        try:
            widget.submit()
            wait_for_saves(qtbot)  # the save runs off the GUI thread, while the file is held
        finally:
            other.rollback()
            other.close()
        assert widget.result() != widget.DialogCode.Accepted
        assert "locked" in widget.message.text() and "nothing was saved" in widget.message.text()
        assert snapshot(db) == before
    finally:
        db.dispose()


@pytest.fixture
def gold_shop(sqlite_db: Database, shop: Shop) -> Shop:
    """The dialog shop, plus a gold customer (Gus) who ordered 4 mugs last."""
    with sqlite_db.write() as s:
        catalog.create_customer(s, "G001", "Gus Gold", tier=CustomerTier.GOLD)
        gus = ordering.place_order(
            s, "G001", [LineRequest("MUG", 4)], placed_at=T0 + timedelta(hours=8)
        )
    return Shop(shop.po_ref, {**shop.orders, "G001": gus.ref})


def rows(view: QTableView, *columns: int) -> list[tuple[object, ...]]:
    model = view.model()
    return [tuple(model.index(r, c).data() for c in columns) for r in range(model.rowCount())]


# --- what if ----------------------------------------------------------------------------------


def test_the_what_if_switch_shows_who_gains_and_who_loses_and_confirm_uses_it(
    qtbot, sqlite_db, gold_shop
):
    dialog = ReceiveStockDialog(sqlite_db, gold_shop.po_ref)
    qtbot.addWidget(dialog)
    wait_for_plan(qtbot, dialog)
    show_active(qtbot, dialog)
    preview = dialog.findChild(QTableView, "allocationPreviewTable")
    mugs = [r for r in rows(preview, 0, 2, 4) if r[1] == "MUG"]
    assert mugs[:3] == [
        ("Ana Lima", "MUG", "2"),
        ("Ben Okafor", "MUG", "4"),
        ("Dev Patel", "MUG", "0"),
    ]
    changes = dialog.findChild(QTableView, "whatIfChangesTable")
    assert not changes.isVisible()

    combo = dialog.findChild(QComboBox, "whatIfPolicyCombo")
    combo.setFocus()
    qtbot.keyClick(combo, Qt.Key.Key_Down)  # "Gold customers first (this receipt only)"
    assert dialog.what_if.chosen() is QueuePolicy.LOYALTY
    mugs = [r for r in rows(preview, 0, 2, 4, 6) if r[1] == "MUG"]
    assert mugs[0][:3] == ("Gus Gold ★", "MUG", "4")  # marked as the Backorders tab marks him
    assert mugs[0][3].startswith("gold customer, waiting ") and mugs[0][3].endswith("1st in queue")
    assert changes.isVisible()
    assert rows(changes, 0, 1, 2, 3) == [
        ("Gus Gold ★", "0", "4", "+4"),
        ("Ben Okafor", "4", "0", "-4"),
    ]
    assert "1 customer would gain 4 units and 1 customer would lose 4 units" in (
        dialog.what_if.summary.text()
    )

    dialog.submit()
    wait_for_saves(qtbot)
    assert dialog.result() == dialog.DialogCode.Accepted
    assert line_state(sqlite_db, gold_shop.orders["G001"], 1) == (4, 0)
    assert line_state(sqlite_db, gold_shop.orders["C002"], 1) == (0, 4)
    with sqlite_db.read() as s:
        reasons = set(s.scalars(select(AllocationEvent.reason).where(AllocationEvent.qty > 0)))
    assert any(reason.startswith("gold customer") for reason in reasons)


def test_with_the_what_if_on_the_why_column_shows_a_gold_reason_whole(qtbot, sqlite_db):
    """The demo shop's kitchenware PO: real SKUs and names, a gold customer waiting."""
    with sqlite_db.write() as s:
        build_demo_shop(s, today=date(2026, 11, 27))
    dialog = ReceiveStockDialog(sqlite_db, "PO-00004")
    qtbot.addWidget(dialog)
    wait_for_plan(qtbot, dialog)
    dialog.resize(1200, 760)  # the dialog's size on a 1280 x 800 screen
    show_active(qtbot, dialog)
    dialog.what_if.combo.setCurrentIndex(1)  # gold customers first
    qtbot.waitUntil(lambda: dialog.what_if.details.isVisible())
    view = dialog.preview_view
    reason = next(
        str(text) for (text,) in rows(view, AllocationPreviewModel.REASON) if "gold" in str(text)
    )
    assert reason.startswith("gold customer, waiting ")
    needed = view.fontMetrics().horizontalAdvance(reason) + 12  # the cell's padding
    assert view.columnWidth(AllocationPreviewModel.REASON) >= needed
    changes = dialog.findChild(QTableView, "whatIfChangesTable")
    customer = str(changes.model().index(0, 0).data())
    assert changes.columnWidth(0) >= changes.fontMetrics().horizontalAdvance(customer)


def test_keeping_the_shops_policy_goes_back_to_the_first_come_plan(qtbot, sqlite_db, gold_shop):
    dialog = ReceiveStockDialog(sqlite_db, gold_shop.po_ref)
    qtbot.addWidget(dialog)
    wait_for_plan(qtbot, dialog)
    show_active(qtbot, dialog)
    before = rows(dialog.preview_view, 0, 1, 4)
    dialog.what_if.combo.setCurrentIndex(1)
    assert rows(dialog.preview_view, 0, 1, 4) != before
    qtbot.mouseClick(dialog.what_if.keep_button, Qt.MouseButton.LeftButton)
    assert dialog.what_if.chosen() is None
    assert rows(dialog.preview_view, 0, 1, 4) == before
    assert not dialog.what_if.details.isVisible()


def test_a_stale_what_if_is_shown_again_not_applied(qtbot, sqlite_db, gold_shop):
    dialog = ReceiveStockDialog(sqlite_db, gold_shop.po_ref)
    qtbot.addWidget(dialog)
    wait_for_plan(qtbot, dialog)
    dialog.what_if.combo.setCurrentIndex(1)
    with sqlite_db.write() as s:  # another till: a gold order placed earliest
        ordering.place_order(s, "G001", [LineRequest("MUG", 1)], placed_at=T0 - timedelta(hours=1))
    before = snapshot(sqlite_db)
    dialog.submit()
    wait_for_saves(qtbot)
    assert dialog.result() != dialog.DialogCode.Accepted
    wait_for_plan(qtbot, dialog)
    assert dialog.message.text().startswith("Stock changed since the preview — here is the new one")
    assert snapshot(sqlite_db) == before
    assert dialog.what_if.chosen() is QueuePolicy.LOYALTY
    mugs = [r for r in rows(dialog.preview_view, 0, 1, 2, 4) if r[2] == "MUG"]
    assert mugs[0][0] == "Gus Gold ★" and mugs[0][1] != gold_shop.orders["G001"]  # the new order
    dialog.submit()
    wait_for_saves(qtbot)
    assert dialog.result() == dialog.DialogCode.Accepted


def test_what_if_models_pass_qt_model_tester(qtmodeltester, qtbot, sqlite_db, gold_shop):
    dialog = ReceiveStockDialog(sqlite_db, gold_shop.po_ref)
    qtbot.addWidget(dialog)
    wait_for_plan(qtbot, dialog)
    dialog.what_if.combo.setCurrentIndex(1)
    qtmodeltester.check(dialog.what_if.changes, force_py=True)
    qtmodeltester.check(dialog.preview, force_py=True)
