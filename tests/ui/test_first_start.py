"""A new shop started from the window alone: the welcome, a supplier, a product of that
supplier with its opening stock, a customer, and the first order, all by keys and clicks."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QPushButton

from app.db import Database
from app.services import catalog, stock
from app.services.views import shop_is_empty
from app.ui.dialogs.customer import CustomerDialog
from app.ui.dialogs.import_csv import ImportDialog
from app.ui.dialogs.new_order import NewOrderDialog
from app.ui.dialogs.product import ProductDialog
from app.ui.dialogs.supplier import SupplierDialog
from app.ui.main_window import MainWindow
from app.ui.models.paged_model import PagedTableModel
from tests.ui.conftest import wait_for_saves
from tests.ui.shop_data import open_window, show_active

MUG_BARCODE = "4006381333931"


def focused():
    return QApplication.focusWidget()


def submit(qtbot) -> None:
    qtbot.keyClick(focused(), Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    wait_for_saves(qtbot)


def shortcut(qtbot, window: MainWindow, key: Qt.Key, shift: bool = True) -> None:
    """Press Ctrl(+Shift)+key where the focus is in the main window."""
    show_active(qtbot, window)
    modifiers = Qt.KeyboardModifier.ControlModifier
    if shift:
        modifiers |= Qt.KeyboardModifier.ShiftModifier
    qtbot.keyClick(focused() or window, key, modifiers)


def dialog_of(qtbot, window: MainWindow, kind):
    qtbot.waitUntil(lambda: window.findChild(kind) is not None, timeout=2000)
    dialog = window.findChild(kind)
    show_active(qtbot, dialog)
    return dialog


def shown(model: PagedTableModel, column: str) -> list[str]:
    number = next(i for i, c in enumerate(model.columns) if c.title == column)
    return [model.index(row, number).data() for row in range(model.rowCount())]


def test_a_new_shop_gets_a_supplier_a_product_opening_stock_and_an_order_from_the_window(
    qtbot, sqlite_db: Database
):
    window = open_window(qtbot, sqlite_db)
    show_active(qtbot, window)
    welcome = window.findChild(QPushButton, "welcomeAddProductButton")
    assert welcome is not None and welcome.isVisible()

    # A supplier, from the Catalog menu's shortcut.
    shortcut(qtbot, window, Qt.Key.Key_Y)
    supplier = dialog_of(qtbot, window, SupplierDialog)
    assert focused() is supplier.code
    qtbot.keyClicks(supplier.code, "ACME")
    qtbot.keyClick(focused(), Qt.Key.Key_Tab)
    qtbot.keyClicks(focused(), "Acme Wholesale")
    qtbot.keyClick(focused(), Qt.Key.Key_Tab)
    qtbot.keyClicks(focused(), "5")  # lead time
    submit(qtbot)
    qtbot.waitUntil(lambda: window.findChild(SupplierDialog) is None)  # accepted and closed
    assert window.statusBar().currentMessage() == "Supplier ACME added"

    # The first product, from the welcome: its supplier, price and the units on the shelf.
    qtbot.mouseClick(welcome, Qt.MouseButton.LeftButton)
    product = dialog_of(qtbot, window, ProductDialog)
    assert focused() is product.sku
    for text in ("MUG", "Blue mug", MUG_BARCODE, "-4.50"):
        qtbot.keyClicks(focused(), text)
        qtbot.keyClick(focused(), Qt.Key.Key_Tab)
    qtbot.keyClicks(focused(), "2.10")  # cost
    qtbot.keyClick(focused(), Qt.Key.Key_Tab)
    assert focused() is product.bin  # where it sits: the pick list walks by it
    qtbot.keyClicks(focused(), "A3-02")
    qtbot.keyClick(focused(), Qt.Key.Key_Tab)
    assert focused() is product.supplier
    qtbot.keyClicks(product.supplier, "A")  # the combo jumps to "ACME — Acme Wholesale"
    assert product.supplier.currentData() == "ACME"
    qtbot.keyClicks(product.opening, "5")
    submit(qtbot)
    assert product.message.text() == "Price cannot be negative (-4.50)"  # said, not saved
    with sqlite_db.read() as s:
        assert catalog.get_supplier(s, "ACME").name == "Acme Wholesale"
        assert shop_is_empty(s)
    product.price.selectAll()
    qtbot.keyClicks(product.price, "4.50")
    submit(qtbot)
    qtbot.waitUntil(lambda: window.findChild(ProductDialog) is None)
    assert window.statusBar().currentMessage() == "Product MUG added"
    assert not window.welcome.isVisible()  # the welcome went away

    # A customer, then the first order with Ctrl+N.
    shortcut(qtbot, window, Qt.Key.Key_T)
    customer = dialog_of(qtbot, window, CustomerDialog)
    qtbot.keyClicks(customer.name, "Ana Lima")
    code = customer.code.text()  # suggested from the name
    submit(qtbot)
    qtbot.waitUntil(lambda: window.findChild(CustomerDialog) is None)
    shortcut(qtbot, window, Qt.Key.Key_N, shift=False)
    new_order = dialog_of(qtbot, window, NewOrderDialog)
    qtbot.keyClicks(focused(), code)
    qtbot.keyClick(focused(), Qt.Key.Key_Tab)
    assert focused() is new_order.scan
    for _ in range(7):  # 5 on the shelf, 2 wait
        qtbot.keyClicks(focused(), MUG_BARCODE)
        qtbot.keyClick(focused(), Qt.Key.Key_Return)
    placed = []
    new_order.accepted.connect(lambda: placed.append(new_order.placed))
    submit(qtbot)
    qtbot.waitUntil(lambda: bool(placed))
    assert (
        window.statusBar().currentMessage() == f"Order {placed[0].ref} placed; 2 units backordered"
    )

    # What the window shows now.
    window.tabs.setCurrentWidget(window.products_tab)
    products = window.products_tab.model
    qtbot.waitUntil(lambda: products.rowCount() == 1)
    assert shown(products, "SKU") == ["MUG"]
    assert shown(products, "Price") == ["€4.50"]
    assert shown(products, "Supplier") == ["ACME"]
    assert shown(products, "On hand") == ["5"]
    window.tabs.setCurrentWidget(window.stock_tab)
    stock_model = window.stock_tab.model
    qtbot.waitUntil(lambda: stock_model.rowCount() == 1)
    assert shown(stock_model, "On hand") == ["5"]
    assert shown(stock_model, "Allocated") == ["5"]
    assert shown(stock_model, "Backordered") == ["2"]
    window.tabs.setCurrentWidget(window.orders_tab)
    qtbot.waitUntil(lambda: window.orders_tab.model.rowCount() == 1)
    with sqlite_db.read() as s:
        assert stock.check_ledger(s) == []  # opening stock went through the ledger


def test_a_shop_with_products_is_not_welcomed_again(qtbot, sqlite_db: Database):
    with sqlite_db.write() as s:
        catalog.create_product(s, "MUG", "Blue mug")
    window = open_window(qtbot, sqlite_db)
    assert window.findChild(QPushButton, "welcomeAddProductButton") is None


def test_csv_files_are_imported_all_or_nothing_from_the_welcome(
    qtbot, sqlite_db: Database, tmp_path: Path
):
    good = tmp_path / "suppliers.csv"
    good.write_text("code,name,email,lead_time_days\nACME,Acme,,5\nBOLT,Bolt & Co,,3\n")
    bad = tmp_path / "products.csv"
    bad.write_text(
        "sku,name,barcode,price,cost,backorder_policy,reorder_point,supplier\n"
        "MUG,Mug,,4.50,2,backorder,0,ACME\n"
        "CUP,Cup,,-1,1,backorder,0,ACME\n"
    )
    window = open_window(qtbot, sqlite_db)
    button = window.findChild(QPushButton, "welcomeImportButton")
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    dialog = dialog_of(qtbot, window, ImportDialog)
    assert dialog.kind.currentData() == "suppliers"  # suppliers first
    qtbot.keyClicks(dialog.path, str(good))
    qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)
    wait_for_saves(qtbot)
    assert dialog.message.text() == "Imported 2 suppliers"
    dialog.kind.setCurrentIndex(dialog.kind.findData("products"))
    qtbot.keyClicks(dialog.path, str(bad))
    qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)
    wait_for_saves(qtbot)
    assert dialog.message.kind == "error" and "row 3" in dialog.message.text()
    with sqlite_db.read() as s:
        assert catalog.get_supplier(s, "BOLT").lead_time_days == 3
        assert shop_is_empty(s)  # the good row was not imported either


def test_the_demo_shop_opens_in_place_of_the_empty_shop_which_stays_empty(
    qtbot, sqlite_db: Database, tmp_path: Path, monkeypatch
):
    import tempfile

    from app.db import open_database

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # the demo's folder goes here
    window = open_window(qtbot, sqlite_db)
    button = window.findChild(QPushButton, "welcomeDemoButton")
    with qtbot.waitSignal(window.switch_requested, timeout=60_000) as switched:
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    (url,) = switched.args
    assert url != sqlite_db.url and str(tmp_path) in url
    demo = open_database(url)
    try:
        with demo.read() as s:
            assert not shop_is_empty(s)
    finally:
        demo.dispose()
    with sqlite_db.read() as s:
        assert shop_is_empty(s)
