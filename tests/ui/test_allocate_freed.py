"""Cancel -> "Allocate freed stock" -> confirm (or keep in stock, or change who gets what)."""

from __future__ import annotations

import threading

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPushButton, QTableView

from app.db import Database
from app.domain.enums import CustomerTier
from app.services import cancelling, catalog, freed, ordering
from app.services.ordering import LineRequest
from app.ui.dialogs.allocate_freed import AllocateFreedDialog, freed_stock_offer
from app.ui.dialogs.cancel_order import CancelOrderDialog
from tests.ui.conftest import wait_for_saves
from tests.ui.shop_data import (
    Shop,
    build_shop,
    confirm_cancel,
    held_until,
    line_state,
    show_active,
    snapshot,
    wait_for_plan,
)


@pytest.fixture
def shop(sqlite_db: Database) -> Shop:
    return build_shop(sqlite_db)


def rows(view: QTableView, *columns: int) -> list[tuple[object, ...]]:
    model = view.model()
    return [tuple(model.index(r, c).data() for c in columns) for r in range(model.rowCount())]


def freed_dialog(qtbot, database: Database) -> AllocateFreedDialog:
    """The freed-stock offer for the tea (after Ana's order was cancelled elsewhere)."""
    with database.read() as s:
        tea = catalog.find_product(s, "TEA").id
    offer = freed_stock_offer(database, [tea])
    assert offer is not None
    dialog = AllocateFreedDialog(database, offer)
    qtbot.addWidget(dialog)
    return dialog


# --- freed stock ------------------------------------------------------------------------------


def test_cancel_then_allocate_freed_stock_then_confirm(qtbot, sqlite_db, shop):
    """Ana's 2 teas are freed; Eva waits for 2: the clerk sees who, with why, and confirms."""
    ref = shop.orders["C001"]
    cancel = CancelOrderDialog(sqlite_db, ref)
    qtbot.addWidget(cancel)
    show_active(qtbot, cancel)
    qtbot.keyClicks(cancel.reason, "changed mind")
    qtbot.mouseClick(cancel.order_button, Qt.MouseButton.LeftButton)
    confirm_cancel(qtbot, cancel.order_question)
    qtbot.waitUntil(lambda: cancel.freed_dialog is not None)  # who waits is read meanwhile
    freed = cancel.freed_dialog
    assert isinstance(freed, AllocateFreedDialog) and freed.isVisible()
    table = freed.findChild(QTableView, "allocationPreviewTable")
    assert rows(table, 0, 2, 3, 4) == [("Eva Novak", "TEA", "2", "2")]
    assert rows(table, 6)[0][0].endswith("1st in queue")
    assert "2 units of TEA Earl Grey are available again" in freed.details.text()
    assert freed.summary.text().startswith("2 units to customers · 0 units kept in stock")
    qtbot.mouseClick(freed.findChild(QPushButton, "confirmFreedButton"), Qt.MouseButton.LeftButton)
    wait_for_saves(qtbot)
    assert freed.result() == freed.DialogCode.Accepted
    assert cancel.result() == cancel.DialogCode.Accepted
    assert line_state(sqlite_db, shop.orders["C005"], 1) == (2, 0)
    assert cancel.outcome.endswith(
        "; 2 freed units allocated to waiting customers; 1 order ready to ship"
    )


def test_keep_in_stock_changes_nothing(qtbot, sqlite_db, shop):
    with sqlite_db.write() as s:
        cancelling.cancel_order(s, shop.orders["C001"])
    dialog = freed_dialog(qtbot, sqlite_db)
    before = snapshot(sqlite_db)
    qtbot.mouseClick(dialog.keep_button, Qt.MouseButton.LeftButton)
    assert dialog.result() == dialog.DialogCode.Rejected
    assert snapshot(sqlite_db) == before


def test_the_clerk_can_change_who_gets_freed_units(qtbot, sqlite_db, shop):
    with sqlite_db.write() as s:
        cancelling.cancel_order(s, shop.orders["C001"])
    dialog = freed_dialog(qtbot, sqlite_db)
    model = dialog.preview
    assert model.setData(model.index(0, model.ALLOCATED_NOW), "1")
    assert dialog.summary.text().startswith("1 unit to customers · 1 unit kept in stock")
    assert "quantity set by the clerk" in model.index(0, model.REASON).data()
    dialog.submit()
    wait_for_saves(qtbot)
    assert line_state(sqlite_db, shop.orders["C005"], 1) == (1, 1)


def test_gold_customers_are_marked_in_the_freed_stock_preview(qtbot, sqlite_db, shop):
    with sqlite_db.write() as s:
        catalog.create_customer(s, "G001", "Gus Gold", tier=CustomerTier.GOLD)
        ordering.place_order(s, "G001", [LineRequest("TEA", 1)])
        cancelling.cancel_order(s, shop.orders["C001"])
    dialog = freed_dialog(qtbot, sqlite_db)
    table = dialog.findChild(QTableView, "allocationPreviewTable")
    assert rows(table, 0) == [("Eva Novak",), ("Gus Gold ★",)]
    tip = table.model().index(1, 0).data(Qt.ItemDataRole.ToolTipRole)
    assert tip.startswith("Gold customer.")


def test_a_stale_freed_plan_is_read_again_and_shown_not_applied(
    qtbot, sqlite_db, shop, monkeypatch
):
    with sqlite_db.write() as s:
        cancelling.cancel_order(s, shop.orders["C001"])
    dialog = freed_dialog(qtbot, sqlite_db)
    with sqlite_db.write() as s:  # another till sells one of the 2 freed teas meanwhile
        ordering.place_order(s, "C003", [LineRequest("TEA", 1)])
    before = snapshot(sqlite_db)
    gate = threading.Event()  # the new plan's read waits, so the test sees Allocate wait
    monkeypatch.setattr(
        "app.ui.dialogs.allocate_freed.preview_freed_stock",
        held_until(gate, freed.preview_freed_stock),
    )
    dialog.submit()
    wait_for_saves(qtbot)
    assert dialog.result() != dialog.DialogCode.Accepted
    assert not dialog.confirm_button.isEnabled()  # until the new plan is there
    gate.set()
    wait_for_plan(qtbot, dialog)
    assert dialog.message.text().startswith("Stock changed since the preview")
    assert snapshot(sqlite_db) == before
    table = dialog.findChild(QTableView, "allocationPreviewTable")
    assert rows(table, 0, 4) == [("Eva Novak", "1")]  # one tea left to offer her
    assert dialog.confirm_button.isEnabled()


def test_allocating_runs_off_the_gui_thread(qtbot, sqlite_db, shop, monkeypatch):
    """Issue 9, item 12: while the allocation is written the dialog is disabled (nothing can
    be typed into it, Esc does not close it) and the window goes on; then it is done."""
    with sqlite_db.write() as s:
        cancelling.cancel_order(s, shop.orders["C001"])
    dialog = freed_dialog(qtbot, sqlite_db)
    show_active(qtbot, dialog)
    started, release = threading.Event(), threading.Event()
    threads: list[threading.Thread] = []
    real = freed.confirm_freed_stock

    def slow_confirm(*args, **kwargs):
        threads.append(threading.current_thread())
        started.set()
        assert release.wait(5)
        return real(*args, **kwargs)

    monkeypatch.setattr("app.ui.dialogs.allocate_freed.confirm_freed_stock", slow_confirm)
    qtbot.mouseClick(dialog.confirm_button, Qt.MouseButton.LeftButton)
    try:
        qtbot.waitUntil(started.is_set)
        assert threads[0] is not threading.main_thread()
        assert not dialog.isEnabled()
        dialog.reject()  # Esc while saving: ignored
        assert dialog.isVisible()
    finally:
        release.set()
    wait_for_saves(qtbot)
    assert dialog.result() == dialog.DialogCode.Accepted
    assert line_state(sqlite_db, shop.orders["C005"], 1) == (2, 0)
