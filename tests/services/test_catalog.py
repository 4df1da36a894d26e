"""Products, customers and suppliers: creating them and finding them as typed or scanned."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from app.db import Database
from app.domain import BackorderPolicy, CustomerTier, StockBalance
from app.domain.barcodes import InvalidBarcode
from app.domain.enums import ShipPreference
from app.domain.errors import Duplicate, InvalidInput, NotFound
from app.services.catalog import (
    create_customer,
    create_product,
    create_supplier,
    customer_row,
    customers_named,
    find_product,
    find_product_at_counter,
    find_product_by_code,
    get_customer,
    parse_money,
    search_customers,
    suggest_customer_code,
    update_customer,
    update_product,
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


# --- the counter: customers by type-ahead, products as scanned or typed -------------------


@pytest.fixture
def customers(db: Database) -> Database:
    with db.write() as session:
        create_customer(session, "C001", "Ana Lima", email="ana@lima.pt", phone="+351 912 000 111")
        create_customer(session, "C002", "Ben Okafor", email="ben@example.com")
        create_customer(session, "LIMA", "Lima Hardware", tier=CustomerTier.GOLD)
        create_customer(session, "C100", "Chloé Martin", ship_preference=ShipPreference.COMPLETE)
    return db


@pytest.mark.parametrize(
    ("text", "codes"),
    [
        ("lima", ["LIMA", "C001"]),  # code match first, then the name containing it
        ("C00", ["C001", "C002"]),
        ("EXAMPLE.COM", ["C002"]),  # part of an email, any case
        ("912 000", ["C001"]),  # part of a phone number as stored
        ("chloé", ["C100"]),
        ("nobody", []),
        ("  ", []),
        ("%", []),  # a wildcard is just a character
    ],
)
def test_customers_are_found_by_part_of_name_code_email_or_phone(
    customers: Database, text: str, codes: list[str]
) -> None:
    with customers.read() as session:
        assert [row.code for row in search_customers(session, text)] == codes


def test_a_customer_row_carries_tier_and_ship_preference(customers: Database) -> None:
    with customers.read() as session:
        row = customer_row(session, "C100")
    assert (row.tier, row.ship_preference) == (CustomerTier.STANDARD, ShipPreference.COMPLETE)
    assert row.label == "C100 — Chloé Martin"


def test_a_type_ahead_row_shows_the_phone_when_the_phone_matched(customers: Database) -> None:
    with customers.read() as session:
        (by_phone,) = search_customers(session, "912 000")
        (by_name,) = search_customers(session, "ana li")
    assert by_phone.label == "C001 — Ana Lima · +351 912 000 111"
    assert by_name.label == "C001 — Ana Lima · ana@lima.pt"


def test_a_new_customer_needs_a_name_before_anything_else(db: Database) -> None:
    with pytest.raises(InvalidInput, match=r"^Customer name is required$"), db.write() as session:
        create_customer(session, "", "  ")


@pytest.mark.parametrize(
    "email", ["ruth", "ruth@", "ruth@example", "020 7946 0100", "a b@example.com", "r@x.c"]
)
def test_a_customer_email_must_look_like_an_address(db: Database, email: str) -> None:
    with pytest.raises(InvalidInput, match="does not look like an address"), db.write() as s:
        create_customer(s, "RUTH", "Ruth Ashworth", email=email)
    with db.write() as s:
        create_customer(s, "RUTH", "Ruth Ashworth", email=" ruth.a@mail.example.co.uk ")
        with pytest.raises(InvalidInput, match="does not look like an address"):
            update_customer(s, "RUTH", email="ruth at home")
        assert customer_row(s, "RUTH").email == "ruth.a@mail.example.co.uk"


def test_customers_with_the_same_name_are_found_ignoring_case(customers: Database) -> None:
    with customers.write() as session:
        create_customer(session, "C003", "Ben_Okafor")  # "_" is no wildcard
        assert [r.code for r in customers_named(session, "  ana LIMA ")] == ["C001"]
        assert [r.code for r in customers_named(session, "Ben Okafor")] == ["C002"]
        assert customers_named(session, "Ana") == []
        assert customers_named(session, "%") == []


def test_a_new_customer_code_is_suggested_from_the_name_and_never_taken(db: Database) -> None:
    with db.write() as session:
        assert suggest_customer_code(session, "Ana Lima") == "ALIMA"
        create_customer(session, "ALIMA", "Ana Lima")
        assert suggest_customer_code(session, "Álvaro  Lima") == "ALIMA2"
        assert suggest_customer_code(session, "Acme") == "ACME"
        assert suggest_customer_code(session, "  ") == "CUST"


def test_a_customer_can_be_edited(customers: Database) -> None:
    with customers.write() as session:
        update_customer(
            session,
            "C002",
            phone=" 555 0100 ",
            tier=CustomerTier.GOLD,
            ship_preference=ShipPreference.COMPLETE,
        )
    with customers.read() as session:
        row = customer_row(session, "C002")
    assert (row.phone, row.tier, row.ship_preference) == (
        "555 0100",
        CustomerTier.GOLD,
        ShipPreference.COMPLETE,
    )


@pytest.fixture
def counter(db: Database) -> Database:
    with db.write() as session:
        create_product(session, "MUG", "Blue mug", barcode="4006381333931")
        create_product(session, "MUG-R", "Red mug")
        create_product(session, "KET", "Kettle")
    return db


@pytest.mark.parametrize(
    ("text", "sku"),
    [("MUG", "MUG"), ("4006381333931", "MUG"), ("kettle", "KET"), ("red m", "MUG-R")],
)
def test_the_counter_finds_a_product_by_sku_barcode_or_name(
    counter: Database, text: str, sku: str
) -> None:
    with counter.read() as session:
        assert find_product_at_counter(session, text).sku == sku


@pytest.mark.parametrize(
    ("text", "error", "message"),
    [
        ("4006381333932", InvalidBarcode, "wrong check digit"),
        ("400638133393", InvalidBarcode, "wrong check digit"),  # a digit missing
        ("40063813", InvalidBarcode, "wrong check digit"),
        ("12345", InvalidBarcode, "it has 5 digits"),
        ("5012345678900", NotFound, "No product has the barcode 5012345678900"),
        ("mug", NotFound, "matches several products"),
        ("teapot", NotFound, "No product has the SKU, barcode or name 'teapot'"),
    ],
)
def test_the_counter_says_whether_a_code_is_malformed_or_unknown(
    counter: Database, text: str, error: type[Exception], message: str
) -> None:
    with counter.read() as session, pytest.raises(error, match=message):
        find_product_at_counter(session, text)


@pytest.mark.parametrize(
    ("text", "error", "message"),
    [
        ("4006381333932", InvalidBarcode, "wrong check digit"),
        ("12345", InvalidBarcode, "it has 5 digits"),
        ("5012345678900", NotFound, "No product has the barcode 5012345678900: is it in"),
        ("kettle", NotFound, "No product has the SKU or barcode 'kettle'"),  # names: no
        ("  ", NotFound, "Nothing was scanned or typed"),
    ],
)
def test_an_item_field_says_whether_a_code_is_malformed_or_unknown(
    counter: Database, text: str, error: type[Exception], message: str
) -> None:
    """Receive, adjust stock and the purchase order dialogs find items by code only, with
    the same barcode feedback as the counter."""
    with counter.read() as session:
        assert find_product_by_code(session, " 4006381333931 ").sku == "MUG"
        assert find_product_by_code(session, "KET").sku == "KET"
        with pytest.raises(error, match=message):
            find_product_by_code(session, text)


def test_a_product_barcode_needs_a_right_check_digit(db: Database) -> None:
    with db.write() as session, pytest.raises(InvalidBarcode, match="check digit"):
        create_product(session, "A", "Apple", barcode="4006381333932")


def test_a_product_s_bin_is_trimmed_editable_and_refused_when_too_long(db: Database) -> None:
    with db.write() as session:
        create_product(session, "A", "Apple", bin="  A3-02 ")
        create_product(session, "B", "Bread")
    with db.read() as session:
        assert [find_product(session, sku).bin for sku in ("A", "B")] == ["A3-02", ""]
    with db.write() as session:
        update_product(session, "B", bin=" Back room, shelf 4 ")
        update_product(session, "A", name="Apples")  # no bin given: the bin stays
    with db.read() as session:
        assert [find_product(session, sku).bin for sku in ("A", "B")] == [
            "A3-02",
            "Back room, shelf 4",
        ]
    with db.write() as session:
        update_product(session, "A", bin="  ")
    with db.read() as session:
        assert find_product(session, "A").bin == ""
    with pytest.raises(InvalidInput, match="Bin is longer than 40 characters"), db.write() as s:
        update_product(s, "B", bin="X" * 41)
    with pytest.raises(InvalidInput, match="Bin is longer than 40"), db.write() as session:
        create_product(session, "C", "Cheese", bin="X" * 41)
