"""The counter, driven as a clerk would: keys and scans only (a keyboard-wedge scanner types
the code and presses Enter), then the ship dialog and the customer type-ahead."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from app.db import Database
from app.domain import BackorderPolicy, OrderStatus
from app.domain.actors import Actor, Role
from app.domain.enums import ShipPreference
from app.services import catalog, ordering, shipping, stock
from app.services.ordering import LineRequest
from app.ui import events
from app.ui.dialogs.line_items import LineItemsModel
from app.ui.dialogs.new_order import NewOrderDialog
from app.ui.dialogs.ship_order import ShipLinesModel, ShipOrderDialog
from tests.ui.conftest import wait_for_saves
from tests.ui.shop_data import (
    MUG_BARCODE,
    TEA_BARCODE,
    Shop,
    answer_risky_by_keyboard,
    build_shop,
    line_state,
    show_active,
    snapshot,
)

LAMP_BARCODE = "96385074"  # a GTIN-8


@pytest.fixture
def shop(sqlite_db: Database) -> Shop:
    shop = build_shop(sqlite_db)
    with sqlite_db.write() as s:
        stock.adjust_stock(s, "TEA", 5, "count")  # 5 tea available
        stock.adjust_stock(s, "SPOON", 10, "count")
        catalog.create_product(
            s,
            "LAMP",
            "Desk lamp",
            barcode=LAMP_BARCODE,
            backorder_policy=BackorderPolicy.OUT_OF_STOCK,
        )
        stock.adjust_stock(s, "LAMP", 1, "count")
        catalog.set_max_backorder_qty(s, "KET", 3)  # 2 kettles wait already
    return shop


def show(qtbot, dialog):
    qtbot.addWidget(dialog)
    show_active(qtbot, dialog)
    return dialog


def scan(qtbot, field, code: str) -> None:
    """What a keyboard-wedge scanner does: type the code, press Enter."""
    qtbot.keyClicks(field, code)
    qtbot.keyClick(field, Qt.Key.Key_Return)


def focused():
    return QApplication.focusWidget()


def lines(dialog: NewOrderDialog) -> dict[str, tuple[str, ...]]:
    model = dialog.lines
    return {
        model.index(r, 0).data(): tuple(
            model.index(r, c).data()
            for c in (
                LineItemsModel.QTY,
                LineItemsModel.SHIPS_NOW,
                LineItemsModel.BACKORDERED,
                LineItemsModel.HINT,
            )
        )
        for r in range(model.rowCount())
    }


def test_a_five_line_order_is_entered_with_keys_and_scans_only(qtbot, sqlite_db, shop):
    dialog = show(qtbot, NewOrderDialog(sqlite_db))
    assert focused() is dialog.customer
    qtbot.keyClicks(focused(), "C003")
    qtbot.keyClick(focused(), Qt.Key.Key_Tab)
    assert focused() is dialog.scan
    assert dialog.customer.chosen is not None and dialog.customer.chosen.code == "C003"
    assert dialog.customer_info.text() == "Standard customer · ship partial"

    scan(qtbot, focused(), MUG_BARCODE)
    scan(qtbot, focused(), MUG_BARCODE)  # the same item again: one more
    scan(qtbot, focused(), TEA_BARCODE)
    scan(qtbot, focused(), "4006381333932")  # a misread: wrong check digit
    assert "wrong check digit" in dialog.message.text()
    assert focused() is dialog.scan and dialog.scan.selectedText() == "4006381333932"
    scan(qtbot, focused(), "5901234123457")  # a real GTIN nobody stocks
    assert dialog.message.text() == (
        "No product has the barcode 5901234123457: is it in the catalog?"
    )
    assert focused() is dialog.scan and dialog.scan.selectedText() == "5901234123457"
    scan(qtbot, focused(), "spoon")  # typed: a name works too
    scan(qtbot, focused(), "KET")
    scan(qtbot, focused(), LAMP_BARCODE)
    assert dialog.isVisible()  # Enter in the scan field never placed the order
    assert focused() is dialog.scan and dialog.scan.text() == ""
    assert lines(dialog) == {
        "MUG": ("2", "0", "2", "Waits for stock"),
        "TEA": ("1", "1", "", "Ships now"),
        "SPOON": ("1", "1", "", "Ships now"),
        "KET": ("1", "0", "1", "Waits for stock"),
        "LAMP": ("1", "1", "", "Ships now"),
    }
    assert dialog.footer.text() == "5 lines · 6 units · 3 ship now · 3 backordered"

    with qtbot.waitSignal(events.bus().data_changed, timeout=1000):
        qtbot.keyClick(focused(), Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert dialog.result() == dialog.DialogCode.Accepted
    assert dialog.placed is not None
    assert dialog.placed.status == OrderStatus.PART_READY
    assert dialog.outcome == f"Order {dialog.placed.ref} placed; 3 units backordered"
    assert line_state(sqlite_db, dialog.placed.ref, 1) == (0, 2)
    assert line_state(sqlite_db, dialog.placed.ref, 2) == (1, 0)


def test_lines_beyond_stock_or_the_backorder_limit_are_refused_before_saving(
    qtbot, sqlite_db, shop
):
    before = snapshot(sqlite_db)
    dialog = show(qtbot, NewOrderDialog(sqlite_db))
    scan(qtbot, dialog.scan, "LAMP")
    scan(qtbot, dialog.scan, "LAMP")
    assert lines(dialog)["LAMP"] == ("2", "1", "", "Only 1 can be sold")
    assert "sold from stock only: 1 available, 2 ordered" in dialog.message.text()
    assert not dialog.place_button.isEnabled()
    dialog.lines.setData(dialog.lines.index(0, LineItemsModel.QTY), "1")
    assert dialog.place_button.isEnabled()
    scan(qtbot, dialog.scan, "KET")
    dialog.lines.setData(dialog.lines.index(1, LineItemsModel.QTY), "2")
    assert lines(dialog)["KET"] == ("2", "0", "", "Only 1 can be sold")
    assert "only 1 more can be backordered" in dialog.message.text()
    assert not dialog.place_button.isEnabled()
    dialog.lines.setData(dialog.lines.index(1, LineItemsModel.QTY), "abc")
    assert "whole number" in dialog.message.text()
    dialog.lines.setData(dialog.lines.index(1, LineItemsModel.QTY), "1")
    assert dialog.place_button.isEnabled()
    dialog.submit()  # no customer yet
    assert "Choose a customer" in dialog.message.text()
    qtbot.keyClicks(dialog.customer, "Nobody")
    dialog.submit()
    assert "Choose a customer" in dialog.message.text()
    assert dialog.result() != dialog.DialogCode.Accepted
    assert snapshot(sqlite_db) == before


def test_the_customer_is_found_by_part_of_a_name_email_or_phone(qtbot, sqlite_db, shop):
    with sqlite_db.write() as s:
        catalog.update_customer(s, "C004", email="dev@patel.example", phone="020 7946 0321")
        catalog.update_customer(s, "C002", ship_preference=ShipPreference.COMPLETE)
    dialog = show(qtbot, NewOrderDialog(sqlite_db))
    completer = dialog.customer.completer()
    qtbot.keyClicks(dialog.customer, "7946")
    assert completer.popup().isVisible()
    assert completer.model().stringList() == [
        "C004 — Dev Patel · 020 7946 0321",  # the phone matched, so the phone is shown
    ]
    dialog.customer.clear()
    qtbot.keyClicks(dialog.customer, "okaf")
    qtbot.keyClick(completer.popup(), Qt.Key.Key_Down)
    qtbot.keyClick(completer.popup(), Qt.Key.Key_Return)
    assert dialog.customer.chosen is not None and dialog.customer.chosen.code == "C002"
    assert dialog.customer_info.text() == "Standard customer · ship complete"
    scan(qtbot, dialog.scan, "TEA")
    scan(qtbot, dialog.scan, "TEA")
    scan(qtbot, dialog.scan, "MUG")
    assert lines(dialog) == {
        "TEA": ("2", "2", "", "Allocated · held"),  # nothing ships before the mug is in
        "MUG": ("1", "0", "1", "Waits for stock"),
    }
    assert dialog.lines.headerData(LineItemsModel.SHIPS_NOW, Qt.Orientation.Horizontal) == (
        "Allocated"
    )
    assert dialog.footer.text() == (
        "2 lines · 3 units · 2 allocated, held until all 3 are in · 1 backordered"
    )
    dialog.lines.remove(1)  # without the mug, the tea ships now
    assert lines(dialog) == {"TEA": ("2", "2", "", "Ships now")}
    assert dialog.lines.headerData(LineItemsModel.SHIPS_NOW, Qt.Orientation.Horizontal) == (
        "Ships now"
    )
    assert dialog.footer.text() == "1 line · 2 units · 2 ship now"


def test_a_new_customer_is_added_without_leaving_the_order(qtbot, sqlite_db, shop):
    dialog = show(qtbot, NewOrderDialog(sqlite_db))
    qtbot.keyClicks(dialog.customer, "Zoe Quinn")
    scan(qtbot, dialog.scan, "TEA")
    qtbot.keyClick(dialog, Qt.Key.Key_N, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: dialog.customer_dialog is not None)  # a mnemonic clicks animated
    customer = dialog.customer_dialog
    assert customer is not None
    show_active(qtbot, customer)
    assert customer.name.text() == "Zoe Quinn"
    assert customer.code.text() == "ZQUINN"  # suggested from the name
    qtbot.keyClick(customer.name, Qt.Key.Key_Tab)
    qtbot.keyClick(customer.code, Qt.Key.Key_Tab)
    qtbot.keyClicks(customer.email, "zoe@example.com")
    customer.preference.setCurrentIndex(customer.preference.findData(ShipPreference.COMPLETE))
    qtbot.keyClick(customer.email, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    wait_for_saves(qtbot)
    assert dialog.customer.chosen is not None and dialog.customer.chosen.code == "ZQUINN"
    assert dialog.customer_info.text() == "Standard customer · ship complete"
    assert [item.product.sku for item in dialog.lines.items()] == ["TEA"]  # lines kept
    show_active(qtbot, dialog)
    assert dialog.place_button.isEnabled(), dialog.message.text()
    qtbot.keyClick(dialog.scan, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    wait_for_saves(qtbot)
    assert dialog.placed is not None and dialog.placed.status == OrderStatus.READY_TO_SHIP


def test_escape_closes_an_empty_order_at_once(qtbot, sqlite_db, shop):
    dialog = show(qtbot, NewOrderDialog(sqlite_db))
    qtbot.keyClick(dialog.customer, Qt.Key.Key_Escape)
    assert not dialog.isVisible() and dialog.discard_box is None
    assert dialog.result() == dialog.DialogCode.Rejected


def test_escape_asks_before_discarding_a_scanned_order(qtbot, sqlite_db, shop):
    before = snapshot(sqlite_db)
    dialog = show(qtbot, NewOrderDialog(sqlite_db))
    scan(qtbot, dialog.scan, "TEA")
    scan(qtbot, dialog.scan, "MUG")
    for answer in (Qt.Key.Key_Escape, Qt.Key.Key_Return):  # both keep the order
        qtbot.keyClick(dialog.scan, Qt.Key.Key_Escape)
        box = dialog.discard_box
        assert box is not None and box.text() == "Discard this order?"
        assert box.informativeText() == "The 2 lines entered so far will be lost."
        assert box.defaultButton().text() == "&Keep editing"
        show_active(qtbot, box)
        qtbot.keyClick(box, answer)
        qtbot.waitUntil(lambda: dialog.discard_box is None)
        assert dialog.isVisible() and len(dialog.lines.items()) == 2
    qtbot.mouseClick(dialog.cancel_button, Qt.MouseButton.LeftButton)  # Cancel asks too
    box = dialog.discard_box
    assert box is not None
    answer_risky_by_keyboard(qtbot, dialog.discard, stray_scan="DUCK")  # "D" is not Discard
    qtbot.waitUntil(lambda: not dialog.isVisible())
    assert dialog.result() == dialog.DialogCode.Rejected
    assert snapshot(sqlite_db) == before


def test_escape_asks_before_discarding_a_chosen_customer(qtbot, sqlite_db, shop):
    dialog = show(qtbot, NewOrderDialog(sqlite_db))
    qtbot.keyClicks(dialog.customer, "C003")
    qtbot.keyClick(focused(), Qt.Key.Key_Tab)
    qtbot.keyClick(dialog.scan, Qt.Key.Key_Escape)
    assert dialog.discard_box is not None
    assert dialog.discard_box.informativeText() == "The customer chosen will be lost."


# --- shipping ---------------------------------------------------------------------------------
@pytest.fixture
def ready(sqlite_db: Database, shop: Shop) -> str:
    """An order for 3 tea (in stock) and a kettle (waiting)."""
    with sqlite_db.write() as s:
        placed = ordering.place_order(
            s, "C005", [LineRequest("TEA", 3), LineRequest("KET", 1)], ref="SO-T"
        )
    return placed.ref


def test_the_ship_dialog_ships_part_of_an_order_from_the_keyboard(
    qtbot, sqlite_db, ready, qtmodeltester
):
    dialog = show(qtbot, ShipOrderDialog(sqlite_db, ready))
    qtmodeltester.check(ShipLinesModel(dialog.view.lines), force_py=True)
    ship_col = ShipLinesModel.SHIP
    assert dialog.lines.index(0, ship_col).data() == "3"  # defaults to what is allocated
    assert dialog.message.text() == "3 units will ship now; 1 unit will follow."
    dialog.lines.setData(dialog.lines.index(0, ship_col), "5")
    assert "only 3 allocated can ship" in dialog.message.text()
    assert not dialog.ship_button.isEnabled()
    qtbot.keyClicks(dialog.table, "2")  # typing a digit edits the current cell
    qtbot.keyClick(focused(), Qt.Key.Key_Return)  # the delegate commits on the next loop
    qtbot.waitUntil(lambda: dialog.message.text() == "2 units will ship now; 1 unit will follow.")
    with qtbot.waitSignal(events.bus().data_changed, timeout=1000):
        qtbot.keyClick(focused(), Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert dialog.outcome == f"Shipped 2 units of {ready}; it is now part ready to ship"
    assert line_state(sqlite_db, ready, 1) == (1, 0)


def test_a_ship_complete_order_is_held_until_a_manager_ships_it_anyway(qtbot, sqlite_db, ready):
    with sqlite_db.write() as s:
        shipping.set_order_ship_preference(s, ready, ShipPreference.COMPLETE)
    dialog = show(qtbot, ShipOrderDialog(sqlite_db, ready))
    assert dialog.message.text() == (
        "Eva Novak wants this order in one shipment and 1 unit still waits for stock: it is "
        "held. Tick “Ship anyway” to send what is here now."
    )
    assert dialog.override.isVisible() and not dialog.ship_button.isEnabled()
    dialog.override.setChecked(True)
    assert dialog.ship_button.text() == "Ship anyway"
    with qtbot.waitSignal(events.bus().data_changed, timeout=1000):
        qtbot.mouseClick(dialog.ship_button, Qt.MouseButton.LeftButton)
    assert dialog.result_summary is not None and dialog.result_summary.units == 3
    assert dialog.result_summary.status == OrderStatus.BACKORDERED


def test_a_clerk_sees_the_ship_anyway_override_greyed_and_who_may_use_it(qtbot, sqlite_db, ready):
    with sqlite_db.write() as s:
        shipping.set_order_ship_preference(s, ready, ShipPreference.COMPLETE)
    sqlite_db.actor = Actor("Cleo", Role.CLERK)
    try:
        dialog = show(qtbot, ShipOrderDialog(sqlite_db, ready))
    finally:
        sqlite_db.actor = None
    who = "Only a manager or the owner may ship an incomplete order"
    assert dialog.override.isVisible() and not dialog.override.isEnabled()
    assert dialog.override.toolTip() == who
    assert dialog.message.text().endswith(f"held. {who}: ask them to ship what is here now.")
    assert not dialog.ship_button.isEnabled()


def test_the_customer_list_closes_when_tab_takes_the_customer(qtbot, sqlite_db, shop):
    with sqlite_db.write() as s:
        catalog.update_customer(s, "C004", phone="020 7946 0321")
    dialog = show(qtbot, NewOrderDialog(sqlite_db))
    popup = dialog.customer.completer().popup()
    for typed, code in (("C003", "C003"), ("020 7946 0321", "C004")):
        dialog.customer.setFocus()
        dialog.customer.clear()
        qtbot.keyClicks(dialog.customer, typed)
        assert popup.isVisible()
        qtbot.keyClick(focused(), Qt.Key.Key_Tab)
        assert dialog.customer.chosen is not None and dialog.customer.chosen.code == code
        assert focused() is dialog.scan
        assert not popup.isVisible()
    assert dialog.customer.text() == "C004 — Dev Patel · 020 7946 0321"  # the phone matched


def test_every_scan_says_what_it_did_while_a_line_is_refused(qtbot, sqlite_db, shop):
    dialog = show(qtbot, NewOrderDialog(sqlite_db))
    scan(qtbot, dialog.scan, LAMP_BARCODE)
    scan(qtbot, dialog.scan, LAMP_BARCODE)  # 1 lamp available, sold from stock only
    assert dialog.message.kind == "error"
    assert "sold from stock only: 1 available, 2 ordered" in dialog.message.text()
    scan(qtbot, dialog.scan, TEA_BARCODE)
    assert dialog.message.kind == "warning"
    assert dialog.message.text() == (
        "+1 TEA Earl Grey: 1 unit. "
        "Still to fix: LAMP Desk lamp: only 1 can be sold (2 on its line)."
    )
    scan(qtbot, dialog.scan, TEA_BARCODE)
    assert dialog.message.text().startswith("+1 TEA Earl Grey: 2 units.")
    scan(qtbot, dialog.scan, LAMP_BARCODE)  # the refused line is not raised again
    assert dialog.message.kind == "error"
    assert dialog.message.text() == (
        "LAMP Desk lamp: only 1 can be sold and its line has 2 already; not added."
    )
    assert lines(dialog) == {
        "LAMP": ("2", "1", "", "Only 1 can be sold"),
        "TEA": ("2", "2", "", "Ships now"),
    }
    assert dialog.footer.text() == ("2 lines · 4 units · 2 ship now · 1 line over what can be sold")
    assert focused() is dialog.scan and not dialog.place_button.isEnabled()
    dialog.lines.setData(dialog.lines.index(0, LineItemsModel.QTY), "1")
    scan(qtbot, dialog.scan, TEA_BARCODE)
    assert dialog.message.kind == "info" and dialog.place_button.isEnabled()


def test_shipping_nothing_asks_for_a_quantity_and_keeps_ship_disabled(qtbot, sqlite_db, ready):
    dialog = show(qtbot, ShipOrderDialog(sqlite_db, ready))
    dialog.lines.setData(dialog.lines.index(0, ShipLinesModel.SHIP), "0")
    assert dialog.message.text() == "Enter how many units to ship in “Ship now” (3 allocated)."
    assert not dialog.ship_button.isEnabled()
