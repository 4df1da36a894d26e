"""A purchase order is received once, whatever two tills do (issue 9, items 1 and 12).

Two receive dialogs on one PO: the first confirms; the second, confirmed after it, is
refused (nothing written), reads the PO again, lowers its lines to what is still outstanding
and says plainly what happened. Confirming again never receives the PO a second time. The
confirm runs off the GUI thread; the refusal arrives on the GUI thread and the dialog reloads.

Run on SQLite and (when SHOPKEEPER_TEST_DATABASE_URL is set) PostgreSQL.
"""

from __future__ import annotations

import threading

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from sqlalchemy import func, select

from app.db import Database
from app.domain import ReceiptLine
from app.services import purchasing, receiving
from app.services.purchasing import receivable_purchase_order
from app.services.receiving import ReceiptInput
from app.ui.dialogs.receive_stock import ReceiveStockDialog
from app.ui.writing import writes_under_way
from tests.ui.conftest import wait_for_saves
from tests.ui.shop_data import MUG_BARCODE, Shop, build_shop, show_active, snapshot, wait_for_plan


@pytest.fixture
def shop(db: Database) -> Shop:
    return build_shop(db)


def opened(qtbot, database: Database, ref: str) -> ReceiveStockDialog:
    dialog = ReceiveStockDialog(database, ref)
    qtbot.addWidget(dialog)
    wait_for_plan(qtbot, dialog)
    return dialog


def say_yes(qtbot, dialog: ReceiveStockDialog) -> None:
    """The clerk answers the over-receipt question with its own button, and the save ends."""
    qtbot.waitUntil(lambda: dialog.over.question.box is not None)
    qtbot.mouseClick(dialog.over.question.risky_button, Qt.MouseButton.LeftButton)
    wait_for_saves(qtbot)


def ctrl_return(qtbot, dialog: ReceiveStockDialog) -> None:
    """The clerk confirms from the keyboard, and the save (off the GUI thread) finishes."""
    show_active(qtbot, dialog)
    qtbot.keyClick(
        QApplication.focusWidget(), Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier
    )
    wait_for_saves(qtbot)


def scan(qtbot, dialog: ReceiveStockDialog, code: str, times: int = 1) -> None:
    for _ in range(times):
        qtbot.keyClicks(dialog.scan, code)
        qtbot.keyClick(dialog.scan, Qt.Key.Key_Return)


def quantities(dialog: ReceiveStockDialog) -> dict[str, int]:
    return {row.line.sku: row.qty for row in dialog.received.rows()}


def received_on_po(database: Database, ref: str) -> dict[str, int]:
    with database.read() as s:
        po = purchasing.get_purchase_order(s, ref)
        return {line.product.sku: line.qty_received for line in po.lines}


def receipts(database: Database) -> int:
    with database.read() as s:
        return s.scalar(select(func.count()).select_from(ReceiptLine.__table__)) or 0


def test_two_dialogs_on_one_po_receive_it_once(qtbot, db, shop):
    first = opened(qtbot, db, shop.po_ref)
    second = opened(qtbot, db, shop.po_ref)
    ctrl_return(qtbot, first)
    assert first.result() == first.DialogCode.Accepted
    assert received_on_po(db, shop.po_ref) == {"MUG": 6, "TEA": 6, "KET": 2}
    after_first = snapshot(db)

    ctrl_return(qtbot, second)  # still showing 6, 6 and 2 outstanding
    assert second.result() != second.DialogCode.Accepted
    assert snapshot(db) == after_first  # nothing written
    wait_for_plan(qtbot, second)  # it read the PO and who waits again
    assert second.message.kind == "error"
    assert second.message.text() == (
        f"{shop.po_ref} was received at another till meanwhile: 0 of 6 MUG, 0 of 6 TEA, "
        "0 of 2 KET still outstanding. Nothing was saved; nothing is left to receive."
    )
    assert quantities(second) == {"MUG": 0, "TEA": 0, "KET": 0}
    assert [row.line.qty_outstanding for row in second.received.rows()] == [0, 0, 0]
    assert not second.confirm_button.isEnabled()
    ctrl_return(qtbot, second)  # again: still nothing
    assert second.result() != second.DialogCode.Accepted
    assert snapshot(db) == after_first
    assert received_on_po(db, shop.po_ref) == {"MUG": 6, "TEA": 6, "KET": 2}


def test_a_receipt_between_load_and_confirm_lowers_only_what_it_received(qtbot, db, shop):
    """Another till receives 4 mugs while this dialog is open: this one is refused, shows 2
    mugs still outstanding (tea and kettles as they were), and its next confirm receives
    exactly the rest."""
    dialog = opened(qtbot, db, shop.po_ref)
    with db.read() as s:
        lines = receivable_purchase_order(s, shop.po_ref).lines
    mug = next(line for line in lines if line.sku == "MUG")
    with db.write() as s:  # the other till, between this dialog's load and its confirm
        plan = receiving.preview_receipt(
            s,
            [ReceiptInput(mug.product_id, 4, mug.po_line_id)],
            purchase_order_ref=shop.po_ref,
        )
        receiving.confirm_receipt(s, plan)
    ctrl_return(qtbot, dialog)
    assert dialog.result() != dialog.DialogCode.Accepted
    assert received_on_po(db, shop.po_ref) == {"MUG": 4, "TEA": 0, "KET": 0}
    wait_for_plan(qtbot, dialog)
    assert dialog.message.text() == (
        f"{shop.po_ref} was received at another till meanwhile: 2 of 6 MUG still "
        "outstanding. Nothing was saved. The quantities now show what is still outstanding: "
        "check them and confirm again."
    )
    assert quantities(dialog) == {"MUG": 2, "TEA": 6, "KET": 2}
    assert dialog.confirm_button.isEnabled()
    ctrl_return(qtbot, dialog)
    assert dialog.result() == dialog.DialogCode.Accepted
    assert received_on_po(db, shop.po_ref) == {"MUG": 6, "TEA": 6, "KET": 2}


def test_a_count_received_elsewhere_meanwhile_is_lowered_not_booked_again(qtbot, db, shop):
    """The second clerk counts mugs by scanning while the first receives the whole PO."""
    first = opened(qtbot, db, shop.po_ref)
    second = opened(qtbot, db, shop.po_ref)
    scan(qtbot, second, MUG_BARCODE, times=6)
    assert quantities(second) == {"MUG": 6, "TEA": 0, "KET": 0}
    ctrl_return(qtbot, first)
    ctrl_return(qtbot, second)
    wait_for_plan(qtbot, second)
    assert "0 of 6 MUG, 0 of 6 TEA, 0 of 2 KET still outstanding" in second.message.text()
    assert quantities(second) == {"MUG": 0, "TEA": 0, "KET": 0}
    assert second.received.counting  # still counting: the clerk sees "Counted" and 0
    ctrl_return(qtbot, second)
    assert received_on_po(db, shop.po_ref) == {"MUG": 6, "TEA": 6, "KET": 2}


def test_an_accepted_over_receipt_is_asked_again_after_a_refusal(qtbot, db, shop):
    """The clerk accepted 1 kettle beyond outstanding; the confirm is refused (another till
    received mugs meanwhile). The acceptance was for that confirm only: the next confirm asks
    again, and nothing beyond what the clerk accepted is ever received."""
    dialog = opened(qtbot, db, shop.po_ref)
    model = dialog.received
    model.setData(model.index(model.find_row("KET"), model.RECEIVED_NOW), "3")
    ctrl_return(qtbot, dialog)  # asks
    assert "only if it really arrived" in dialog.message.text()
    yes = dialog.over.question.risky_button
    other = opened(qtbot, db, shop.po_ref)
    other.received.set_all(outstanding=False)
    scan(qtbot, other, "MUG", times=6)
    ctrl_return(qtbot, other)
    assert received_on_po(db, shop.po_ref) == {"MUG": 6, "TEA": 0, "KET": 0}
    say_yes(qtbot, dialog)  # confirms the over-receipt, but the plan is stale now
    assert dialog.result() != dialog.DialogCode.Accepted
    assert received_on_po(db, shop.po_ref) == {"MUG": 6, "TEA": 0, "KET": 0}
    wait_for_plan(qtbot, dialog)
    assert "0 of 6 MUG still outstanding" in dialog.message.text()
    assert quantities(dialog) == {"MUG": 0, "TEA": 6, "KET": 3}
    ctrl_return(qtbot, dialog)  # the kettle beyond outstanding: asked again, not written
    assert dialog.result() != dialog.DialogCode.Accepted
    assert "KET Kettle: 3 received now, 2 outstanding: 1 unit beyond" in dialog.message.text()
    assert dialog.over.question.risky_button is yes
    say_yes(qtbot, dialog)
    assert dialog.result() == dialog.DialogCode.Accepted
    assert received_on_po(db, shop.po_ref) == {"MUG": 6, "TEA": 6, "KET": 3}


def test_the_confirm_runs_off_the_gui_thread_and_a_refusal_comes_back_on_it(
    qtbot, db, shop, monkeypatch
):
    """While the receipt is written the dialog is disabled and the window keeps running;
    the service's refusal is handled on the GUI thread, where the dialog reloads."""
    dialog = opened(qtbot, db, shop.po_ref)
    other = opened(qtbot, db, shop.po_ref)
    ctrl_return(qtbot, other)
    started, release = threading.Event(), threading.Event()
    real = receiving.confirm_receipt
    threads: list[str] = []

    def slow_confirm(*args, **kwargs):
        threads.append(threading.current_thread().name)
        started.set()
        assert release.wait(10)
        return real(*args, **kwargs)

    monkeypatch.setattr("app.ui.dialogs.receive_stock.confirm_receipt", slow_confirm)
    refused_on: list[bool] = []
    reload = dialog._refused
    monkeypatch.setattr(
        dialog,
        "_refused",
        lambda error: (
            refused_on.append(threading.current_thread() is threading.main_thread()),
            reload(error),
        ),
    )
    show_active(qtbot, dialog)
    dialog.submit()
    qtbot.waitUntil(started.is_set)
    assert writes_under_way() == 1
    assert not dialog.isEnabled()  # nothing can be typed into what is being saved
    dialog.reject()  # Esc while saving: ignored
    assert dialog.isVisible()
    release.set()
    wait_for_saves(qtbot)
    assert threads and threads[0] != threading.main_thread().name
    assert refused_on == [True]
    assert dialog.isEnabled()
    wait_for_plan(qtbot, dialog)
    assert "was received at another till meanwhile" in dialog.message.text()
    assert received_on_po(db, shop.po_ref) == {"MUG": 6, "TEA": 6, "KET": 2}
    assert receipts(db) == 3  # the first dialog's three lines, once
