"""New order with money and waiting: line prices (the product's, or one typed), the running
total, each waiting line's expected dates, and the warning when a wait is long."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from PySide6.QtCore import Qt
from sqlalchemy import select, update

from app.db import Database
from app.domain import OrderLine, Product, SalesOrder
from app.services import formatting, purchasing, shop_settings
from app.services.ordering import LineRequest
from app.ui.dialogs.line_items import LineItemsModel
from app.ui.dialogs.new_order import NewOrderDialog
from tests.ui.conftest import wait_for_saves
from tests.ui.shop_data import MUG_BARCODE, TEA_BARCODE, Shop, build_shop, show_active


@pytest.fixture
def shop(sqlite_db: Database) -> Shop:
    """build_shop's shop with prices: MUG 4.50, TEA 3.20, KET 25.00. Its PO (due in 5 days)
    covers every TEA waiting and one more; 9 MUG wait for its 6, so a new MUG is on no PO."""
    shop = build_shop(sqlite_db)
    with sqlite_db.write() as s:
        for sku, price in (("MUG", "4.50"), ("TEA", "3.20"), ("KET", "25.00")):
            s.execute(update(Product).where(Product.sku == sku).values(price=Decimal(price)))
    return shop


def scan(qtbot, dialog: NewOrderDialog, code: str) -> None:
    qtbot.keyClicks(dialog.scan, code)
    qtbot.keyClick(dialog.scan, Qt.Key.Key_Return)


def open_dialog(qtbot, db: Database, customer: str = "C003") -> NewOrderDialog:
    dialog = NewOrderDialog(db)
    qtbot.addWidget(dialog)
    show_active(qtbot, dialog)
    qtbot.keyClicks(dialog.customer, customer)
    qtbot.keyClick(dialog.customer, Qt.Key.Key_Tab)
    return dialog


def cell(dialog: NewOrderDialog, sku: str, column: int, role=Qt.ItemDataRole.DisplayRole):
    model = dialog.lines
    row = next(r for r in range(model.rowCount()) if model.index(r, 0).data() == sku)
    return model.index(row, column).data(role)


def euros(amount: str) -> str:
    return formatting.money(Decimal(amount), "EUR")


def stored_prices(db: Database, ref: str) -> list[Decimal]:
    with db.read() as s:
        return list(
            s.scalars(
                select(OrderLine.unit_price)
                .join(SalesOrder, SalesOrder.id == OrderLine.order_id)
                .where(SalesOrder.ref == ref)
                .order_by(OrderLine.line_no)
            )
        )


def test_lines_take_the_product_s_price_a_typed_one_is_kept_and_the_total_follows(
    qtbot, sqlite_db, shop
):
    dialog = open_dialog(qtbot, sqlite_db)
    scan(qtbot, dialog, TEA_BARCODE)
    scan(qtbot, dialog, MUG_BARCODE)
    scan(qtbot, dialog, MUG_BARCODE)
    assert cell(dialog, "TEA", LineItemsModel.PRICE) == euros("3.20")
    assert dialog.total.text() == f"Total {euros('12.20')}"  # 3.20 + 2 x 4.50

    price = dialog.lines.index(0, LineItemsModel.PRICE)
    assert dialog.lines.flags(price) & Qt.ItemFlag.ItemIsEditable
    dialog.lines.setData(price, "2.99")
    assert cell(dialog, "TEA", LineItemsModel.PRICE) == euros("2.99")
    assert dialog.total.text() == f"Total {euros('11.99')}"
    assert "agreed" in cell(dialog, "TEA", LineItemsModel.PRICE, Qt.ItemDataRole.ToolTipRole)

    dialog.lines.setData(price, "-1")
    assert dialog.message.text() == "Price of TEA cannot be negative (-1)"
    assert not dialog.place_button.isEnabled()
    assert cell(dialog, "TEA", LineItemsModel.PRICE) == "-1"  # kept as typed, to fix
    dialog.lines.setData(price, "lots")
    assert "Price of TEA must be an amount like 12.50" in dialog.message.text()
    dialog.lines.setData(price, "99999999999")
    assert "too large" in dialog.message.text()
    dialog.lines.setData(price, "2.99")
    assert dialog.place_button.isEnabled() and dialog.message.kind != "error"

    dialog.submit()
    wait_for_saves(qtbot)
    assert dialog.placed is not None
    assert stored_prices(sqlite_db, dialog.placed.ref) == [Decimal("2.99"), Decimal("4.50")]


def test_a_cleared_price_goes_back_to_the_product_s(qtbot, sqlite_db, shop):
    dialog = open_dialog(qtbot, sqlite_db)
    scan(qtbot, dialog, "KET")
    price = dialog.lines.index(0, LineItemsModel.PRICE)
    dialog.lines.setData(price, "20")
    assert dialog.total.text() == f"Total {euros('20.00')}"
    dialog.lines.setData(price, "")
    assert cell(dialog, "KET", LineItemsModel.PRICE) == euros("25.00")
    assert dialog.total.text() == f"Total {euros('25.00')}"


def test_prices_in_yen_are_shown_and_typed_without_decimals(qtbot, sqlite_db, shop):
    with sqlite_db.write() as s:
        shop_settings.set_currency(s, "JPY")
    dialog = open_dialog(qtbot, sqlite_db)
    scan(qtbot, dialog, "KET")
    price = dialog.lines.index(0, LineItemsModel.PRICE)
    dialog.lines.setData(price, "12.50")
    assert dialog.message.text() == "Price of KET 12.50 has decimals, but JPY has none"
    dialog.lines.setData(price, "1200")
    assert dialog.total.text() == f"Total {formatting.money(Decimal(1200), 'JPY')}"


def test_waiting_lines_show_their_expected_dates_or_not_on_order_and_a_long_wait_warns(
    qtbot, sqlite_db, shop
):
    today = date.today()
    with sqlite_db.read() as s:
        due = s.scalar(select(purchasing.PurchaseOrder.expected_date))
    assert due is not None
    dialog = open_dialog(qtbot, sqlite_db)
    scan(qtbot, dialog, TEA_BARCODE)  # the PO covers it
    assert cell(dialog, "TEA", LineItemsModel.ETA) == formatting.day(due)
    assert dialog.long_wait.isHidden()  # 5 days: not long

    scan(qtbot, dialog, MUG_BARCODE)  # 9 wait for the PO's 6: nothing covers a 10th
    assert cell(dialog, "MUG", LineItemsModel.ETA) == "not on order"
    assert "no open purchase order" in cell(
        dialog, "MUG", LineItemsModel.ETA, Qt.ItemDataRole.ToolTipRole
    )
    assert dialog.long_wait.isVisible()
    assert dialog.long_wait.text() == (
        "Long wait (over 14 days): MUG Blue mug: not on order, no date yet. "
        "Tell the customer before they pay."
    )
    assert dialog.place_button.isEnabled()  # a warning, not a refusal

    dialog.lines.remove(1)  # without the mug, nothing waits long
    assert dialog.long_wait.isHidden()

    # Kettles: a PO due in 30 days covers the next one; the shop calls 14 days long.
    with sqlite_db.write() as s:
        purchasing.create_purchase_order(
            s, "ACME", [LineRequest("KET", 5)], expected_date=today + timedelta(days=30)
        )
    scan(qtbot, dialog, "KET")
    assert cell(dialog, "KET", LineItemsModel.ETA) == formatting.day(today + timedelta(30))
    assert dialog.long_wait.text().startswith(
        "Long wait (over 14 days): KET Kettle: up to 30 days ("
    )
    assert cell(dialog, "KET", LineItemsModel.ETA, Qt.ItemDataRole.ForegroundRole) is not None


def test_the_long_wait_follows_the_shop_setting(qtbot, sqlite_db, shop):
    with sqlite_db.write() as s:
        purchasing.create_purchase_order(
            s, "ACME", [LineRequest("KET", 5)], expected_date=date.today() + timedelta(days=30)
        )
        shop_settings.set_long_wait_days(s, 45)
    dialog = open_dialog(qtbot, sqlite_db)
    scan(qtbot, dialog, "KET")
    assert cell(dialog, "KET", LineItemsModel.ETA) == formatting.day(date.today() + timedelta(30))
    assert dialog.long_wait.isHidden()


def test_a_line_waiting_for_an_overdue_purchase_order_warns_too(qtbot, sqlite_db, shop):
    with sqlite_db.write() as s:
        purchasing.create_purchase_order(
            s, "ACME", [LineRequest("KET", 5)], expected_date=date.today() - timedelta(days=5)
        )
    dialog = open_dialog(qtbot, sqlite_db)
    scan(qtbot, dialog, "KET")
    late = formatting.day(date.today() - timedelta(days=5))
    assert cell(dialog, "KET", LineItemsModel.ETA) == f"overdue ({late})"
    assert "ask the supplier" in cell(
        dialog, "KET", LineItemsModel.ETA, Qt.ItemDataRole.ToolTipRole
    )
    assert dialog.long_wait.text() == (
        "Long wait (over 14 days): KET Kettle: on an overdue purchase order, no date to "
        "promise. Tell the customer before they pay."
    )
