"""Products, customers and suppliers: creating them and finding them as typed or scanned."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from app.db import Database
from app.domain import BackorderPolicy, StockBalance
from app.domain.errors import Duplicate, InvalidInput, NotFound
from app.services.catalog import (
    create_customer,
    create_product,
    create_supplier,
    find_product,
    get_customer,
    parse_money,
)


def test_a_new_product_starts_with_an_empty_balance(db: Database) -> None:
    with db.write() as session:
        product = create_product(
            session, " WID-1 ", " Widget ", price=Decimal("2.50"), cost=Decimal("1")
        )
        pid = product.id
    with db.read() as session:
        found = find_product(session, "WID-1")
        assert (found.sku, found.name, found.price, found.cost) == (
            "WID-1",
            "Widget",
            Decimal("2.50"),
            Decimal("1.00"),
        )
        assert found.backorder_policy == BackorderPolicy.BACKORDER
        balance = session.scalar(select(StockBalance).where(StockBalance.product_id == pid))
        assert balance is not None
        assert (balance.on_hand, balance.allocated) == (0, 0)


def test_a_product_is_found_by_sku_or_barcode(db: Database) -> None:
    with db.write() as session:
        create_product(session, "A", "Apple", barcode="4006381333931")
    with db.read() as session:
        assert find_product(session, " 4006381333931\n").sku == "A"
        assert find_product(session, "A").sku == "A"
        with pytest.raises(NotFound, match="B"):
            find_product(session, "B")
        with pytest.raises(NotFound, match="Nothing was scanned"):
            find_product(session, "  ")


def test_skus_and_barcodes_are_unique(db: Database) -> None:
    with db.write() as session:
        create_product(session, "A", "Apple", barcode="12345670")
    with pytest.raises(Duplicate, match="SKU A"), db.write() as session:
        create_product(session, "A", "Another")
    with pytest.raises(Duplicate, match="12345670"), db.write() as session:
        create_product(session, "B", "Banana", barcode="12345670")


@pytest.mark.parametrize("barcode", ["123", "12345678901", "ABCDEFGH", "1234567X"])
def test_a_barcode_must_be_a_gtin(db: Database, barcode: str) -> None:
    with pytest.raises(InvalidInput, match="GTIN"), db.write() as session:
        create_product(session, "A", "Apple", barcode=barcode)


def test_a_product_needs_a_sku_and_a_name(db: Database) -> None:
    with pytest.raises(InvalidInput, match="SKU"), db.write() as session:
        create_product(session, " ", "Apple")
    with pytest.raises(InvalidInput, match="name"), db.write() as session:
        create_product(session, "A", "")


def test_a_product_keeps_its_supplier_s_own_sku(db: Database) -> None:
    with db.write() as session:
        create_supplier(session, "SUP", "Supplies")
        create_product(session, "A", "Apple", supplier_code="SUP", supplier_sku=" AP-99/x ")
        create_product(session, "B", "Bread", supplier_code="SUP", supplier_sku="  ")
        create_product(session, "C", "Cheese")
    with db.read() as session:
        skus = [find_product(session, sku).supplier_sku for sku in ("A", "B", "C")]
    assert skus == ["AP-99/x", None, None]


def test_a_supplier_sku_longer_than_64_characters_is_refused(db: Database) -> None:
    with pytest.raises(InvalidInput, match="Supplier SKU"), db.write() as session:
        create_product(session, "A", "Apple", supplier_sku="X" * 65)


def test_a_product_s_supplier_must_exist(db: Database) -> None:
    with pytest.raises(NotFound, match="SUP"), db.write() as session:
        create_product(session, "A", "Apple", supplier_code="SUP")


@pytest.mark.parametrize(
    ("text", "expected"),
    [("12.5", Decimal("12.50")), ("0", Decimal("0.00")), ("", Decimal("0.00")), (3, Decimal("3"))],
)
def test_money_is_exact_with_two_decimals(text: str, expected: Decimal) -> None:
    assert parse_money(text) == expected


@pytest.mark.parametrize("text", ["-1", "1.234", "abc", "NaN", "Infinity", "1e12"])
def test_bad_money_is_refused(text: str) -> None:
    with pytest.raises(InvalidInput):
        parse_money(text)


def test_customer_and_supplier_codes_are_unique(db: Database) -> None:
    with db.write() as session:
        create_customer(session, "ANN", "Ann")
        create_supplier(session, "SUP", "Supplies", lead_time_days=3)
    with pytest.raises(Duplicate), db.write() as session:
        create_customer(session, "ANN", "Another Ann")
    with pytest.raises(Duplicate), db.write() as session:
        create_supplier(session, "SUP", "Others")
    with db.read() as session:
        assert get_customer(session, " ANN ").name == "Ann"
        with pytest.raises(NotFound):
            get_customer(session, "BOB")


@pytest.mark.parametrize("days", [-1, 3651])
def test_a_lead_time_must_be_sane(db: Database, days: int) -> None:
    with pytest.raises(InvalidInput, match="Lead time"), db.write() as session:
        create_supplier(session, "SUP", "Supplies", lead_time_days=days)
