"""A small shop built through the services, shared by the dialog tests."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.exceptions import TimeoutError
from pytestqt.qtbot import QtBot
from sqlalchemy import func, select

from app.db import Database
from app.domain import OrderLine, PurchaseOrderLine, Receipt, SalesOrder, StockBalance
from app.services import catalog, ordering, purchasing, stock
from app.services.ordering import LineRequest
from app.ui.dialogs.discard import Question
from app.ui.dialogs.plan_preview import PlanArea
from app.ui.main_window import MainWindow

T0 = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
MUG_BARCODE = "4006381333931"
TEA_BARCODE = "5012345678900"


@dataclass(frozen=True)
class Shop:
    po_ref: str
    orders: dict[str, str]  #: customer code -> order ref


def build_shop(database: Database) -> Shop:
    """Three products; five customers waiting in a known order; one PO covering them.

    Queue: C001 (2 MUG, 1 TEA waiting), C002 (4 MUG), C003 (1 KET), C004 (3 MUG, 1 KET),
    C005 (2 TEA). The PO brings 6 MUG, 6 TEA, 2 KET.
    """
    with database.write() as s:
        catalog.create_supplier(s, "ACME", "Acme Wholesale", lead_time_days=5)
        catalog.create_product(s, "MUG", "Blue mug", barcode=MUG_BARCODE, supplier_code="ACME")
        catalog.create_product(s, "TEA", "Earl Grey", barcode=TEA_BARCODE, supplier_code="ACME")
        catalog.create_product(s, "KET", "Kettle", supplier_code="ACME")
        catalog.create_product(s, "SPOON", "Spoon")
        for code, name in [
            ("C001", "Ana Lima"),
            ("C002", "Ben Okafor"),
            ("C003", "Chloe Martin"),
            ("C004", "Dev Patel"),
            ("C005", "Eva Novak"),
        ]:
            catalog.create_customer(s, code, name)
        stock.adjust_stock(s, "TEA", 2, "count")
    orders = {}
    plan = [
        ("C001", [LineRequest("MUG", 2), LineRequest("TEA", 3)]),
        ("C002", [LineRequest("MUG", 4)]),
        ("C003", [LineRequest("KET", 1)]),
        ("C004", [LineRequest("MUG", 3), LineRequest("KET", 1)]),
        ("C005", [LineRequest("TEA", 2)]),
    ]
    with database.write() as s:
        for hour, (customer, lines) in enumerate(plan):
            placed = ordering.place_order(s, customer, lines, placed_at=T0 + timedelta(hours=hour))
            orders[customer] = placed.ref
        po = purchasing.create_purchase_order(
            s, "ACME", [LineRequest("MUG", 6), LineRequest("TEA", 6), LineRequest("KET", 2)]
        )
        po_ref = po.ref
    return Shop(po_ref, orders)


def snapshot(database: Database) -> dict[str, object]:
    """Everything a receipt could change, as plain values."""
    with database.read() as s:
        lines = s.execute(
            select(
                SalesOrder.ref,
                OrderLine.line_no,
                OrderLine.qty_allocated,
                OrderLine.qty_backordered,
            )
            .join(SalesOrder, SalesOrder.id == OrderLine.order_id)
            .order_by(SalesOrder.ref, OrderLine.line_no)
        ).all()
        statuses = s.execute(select(SalesOrder.ref, SalesOrder.status)).all()
        balances = s.execute(
            select(
                StockBalance.product_id,
                StockBalance.on_hand,
                StockBalance.allocated,
                StockBalance.version,
            )
        ).all()
        received = s.execute(select(PurchaseOrderLine.id, PurchaseOrderLine.qty_received)).all()
        receipts = s.scalar(select(func.count()).select_from(Receipt))
    return {
        "lines": [tuple(r) for r in lines],
        "statuses": sorted((ref, str(st)) for ref, st in statuses),
        "balances": sorted(tuple(r) for r in balances),
        "received": sorted(tuple(r) for r in received),
        "receipts": receipts,
    }


def line_state(database: Database, order_ref: str, line_no: int) -> tuple[int, int]:
    """(allocated, backordered) of one order line."""
    with database.read() as s:
        order = ordering.get_order(s, order_ref)
        line = next(item for item in order.lines if item.line_no == line_no)
        return line.qty_allocated, line.qty_backordered


def show_active(qtbot: QtBot, widget: QWidget) -> None:
    """Show a dialog and make it the active window, so keys go where a clerk's would.

    Another test may leave a closed window that the offscreen platform still calls active;
    asking the window system to activate ours (and waiting for it) makes the tests independent.
    """
    widget.show()
    qtbot.waitExposed(widget)
    widget.raise_()
    widget.activateWindow()
    handle = widget.windowHandle()
    if handle is not None:
        handle.requestActivate()
    try:
        qtbot.waitUntil(widget.isActiveWindow, timeout=500)
    except TimeoutError:
        QApplication.setActiveWindow(widget)  # deprecated, but the offscreen platform needs it
        qtbot.waitUntil(widget.isActiveWindow, timeout=2000)


def open_window(qtbot: QtBot, database: Database) -> MainWindow:
    """The main window on ``database``, shown at a laptop's size and exposed."""
    window = MainWindow(database)
    qtbot.addWidget(window)
    window.resize(1200, 760)
    window.show()
    qtbot.waitExposed(window)
    return window


def wait_for_plan(qtbot: QtBot, dialog: QWidget) -> None:
    """Wait until a preview dialog shows its plan: who waits is read off the GUI thread,
    and meanwhile its plan area says "Reading who waits…"."""
    area = dialog.findChild(PlanArea)
    assert area is not None
    qtbot.waitUntil(lambda: not area.reading, timeout=5000)


def held_until(gate: threading.Event, read: Callable[..., object]) -> Callable[..., object]:
    """``read`` that first waits for ``gate``: a test looks at a dialog while it reads again
    (e.g. right after a refused confirm: Confirm waits for the new plan)."""

    def reading(*args: object, **kwargs: object) -> object:
        assert gate.wait(10)
        return read(*args, **kwargs)

    return reading


def answer_risky_by_keyboard(qtbot: QtBot, question: Question, *, stray_scan: str) -> None:
    """A scan typed into a question box answers nothing; Tab from the safe (default) answer to
    the risky one, then Space, gives it."""
    box = question.box
    assert box is not None
    show_active(qtbot, box)
    qtbot.keyClicks(QApplication.focusWidget(), stray_scan)
    assert box.isVisible() and question.box is box  # not answered
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is question.risky_button
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Space)


def confirm_cancel(qtbot: QtBot, question: Question) -> None:
    """Answer yes to the cancel dialog's question (its default is to keep the units)."""
    qtbot.waitUntil(lambda: question.box is not None and question.box.isVisible())
    button = question.risky_button
    assert button is not None
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
