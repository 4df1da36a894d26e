"""Enter on an order opens its detail view; cancelling a line asks, offers a reason and can
cancel part of it."""

from __future__ import annotations

import pytest
import shiboken6
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QDialog
from pytestqt.qtbot import QtBot

from app.db import Database
from app.domain.base import utcnow
from app.services import cancelling, formatting
from app.ui.dialogs.cancel_order import REASONS, CancelOrderDialog
from app.ui.dialogs.order_detail import OrderDetailDialog
from app.ui.main_window import MainWindow
from tests.ui.conftest import wait_for_saves
from tests.ui.shop_data import (
    Shop,
    build_shop,
    confirm_cancel,
    line_state,
    open_window,
    show_active,
    snapshot,
)
from tests.ui.test_undo_receipt_dialog import receive_all


@pytest.fixture
def shop(sqlite_db: Database) -> Shop:
    return build_shop(sqlite_db)


@pytest.fixture
def window(qtbot: QtBot, sqlite_db: Database, shop: Shop) -> MainWindow:
    window = open_window(qtbot, sqlite_db)
    show_active(qtbot, window)
    return window


def cells(dialog: OrderDetailDialog, row: int) -> dict[str, str]:
    model = dialog.lines_model
    return dict(zip(model.headers, model.rows[row], strict=True))


def history(dialog: OrderDetailDialog) -> list[str]:
    return [what for _when, what in dialog.history_model.rows]


def open_detail(qtbot: QtBot, window: MainWindow, ref: str) -> OrderDetailDialog:
    tab = window.orders_tab
    window.show_tab(tab)
    assert tab.select_key(ref)
    qtbot.keyClick(tab.table, Qt.Key.Key_Return)
    dialogs = [d for d in window.findChildren(OrderDetailDialog) if d.isVisible()]
    assert len(dialogs) == 1, window.statusBar().currentMessage()
    return dialogs[0]


def test_enter_on_an_order_opens_its_lines_allocations_etas_and_history(
    qtbot: QtBot, window: MainWindow, shop: Shop
) -> None:
    ref = shop.orders["C001"]  # 2 mugs wait; 3 tea: 2 from stock, 1 waits; PO covers both
    dialog = open_detail(qtbot, window, ref)
    assert dialog.windowTitle() == f"Order {ref}"
    assert "Ana Lima (C001)" in dialog.summary.text()
    mugs, tea = cells(dialog, 0), cells(dialog, 1)
    assert (mugs["SKU"], mugs["Ordered"], mugs["Allocated"], mugs["Waiting"]) == (
        "MUG",
        "2",
        "0",
        "2",
    )
    assert "#1 in queue" in mugs["ETA"]
    assert mugs["Where the units came from"] == ""
    assert (tea["Allocated"], tea["Waiting"]) == ("2", "1")
    assert tea["Where the units came from"] == "2 from stock when ordered"
    assert tea["ETA"] != "" and tea["Unit price"] != ""
    assert history(dialog) == ["Order placed: 5 units on 2 lines; 2 allocated from stock"]
    assert dialog.ship_button.isEnabled()
    qtbot.keyClick(dialog.lines, Qt.Key.Key_Escape)
    assert not dialog.isVisible()


def test_the_detail_shows_cancelled_units_with_their_reason(
    qtbot: QtBot, sqlite_db: Database, window: MainWindow, shop: Shop
) -> None:
    ref = shop.orders["C002"]  # 4 mugs waiting
    with sqlite_db.write() as s:
        cancelling.cancel_line(s, ref, 1, "Waiting too long", qty=1)
    dialog = open_detail(qtbot, window, ref)
    mugs = cells(dialog, 0)
    assert (mugs["Cancelled"], mugs["Waiting"]) == ("1", "3")
    assert history(dialog)[-1] == "Line 1 (MUG): 1 unit waiting cancelled — Waiting too long"
    when = dialog.history_model.rows[-1][0]
    assert when != "(time not recorded)" and formatting.day(utcnow()) in when  # dated now
    assert "1 cancelled units not charged" in dialog.total.text()


def test_cancel_a_line_from_the_detail_view_part_of_it_with_a_reason(
    qtbot: QtBot, sqlite_db: Database, window: MainWindow, shop: Shop
) -> None:
    ref = shop.orders["C004"]  # 3 mugs, 1 kettle waiting
    detail = open_detail(qtbot, window, ref)
    detail.lines.selectRow(0)
    qtbot.mouseClick(detail.cancel_line_button, Qt.MouseButton.LeftButton)
    cancel = next(d for d in detail.findChildren(CancelOrderDialog) if d.isVisible())
    assert cancel.selected_line() is not None and cancel.selected_line().sku == "MUG"
    assert (cancel.qty.minimum(), cancel.qty.maximum(), cancel.qty.value()) == (1, 3, 3)
    cancel.qty.setValue(2)
    cancel.reason.setCurrentText(REASONS[1])
    qtbot.mouseClick(cancel.line_button, Qt.MouseButton.LeftButton)
    box = cancel.line_question.box
    assert box is not None and box.isVisible()
    assert box.text() == "Cancel 2 of the 3 units still open on line 1 (MUG Blue mug)?"
    assert "The other unit stays on the order, in its place." in box.informativeText()
    assert "Reason: Waiting too long" in box.informativeText()
    confirm_cancel(qtbot, cancel.line_question)
    wait_for_saves(qtbot)
    qtbot.waitUntil(lambda: not shiboken6.isValid(cancel) or not cancel.isVisible())
    assert line_state(sqlite_db, ref, 1) == (0, 1)  # one mug still waits, in its place
    qtbot.waitUntil(lambda: cells(detail, 0)["Cancelled"] == "2")  # the view re-read it
    assert history(detail)[-1].endswith("2 units waiting cancelled — Waiting too long")
    assert window.statusBar().currentMessage() == f"Order {ref}: 2 units cancelled"


def test_the_question_defaults_to_keeping_and_escape_changes_nothing(
    qtbot: QtBot, sqlite_db: Database, shop: Shop
) -> None:
    before = snapshot(sqlite_db)
    dialog = CancelOrderDialog(sqlite_db, shop.orders["C001"])
    qtbot.addWidget(dialog)
    show_active(qtbot, dialog)
    qtbot.mouseClick(dialog.order_button, Qt.MouseButton.LeftButton)
    box = dialog.order_question.box
    assert box is not None and box.isVisible()
    assert box.text() == f"Cancel everything still open on order {shop.orders['C001']}?"
    assert "5 units on 2 lines will be cancelled" in box.informativeText()
    assert "No reason given" in box.informativeText()
    assert box.defaultButton().text().replace("&", "") == "Keep it"
    show_active(qtbot, box)
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Escape)  # the question: keep
    assert dialog.order_question.box is None and dialog.isVisible()
    qtbot.mouseClick(dialog.line_button, Qt.MouseButton.LeftButton)
    assert dialog.line_question.box is not None
    show_active(qtbot, dialog.line_question.box)
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Return)  # Enter: keep too
    assert dialog.line_question.box is None
    show_active(qtbot, dialog)
    qtbot.keyClick(dialog.table, Qt.Key.Key_Escape)  # the dialog: closed, nothing done
    assert not dialog.isVisible()
    wait_for_saves(qtbot)
    assert snapshot(sqlite_db) == before


def test_the_reason_is_offered_but_optional_and_typed_text_is_kept(
    qtbot: QtBot, sqlite_db: Database, shop: Shop
) -> None:
    dialog = CancelOrderDialog(sqlite_db, shop.orders["C003"])
    qtbot.addWidget(dialog)
    assert [dialog.reason.itemText(n) for n in range(dialog.reason.count())] == ["", *REASONS]
    assert dialog.reason_text() == ""
    qtbot.keyClicks(dialog.reason, "customer moved away")
    assert dialog.reason_text() == "customer moved away"


def test_detail_models_pass_qt_model_tester(
    qtmodeltester, qtbot: QtBot, sqlite_db: Database, shop: Shop
) -> None:
    dialog = OrderDetailDialog(sqlite_db, shop.orders["C001"])
    qtbot.addWidget(dialog)
    qtmodeltester.check(dialog.lines_model, force_py=True)
    qtmodeltester.check(dialog.history_model, force_py=True)


def test_an_unknown_order_says_so(qtbot: QtBot, sqlite_db: Database, shop: Shop) -> None:
    dialog = OrderDetailDialog(sqlite_db, "SO-NOPE")
    qtbot.addWidget(dialog)
    assert "No order has the reference" in dialog.message.text()
    assert not dialog.ship_button.isEnabled()


def test_ship_from_the_detail_view_and_the_view_follows(
    qtbot: QtBot, sqlite_db: Database, window: MainWindow, shop: Shop
) -> None:
    ref = shop.orders["C001"]  # 2 tea allocated
    detail = open_detail(qtbot, window, ref)
    qtbot.mouseClick(detail.ship_button, Qt.MouseButton.LeftButton)
    ship = next(d for d in detail.findChildren(QDialog) if type(d).__name__ == "ShipOrderDialog")
    ship.submit()
    wait_for_saves(qtbot)
    qtbot.waitUntil(lambda: cells(detail, 1)["Shipped"] == "2")
    assert history(detail)[-1] == "Shipped 2 units: 2 \N{MULTIPLICATION SIGN} TEA"
    assert not detail.ship_button.isEnabled()  # nothing allocated any more
    assert window.statusBar().currentMessage().startswith(f"Shipped 2 units of {ref}; ")


def test_cancelling_part_of_an_allocated_line_offers_the_freed_units(
    qtbot: QtBot, sqlite_db: Database, shop: Shop
) -> None:
    ref = shop.orders["C001"]  # tea: 2 allocated, 1 waiting; Eva waits for 2 tea
    dialog = CancelOrderDialog(sqlite_db, ref, 2)
    qtbot.addWidget(dialog)
    show_active(qtbot, dialog)
    assert dialog.selected_line().sku == "TEA" and dialog.qty.maximum() == 3
    dialog.qty.setValue(2)
    qtbot.mouseClick(dialog.line_button, Qt.MouseButton.LeftButton)
    info = dialog.line_question.box.informativeText()
    assert info.startswith(
        "1 waiting unit leaves the queue and 1 allocated unit becomes available again."
    )
    confirm_cancel(qtbot, dialog.line_question)
    qtbot.waitUntil(lambda: dialog.freed_dialog is not None)  # Eva is offered the freed tea
    qtbot.keyClick(dialog.freed_dialog, Qt.Key.Key_Escape)  # kept in stock
    assert line_state(sqlite_db, ref, 2) == (1, 0)
    assert dialog.outcome.startswith(f"Order {ref}: 2 units cancelled; 1 unit available again")


def test_who_did_what_names_the_receipt_that_gave_each_line_units(
    qtbot: QtBot, sqlite_db: Database, shop: Shop
) -> None:
    """A receipt allocates in bulk (no audit row per line): the order's "Who did what" still
    says who confirmed it, against which PO, and how many units went to which line."""
    receipt_id = receive_all(sqlite_db, shop.po_ref)
    ref = shop.orders["C001"]
    dialog = OrderDetailDialog(sqlite_db, ref)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: bool(dialog.audit_model.rows))
    received = [row for row in dialog.audit_model.rows if row[3] == "received"]
    assert len(received) == 1
    _when, who, _till, _did, what, said = received[0]
    assert (who, what) == ("Owner", "Allocation")
    assert said == (
        f"Receipt RCPT-{receipt_id} of {shop.po_ref} gave 3 units: 2 to line 1 (MUG), "
        "1 to line 2 (TEA)"
    )
