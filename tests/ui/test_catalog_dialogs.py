"""The product and supplier dialogs: what a clerk types is checked, said in plain words in
the dialog, and nothing is written until it is right."""

from __future__ import annotations

from decimal import Decimal

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from sqlalchemy import func, select

from app.db import Database
from app.domain import BackorderPolicy, Product, Supplier
from app.services import catalog
from app.ui.dialogs.product import ProductDialog
from app.ui.dialogs.supplier import SupplierDialog
from tests.ui.conftest import wait_for_saves
from tests.ui.shop_data import show_active

MUG_BARCODE = "4006381333931"


@pytest.fixture
def shop(sqlite_db: Database) -> Database:
    with sqlite_db.write() as s:
        catalog.create_supplier(s, "ACME", "Acme Wholesale", lead_time_days=5)
        catalog.create_supplier(s, "GONE", "Gone Ltd")
        catalog.archive_supplier(s, "GONE")
        catalog.create_product(s, "MUG", "Blue mug", barcode=MUG_BARCODE, supplier_code="ACME")
    return sqlite_db


def show(qtbot, dialog):
    qtbot.addWidget(dialog)
    show_active(qtbot, dialog)
    return dialog


def submit(qtbot, dialog) -> None:
    qtbot.keyClick(
        QApplication.focusWidget() or dialog, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier
    )
    wait_for_saves(qtbot)


def products(database: Database) -> int:
    with database.read() as s:
        return s.scalar(select(func.count()).select_from(Product)) or 0


@pytest.mark.parametrize(
    ("field", "text", "said"),
    [
        ("sku", "MUG", "A product with SKU MUG already exists"),
        ("price", "-1", "Price cannot be negative (-1)"),
        ("price", "12,50", "Price must be an amount like 12.50, not '12,50'"),
        ("cost", "1.999", "Cost 1.999 has more than two decimals"),
        ("barcode", MUG_BARCODE, f"Barcode {MUG_BARCODE} already belongs to another product"),
        ("reorder_point", "two", "Reorder at must be a whole number of units, not 'two'"),
        ("max_waiting", "-3", "Most units waiting cannot be negative (-3)"),
        ("opening", "1.5", "Opening stock must be a whole number of units, not '1.5'"),
    ],
)
def test_a_wrong_product_is_said_in_the_dialog_and_nothing_is_saved(
    qtbot, shop: Database, field: str, text: str, said: str
):
    dialog = show(qtbot, ProductDialog(shop))
    qtbot.keyClicks(dialog.sku, "CUP")
    qtbot.keyClicks(dialog.name, "Cup")
    getattr(dialog, field).clear()
    qtbot.keyClicks(getattr(dialog, field), text)
    submit(qtbot, dialog)
    assert dialog.message.kind == "error"
    assert dialog.message.text() == said
    assert dialog.isVisible() and dialog.saved is None
    assert products(shop) == 1


def test_a_misread_barcode_is_said_as_it_is_scanned_and_kept_for_the_next_scan(
    qtbot, shop: Database
):
    dialog = show(qtbot, ProductDialog(shop))
    dialog.barcode.setFocus()
    qtbot.keyClicks(dialog.barcode, "4006381333932")
    qtbot.keyClick(dialog.barcode, Qt.Key.Key_Tab)
    assert "wrong check digit" in dialog.message.text()
    assert QApplication.focusWidget() is dialog.barcode
    assert dialog.barcode.selectedText() == "4006381333932"
    qtbot.keyClicks(dialog.barcode, "5901234123457")  # the next scan replaces it
    qtbot.keyClick(dialog.barcode, Qt.Key.Key_Tab)
    assert not dialog.message.isVisible()


def test_a_new_product_is_saved_with_every_field(qtbot, shop: Database):
    dialog = show(qtbot, ProductDialog(shop))
    assert [dialog.supplier.itemData(i) for i in range(dialog.supplier.count())] == ["", "ACME"]
    qtbot.keyClicks(dialog.sku, "KET")
    qtbot.keyClicks(dialog.name, "Kettle")
    qtbot.keyClicks(dialog.barcode, "5901234123457")
    qtbot.keyClicks(dialog.price, "39.90")
    qtbot.keyClicks(dialog.cost, "18")
    qtbot.keyClicks(dialog.bin, " A3-02 ")
    dialog.supplier.setCurrentIndex(1)
    qtbot.keyClicks(dialog.supplier_sku, "AC-KET")
    qtbot.keyClicks(dialog.reorder_point, "2")
    qtbot.keyClicks(dialog.max_waiting, "6")
    qtbot.keyClicks(dialog.opening, "3")
    submit(qtbot, dialog)
    assert dialog.saved is not None and dialog.outcome == "Product KET added"
    with shop.read() as s:
        kettle = catalog.find_product(s, "5901234123457")
        assert (kettle.sku, kettle.price, kettle.cost, kettle.supplier_sku) == (
            "KET",
            Decimal("39.90"),
            Decimal("18.00"),
            "AC-KET",
        )
        assert (kettle.reorder_point, kettle.max_backorder_qty, kettle.bin) == (2, 6, "A3-02")
        assert kettle.backorder_policy is BackorderPolicy.BACKORDER
        assert kettle.supplier is not None and kettle.supplier.code == "ACME"


def test_sell_from_stock_only_has_no_waiting_limit(qtbot, shop: Database):
    dialog = show(qtbot, ProductDialog(shop, "MUG"))
    dialog.max_waiting.setText("5")
    dialog.policy.setCurrentIndex(dialog.policy.findData(BackorderPolicy.OUT_OF_STOCK))
    assert not dialog.max_waiting.isEnabled()
    submit(qtbot, dialog)
    with shop.read() as s:
        mug = catalog.find_product(s, "MUG")
        assert (mug.backorder_policy, mug.max_backorder_qty) == (BackorderPolicy.OUT_OF_STOCK, None)


def test_a_supplier_is_added_and_edited_with_its_contact(qtbot, shop: Database):
    dialog = show(qtbot, SupplierDialog(shop))
    qtbot.keyClicks(dialog.code, "NORD")
    qtbot.keyClicks(dialog.name, "Nordic Kitchenware")
    qtbot.keyClicks(dialog.lead_time, "x")
    submit(qtbot, dialog)
    assert dialog.message.text() == "Lead time must be a whole number of units, not 'x'"
    dialog.lead_time.setText("12")
    qtbot.keyClicks(dialog.email, "not an address")
    submit(qtbot, dialog)
    assert "does not look like an address" in dialog.message.text()
    dialog.email.setText("orders@nordic.example")
    qtbot.keyClicks(dialog.contact, "Sven")
    qtbot.keyClicks(dialog.phone, "+46 8 123 456")
    submit(qtbot, dialog)
    assert dialog.outcome == "Supplier NORD added"

    edit = show(qtbot, SupplierDialog(shop, "NORD"))
    assert edit.code.isReadOnly() and edit.lead_time.text() == "12"
    edit.contact.setText("Astrid")
    submit(qtbot, edit)
    with shop.read() as s:
        nord = s.scalar(select(Supplier).where(Supplier.code == "NORD"))
        assert nord is not None
        assert (nord.contact_name, nord.phone, nord.email, nord.lead_time_days) == (
            "Astrid",
            "+46 8 123 456",
            "orders@nordic.example",
            12,
        )


def test_a_supplier_code_already_taken_is_said(qtbot, shop: Database):
    dialog = show(qtbot, SupplierDialog(shop))
    qtbot.keyClicks(dialog.code, "ACME")
    qtbot.keyClicks(dialog.name, "Another Acme")
    submit(qtbot, dialog)
    assert dialog.message.text() == "A supplier with code ACME already exists"


def test_an_archived_product_scanned_at_the_counter_is_refused_in_plain_words(
    qtbot, shop: Database
):
    from app.ui.dialogs.new_order import NewOrderDialog

    with shop.write() as s:
        catalog.create_customer(s, "ANA", "Ana Lima")
        catalog.archive_product(s, "MUG")
    dialog = show(qtbot, NewOrderDialog(shop))
    qtbot.keyClicks(dialog.customer, "ANA")
    qtbot.keyClick(dialog.customer, Qt.Key.Key_Tab)
    qtbot.keyClicks(dialog.scan, MUG_BARCODE)
    qtbot.keyClick(dialog.scan, Qt.Key.Key_Return)
    submit(qtbot, dialog)
    assert "Product MUG is archived" in dialog.message.text()
    assert dialog.placed is None


def test_a_product_s_bin_is_shown_for_editing_and_a_too_long_one_refused(qtbot, shop: Database):
    with shop.write() as s:
        catalog.update_product(s, "MUG", bin="Back room, shelf 4")
    dialog = show(qtbot, ProductDialog(shop, "MUG"))
    assert dialog.bin.text() == "Back room, shelf 4"
    assert dialog.bin.maxLength() == catalog.MAX_BIN_LENGTH
    dialog.bin.setText("B10")
    submit(qtbot, dialog)
    assert dialog.outcome == "Product MUG saved"
    with shop.read() as s:
        assert catalog.find_product(s, "MUG").bin == "B10"
