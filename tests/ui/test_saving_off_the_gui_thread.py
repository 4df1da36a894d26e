"""Every save from the window runs off the GUI thread, and announces what the service changed.

Each dialog's save and each tab action is tried while another program holds the shop file's
write lock: what is being saved is disabled, the window keeps running (a timer ticks) while
the write waits, nothing is announced yet; once the lock is released the write goes through
and exactly the service's ``changes`` are announced.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from PySide6.QtCore import QPoint, Qt, QTimer
from PySide6.QtWidgets import QDialog, QRadioButton, QWidget
from pytestqt.qtbot import QtBot

from app.db import Database
from app.domain.enums import QueuePolicy, ShipPreference
from app.domain.errors import InvalidTransition
from app.services import catalog, formatting, purchasing, queue
from app.services.changes import Area, Changes
from app.services.ordering import LineRequest, get_order
from app.ui import events
from app.ui.dialogs.adjust_stock import AdjustStockDialog
from app.ui.dialogs.cancel_order import CancelOrderDialog
from app.ui.dialogs.customer import CustomerDialog
from app.ui.dialogs.edit_draft import EditDraftDialog
from app.ui.dialogs.edit_purchase_order import CancelPurchaseOrderDialog, ExpectedDateDialog
from app.ui.dialogs.new_purchase_order import NewPurchaseOrderDialog
from app.ui.dialogs.settings import SettingsDialog
from app.ui.dialogs.settings_backups import BackupsPage
from app.ui.dialogs.settings_priority import QueuePriorityDialog, QueuePriorityPage
from app.ui.dialogs.ship_order import ShipOrderDialog
from app.ui.dialogs.suggest_purchase_orders import SuggestPurchaseOrdersDialog
from app.ui.tabs.backorders_tab import BackordersTab
from app.ui.tabs.base import TableTab
from app.ui.tabs.orders_tab import OrdersTab
from app.ui.tabs.purchase_orders_tab import PurchaseOrdersTab
from app.ui.writing import writes_under_way
from tests.ui.conftest import hold_write_lock, wait_for_saves
from tests.ui.shop_data import Shop, build_shop, show_active

INCOMING = (Area.PURCHASE_ORDERS, Area.STOCK, Area.QUEUE)
ORDER = (Area.ORDERS, Area.STOCK, Area.QUEUE)


@dataclass
class Saving:
    """A dialog or tab ready to save: ``start()`` starts the save."""

    owner: QWidget
    start: Callable[[], None]
    #: What the write must announce, once it went through.
    expected: Callable[[], Changes]
    #: The owner shows the write went through.
    saved: Callable[[], bool]


def pid(database: Database, *skus: str) -> list[int]:
    with database.read() as s:
        return [catalog.find_product(s, sku).id for sku in skus]


def draft(database: Database) -> str:
    with database.write() as s:
        return purchasing.create_purchase_order(
            s, "ACME", [LineRequest("SPOON", 5)], draft=True
        ).ref


def dialog(qtbot: QtBot, widget: QDialog) -> QDialog:
    qtbot.addWidget(widget)
    show_active(qtbot, widget)
    return widget


def accepted(widget: QDialog) -> Callable[[], bool]:
    return lambda: widget.result() == QDialog.DialogCode.Accepted


def tab(qtbot: QtBot, widget: TableTab, key: object) -> tuple[TableTab, list[str]]:
    qtbot.addWidget(widget)
    widget.resize(1200, 500)
    widget.show()
    qtbot.waitExposed(widget)
    widget.ensure_loaded()
    assert widget.select_key(key)  # type: ignore[arg-type]
    said: list[str] = []
    widget.message.connect(said.append)
    return widget, said


# --- the dialogs ----------------------------------------------------------------------------


def adjust_stock(qtbot: QtBot, db: Database, shop: Shop) -> Saving:
    d = dialog(qtbot, AdjustStockDialog(db, "SPOON"))
    d.change.setText("+2")
    d.reason.setEditText("Found")
    return Saving(
        d,
        d.submit,
        lambda: Changes.of(Area.STOCK, Area.QUEUE, product_ids=pid(db, "SPOON")),
        accepted(d),
    )


def ship_order(qtbot: QtBot, db: Database, shop: Shop) -> Saving:
    ref = shop.orders["C001"]  # 2 tea allocated, the rest waits; ships partial
    d = dialog(qtbot, ShipOrderDialog(db, ref))
    expected = Changes.of(Area.ORDERS, Area.STOCK, product_ids=pid(db, "TEA"), order_refs=[ref])
    return Saving(d, d.submit, lambda: expected, accepted(d))


def cancel_order(qtbot: QtBot, db: Database, shop: Shop) -> Saving:
    ref = shop.orders["C003"]  # one kettle waiting: nothing freed to offer
    d = dialog(qtbot, CancelOrderDialog(db, ref))
    expected = Changes.of(*ORDER, product_ids=pid(db, "KET"), order_refs=[ref])
    return Saving(d, d.cancel_whole_order, lambda: expected, accepted(d))


def add_customer(qtbot: QtBot, db: Database, shop: Shop) -> Saving:
    d = dialog(qtbot, CustomerDialog(db, name="Zoe Quinn"))
    return Saving(
        d,
        d.submit,
        lambda: Changes.of(Area.CATALOG),
        lambda: d.saved is not None and d.saved.code == "ZQUINN",
    )


def new_purchase_order(qtbot: QtBot, db: Database, shop: Shop) -> Saving:
    d = dialog(qtbot, NewPurchaseOrderDialog(db))
    qtbot.keyClicks(d.sku, "MUG")
    qtbot.keyClick(d.sku, Qt.Key.Key_Return)
    assert d.create_button.isEnabled(), d.message.text()
    return Saving(
        d,
        d.submit,
        lambda: Changes.of(
            *INCOMING, product_ids=pid(db, "MUG"), purchase_order_refs=[d.created_ref]
        ),
        accepted(d),
    )


def edit_draft(qtbot: QtBot, db: Database, shop: Shop) -> Saving:
    ref = draft(db)
    d = dialog(qtbot, EditDraftDialog(db, ref))
    expected = Changes.of(
        Area.PURCHASE_ORDERS, product_ids=pid(db, "SPOON"), purchase_order_refs=[ref]
    )
    return Saving(d, d.submit, lambda: expected, accepted(d))


def expected_date(qtbot: QtBot, db: Database, shop: Shop) -> Saving:
    d = dialog(qtbot, ExpectedDateDialog(db, shop.po_ref))
    d.date.setDate(d.date.date().addDays(3))
    expected = Changes.of(
        *INCOMING, product_ids=pid(db, "MUG", "TEA", "KET"), purchase_order_refs=[shop.po_ref]
    )
    return Saving(d, d.submit, lambda: expected, accepted(d))


def cancel_purchase_order(qtbot: QtBot, db: Database, shop: Shop) -> Saving:
    d = dialog(qtbot, CancelPurchaseOrderDialog(db, shop.po_ref))
    expected = Changes.of(
        *INCOMING, product_ids=pid(db, "MUG", "TEA", "KET"), purchase_order_refs=[shop.po_ref]
    )
    return Saving(d, d.submit, lambda: expected, accepted(d))


def suggest_purchase_orders(qtbot: QtBot, db: Database, shop: Shop) -> Saving:
    d = dialog(qtbot, SuggestPurchaseOrdersDialog(db))
    assert d.create_button.isEnabled(), d.message.text()
    return Saving(
        d,
        d.submit,
        lambda: Changes.of(
            Area.PURCHASE_ORDERS, product_ids=pid(db, "MUG"), purchase_order_refs=d.created_refs
        ),
        accepted(d),
    )


def queue_priority(qtbot: QtBot, db: Database, shop: Shop) -> Saving:
    d = dialog(qtbot, QueuePriorityDialog(db))
    loyalty = d.findChild(QRadioButton, "queuePolicy_loyalty")
    assert loyalty is not None
    qtbot.mouseClick(loyalty, Qt.MouseButton.LeftButton, pos=QPoint(8, loyalty.height() // 2))
    return Saving(d, d.accept, lambda: Changes.of(Area.SETTINGS, Area.QUEUE), accepted(d))


# --- the tabs' own actions ------------------------------------------------------------------


def pin_line(qtbot: QtBot, db: Database, shop: Shop) -> Saving:
    ref = shop.orders["C004"]  # waits for 3 mugs behind two other orders
    with db.read() as s:
        line_id = next(line.id for line in get_order(s, ref).lines if line.line_no == 1)
    backorders = BackordersTab(db)
    widget, said = tab(qtbot, backorders, line_id)
    expected = Changes.of(Area.QUEUE, Area.ORDERS, product_ids=pid(db, "MUG"), order_refs=[ref])
    pinned = f"Pinned {ref} line 1 (MUG): now 1st in its product's queue; 0 units ahead"
    return Saving(widget, backorders.pin_action.trigger, lambda: expected, lambda: said == [pinned])


def ship_preference(qtbot: QtBot, db: Database, shop: Shop) -> Saving:
    ref = shop.orders["C001"]
    orders = OrdersTab(db)
    widget, said = tab(qtbot, orders, ref)
    return Saving(
        widget,
        lambda: orders.set_ship_preference(ShipPreference.COMPLETE),
        lambda: Changes.of(Area.ORDERS, order_refs=[ref]),
        lambda: (
            said == [f"{ref} now ships complete (held until every unit is in); it is backordered"]
        ),
    )


def send_purchase_order(qtbot: QtBot, db: Database, shop: Shop) -> Saving:
    ref = draft(db)
    pos = PurchaseOrdersTab(db)
    widget, said = tab(qtbot, pos, ref)
    sent = date.today() + timedelta(days=5)  # Acme's lead time
    return Saving(
        widget,
        pos.send_selected,
        lambda: Changes.of(*INCOMING, product_ids=pid(db, "SPOON"), purchase_order_refs=[ref]),
        lambda: said == [f"Purchase order {ref} sent; expected {formatting.day(sent)}"],
    )


SAVES = [
    adjust_stock,
    ship_order,
    cancel_order,
    add_customer,
    new_purchase_order,
    edit_draft,
    expected_date,
    cancel_purchase_order,
    suggest_purchase_orders,
    queue_priority,
    pin_line,
    ship_preference,
    send_purchase_order,
]


@pytest.mark.parametrize("prepare", SAVES, ids=[save.__name__ for save in SAVES])
def test_a_save_waits_for_a_locked_file_off_the_gui_thread_then_announces_its_changes(
    qtbot: QtBot, sqlite_db: Database, prepare: Callable[[QtBot, Database, Shop], Saving]
) -> None:
    saving = prepare(qtbot, sqlite_db, build_shop(sqlite_db))
    announced: list[Changes] = []
    events.bus().data_changed.connect(announced.append)
    ticks: list[float] = []
    timer = QTimer(interval=20)
    timer.timeout.connect(lambda: ticks.append(time.monotonic()))
    timer.start()
    other = hold_write_lock(sqlite_db)
    try:
        saving.start()
        assert writes_under_way() == 1
        assert not saving.owner.isEnabled()  # nothing can be changed while it is saved
        # The event loop keeps running while the write waits for the lock.
        qtbot.waitUntil(lambda: len(ticks) >= 10, timeout=3000)
        assert writes_under_way() == 1 and announced == [] and not saving.saved()
    finally:
        other.rollback()
        other.close()
        timer.stop()
        wait_for_saves(qtbot)
        events.bus().data_changed.disconnect(announced.append)
    assert saving.owner.isEnabled() or not saving.owner.isVisible()
    qtbot.waitUntil(saving.saved, timeout=5000)
    assert announced == [saving.expected()]


def settings_with_priority(
    qtbot: QtBot, database: Database
) -> tuple[SettingsDialog, QueuePriorityPage]:
    page = QueuePriorityPage(database)
    settings = SettingsDialog([BackupsPage(database), page])
    qtbot.addWidget(settings)
    show_active(qtbot, settings)
    page.buttons[QueuePolicy.LOYALTY].setChecked(True)
    return settings, page


def test_ok_in_settings_closes_once_the_queue_policy_is_saved(
    qtbot: QtBot, sqlite_db: Database
) -> None:
    build_shop(sqlite_db)
    settings, page = settings_with_priority(qtbot, sqlite_db)
    other = hold_write_lock(sqlite_db)
    try:
        settings.accept()
        assert page.saving and not settings.isEnabled()
        settings.reject()  # Esc while the policy is saved: ignored
        assert settings.isVisible() and settings.result() != QDialog.DialogCode.Accepted
    finally:
        other.rollback()
        other.close()
        wait_for_saves(qtbot)
    assert settings.result() == QDialog.DialogCode.Accepted and not settings.isVisible()
    assert page.outcome.startswith("Now serving: gold customers first")
    with sqlite_db.read() as s:
        assert queue.get_queue_policy(s) is QueuePolicy.LOYALTY


def test_a_policy_that_cannot_be_saved_keeps_settings_open_on_its_page(
    qtbot: QtBot, sqlite_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(session: object, policy: QueuePolicy) -> None:
        raise InvalidTransition("Another till is re-serving the queues; try again")

    monkeypatch.setattr("app.services.queue.set_queue_policy", refuse)
    settings, _page = settings_with_priority(qtbot, sqlite_db)
    settings.accept()
    wait_for_saves(qtbot)
    assert settings.isVisible() and settings.isEnabled()
    assert settings.message.text() == "Another till is re-serving the queues; try again"
    assert settings.page_list.currentRow() == 1  # the queue priority page
    with sqlite_db.read() as s:
        assert queue.get_queue_policy(s) is QueuePolicy.FIFO
