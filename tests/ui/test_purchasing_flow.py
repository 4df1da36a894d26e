"""The purchasing flow end to end, through the real window as the owner would drive it:
customers wait for a product nobody has ordered; a draft PO is created from the suggestions,
sent, and re-dated; the Backorders tab follows each step with its ETAs."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QPushButton, QTableView, QWidget
from pytestqt.qtbot import QtBot

from app.db import Database
from app.domain import PurchaseOrderStatus
from app.services import catalog, formatting, ordering, purchasing, stock
from app.services.ordering import LineRequest
from app.ui import events
from app.ui.dialogs.edit_purchase_order import ExpectedDateDialog
from app.ui.dialogs.suggest_purchase_orders import SuggestionsModel, SuggestPurchaseOrdersDialog
from app.ui.main_window import MainWindow
from tests.ui.shop_data import show_active
from tests.ui.test_main_window import model_of, table
from tests.ui.test_models import cells, column

T0 = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
NOT_ON_ORDER = ["not on order (2 short)", "not on order (3 short)"]  # per line
LATER = "\N{MIDDLE DOT} later"


def day(value: date) -> str:
    return formatting.day(value)


@pytest.fixture
def window(qtbot: QtBot, sqlite_db: Database) -> MainWindow:
    """Ana waits for 2 LAMP, Ben for 3; nothing is in stock or on order. Ben's TEA is in
    stock (allocated, not waiting), so it is neither in the queue nor suggested."""
    with sqlite_db.write() as s:
        catalog.create_supplier(s, "LUMEN", "Lumen Lighting", lead_time_days=6)
        catalog.create_product(s, "LAMP", "Desk lamp", supplier_code="LUMEN")
        catalog.create_product(s, "TEA", "Earl Grey", supplier_code="LUMEN")
        catalog.create_customer(s, "C1", "Ana Lima")
        catalog.create_customer(s, "C2", "Ben Okafor")
        stock.adjust_stock(s, "TEA", 10, "count")
    with sqlite_db.write() as s:
        ordering.place_order(s, "C1", [LineRequest("LAMP", 2)], ref="SO-1", placed_at=T0)
        ordering.place_order(
            s,
            "C2",
            [LineRequest("LAMP", 3), LineRequest("TEA", 1)],
            ref="SO-2",
            placed_at=T0 + timedelta(hours=1),
        )
    win = MainWindow(sqlite_db)
    qtbot.addWidget(win)
    win.resize(1300, 760)
    win.show()
    qtbot.waitExposed(win)
    return win


def button(win: MainWindow, name: str) -> QPushButton:
    found = win.findChild(QPushButton, name)
    assert found is not None, name
    return found


def click(qtbot: QtBot, win: MainWindow, name: str) -> None:
    target = button(win, name)
    assert target.isEnabled(), name
    qtbot.mouseClick(target, Qt.MouseButton.LeftButton)


def ctrl_return(qtbot: QtBot) -> None:
    qtbot.keyClick(
        QApplication.focusWidget(), Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier
    )


def show_tab(win: MainWindow, name: str) -> QWidget:
    tab = win.findChild(QWidget, name)
    assert tab is not None, name
    win.tabs.setCurrentWidget(tab)
    return tab


def click_row(qtbot: QtBot, view: QTableView, row: int) -> None:
    rect = view.visualRect(view.model().index(row, 0))
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())


def po_in_db(db: Database, ref: str) -> tuple[PurchaseOrderStatus, date | None, list[tuple]]:
    with db.read() as s:
        found = purchasing.get_purchase_order(s, ref)
        lines = [(line.product.sku, line.qty_ordered) for line in found.lines]
        return found.status, found.expected_date, lines


def test_a_suggested_po_is_sent_and_re_dated_and_the_backorders_etas_follow(
    window: MainWindow, qtbot: QtBot
) -> None:
    db = window.database
    bar = window.statusBar()

    # 1. Nobody has ordered LAMP: both waiting lines say "not on order".
    backorders = model_of(window, "backordersTab")
    assert cells(backorders, "Order") == ["SO-1", "SO-2"]
    assert cells(backorders, "SKU") == ["LAMP", "LAMP"]
    assert cells(backorders, "ETA") == NOT_ON_ORDER
    assert cells(backorders, "PO") == ["", ""]

    # 2. Purchase orders tab: "Suggest purchase orders…" proposes the 5 uncovered LAMP.
    po_tab = show_tab(window, "purchaseOrdersTab")
    purchase_orders = model_of(window, "purchaseOrdersTab")
    assert purchase_orders.rowCount() == 0
    click(qtbot, window, "suggestPurchaseOrdersButton")
    (suggest,) = window.findChildren(SuggestPurchaseOrdersDialog)
    show_active(qtbot, suggest)
    model = suggest.model
    rows = range(model.rowCount())
    assert [model.index(r, 1).data() for r in rows] == ["LAMP"]
    assert [model.index(r, 0).data() for r in rows] == ["Lumen Lighting"]
    assert [model.index(r, SuggestionsModel.ORDER).data() for r in rows] == ["5"]
    assert suggest.footer.text().startswith("1 draft · 5 units")
    with qtbot.waitSignal(events.bus().data_changed, timeout=1000):
        ctrl_return(qtbot)  # Create drafts
    assert suggest.result() == suggest.DialogCode.Accepted
    (ref,) = suggest.created_refs
    assert bar.currentMessage() == f"Created 1 draft purchase order ({ref}); review and send them"
    status, _, lines = po_in_db(db, ref)
    assert (status, lines) == (PurchaseOrderStatus.DRAFT, [("LAMP", 5)])

    # A draft is not on order: the queue still waits on nothing.
    assert cells(model_of(window, "backordersTab"), "ETA") == NOT_ON_ORDER

    # 3. Select the draft in the Purchase orders tab and send it.
    show_tab(window, "purchaseOrdersTab")
    assert cells(purchase_orders, "Ref") == [ref]
    assert not button(window, "sendPurchaseOrderButton").isEnabled()  # nothing selected yet
    click_row(qtbot, table(window, "purchaseOrdersTab"), 0)
    assert po_tab.selected_ref() == ref
    with qtbot.waitSignal(events.bus().data_changed, timeout=1000):
        click(qtbot, window, "sendPurchaseOrderButton")
    status, expected, _ = po_in_db(db, ref)
    assert status == PurchaseOrderStatus.OPEN
    assert expected == datetime.now(UTC).date() + timedelta(days=6)  # lead time from today
    assert bar.currentMessage() == f"Purchase order {ref} sent; expected {day(expected)}"
    assert po_tab.selected_row().status == PurchaseOrderStatus.OPEN
    assert not button(window, "sendPurchaseOrderButton").isEnabled()

    # 4. The Backorders tab now shows the PO's expected date and the PO for both lines.
    backorders = model_of(window, "backordersTab")
    assert cells(backorders, "Order") == ["SO-1", "SO-2"]
    assert cells(backorders, "ETA") == [day(expected), day(expected)]
    assert cells(backorders, "PO") == [ref, ref]
    eta_column = column(backorders, "ETA")
    tip = backorders.data(backorders.index(0, eta_column), Qt.ItemDataRole.ToolTipRole)
    assert f"Supplier's expected date: {day(expected)}" in tip
    assert "moved later" not in tip

    # 5. "Change expected date…" moves the PO nine days later.
    show_tab(window, "purchaseOrdersTab")
    assert po_tab.selected_ref() == ref  # the selection survived the refresh
    click(qtbot, window, "changeExpectedDateButton")
    (redate,) = window.findChildren(ExpectedDateDialog)
    show_active(qtbot, redate)
    assert redate.new_date() == expected
    assert redate.date.hasFocus()
    redate.date.setDate(redate.date.date().addDays(9))
    later = expected + timedelta(days=9)
    with qtbot.waitSignal(events.bus().data_changed, timeout=1000):
        ctrl_return(qtbot)  # Save date
    assert po_in_db(db, ref)[1] == later
    assert bar.currentMessage() == (
        f"Purchase order {ref} now expected {day(later)} (later than before)"
        "; 2 waiting lines now expected later"
    )

    # 6. The Backorders tab shows the later ETA and flags both lines as moved later.
    backorders = model_of(window, "backordersTab")
    moved = f"{day(later)} {LATER}"
    assert cells(backorders, "ETA") == [moved, moved]
    assert cells(backorders, "PO") == [ref, ref]
    for row in range(backorders.rowCount()):
        index = backorders.index(row, eta_column)
        tip = backorders.data(index, Qt.ItemDataRole.ToolTipRole)
        assert tip.endswith(f"ETA moved later: it was {day(expected)}")
        assert backorders.data(index, Qt.ItemDataRole.ForegroundRole) is not None  # warned
    assert window.backorders_tab.footer.text() == "2 lines waiting · 5 units backordered in all"
