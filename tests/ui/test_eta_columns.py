"""ETAs in the window: the Backorders tab (likely / late, covering PO, not on order, moved
later), each order's ETA in the Orders tab, and the next expected date in the Stock tab."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot
from sqlalchemy import update

from app.db import Database
from app.domain import PurchaseOrder
from app.services import formatting
from app.services.changes import Area, Changes
from app.services.eta import recompute_etas
from app.ui import events
from app.ui.main_window import MainWindow
from tests.ui.shop_data import open_window
from tests.ui.test_main_window import model_of
from tests.ui.test_models import cells, column, fill_shop


def day(value: date) -> str:
    return formatting.day(value)


def expected_of_po1(db: Database) -> date:
    with db.read() as s:
        found = s.query(PurchaseOrder.expected_date).filter(PurchaseOrder.ref == "PO-1").scalar()
    assert found is not None
    return found


@pytest.fixture
def window(qtbot: QtBot, sqlite_db: Database) -> MainWindow:
    """fill_shop's queue: SO-1 (2 ANVIL waiting), SO-2 (3), SO-3 (4); PO-1 brings 6."""
    fill_shop(sqlite_db)
    with sqlite_db.write() as s:
        recompute_etas(s)
    return open_window(qtbot, sqlite_db)


def redate_po1(db: Database, expected: date) -> None:
    """Move PO-1's date as a PO service would: in one transaction with the recompute."""
    with db.write() as s:
        s.execute(
            update(PurchaseOrder).where(PurchaseOrder.ref == "PO-1").values(expected_date=expected)
        )
        recompute_etas(s)
    events.bus().announce(Changes.of(Area.PURCHASE_ORDERS, Area.QUEUE, Area.ORDERS))


def test_the_backorders_tab_shows_etas_and_they_move_with_the_po_date(
    window: MainWindow,
) -> None:
    db = window.backorders_tab.database
    expected = expected_of_po1(db)
    model = model_of(window, "backordersTab")
    assert cells(model, "Order") == ["SO-1", "SO-2", "SO-3"]
    assert cells(model, "ETA") == [day(expected), day(expected), "not on order (3 short)"]
    assert cells(model, "PO") == ["PO-1", "PO-1", "PO-1"]

    later = expected + timedelta(days=9)
    redate_po1(db, later)

    moved = f"{day(later)} \N{MIDDLE DOT} later"
    assert cells(model, "ETA") == [moved, moved, "not on order (3 short)"]
    eta_column = column(model, "ETA")
    tip = model.data(model.index(0, eta_column), Qt.ItemDataRole.ToolTipRole)
    assert tip.endswith(f"ETA moved later: it was {day(expected)}")
    assert "PO-1's supplier: no history" in tip  # where likely and late come from
    assert model.data(model.index(0, eta_column), Qt.ItemDataRole.ForegroundRole) is not None


def test_an_overdue_po_shows_overdue_not_a_past_date(window: MainWindow) -> None:
    db = window.backorders_tab.database
    past = date.today() - timedelta(days=3)
    redate_po1(db, past)
    model = model_of(window, "backordersTab")
    assert cells(model, "ETA")[:2] == [f"overdue ({day(past)})"] * 2


def test_not_on_order_only_shows_the_lines_to_order_for(window: MainWindow) -> None:
    model = model_of(window, "backordersTab")
    window.backorders_tab.not_on_order.setChecked(True)
    assert cells(model, "Order") == ["SO-3"]
    assert window.backorders_tab.footer.text().startswith("1 line waiting")
    window.backorders_tab.not_on_order.setChecked(False)
    assert cells(model, "Order") == ["SO-1", "SO-2", "SO-3"]


def test_sorting_by_eta_puts_not_on_order_last(window: MainWindow) -> None:
    model = model_of(window, "backordersTab")
    model.sort(column(model, "ETA"), Qt.SortOrder.DescendingOrder)
    assert cells(model, "Order")[0] == "SO-3"
    model.sort(column(model, "ETA"), Qt.SortOrder.AscendingOrder)
    assert cells(model, "Order")[-1] == "SO-3"


def test_orders_show_their_latest_lines_eta_and_stock_its_next_expected_date(
    window: MainWindow,
) -> None:
    expected = expected_of_po1(window.orders_tab.database)
    orders = model_of(window, "ordersTab")
    by_ref = dict(zip(cells(orders, "Ref"), cells(orders, "ETA"), strict=True))
    assert by_ref == {"SO-1": day(expected), "SO-2": day(expected), "SO-3": "not on order"}
    stock = model_of(window, "stockTab")
    by_sku = dict(zip(cells(stock, "SKU"), cells(stock, "Next expected"), strict=True))
    assert by_sku == {"ANVIL": day(expected), "GLUE": "", "ROPE": ""}
