"""Undo a receipt…: the dialog lists receipts newest first, previews the undo in plain words
(or why it cannot be done), needs a reason, asks, and undoes through the write helper."""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import UTC, datetime

import pytest
from pytestqt.qtbot import QtBot
from sqlalchemy.orm import Session

from app.db import Database
from app.domain.actors import Role
from app.services import receiving, shipping
from app.services.purchasing import receivable_purchase_order
from app.services.undo_receipt import LostUnits, UndoPreview, UndoToken
from app.ui.dialogs import undo_receipt as undo_dialog
from app.ui.dialogs.undo_receipt import CUSTOMERS_SHOWN, UndoReceiptDialog, preview_html
from app.ui.role_actions import refusal
from app.ui.tabs.purchase_orders_tab import PurchaseOrdersTab
from tests.ui.conftest import wait_for_saves
from tests.ui.shop_data import Shop, confirm_cancel, line_state


def receive_all(database: Database, po_ref: str) -> int:
    with database.write() as session:
        po = receivable_purchase_order(session, po_ref)
        inputs = [
            receiving.ReceiptInput(line.product_id, line.qty_outstanding, line.po_line_id)
            for line in po.lines
        ]
        plan = receiving.preview_receipt(session, inputs, purchase_order_ref=po_ref)
        return receiving.confirm_receipt(session, plan).receipt_id


def previewed(qtbot: QtBot, dialog: UndoReceiptDialog) -> None:
    """Wait for the picked receipt's preview, which is read off the GUI thread."""
    qtbot.waitUntil(lambda: not dialog.reader.reading, timeout=5000)


def test_the_preview_is_read_off_the_gui_thread_and_says_so_meanwhile(
    qtbot: QtBot, sqlite_db: Database, shop: Shop, monkeypatch: pytest.MonkeyPatch
) -> None:
    receipt_id = receive_all(sqlite_db, shop.po_ref)
    threads: list[str] = []
    release = threading.Event()
    real = undo_dialog.preview_undo_receipt

    def slow_preview(session: Session, receipt: int) -> UndoPreview:
        threads.append(threading.current_thread().name)
        release.wait(5)  # held until the test has looked at the dialog meanwhile
        return real(session, receipt)

    monkeypatch.setattr(undo_dialog, "preview_undo_receipt", slow_preview)
    dialog = UndoReceiptDialog(sqlite_db)
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.details.toPlainText() == f"Reading what undoing RCPT-{receipt_id} would do…"
    assert dialog.preview is None and not dialog.undo_button.isEnabled()
    release.set()
    previewed(qtbot, dialog)
    assert threads and threading.main_thread().name not in threads
    assert f"RCPT-{receipt_id}" in dialog.details.toPlainText()
    assert dialog.preview is not None


def test_a_receipt_is_previewed_and_undone(qtbot: QtBot, sqlite_db: Database, shop: Shop) -> None:
    receipt_id = receive_all(sqlite_db, shop.po_ref)
    assert line_state(sqlite_db, shop.orders["C002"], 1) == (4, 0)
    dialog = UndoReceiptDialog(sqlite_db)
    qtbot.addWidget(dialog)
    dialog.show()
    previewed(qtbot, dialog)
    assert dialog.receipts.rows[0].label == f"RCPT-{receipt_id}"
    text = dialog.details.toPlainText()
    assert f"RCPT-{receipt_id}" in text and f"against {shop.po_ref}" in text
    assert "MUG: 6 units (6 taken back from customers)" in text
    assert "Ben Okafor: 4 MUG on" in text
    assert "Received → Open" in text
    assert not dialog.undo_button.isEnabled()  # no reason yet
    qtbot.keyClicks(dialog.reason, "Entered against the wrong PO")
    assert dialog.undo_button.isEnabled()
    dialog.undo_button.click()
    confirm_cancel(qtbot, dialog.question)
    wait_for_saves(qtbot)
    assert dialog.undone is not None and dialog.undone.units_out == 14
    assert dialog.outcome.startswith(f"RCPT-{receipt_id} undone: 14 units left stock")
    assert line_state(sqlite_db, shop.orders["C002"], 1) == (0, 4)


def test_a_refused_undo_says_why_and_cannot_be_confirmed(
    qtbot: QtBot, sqlite_db: Database, shop: Shop
) -> None:
    receive_all(sqlite_db, shop.po_ref)
    with sqlite_db.write() as session:
        shipping.ship_order(session, shop.orders["C002"])
    dialog = UndoReceiptDialog(sqlite_db)
    qtbot.addWidget(dialog)
    dialog.show()
    previewed(qtbot, dialog)
    qtbot.keyClicks(dialog.reason, "wrong")
    assert "It cannot be undone:" in dialog.details.toPlainText()
    assert f"Order {shop.orders['C002']} line 1 (MUG, Ben Okafor) has shipped units" in (
        dialog.details.toPlainText()
    )
    assert not dialog.undo_button.isEnabled()


def test_the_purchasing_menu_offers_it(qtbot: QtBot, sqlite_db: Database, shop: Shop) -> None:
    tab = PurchaseOrdersTab(sqlite_db)
    qtbot.addWidget(tab)
    names = [action.name for action in tab.menu_actions()]
    assert "undoReceiptAction" in names


def test_a_clerk_sees_undo_greyed_out_with_who_may() -> None:
    assert refusal(Role.CLERK, "undoReceiptAction").endswith("may undo a receipt")
    assert refusal(Role.MANAGER, "undoReceiptAction") == ""


def test_a_long_list_of_customers_is_cut_short_and_counted() -> None:
    lost = tuple(
        LostUnits(n, f"SO-{n}", 1, f"Customer {n}", "MUG", 1) for n in range(CUSTOMERS_SHOWN + 5)
    )
    preview = UndoPreview(
        1, "RCPT-1", datetime.now(UTC), None, "", (), (), (), None, (), UndoToken(1, ())
    )
    html = preview_html(replace(preview, customers=lost))
    assert html.count("<li>Customer ") == CUSTOMERS_SHOWN
    assert "…and 5 more lines" in html
