"""The Stock tab marks overdue deliveries and shows each product's backorder policy as a
policy; the Orders and Purchase orders tabs show what each order comes to."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from PySide6.QtCore import Qt
from sqlalchemy import update

from app.db import Database
from app.domain import BackorderPolicy, Product
from app.services import catalog, formatting, ordering, purchasing, shop_settings
from app.services.ordering import LineRequest
from app.ui.main_window import MainWindow
from app.ui.models.stock_model import StockModel
from tests.ui.shop_data import open_window
from tests.ui.test_main_window import model_of
from tests.ui.test_models import cells, column


@pytest.fixture
def shop(sqlite_db: Database) -> Database:
    """ANVIL on a PO due 3 days ago (overdue) and one due in 10 days; ROPE on a PO due in 4
    days; GLUE sold from stock only, on no PO. Prices: ANVIL 19.99, ROPE 2.50; costs 8.00,
    1.10."""
    today = date.today()
    with sqlite_db.write() as s:
        catalog.create_supplier(s, "ACME", "Acme Supplies")
        catalog.create_product(
            s, "ANVIL", "Anvil 50 kg", price=Decimal("19.99"), cost=Decimal("8.00"),
            supplier_code="ACME",
        )  # fmt: skip
        catalog.create_product(
            s, "ROPE", "Rope 10 m", price=Decimal("2.50"), cost=Decimal("1.10"),
            supplier_code="ACME",
        )  # fmt: skip
        catalog.create_product(
            s, "GLUE", "Wood glue", backorder_policy=BackorderPolicy.OUT_OF_STOCK
        )
        catalog.create_customer(s, "C1", "Wile Coyote")
        purchasing.create_purchase_order(
            s, "ACME", [LineRequest("ANVIL", 2)], ref="PO-LATE",
            expected_date=today - timedelta(days=3),
        )  # fmt: skip
        purchasing.create_purchase_order(
            s, "ACME", [LineRequest("ANVIL", 5)], ref="PO-NEXT",
            expected_date=today + timedelta(days=10),
        )  # fmt: skip
        purchasing.create_purchase_order(
            s, "ACME", [LineRequest("ROPE", 10)], ref="PO-ROPE",
            expected_date=today + timedelta(days=4),
        )  # fmt: skip
    with sqlite_db.write() as s:
        ordering.place_order(
            s, "C1", [LineRequest("ANVIL", 3), LineRequest("ROPE", 4, Decimal("2.25"))],
            ref="SO-1",
        )  # fmt: skip
    return sqlite_db


def test_an_overdue_expected_date_is_marked_in_red_with_a_reason(shop: Database) -> None:
    today = date.today()
    model = StockModel(shop)
    model.reload()
    assert cells(model, "SKU") == ["ANVIL", "GLUE", "ROPE"]
    late = formatting.day(today - timedelta(days=3))
    assert cells(model, "Next expected") == [
        f"{late} \N{MIDDLE DOT} overdue",
        "",
        formatting.day(today + timedelta(days=4)),
    ]
    expected = column(model, "Next expected")
    anvil, rope = model.index(0, expected), model.index(2, expected)
    red = model.data(anvil, Qt.ItemDataRole.ForegroundRole).color()
    assert red.red() > 150 and red.green() < 80 and red.blue() < 80
    tip = model.data(anvil, Qt.ItemDataRole.ToolTipRole)
    assert tip.startswith("Overdue: an open purchase order for ANVIL was expected 3 days ago")
    assert model.data(rope, Qt.ItemDataRole.ForegroundRole) is None
    assert model.data(rope, Qt.ItemDataRole.ToolTipRole) is None


def test_a_delivery_that_arrived_is_no_longer_overdue(shop: Database) -> None:
    with shop.write() as s:
        purchasing.cancel_purchase_order(s, "PO-LATE")
    model = StockModel(shop)
    model.reload()
    assert cells(model, "Next expected")[0] == formatting.day(date.today() + timedelta(10))


def test_the_policy_column_says_the_policy_not_a_stock_status(shop: Database) -> None:
    model = StockModel(shop)
    model.reload()
    assert cells(model, "Policy") == ["Backorder", "Stock only", "Backorder"]
    tip = model.headerData(
        column(model, "Policy"), Qt.Orientation.Horizontal, Qt.ItemDataRole.ToolTipRole
    )
    assert "Stock only: sell only what is available" in tip


def test_the_orders_and_purchase_orders_tabs_show_totals_in_the_shop_currency(
    qtbot, shop: Database
) -> None:
    window: MainWindow = open_window(qtbot, shop)
    orders = model_of(window, "ordersTab")
    # 3 x 19.99 at the product's price + 4 x 2.25 agreed on the line.
    assert cells(orders, "Total") == [formatting.money(Decimal("68.97"), "EUR")]
    pos = model_of(window, "purchaseOrdersTab")
    pos.set_query(sort="ref", descending=False)
    assert cells(pos, "Ref") == ["PO-LATE", "PO-NEXT", "PO-ROPE"]
    assert cells(pos, "Total") == [
        formatting.money(Decimal(amount), "EUR") for amount in ("16.00", "40.00", "11.00")
    ]


def test_totals_follow_the_shop_currency(shop: Database) -> None:
    from app.ui.models.orders_model import OrdersModel

    with shop.write() as s:
        shop_settings.set_currency(s, "GBP")
        s.execute(update(Product).values(price=Decimal("1.00")))  # placed lines keep theirs
    model = OrdersModel(shop)
    model.reload()
    assert cells(model, "Total") == [formatting.money(Decimal("68.97"), "GBP")]


def test_the_new_purchase_order_dialog_shows_unit_costs_and_the_total(qtbot, shop) -> None:
    from app.ui.dialogs.line_items import LineItemsModel
    from app.ui.dialogs.new_purchase_order import NewPurchaseOrderDialog

    dialog = NewPurchaseOrderDialog(shop)
    qtbot.addWidget(dialog)
    dialog.show()
    for sku, qty in (("ANVIL", "3"), ("ROPE", "10")):
        dialog.sku.setText(sku)
        dialog.qty.setText(qty)
        qtbot.keyClick(dialog.qty, Qt.Key.Key_Return)
    model = dialog.lines
    assert model.headers[LineItemsModel.COST] == "Unit cost"
    costs = [model.index(row, LineItemsModel.COST).data() for row in range(2)]
    assert costs == [formatting.money(Decimal(c), "EUR") for c in ("8.00", "1.10")]
    assert dialog.total.text() == f"Total {formatting.money(Decimal('35.00'), 'EUR')}"


def test_a_draft_shows_the_costs_its_lines_hold(qtbot, shop) -> None:
    from app.ui.dialogs.edit_draft import EditDraftDialog

    with shop.write() as s:
        purchasing.create_purchase_order(
            s, "ACME", [LineRequest("ANVIL", 2)], ref="PO-DRAFT", draft=True
        )
        s.execute(update(Product).where(Product.sku == "ANVIL").values(cost=Decimal("9.50")))
    dialog = EditDraftDialog(shop, "PO-DRAFT")
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.total.text() == f"Total {formatting.money(Decimal('16.00'), 'EUR')}"


def test_a_new_shop_currency_shows_at_once_in_the_order_and_po_totals(qtbot, shop) -> None:
    from app.ui.dialogs.settings import SettingsDialog
    from app.ui.dialogs.settings_shop import ShopPage
    from tests.ui.conftest import wait_for_saves

    window: MainWindow = open_window(qtbot, shop)
    orders = model_of(window, "ordersTab")
    pos = model_of(window, "purchaseOrdersTab")
    page = ShopPage(shop)
    dialog = SettingsDialog([page], window)
    dialog.show()
    page.currency.setCurrentIndex(page.currency.findData("GBP"))
    dialog.accept()
    wait_for_saves(qtbot)
    with shop.read() as s:
        assert shop_settings.get_currency(s) == "GBP"
    # The tab on screen re-reads at once; the other when it is shown.
    qtbot.waitUntil(lambda: cells(pos, "Total")[0].startswith("£"))
    orders = model_of(window, "ordersTab")
    qtbot.waitUntil(lambda: cells(orders, "Total")[0].startswith("£"))
    assert cells(orders, "Total") == [formatting.money(Decimal("68.97"), "GBP")]
