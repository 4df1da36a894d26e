"""The Products, Suppliers and Customers tabs: what they list, archived rows on request and
greyed, edit and archive from the toolbar, and nothing offered in a read-only window."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractButton, QCheckBox, QDialog, QTableView
from pytestqt.qtbot import QtBot

from app.db import Database, open_database
from app.services import catalog, formatting
from app.ui.dialog_opening import READ_ONLY_MESSAGE
from app.ui.dialogs.product import OpeningStockDialog, ProductDialog
from app.ui.main_window import MainWindow
from app.ui.models.catalog_models import CustomersModel, ProductsModel, SuppliersModel
from app.ui.models.paged_model import PagedTableModel
from tests.ui.conftest import wait_for_saves
from tests.ui.shop_data import open_window, show_active


@pytest.fixture
def catalog_shop(sqlite_db: Database) -> Database:
    formatting.set_locale("en_GB")
    with sqlite_db.write() as s:
        catalog.create_supplier(s, "ACME", "Acme Wholesale", contact_name="Priya", lead_time_days=5)
        catalog.create_supplier(s, "GONE", "Gone Ltd")
        catalog.archive_supplier(s, "GONE")
        catalog.create_product(
            s, "MUG", "Blue mug", price=Decimal("4.50"), cost=Decimal("2.10"),
            supplier_code="ACME", supplier_sku="A-1", reorder_point=3, opening_stock=7,
        )  # fmt: skip
        catalog.create_product(s, "CUP", "Cup", price=Decimal("1234.5"), max_backorder_qty=4)
        catalog.create_product(s, "OLD", "Old vase")
        catalog.archive_product(s, "OLD")
        catalog.create_customer(s, "ANA", "Ana Lima", email="ana@example.com")
        catalog.create_customer(s, "BEN", "Ben Okafor")
        catalog.archive_customer(s, "BEN")
    return sqlite_db


def cells(model: PagedTableModel, title: str, role=Qt.ItemDataRole.DisplayRole) -> list:
    number = next(i for i, c in enumerate(model.columns) if c.title == title)
    return [model.index(row, number).data(role) for row in range(model.rowCount())]


@pytest.mark.parametrize("model_class", [ProductsModel, SuppliersModel, CustomersModel])
def test_every_catalog_model_passes_the_qt_model_tester(
    catalog_shop: Database, qtmodeltester, model_class
) -> None:
    model = model_class(catalog_shop)
    model.page_size = 1  # walk through fetchMore too
    model.set_query(archived=True)  # archived rows (greyed) too
    qtmodeltester.check(model, force_py=True)
    model.set_query(search="zzz-nothing")
    qtmodeltester.check(model, force_py=True)


def test_products_show_amounts_in_the_shop_currency_right_aligned(catalog_shop: Database):
    model = ProductsModel(catalog_shop)
    model.reload()
    assert cells(model, "SKU") == ["CUP", "MUG"]  # the archived vase is not listed
    assert cells(model, "Price") == ["€1,234.50", "€4.50"]
    assert cells(model, "Cost") == ["€0.00", "€2.10"]
    assert cells(model, "Supplier") == ["", "ACME"]
    assert cells(model, "Max waiting") == ["4", "no limit"]
    assert cells(model, "On hand") == ["0", "7"]
    right = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
    assert cells(model, "Price", Qt.ItemDataRole.TextAlignmentRole) == [right, right]


def test_show_archived_lists_archived_rows_greyed(qtbot: QtBot, catalog_shop: Database):
    window = open_window(qtbot, catalog_shop)
    for tab, archived in (
        (window.products_tab, "OLD"),
        (window.suppliers_tab, "GONE"),
        (window.customers_tab, "BEN"),
    ):
        window.tabs.setCurrentWidget(tab)
        assert archived not in cells(tab.model, tab.model.columns[0].title)
        box = tab.findChild(QCheckBox)
        qtbot.mouseClick(box, Qt.MouseButton.LeftButton)
        codes = cells(tab.model, tab.model.columns[0].title)
        row = codes.index(archived)
        colour = tab.model.index(row, 0).data(Qt.ItemDataRole.ForegroundRole)
        assert colour is not None and colour.color().name() == "#969696"
        assert tab.model.index(0 if row else 1, 0).data(Qt.ItemDataRole.ForegroundRole) is None
        assert tab.footer.text() == f"{len(codes)} {tab.plural}"


def test_archive_and_unarchive_a_product_from_the_toolbar(qtbot: QtBot, catalog_shop: Database):
    window = open_window(qtbot, catalog_shop)
    tab = window.products_tab
    window.tabs.setCurrentWidget(tab)
    tab.table.selectRow(1)  # MUG
    assert tab.archive_button.text() == "Archive"
    qtbot.mouseClick(tab.archive_button, Qt.MouseButton.LeftButton)
    wait_for_saves(qtbot)
    assert window.statusBar().currentMessage() == "Product MUG archived"
    assert cells(tab.model, "SKU") == ["CUP"]  # the tab refreshed from the change
    tab.show_archived.setChecked(True)
    tab.select_key(next(r.product_id for r in map(tab.model.row_at, range(3)) if r.sku == "MUG"))
    assert tab.archive_button.text() == "Unarchive"
    qtbot.mouseClick(tab.archive_button, Qt.MouseButton.LeftButton)
    wait_for_saves(qtbot)
    with catalog_shop.read() as s:
        assert catalog.find_product(s, "MUG").archived_at is None
    assert window.statusBar().currentMessage() == "Product MUG brought back"


def test_enter_on_a_product_opens_it_for_editing_and_the_policy_change_is_shown(
    qtbot: QtBot, catalog_shop: Database
):
    window = open_window(qtbot, catalog_shop)
    tab = window.products_tab
    window.tabs.setCurrentWidget(tab)
    tab.table.setFocus()
    tab.table.selectRow(1)
    qtbot.keyClick(tab.table, Qt.Key.Key_Return)
    dialog = tab.findChild(ProductDialog)
    assert dialog is not None and dialog.windowTitle() == "Edit product"
    show_active(qtbot, dialog)
    assert (dialog.sku.text(), dialog.price.text(), dialog.supplier.currentData()) == (
        "MUG",
        "4.50",
        "ACME",
    )
    assert dialog.opening.isHidden()  # opening stock is for new products
    dialog.policy.setFocus()
    qtbot.keyClicks(dialog.policy, "S")  # "Sell from stock only"
    qtbot.keyClick(dialog.policy, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    wait_for_saves(qtbot)
    assert cells(tab.model, "Policy") == ["Backorder", "Stock only"]
    assert window.statusBar().currentMessage() == "Product MUG saved"


def test_opening_stock_is_booked_for_the_selected_product(qtbot: QtBot, catalog_shop: Database):
    window = open_window(qtbot, catalog_shop)
    tab = window.products_tab
    window.tabs.setCurrentWidget(tab)
    tab.table.selectRow(0)  # CUP
    qtbot.mouseClick(tab.opening_button, Qt.MouseButton.LeftButton)
    dialog = tab.findChild(OpeningStockDialog)
    show_active(qtbot, dialog)
    qtbot.keyClicks(dialog.qty, "-2")
    qtbot.keyClick(dialog.qty, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert "Opening stock" in dialog.message.text()
    dialog.qty.clear()
    qtbot.keyClicks(dialog.qty, "12")
    qtbot.keyClick(dialog.qty, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    wait_for_saves(qtbot)
    assert window.statusBar().currentMessage() == "Opening stock of CUP: 12 booked (12 on hand)"
    assert cells(tab.model, "On hand") == ["12", "7"]


@pytest.fixture
def reader(qtbot: QtBot, catalog_shop: Database) -> Iterator[MainWindow]:
    database = open_database(catalog_shop.url, read_only=True)
    window = MainWindow(database, read_only=True)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    yield window
    window.close()
    database.dispose()


def test_a_read_only_window_offers_no_catalog_changes(qtbot: QtBot, reader: MainWindow):
    for tab in (reader.products_tab, reader.suppliers_tab, reader.customers_tab):
        reader.tabs.setCurrentWidget(tab)
        buttons = [b for b in tab.findChildren(QAbstractButton) if not isinstance(b, QCheckBox)]
        assert buttons and not any(b.isVisible() for b in buttons)
        assert tab.show_archived.isVisible()  # looking is fine
        view = tab.findChild(QTableView)
        view.selectRow(0)
        tab.toggle_archived()
        assert reader.statusBar().currentMessage() == READ_ONLY_MESSAGE
        qtbot.keyClick(view, Qt.Key.Key_Return)
        assert [d for d in reader.findChildren(QDialog) if d.isVisible()] == []
    for name in ("newProductAction", "newSupplierAction", "newCustomerAction", "importCsvAction"):
        action = next(
            a for a in reader.findChildren(type(reader.backup_action)) if a.objectName() == name
        )
        assert not action.isEnabled()
    assert reader.findChild(QAbstractButton, "welcomeAddProductButton") is None


def test_a_customer_is_edited_from_the_customers_tab(qtbot: QtBot, catalog_shop: Database):
    from app.ui.dialogs.customer import CustomerDialog

    window = open_window(qtbot, catalog_shop)
    tab = window.customers_tab
    window.tabs.setCurrentWidget(tab)
    tab.table.selectRow(0)
    qtbot.mouseClick(tab.edit_button, Qt.MouseButton.LeftButton)
    dialog = tab.findChild(CustomerDialog)
    assert dialog is not None and dialog.windowTitle() == "Edit customer"
    show_active(qtbot, dialog)
    dialog.phone.setText("020 7946 0100")
    qtbot.keyClick(dialog.name, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    wait_for_saves(qtbot)
    assert cells(tab.model, "Phone") == ["020 7946 0100"]
    assert window.statusBar().currentMessage() == "Customer ANA saved"


def test_f2_edits_and_ctrl_shift_h_archives_the_selected_record_of_the_tab_on_show(
    qtbot: QtBot, catalog_shop: Database
):
    window = open_window(qtbot, catalog_shop)
    show_active(qtbot, window)
    window.menus.show_tab(window.suppliers_tab)
    window.suppliers_tab.table.selectRow(0)  # ACME
    qtbot.keyClick(window.suppliers_tab.table, Qt.Key.Key_F2)
    from app.ui.dialogs.supplier import SupplierDialog

    dialog = window.suppliers_tab.findChild(SupplierDialog)
    assert dialog is not None and dialog.isVisible()
    assert dialog.code.text() == "ACME"
    dialog.reject()
    window.menus.show_tab(window.products_tab)
    window.products_tab.table.selectRow(1)  # MUG
    qtbot.keyClick(
        window.products_tab.table,
        Qt.Key.Key_H,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    wait_for_saves(qtbot)
    assert window.statusBar().currentMessage() == "Product MUG archived"
    window.menus.show_tab(window.stock_tab)  # not a catalog tab: nothing to edit there
    assert not window.menus.action("editRecordAction").isEnabled()


def test_at_1024_pixels_product_names_keep_their_width_and_the_table_scrolls_sideways(
    qtbot: QtBot, catalog_shop: Database
):
    window = open_window(qtbot, catalog_shop)
    tab = window.products_tab
    window.tabs.setCurrentWidget(tab)
    name = next(i for i, c in enumerate(tab.model.columns) if c.title == "Name")
    window.resize(1024, 700)
    qtbot.waitUntil(lambda: tab.table.horizontalHeader().sectionSize(name) >= 240)
    assert tab.table.horizontalScrollBar().maximum() > 0  # the rest is a scroll away
    window.resize(1800, 800)  # room again: the name takes what is left
    qtbot.waitUntil(lambda: tab.table.horizontalHeader().sectionSize(name) > 300)
    assert tab.table.horizontalScrollBar().maximum() == 0


def test_products_show_their_bin_sorted_and_found_by_it(catalog_shop: Database):
    with catalog_shop.write() as s:
        catalog.update_product(s, "MUG", bin="A3-02")
    model = ProductsModel(catalog_shop)
    model.reload()
    assert cells(model, "Bin") == ["", "A3-02"]
    model.set_query(sort="bin", descending=True)
    assert cells(model, "SKU") == ["MUG", "CUP"]
    model.set_query(search="a3-0")
    assert cells(model, "SKU") == ["MUG"]
