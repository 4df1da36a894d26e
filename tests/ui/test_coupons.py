"""Goodwill coupons in the window: New order's coupon field (a coupon typed or scanned shows its
discount and the new total, a refused one its reason, and the order cannot be placed with it;
placing the order takes the coupon once), the customer dialog's list of their coupons, and the
order detail's coupon earned or used."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QTableView
from sqlalchemy import select, update

from app.db import Database
from app.domain import Customer, Product, SalesOrder
from app.domain.coupons import Coupon
from app.services import formatting
from app.ui.dialogs.customer import CustomerDialog
from app.ui.dialogs.new_order import NewOrderDialog
from app.ui.dialogs.order_detail import OrderDetailDialog
from tests.ui.conftest import wait_for_saves
from tests.ui.shop_data import Shop, build_shop, show_active

CODE = "K7QM4XTP"


@pytest.fixture
def shop(sqlite_db: Database) -> Shop:
    """build_shop's shop, SPOON at 4.00, and a 10 % coupon for C003 earned by its order."""
    shop = build_shop(sqlite_db)
    with sqlite_db.write() as s:
        s.execute(update(Product).where(Product.sku == "SPOON").values(price=Decimal("4.00")))
        customer = s.scalars(select(Customer).where(Customer.code == "C003")).one()
        earned = s.scalars(select(SalesOrder).where(SalesOrder.ref == shop.orders["C003"])).one()
        s.add(
            Coupon(
                code=CODE,
                customer_id=customer.id,
                earned_order_id=earned.id,
                percent=Decimal(10),
                created_at=datetime.now(UTC),
            )
        )
    return shop


def euros(amount: str) -> str:
    return formatting.money(Decimal(amount), "EUR")


def order_spoons(qtbot, db: Database, customer: str, spoons: int) -> NewOrderDialog:
    dialog = NewOrderDialog(db)
    qtbot.addWidget(dialog)
    show_active(qtbot, dialog)
    qtbot.keyClicks(dialog.customer, customer)
    qtbot.keyClick(dialog.customer, Qt.Key.Key_Tab)
    for _ in range(spoons):
        qtbot.keyClicks(dialog.scan, "SPOON")
        qtbot.keyClick(dialog.scan, Qt.Key.Key_Return)
    return dialog


def scan_coupon(qtbot, dialog: NewOrderDialog, code: str) -> None:
    dialog.coupon.edit.clear()
    qtbot.keyClicks(dialog.coupon.edit, code)
    qtbot.keyClick(dialog.coupon.edit, Qt.Key.Key_Return)


def test_a_scanned_coupon_shows_its_discount_and_the_new_total_and_is_taken_once(
    qtbot, sqlite_db: Database, shop: Shop
) -> None:
    dialog = order_spoons(qtbot, sqlite_db, "C003", 5)
    assert dialog.total.text() == f"Total {euros('20.00')}"
    scan_coupon(qtbot, dialog, "k7qm-4xtp")
    assert dialog.coupon.info.text() == f"K7QM-4XTP: \N{MINUS SIGN}{euros('2.00')} (10%)"
    assert dialog.total.text() == (
        f"Total {euros('18.00')} ({euros('20.00')} less coupon {euros('2.00')})"
    )
    qtbot.keyClicks(dialog.scan, "SPOON")  # one more: the discount follows the lines
    qtbot.keyClick(dialog.scan, Qt.Key.Key_Return)
    assert dialog.total.text().startswith(f"Total {euros('21.60')} ")
    assert dialog.place_button.isEnabled()
    dialog.submit()
    wait_for_saves(qtbot)
    assert dialog.placed is not None and dialog.placed.discount == Decimal("2.40")
    assert dialog.outcome.endswith(f"; coupon took {euros('2.40')} off")
    with sqlite_db.read() as s:
        coupon = s.scalars(select(Coupon)).one()
        assert coupon.redeemed_order is not None
        assert coupon.redeemed_order.ref == dialog.placed.ref

    again = order_spoons(qtbot, sqlite_db, "C003", 1)
    scan_coupon(qtbot, again, CODE)
    assert again.coupon.info.text() == (
        f"Coupon K7QM-4XTP was already used on order {dialog.placed.ref}."
    )
    assert not again.place_button.isEnabled()


def test_a_coupon_of_another_customer_or_an_unknown_code_is_refused_and_blocks_the_order(
    qtbot, sqlite_db: Database, shop: Shop
) -> None:
    dialog = order_spoons(qtbot, sqlite_db, "C001", 2)
    scan_coupon(qtbot, dialog, CODE)
    assert dialog.coupon.info.text() == "Coupon K7QM-4XTP belongs to another customer."
    assert dialog.total.text() == f"Total {euros('8.00')}"
    assert not dialog.place_button.isEnabled()
    scan_coupon(qtbot, dialog, "ZZZZ2345")
    assert dialog.coupon.info.text() == "No coupon has the code 'ZZZZ2345'."
    dialog.coupon.edit.clear()  # no coupon after all: the order can be placed
    dialog.coupon.check()
    assert dialog.coupon.info.text() == "" and dialog.place_button.isEnabled()


def test_a_coupon_typed_before_the_customer_asks_for_the_customer_first(
    qtbot, sqlite_db: Database, shop: Shop
) -> None:
    dialog = NewOrderDialog(sqlite_db)
    qtbot.addWidget(dialog)
    show_active(qtbot, dialog)
    scan_coupon(qtbot, dialog, CODE)
    assert dialog.coupon.info.text() == "Choose the customer first: a coupon is for one customer."
    qtbot.keyClicks(dialog.customer, "C003")
    qtbot.keyClick(dialog.customer, Qt.Key.Key_Tab)
    assert dialog.coupon.info.text().startswith("K7QM-4XTP: ")


def test_the_customer_dialog_lists_the_customer_s_coupons_and_only_theirs(
    qtbot, qtmodeltester, sqlite_db: Database, shop: Shop
) -> None:
    dialog = CustomerDialog(sqlite_db, "C003")
    qtbot.addWidget(dialog)
    dialog.show()
    table = dialog.findChild(QTableView, "customerCouponsTable")
    assert table is not None
    model = table.model()
    qtmodeltester.check(model)
    header = [model.headerData(c, Qt.Orientation.Horizontal) for c in range(model.columnCount())]
    assert header == ["Code", "Value", "Earned by", "Given", "Expires", "Used on", "Discount"]
    row = [model.index(0, c).data() for c in range(model.columnCount())]
    assert row[:3] == ["K7QM-4XTP", "10%", shop.orders["C003"]]
    assert row[4:] == ["never", "not used yet", ""]
    other = CustomerDialog(sqlite_db, "C001")
    qtbot.addWidget(other)
    assert other.findChild(QTableView, "customerCouponsTable") is None


def test_the_order_detail_shows_the_coupon_an_order_earned_and_the_one_it_used(
    qtbot, sqlite_db: Database, shop: Shop
) -> None:
    earning = OrderDetailDialog(sqlite_db, shop.orders["C003"])
    qtbot.addWidget(earning)
    assert "earned coupon K7QM-4XTP (10%, not used yet)" in earning.total.text()
    dialog = order_spoons(qtbot, sqlite_db, "C003", 5)
    scan_coupon(qtbot, dialog, CODE)
    dialog.submit()
    wait_for_saves(qtbot)
    assert dialog.placed is not None
    using = OrderDetailDialog(sqlite_db, dialog.placed.ref)
    qtbot.addWidget(using)
    assert f"Order total: <b>{euros('18.00')}</b>" in using.total.text()
    assert f"coupon K7QM-4XTP took {euros('2.00')} off {euros('20.00')}" in using.total.text()
    earning.load()
    assert f"(10%, used on {dialog.placed.ref})" in earning.total.text()
