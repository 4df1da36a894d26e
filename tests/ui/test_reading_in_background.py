"""Who waits is read off the GUI thread: the dialogs stay responsive while a big queue is
read, a newer read wins over an older one, and closing a dialog mid-read is safe."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QLineEdit

from app.db import Database
from app.services import purchasing
from app.services.ordering import LineRequest
from app.services.snapshots import read_queues
from app.ui.background import reads_under_way
from app.ui.dialogs.adjust_stock import AdjustStockDialog
from app.ui.dialogs.cancel_order import CancelOrderDialog
from app.ui.dialogs.plan_preview import READING
from app.ui.dialogs.receive_stock import ReceiveStockDialog
from tests.ui.conftest import wait_for_saves
from tests.ui.shop_data import (
    MUG_BARCODE,
    Shop,
    build_shop,
    confirm_cancel,
    show_active,
    snapshot,
    wait_for_plan,
)


@pytest.fixture
def shop(sqlite_db: Database) -> Shop:
    return build_shop(sqlite_db)


def slow(seconds: float) -> Callable[..., object]:
    """``read_queues`` as it is on a flash sale's queue: slow."""

    def reading(*args: object, **kwargs: object) -> object:
        time.sleep(seconds)
        return read_queues(*args, **kwargs)  # type: ignore[arg-type]

    return reading


def gated(gate: threading.Event, calls: list[int], gate_call: int = 0) -> Callable[..., object]:
    """``read_queues`` that holds its ``gate_call``-th call until ``gate`` is set."""

    def reading(*args: object, **kwargs: object) -> object:
        calls.append(len(calls))
        if len(calls) - 1 == gate_call:
            assert gate.wait(10)
        return read_queues(*args, **kwargs)  # type: ignore[arg-type]

    return reading


def ticking(every_ms: int, probe: Callable[[], bool]) -> tuple[QTimer, list[bool]]:
    """A timer noting ``probe()`` at each tick: it only ticks while the GUI thread is free.
    Keep the timer while it counts."""
    ticks: list[bool] = []
    timer = QTimer()
    timer.setInterval(every_ms)
    timer.timeout.connect(lambda: ticks.append(probe()))
    timer.start()
    return timer, ticks


def summary_and_mugs(dialog: ReceiveStockDialog) -> tuple[str, list[tuple[str, str]]]:
    model = dialog.preview
    mugs = [
        (model.index(r, 0).data(), model.index(r, model.ALLOCATED_NOW).data())
        for r in range(model.rowCount())
        if model.index(r, 2).data() == "MUG"
    ]
    return dialog.summary.text(), mugs


def test_the_receive_dialog_stays_responsive_while_who_waits_is_read(
    qtbot, sqlite_db, shop, monkeypatch
):
    monkeypatch.setattr("app.ui.dialogs.receive_stock.read_queues", slow(1.0))
    started = time.monotonic()
    dialog = ReceiveStockDialog(sqlite_db, shop.po_ref)
    qtbot.addWidget(dialog)
    assert time.monotonic() - started < 0.5  # opening does not wait for the read
    show_active(qtbot, dialog)
    _timer, ticks = ticking(50, lambda: dialog.plan_area.reading)
    # Meanwhile: the plan's place says so, Confirm waits, and the clerk goes on scanning.
    assert dialog.plan_area.reading
    assert dialog.plan_area.busy_label.isVisible()
    assert dialog.plan_area.busy_label.text() == READING == dialog.summary.text()
    assert not dialog.confirm_button.isEnabled()
    scan = dialog.findChild(QLineEdit, "receiveScanInput")
    qtbot.keyClicks(scan, MUG_BARCODE)
    qtbot.keyClick(scan, Qt.Key.Key_Return)
    # The scan counts from zero (issue 9, item 5): 1 mug, not 6 prefilled + 1.
    assert "1 of 6 counted" in dialog.message.text()

    wait_for_plan(qtbot, dialog)
    assert sum(ticks) >= 5  # the timer fired again and again while the read ran
    # The plan counts the mug scanned during the read: 1 mug, Ana (first in line) gets it.
    assert summary_and_mugs(dialog)[1] == [
        ("Ana Lima", "1"),
        ("Ben Okafor", "0"),
        ("Dev Patel", "0"),
    ]
    assert dialog.confirm_button.isEnabled()
    assert not dialog.plan_area.busy_label.isVisible()


def test_closing_the_dialog_during_a_read_drops_the_result(qtbot, sqlite_db, shop, monkeypatch):
    gate, calls = threading.Event(), []
    monkeypatch.setattr("app.ui.dialogs.receive_stock.read_queues", gated(gate, calls))
    before = snapshot(sqlite_db)
    dialog = ReceiveStockDialog(sqlite_db, shop.po_ref)
    qtbot.addWidget(dialog)
    show_active(qtbot, dialog)
    qtbot.waitUntil(lambda: calls == [0])  # the read is under way
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert dialog.result() == dialog.DialogCode.Rejected
    gate.set()
    qtbot.waitUntil(lambda: reads_under_way() == 0)
    qtbot.wait(50)  # anything queued is delivered by now
    assert dialog.preview.rowCount() == 0  # the late plan was thrown away
    assert snapshot(sqlite_db) == before


def test_deleting_the_dialog_during_a_read_is_safe(qtbot, sqlite_db, shop, monkeypatch, caplog):
    gate, calls = threading.Event(), []
    monkeypatch.setattr("app.ui.dialogs.receive_stock.read_queues", gated(gate, calls))
    dialog = ReceiveStockDialog(sqlite_db, shop.po_ref)
    show_active(qtbot, dialog)
    qtbot.waitUntil(lambda: calls == [0])
    dialog.close()
    with qtbot.waitSignal(dialog.destroyed):
        dialog.deleteLater()
    gate.set()
    qtbot.waitUntil(lambda: reads_under_way() == 0)
    qtbot.wait(50)  # a callback into the deleted dialog would raise here (pytest-qt fails)
    assert "Traceback" not in caplog.text


def test_a_newer_read_wins_over_an_older_one(qtbot, sqlite_db, shop, monkeypatch):
    """The clerk picks one PO, then another before the first's queue is read: the late
    result for the first PO never replaces the plan of the PO on screen."""
    with sqlite_db.write() as s:
        spoons = purchasing.create_purchase_order(s, "ACME", [LineRequest("SPOON", 10)]).ref
    gate, calls = threading.Event(), []
    monkeypatch.setattr("app.ui.dialogs.receive_stock.read_queues", gated(gate, calls))
    dialog = ReceiveStockDialog(sqlite_db)
    qtbot.addWidget(dialog)
    dialog.header.picker.setCurrentText(shop.po_ref)  # its read waits at the gate
    qtbot.waitUntil(lambda: calls == [0])
    dialog.header.picker.setCurrentText(spoons)
    wait_for_plan(qtbot, dialog)
    spoon_plan = "0 units to customers · 10 units to stock · 0 orders now ready to ship"
    assert summary_and_mugs(dialog) == (spoon_plan, [])
    gate.set()
    qtbot.waitUntil(lambda: reads_under_way() == 0)
    qtbot.wait(50)
    assert summary_and_mugs(dialog) == (spoon_plan, [])
    assert dialog.confirm_button.isEnabled()


def test_after_a_cancel_who_waits_is_read_while_the_window_stays_responsive(
    qtbot, sqlite_db, shop, monkeypatch
):
    monkeypatch.setattr("app.services.freed.read_queues", slow(0.6))
    dialog = CancelOrderDialog(sqlite_db, shop.orders["C001"])
    qtbot.addWidget(dialog)
    show_active(qtbot, dialog)
    _timer, ticks = ticking(50, lambda: dialog.freed_dialog is None)
    qtbot.mouseClick(dialog.order_button, Qt.MouseButton.LeftButton)
    confirm_cancel(qtbot, dialog.order_question)
    wait_for_saves(qtbot)
    assert dialog.message.text().startswith("Checking who waits")
    qtbot.waitUntil(lambda: dialog.freed_dialog is not None, timeout=5000)
    assert sum(ticks) >= 5
    assert dialog.freed_dialog.isVisible()
    assert dialog.freed_dialog.preview.plan.units_to_customers == 2  # Eva's tea


def test_closing_the_cancel_dialog_during_the_read_drops_the_offer(
    qtbot, sqlite_db, shop, monkeypatch
):
    gate, calls = threading.Event(), []
    monkeypatch.setattr("app.services.freed.read_queues", gated(gate, calls))
    dialog = CancelOrderDialog(sqlite_db, shop.orders["C001"])
    qtbot.addWidget(dialog)
    show_active(qtbot, dialog)
    qtbot.mouseClick(dialog.order_button, Qt.MouseButton.LeftButton)
    confirm_cancel(qtbot, dialog.order_question)
    qtbot.waitUntil(lambda: calls == [0])
    qtbot.mouseClick(dialog.close_button, Qt.MouseButton.LeftButton)
    gate.set()
    qtbot.waitUntil(lambda: reads_under_way() == 0)
    qtbot.wait(50)
    assert dialog.freed_dialog is None  # the units stay available; nothing is offered
    # The cancel itself was saved: the dialog ends as done and says so.
    assert dialog.result() == dialog.DialogCode.Accepted
    assert dialog.outcome.startswith(f"Order {shop.orders['C001']}: ")


def test_closing_the_adjust_dialog_during_the_read_reports_the_saved_adjustment(
    qtbot, sqlite_db, shop, monkeypatch
):
    gate, calls = threading.Event(), []
    monkeypatch.setattr("app.services.freed.read_queues", gated(gate, calls))
    dialog = AdjustStockDialog(sqlite_db, "TEA")
    qtbot.addWidget(dialog)
    show_active(qtbot, dialog)
    qtbot.keyClicks(dialog.change, "+3")
    qtbot.keyClicks(dialog.reason.lineEdit(), "Found")
    dialog.submit()
    qtbot.waitUntil(lambda: calls == [0])
    dialog.reject()  # Esc or the close box while who-waits is read
    gate.set()
    qtbot.waitUntil(lambda: reads_under_way() == 0)
    qtbot.wait(50)
    assert dialog.freed_dialog is None
    assert dialog.result() == dialog.DialogCode.Accepted
    assert dialog.outcome.startswith("TEA: +3 (Found)")


def test_a_view_refreshed_faster_than_it_reads_runs_one_read_at_a_time(qtbot):
    """Refreshes that come while a read is under way (another till writing every second)
    start no thread of their own: the newest of them runs once the read ends."""
    from PySide6.QtWidgets import QWidget

    from app.ui.background import LatestRead

    owner = QWidget()  # as a view owns its reader
    qtbot.addWidget(owner)
    reader: LatestRead[int] = LatestRead(owner, one_at_a_time=True)
    owner.reader = reader
    gate, ran, delivered = threading.Event(), [], []

    def read(number: int) -> Callable[[], int]:
        def work() -> int:
            ran.append(number)
            if number == 0:
                gate.wait(5)
            return number

        return work

    for number in range(5):
        reader.start(read(number), delivered.append, pytest.fail)
    qtbot.waitUntil(lambda: ran == [0])
    assert reader.threads == 1  # the four refreshes wait, no thread each
    gate.set()
    qtbot.waitUntil(lambda: reads_under_way() == 0)
    assert ran == [0, 4] and delivered == [4]  # the first superseded, only the newest ran
