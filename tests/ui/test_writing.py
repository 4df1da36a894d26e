"""Saves run off the GUI thread: the window stays alive while a write waits or retries.

Proven with a real wait: another program holds the shop file's write lock while the clerk
places an order. Before the write helper, the whole window froze until SQLite gave up.
"""

from __future__ import annotations

import time

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QProgressDialog

from app.db import Database
from app.services import ordering, stock
from app.services.changes import Area
from app.ui import events
from app.ui.dialogs.new_order import NewOrderDialog
from app.ui.writing import writes_under_way
from tests.ui.conftest import hold_write_lock, wait_for_saves
from tests.ui.shop_data import build_shop, show_active, snapshot


@pytest.fixture
def dialog(qtbot, sqlite_db: Database) -> NewOrderDialog:
    build_shop(sqlite_db)
    with sqlite_db.write() as s:
        stock.adjust_stock(s, "SPOON", 10, "count")
    dialog = NewOrderDialog(sqlite_db)
    qtbot.addWidget(dialog)
    show_active(qtbot, dialog)
    dialog.customer.setText("C001")
    qtbot.keyClicks(dialog.scan, "SPOON")
    qtbot.keyClick(dialog.scan, Qt.Key.Key_Return)
    assert dialog.place_button.isEnabled(), dialog.message.text()
    return dialog


def test_a_save_waiting_for_a_locked_file_keeps_the_window_alive_then_saves(
    qtbot, sqlite_db: Database, dialog: NewOrderDialog
) -> None:
    other = hold_write_lock(sqlite_db)
    ticks: list[float] = []
    timer = QTimer(interval=20)
    timer.timeout.connect(lambda: ticks.append(time.monotonic()))
    timer.start()
    try:
        dialog.submit()
        assert writes_under_way() == 1
        assert not dialog.isEnabled()  # nothing can be typed into what is being saved
        dialog.reject()  # Esc while saving: ignored
        assert dialog.isVisible()
        # The event loop keeps running while the write waits for the lock.
        qtbot.waitUntil(lambda: len(ticks) >= 20, timeout=3000)
        qtbot.waitUntil(
            lambda: (
                (p := dialog.findChild(QProgressDialog, "savingProgress")) is not None
                and p.isVisible()
            ),
            timeout=2000,
        )
        progress = dialog.findChild(QProgressDialog, "savingProgress")
        assert progress is not None and progress.labelText() == "Placing the order…"
        assert dialog.placed is None
    finally:
        other.rollback()
        other.close()
        timer.stop()
    with qtbot.waitSignal(events.bus().data_changed, timeout=15000) as announced:
        pass
    wait_for_saves(qtbot)
    changes = announced.args[0]
    assert changes.touches({Area.ORDERS}) and dialog.placed is not None
    assert changes.order_refs == {dialog.placed.ref}
    assert dialog.result() == dialog.DialogCode.Accepted


def test_a_save_that_fails_says_so_writes_nothing_and_gives_the_dialog_back(
    qtbot, sqlite_db: Database, dialog: NewOrderDialog, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The service writes the order, then fails (a bug): the transaction is rolled back, the
    clerk is told, and the dialog is usable again with the order still on screen."""
    before = snapshot(sqlite_db)

    def place_then_fail(session, *args, **kwargs):
        ordering.place_order(session, *args, **kwargs)
        session.flush()
        raise RuntimeError("a bug after writing")

    monkeypatch.setattr("app.ui.dialogs.new_order.place_order", place_then_fail)
    focus_before = dialog.focusWidget()
    dialog.submit()
    wait_for_saves(qtbot)
    assert dialog.isEnabled() and dialog.isVisible()
    assert dialog.message.kind == "error" and "nothing was saved" in dialog.message.text()
    assert dialog.placed is None and snapshot(sqlite_db) == before
    assert dialog.focusWidget() is focus_before
    assert dialog.lines.rowCount() == 1  # the order is still there to try again
