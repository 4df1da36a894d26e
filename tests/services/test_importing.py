"""CSV imports: every kind, all-or-nothing with the bad row named, and orders that allocate
exactly as if they had been typed in one by one."""

from __future__ import annotations

import csv
import os
import random
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, text

from app.db import Database
from app.domain import (
    BackorderPolicy,
    Customer,
    CustomerTier,
    OrderLine,
    OrderStatus,
    Product,
    PurchaseOrder,
    SalesOrder,
    StockBalance,
    Supplier,
)
from app.domain.enums import ShipPreference
from app.domain.errors import ShopError
from app.services import catalog, stock
from app.services.importing import ImportResult, ImportRowError, import_csv
from app.services.ordering import LineRequest, place_order

PRODUCTS_HEADER = "sku,name,barcode,price,cost,backorder_policy,reorder_point,supplier\n"
ORDERS_HEADER = "order_ref,customer,placed_at,sku,qty\n"
PO_HEADER = "po_ref,supplier,ordered_at,expected_date,sku,qty\n"


def write(tmp_path: Path, name: str, content: str, *, bom: bool = False) -> Path:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8-sig" if bom else "utf-8", newline="")
    return path


def run_import(db: Database, kind: str, path: Path, **kwargs: Any) -> ImportResult:
    with db.write() as session:
        return import_csv(session, kind, path, name=path.name, **kwargs)


def failing_import(db: Database, kind: str, path: Path) -> ImportRowError:
    with pytest.raises(ImportRowError) as caught:
        run_import(db, kind, path)
    return caught.value


def count(db: Database, model: type[Any]) -> int:
    with db.read() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


@pytest.fixture
def shop(db: Database) -> Database:
    """A supplier, two customers and three products: WIDGET (5 on hand), GADGET (none),
    RARE (out-of-stock policy, 2 on hand)."""
    with db.write() as session:
        catalog.create_supplier(session, "SUP", "Supplies Ltd", lead_time_days=10)
        catalog.create_customer(session, "ANN", "Ann")
        catalog.create_customer(session, "BOB", "Bob")
        catalog.create_product(session, "WIDGET", "Widget", barcode="4006381333931")
        catalog.create_product(session, "GADGET", "Gadget")
        catalog.create_product(
            session, "RARE", "Rare thing", backorder_policy=BackorderPolicy.OUT_OF_STOCK
        )
        stock.adjust_stock(session, "WIDGET", 5, "count")
        stock.adjust_stock(session, "RARE", 2, "count")
    return db


# --- Catalog ----------------------------------------------------------------------------------


def test_imports_suppliers_customers_and_products_with_every_column(
    db: Database, tmp_path: Path
) -> None:
    suppliers = write(
        tmp_path,
        "suppliers.csv",
        "code,name,email,lead_time_days\nNORD,Nordic AB,o@nordic.example,14\nLOOM,Loom,,\n",
    )
    customers = write(
        tmp_path,
        "customers.csv",
        "code,name,email,phone,tier\n"
        "C1,Ruth Ashworth,ruth@example.com,020 7946 0100,gold\n"
        "C2,Tom Whitfield,,,\n",
    )
    products = write(
        tmp_path,
        "products.csv",
        PRODUCTS_HEADER + "KN-1,Chef's knife,4006381333931,49.00,21.5,backorder,4,NORD\n"
        'PT-1,"Teapot, glazed",,48,19,out_of_stock,,\n',
        bom=True,
    )
    assert run_import(db, "suppliers", suppliers).summary() == "Imported 2 suppliers"
    assert run_import(db, "customers", customers).summary() == "Imported 2 customers"
    assert run_import(db, "products", products).summary() == "Imported 2 products"

    with db.read() as session:
        nord = catalog.get_supplier(session, "NORD")
        assert (nord.name, nord.email, nord.lead_time_days) == ("Nordic AB", "o@nordic.example", 14)
        assert catalog.get_supplier(session, "LOOM").lead_time_days == 7
        ruth = catalog.get_customer(session, "C1")
        assert (ruth.email, ruth.phone, ruth.tier) == (
            "ruth@example.com",
            "020 7946 0100",
            CustomerTier.GOLD,
        )
        assert catalog.get_customer(session, "C2").tier == CustomerTier.STANDARD
        knife = catalog.find_product(session, "4006381333931")
        assert knife.sku == "KN-1"
        assert (knife.price, knife.cost) == (Decimal("49.00"), Decimal("21.50"))
        assert knife.reorder_point == 4
        assert knife.supplier is not None and knife.supplier.code == "NORD"
        teapot = catalog.find_product(session, "PT-1")
        assert teapot.name == "Teapot, glazed"
        assert teapot.backorder_policy == BackorderPolicy.OUT_OF_STOCK
        assert teapot.barcode is None and teapot.supplier is None
        # Imported products can be stocked and sold like any other.
        balances = session.scalar(select(func.count()).select_from(StockBalance))
        assert balances == 2
    with db.write() as session:
        stock.adjust_stock(session, "KN-1", 3, "count")
        placed = place_order(session, "C1", [LineRequest("KN-1", 4)])
        assert placed.backordered == 1
        assert stock.check_ledger(session) == []


def test_products_may_carry_the_supplier_s_sku_in_an_optional_column(
    db: Database, tmp_path: Path
) -> None:
    with db.write() as session:
        catalog.create_supplier(session, "NORD", "Nordic AB")
    # Any column order, like the other columns; an empty value is no supplier SKU.
    with_column = write(
        tmp_path,
        "products.csv",
        "supplier_sku,sku,name,barcode,price,cost,backorder_policy,reorder_point,supplier\n"
        "NK-20/B,KN-1,Chef's knife,,49,21,,,NORD\n"
        ",PT-1,Teapot,,48,19,,,\n",
    )
    without_column = write(tmp_path, "more.csv", PRODUCTS_HEADER + "MUG,Mug,,5,2,,,NORD\n")
    assert run_import(db, "products", with_column).records == 2
    assert run_import(db, "products", without_column).records == 1
    with db.read() as session:
        skus = {
            sku: catalog.find_product(session, sku).supplier_sku for sku in ("KN-1", "PT-1", "MUG")
        }
    assert skus == {"KN-1": "NK-20/B", "PT-1": None, "MUG": None}


def test_a_supplier_sku_too_long_is_refused_with_its_row(db: Database, tmp_path: Path) -> None:
    header = PRODUCTS_HEADER.strip() + ",supplier_sku\n"
    error = failing_import(
        db, "products", write(tmp_path, "p.csv", header + f"A,Apple,,1,1,,,,{'X' * 65}\n")
    )
    assert error.row == 2 and "supplier_sku" in str(error)
    assert count(db, Product) == 0


def test_a_bad_row_aborts_the_whole_import_and_names_its_row(db: Database, tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "products.csv",
        PRODUCTS_HEADER + "A-1,Apple,,1.00,0.50,,,\n\nB-1,Bread,,2.5x,1,,,\nC-1,Cheese,,3,1,,,\n",
    )
    error = failing_import(db, "products", path)
    # Row numbers count the header as row 1 (and blank lines, as an editor shows them).
    assert str(error).startswith("products.csv row 4: ")
    assert "price" in str(error) and "2.5x" in str(error)
    assert count(db, Product) == 0


@pytest.mark.parametrize(
    ("kind", "content", "row", "words"),
    [
        ("products", "sku,name,price\nA,Apple,1\n", 1, ["missing columns", "barcode", "supplier"]),
        ("products", PRODUCTS_HEADER.strip() + ",colour\nA,B,,1,1,,,,red\n", 1, ["colour"]),
        (
            "products",
            PRODUCTS_HEADER.strip() + ",supplier_sku,colour\nA,B,,1,1,,,,X,red\n",
            1,
            ["unknown column colour", "optionally supplier_sku"],
        ),
        (
            "products",
            PRODUCTS_HEADER.strip() + ",supplier_sku,Supplier_SKU\nA,B,,1,1,,,,X,Y\n",
            1,
            ["supplier_sku appears twice"],
        ),
        (
            "products",
            PRODUCTS_HEADER + "A,Apple,,1,1,sometimes,,\n",
            2,
            ["backorder, out_of_stock"],
        ),
        ("products", PRODUCTS_HEADER + "A,Apple,,1,1,,-3,\n", 2, ["reorder_point", "negative"]),
        ("products", PRODUCTS_HEADER + "A,Apple,12345,1,1,,,\n", 2, ["Barcode", "GTIN"]),
        ("products", PRODUCTS_HEADER + "A,Apple,,1,1,,,NOBODY\n", 2, ["supplier", "NOBODY"]),
        ("products", PRODUCTS_HEADER + ",Apple,,1,1,,,\n", 2, ["sku is empty"]),
        ("products", PRODUCTS_HEADER + "A,Apple,,1,1,,,\nA,Again,,1,1,,,\n", 3, ["also on row 2"]),
        ("products", PRODUCTS_HEADER + "A,Apple,,1,1,,\n", 2, ["expected 8 fields"]),
        ("products", PRODUCTS_HEADER + "A,Apple,,1.234,1,,,\n", 2, ["two decimals"]),
        ("customers", "code,name,email,phone,tier\nC1,Ann,,,platinum\n", 2, ["standard, gold"]),
        ("customers", "code,name,email,phone\nC1,Ann,,\n", 1, ["missing column tier"]),
        ("customers", "code,name,email,phone,tier\nC1,Ann,ann.example,,\n", 2, ["Email"]),
        ("suppliers", "code,name,email,lead_time_days\nS,Sup,,soon\n", 2, ["lead_time_days"]),
        ("suppliers", "code,name,email,lead_time_days\nS,Sup,,4000\n", 2, ["3650"]),
        ("suppliers", "", 1, ["empty"]),
    ],
)
def test_catalog_rows_are_checked_with_clear_reasons(
    db: Database, tmp_path: Path, kind: str, content: str, row: int, words: list[str]
) -> None:
    error = failing_import(db, kind, write(tmp_path, f"{kind}.csv", content))
    assert error.row == row
    assert str(error).startswith(f"{kind}.csv row {row}: ")
    for word in words:
        assert word in str(error)


def test_codes_already_in_the_shop_are_refused(shop: Database, tmp_path: Path) -> None:
    error = failing_import(
        shop,
        "products",
        write(tmp_path, "p.csv", PRODUCTS_HEADER + "NEW,New,,1,1,,,\nWIDGET,Again,,1,1,,,\n"),
    )
    assert (error.row, "already exists") == (3, "already exists")
    error = failing_import(
        shop,
        "products",
        write(tmp_path, "p.csv", PRODUCTS_HEADER + "NEW,New,4006381333931,1,1,,,\n"),
    )
    assert "already belongs" in str(error)
    error = failing_import(
        shop, "customers", write(tmp_path, "c.csv", "code,name,email,phone,tier\nANN,Ann,,,\n")
    )
    assert "already exists" in str(error)
    assert count(shop, Product) == 3 and count(shop, Customer) == 2 and count(shop, Supplier) == 1


def test_a_file_that_is_not_utf8_is_refused_plainly(db: Database, tmp_path: Path) -> None:
    path = tmp_path / "customers.csv"
    path.write_bytes(b"code,name,email,phone,tier\nC1,Bj\xf6rk,,,\n")
    error = failing_import(db, "customers", path)
    assert "UTF-8" in str(error)


def test_a_missing_file_is_a_user_error(db: Database, tmp_path: Path) -> None:
    with pytest.raises(ShopError, match="Cannot read"):
        run_import(db, "products", tmp_path / "nope.csv")


# --- Orders -----------------------------------------------------------------------------------


def order_lines(db: Database) -> list[tuple[str, int, str, str, int, int, int]]:
    """(ref, line, customer, sku, ordered, allocated, backordered) for every line."""
    with db.read() as session:
        rows = session.execute(
            select(
                SalesOrder.ref,
                OrderLine.line_no,
                Customer.code,
                Product.sku,
                OrderLine.qty_ordered,
                OrderLine.qty_allocated,
                OrderLine.qty_backordered,
            )
            .join(SalesOrder, SalesOrder.id == OrderLine.order_id)
            .join(Customer, Customer.id == SalesOrder.customer_id)
            .join(Product, Product.id == OrderLine.product_id)
            .order_by(SalesOrder.ref, OrderLine.line_no)
        )
        return list(rows)


def test_imported_orders_are_placed_oldest_first_and_backorder_the_rest(
    shop: Database, tmp_path: Path
) -> None:
    path = write(
        tmp_path,
        "orders.csv",
        ORDERS_HEADER
        # Listed newest first: the file's order must not matter, placed_at does.
        + "W-2,BOB,2026-01-05T10:00:00Z,WIDGET,4\n"
        + "W-2,BOB,2026-01-05T10:00:00Z,GADGET,1\n"
        + "W-1,ANN,2026-01-05T09:00:00+00:00,4006381333931,3\n",
    )
    result = run_import(shop, "orders", path)
    assert result.summary() == "Imported 2 orders (3 lines, 3 units backordered)"
    assert order_lines(shop) == [
        ("W-1", 1, "ANN", "WIDGET", 3, 3, 0),
        ("W-2", 1, "BOB", "WIDGET", 4, 2, 2),
        ("W-2", 2, "BOB", "GADGET", 1, 0, 1),
    ]
    with shop.read() as session:
        statuses = dict(session.execute(select(SalesOrder.ref, SalesOrder.status)).all())
        assert statuses == {"W-1": "ready_to_ship", "W-2": "part_ready"}
        placed = session.scalar(select(SalesOrder.placed_at).where(SalesOrder.ref == "W-1"))
        assert placed == datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
        assert stock.check_ledger(session) == []


@pytest.fixture
def kolkata_time() -> Iterator[None]:
    if not hasattr(time, "tzset"):
        pytest.skip("needs time.tzset (not on Windows)")
    old = os.environ.get("TZ")
    os.environ["TZ"] = "Asia/Kolkata"
    time.tzset()
    yield
    if old is None:
        del os.environ["TZ"]
    else:
        os.environ["TZ"] = old
    time.tzset()


def test_a_time_without_offset_is_local_time(
    shop: Database, tmp_path: Path, kolkata_time: None
) -> None:
    path = write(tmp_path, "orders.csv", ORDERS_HEADER + "W-1,ANN,2026-01-05 15:30,WIDGET,1\n")
    run_import(shop, "orders", path)
    with shop.read() as session:
        placed = session.scalar(select(SalesOrder.placed_at))
    assert placed == datetime(2026, 1, 5, 10, 0, tzinfo=UTC)  # 15:30 in India is 10:00 UTC


@pytest.mark.parametrize(
    ("rows", "row", "words"),
    [
        ("W-1,NOBODY,2026-01-05T09:00Z,WIDGET,1\n", 2, ["unknown customer", "NOBODY"]),
        ("W-1,ANN,2026-01-05T09:00Z,WIDGET,1\nW-1,ANN,2026-01-05T09:00Z,NOPE,1\n", 3, ["NOPE"]),
        ("W-1,ANN,2026-01-05T09:00Z,WIDGET,two\n", 2, ["qty", "whole number"]),
        ("W-1,ANN,2026-01-05T09:00Z,WIDGET,0\n", 2, ["at least 1"]),
        ("W-1,ANN,2026-01-05T09:00Z,WIDGET,1000000\n", 2, ["too large"]),
        ("W-1,ANN,5 January,WIDGET,1\n", 2, ["placed_at", "ISO 8601"]),
        ("W-1,ANN,,WIDGET,1\n", 2, ["placed_at is empty"]),
        (",ANN,2026-01-05T09:00Z,WIDGET,1\n", 2, ["order_ref is empty"]),
        (
            "W-1,ANN,2026-01-05T09:00Z,WIDGET,1\nW-1,BOB,2026-01-05T09:00Z,GADGET,1\n",
            3,
            ["W-1 has customer ANN on row 3 but BOB"],
        ),
        (
            "W-1,ANN,2026-01-05T09:00Z,WIDGET,1\nW-1,ANN,2026-01-06T09:00Z,GADGET,1\n",
            3,
            ["placed_at"],
        ),
        ("W-1,ANN,2026-01-05T09:00Z,RARE,3\n", 2, ["RARE", "sold from stock only", "2 available"]),
        ("OLD-1,ANN,2026-01-05T09:00Z,WIDGET,1\n", 2, ["OLD-1 already exists"]),
    ],
)
def test_order_rows_are_checked_and_nothing_is_placed(
    shop: Database, tmp_path: Path, rows: str, row: int, words: list[str]
) -> None:
    with shop.write() as session:
        place_order(session, "BOB", [LineRequest("GADGET", 1)], ref="OLD-1")
    path = write(
        tmp_path, "orders.csv", ORDERS_HEADER + "OK-1,BOB,2026-01-01T08:00Z,WIDGET,1\n" + rows
    )
    error = failing_import(shop, "orders", path)
    assert error.row == row + 1, str(error)
    for word in words:
        assert word in str(error)
    assert count(shop, SalesOrder) == 1
    with shop.read() as session:
        assert (
            session.scalar(
                select(StockBalance.allocated).join(Product).where(Product.sku == "WIDGET")
            )
            == 0
        )


def snapshot(session: Any) -> dict[str, list[tuple[Any, ...]]]:
    """The rows place_order writes, as stored (raw SQL: times exactly as the database holds
    them), keyed by natural keys rather than ids."""
    return {
        "orders": list(
            session.execute(
                text(
                    "SELECT o.ref, c.code, o.placed_at, o.status, o.note FROM sales_order o "
                    "JOIN customer c ON c.id = o.customer_id ORDER BY o.ref"
                )
            )
        ),
        "lines": list(
            session.execute(
                text(
                    "SELECT o.ref, l.line_no, p.sku, l.qty_ordered, l.qty_allocated, "
                    "l.qty_shipped, l.qty_cancelled, l.qty_backordered, l.queued_at, "
                    "l.cancel_reason FROM order_line l JOIN sales_order o ON o.id = l.order_id "
                    "JOIN product p ON p.id = l.product_id ORDER BY o.ref, l.line_no"
                )
            )
        ),
        "order_ids_by_placing": list(
            session.execute(text("SELECT ref FROM sales_order ORDER BY id"))
        ),
        "balances": list(
            session.execute(
                text(
                    "SELECT p.sku, b.on_hand, b.allocated, b.version FROM stock_balance b "
                    "JOIN product p ON p.id = b.product_id ORDER BY p.sku"
                )
            )
        ),
        "events": list(session.execute(text("SELECT count(*) FROM allocation_event"))),
    }


class _RollBack(Exception):
    pass


def import_and_look(db: Database, path: Path, method: str) -> tuple[ImportResult, dict[str, Any]]:
    """Import in a transaction, read the result, then roll it back."""
    with pytest.raises(_RollBack), db.write() as session:
        result = import_csv(session, "orders", path, method=method)  # type: ignore[arg-type]
        seen = snapshot(session)
        assert stock.check_ledger(session) == []
        raise _RollBack
    return result, seen


def test_bulk_order_import_allocates_exactly_like_placing_orders_one_by_one(
    shop: Database, tmp_path: Path
) -> None:
    with shop.write() as session:
        catalog.create_product(session, "LAMP", "Lamp")
        stock.adjust_stock(session, "LAMP", 7, "count")
        # Customers already waiting for GADGET, and some WIDGETs already promised.
        place_order(
            session,
            "ANN",
            [LineRequest("GADGET", 2)],
            ref="OLD-1",
            placed_at=datetime(2026, 1, 1, 8, 0, tzinfo=UTC),
        )
        place_order(
            session,
            "BOB",
            [LineRequest("WIDGET", 1)],
            ref="OLD-2",
            placed_at=datetime(2026, 1, 2, 8, 0, tzinfo=UTC),
        )
    rng = random.Random(42)
    start = datetime(2026, 1, 3, 8, 0, tzinfo=UTC)
    lines = [
        # Hand-picked cases: same time (ref decides), same product twice in one order,
        # a barcode instead of a SKU, an out-of-stock product within what is available,
        # offsets other than UTC, and a file not in time order.
        "M-B,BOB,2026-01-04T10:00:00+01:00,WIDGET,2",
        "M-A,ANN,2026-01-04T09:00:00Z,WIDGET,2",
        "M-A,ANN,2026-01-04T09:00:00Z,4006381333931,1",
        "M-A,ANN,2026-01-04T09:00:00Z,RARE,1",
        "M-C,BOB,2026-01-03T23:30:00-05:00,RARE,1",
        "M-C,BOB,2026-01-03T23:30:00-05:00,GADGET,3",
    ]
    for number in range(60):  # and a random mix
        when = (start + timedelta(minutes=rng.randint(0, 5000))).isoformat()
        customer = rng.choice(["ANN", "BOB"])
        for _ in range(rng.randint(1, 4)):
            sku = rng.choice(["WIDGET", "GADGET", "LAMP"])
            lines.append(f"R-{number:03d},{customer},{when},{sku},{rng.randint(1, 3)}")
    path = write(tmp_path, "orders.csv", ORDERS_HEADER + "\n".join(lines) + "\n")

    bulk_result, bulk = import_and_look(shop, path, "bulk")
    one_result, one_by_one = import_and_look(shop, path, "place_order")

    assert bulk == one_by_one
    assert bulk_result == one_result
    # The mix really exercised partial allocation and backorders.
    allocated = [row[4] for row in bulk["lines"]]
    backordered = [row[7] for row in bulk["lines"]]
    assert any(allocated) and any(backordered)
    assert any(a and b for a, b in zip(allocated, backordered, strict=True))


# --- Purchase orders --------------------------------------------------------------------------


def test_imports_purchase_orders_with_their_lines(shop: Database, tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "pos.csv",
        PO_HEADER
        + "PO-A,SUP,2026-01-05T09:00Z,2026-01-20,WIDGET,10\n"
        + "PO-A,SUP,2026-01-05T09:00Z,2026-01-20,GADGET,4\n"
        + "PO-B,SUP,2026-01-06T09:00Z,,4006381333931,5\n",
    )
    assert run_import(shop, "purchase-orders", path).summary() == (
        "Imported 2 purchase orders (3 lines)"
    )
    with shop.read() as session:
        pos = {po.ref: po for po in session.scalars(select(PurchaseOrder))}
        assert pos["PO-A"].expected_date == date(2026, 1, 20)
        assert pos["PO-A"].status == "open"
        assert [(line.product.sku, line.qty_ordered) for line in pos["PO-A"].lines] == [
            ("WIDGET", 10),
            ("GADGET", 4),
        ]
        # No expected date: ordered date + the supplier's lead time (10 days).
        assert pos["PO-B"].expected_date == date(2026, 1, 16)


@pytest.mark.parametrize(
    ("rows", "words"),
    [
        ("PO-A,NOBODY,,,WIDGET,1\n", ["unknown supplier", "NOBODY"]),
        ("PO-A,SUP,,next week,WIDGET,1\n", ["expected_date", "not a date"]),
        ("PO-A,SUP,,2026-01-20,WIDGET,1\nPO-A,SUP,,2026-01-21,GADGET,1\n", ["expected_date"]),
        ("PO-A,SUP,,,NOPE,1\n", ["unknown sku"]),
    ],
)
def test_purchase_order_rows_are_checked(
    shop: Database, tmp_path: Path, rows: str, words: list[str]
) -> None:
    error = failing_import(shop, "purchase-orders", write(tmp_path, "pos.csv", PO_HEADER + rows))
    for word in words:
        assert word in str(error)
    assert count(shop, PurchaseOrder) == 0


def test_imported_orders_and_purchase_orders_give_every_waiting_line_an_eta(
    shop: Database, tmp_path: Path
) -> None:
    from app.domain.orders import LineEta

    orders = write(
        tmp_path,
        "orders.csv",
        ORDERS_HEADER
        + "A1,ANN,2026-01-05T09:00:00Z,GADGET,3\n"
        + "B1,BOB,2026-01-06T09:00:00Z,GADGET,2\n",
    )
    run_import(shop, "orders", orders)

    def etas() -> dict[str, tuple[str, date | None]]:
        with shop.read() as session:
            rows = session.execute(
                select(SalesOrder.ref, LineEta.status, LineEta.expected)
                .join(OrderLine, OrderLine.id == LineEta.order_line_id)
                .join(SalesOrder, SalesOrder.id == OrderLine.order_id)
            ).all()
        return {ref: (status, expected) for ref, status, expected in rows}

    assert etas() == {"A1": ("not_on_order", None), "B1": ("not_on_order", None)}
    pos = write(
        tmp_path,
        "pos.csv",
        PO_HEADER + "P1,SUP,2026-01-07T09:00:00Z,2026-02-01,GADGET,3\n",
    )
    run_import(shop, "purchase-orders", pos)
    assert etas() == {"A1": ("on_order", date(2026, 2, 1)), "B1": ("not_on_order", None)}


# --- issue 3: ship preferences and maximum backorder quantities in files -------------------


def test_customers_and_products_files_may_carry_ship_preference_and_max_backorder(
    db: Database, tmp_path: Path
) -> None:
    customers = write(
        tmp_path,
        "c.csv",
        "code,name,email,phone,tier,ship_preference\nC1,Ann,,,,complete\nC2,Bob,,,gold,\n",
    )
    products = write(
        tmp_path,
        "p.csv",
        PRODUCTS_HEADER.strip() + ",max_backorder_qty\nA,Apple,,1,1,,,,12\nB,Bread,,1,1,,,,\n",
    )
    assert run_import(db, "customers", customers).records == 2
    assert run_import(db, "products", products).records == 2
    with db.read() as session:
        prefs = {c: catalog.get_customer(session, c).ship_preference for c in ("C1", "C2")}
        limits = {s: catalog.find_product(session, s).max_backorder_qty for s in ("A", "B")}
    assert prefs == {"C1": ShipPreference.COMPLETE, "C2": ShipPreference.PARTIAL}
    assert limits == {"A": 12, "B": None}
    bad = write(tmp_path, "bad.csv", "code,name,email,phone,tier,ship_preference\nC3,C,,,,soon\n")
    assert "partial, complete" in str(failing_import(db, "customers", bad))


@pytest.mark.parametrize("method", ["bulk", "place_order"])
def test_imported_orders_of_a_ship_complete_customer_are_held(
    shop: Database, tmp_path: Path, method: str
) -> None:
    with shop.write() as session:
        catalog.update_customer(session, "BOB", ship_preference=ShipPreference.COMPLETE)
    path = write(
        tmp_path,
        "o.csv",
        ORDERS_HEADER
        + "W-1,ANN,2026-01-05T09:00:00Z,WIDGET,1\nW-1,ANN,2026-01-05T09:00:00Z,GADGET,1\n"
        + "W-2,BOB,2026-01-05T10:00:00Z,WIDGET,1\nW-2,BOB,2026-01-05T10:00:00Z,GADGET,1\n",
    )
    with shop.write() as session:
        import_csv(session, "orders", path, method=method)  # type: ignore[arg-type]
    with shop.read() as session:
        statuses = dict(session.execute(select(SalesOrder.ref, SalesOrder.status)).all())
    assert statuses == {"W-1": OrderStatus.PART_READY, "W-2": OrderStatus.BACKORDERED}


@pytest.mark.parametrize("method", ["bulk", "place_order"])
def test_an_imported_order_beyond_the_max_backorder_is_refused_with_its_row(
    shop: Database, tmp_path: Path, method: str
) -> None:
    with shop.write() as session:
        catalog.set_max_backorder_qty(session, "GADGET", 3)
    path = write(
        tmp_path,
        "o.csv",
        ORDERS_HEADER
        + "W-1,ANN,2026-01-05T09:00:00Z,GADGET,2\n"
        + "W-2,BOB,2026-01-05T10:00:00Z,GADGET,2\n",
    )
    with pytest.raises(ShopError, match="only 1 more can be backordered") as caught:
        run_import(shop, "orders", path, method=method)
    assert "row 3" in str(caught.value)
    assert count(shop, SalesOrder) == 0


# --- issue 9: what a file can hold that the shop cannot --------------------------------------

CUSTOMERS_HEADER = "code,name,email,phone,tier\n"


def refused(db: Database, kind: str, path: Path, row: int, words: list[str]) -> ImportRowError:
    """The import of ``path`` fails on ``row`` with a message holding every one of ``words``."""
    error = failing_import(db, kind, path)
    assert error.row == row, str(error)
    assert str(error).startswith(f"{path.name} row {row}: ")
    for word in words:
        assert word in str(error)
    return error


@pytest.mark.parametrize(
    ("kind", "content", "row", "words"),
    [
        # A NUL is stored silently by SQLite and breaks PostgreSQL: refused on both.
        ("customers", CUSTOMERS_HEADER + "C1,Ann,,,\nC2,B\x00b,,,\n", 3, ["name", "NUL"]),
        ("products", PRODUCTS_HEADER + "A\x00,Apple,,1,1,,,\n", 2, ["sku", "NUL"]),
        ("suppliers", "code,name,email,lead_time_days\nS1,Sup,s@x\x00.example,\n", 2, ["email"]),
        ("orders", ORDERS_HEADER + "W\x00,ANN,2026-01-05T09:00Z,WIDGET,1\n", 2, ["order_ref"]),
        ("purchase-orders", PO_HEADER + "P-1,SUP,,,WID\x00GET,1\n", 2, ["sku", "NUL"]),
        # Other control characters inside a value: a tab, a line break (a quoted cell over
        # two lines), an escape, a C1 control (text decoded with the wrong code page).
        ("customers", CUSTOMERS_HEADER + "C1,Ann\tSmith,,,\n", 2, ["name", "tab"]),
        ("customers", CUSTOMERS_HEADER + 'C1,"Ann\nSmith",,,\n', 2, ["name", "line break"]),
        ("customers", CUSTOMERS_HEADER + "C1,Ann,,\x1b[31m,\n", 2, ["phone", "U+001B"]),
        ("products", PRODUCTS_HEADER + "A,Ca\x85fe,,1,1,,,\n", 2, ["name", "U+0085"]),
    ],
)
def test_control_characters_are_refused_with_row_and_column(
    shop: Database, tmp_path: Path, kind: str, content: str, row: int, words: list[str]
) -> None:
    before = {model: count(shop, model) for model in (Customer, Product, Supplier, SalesOrder)}
    error = refused(shop, kind, write(tmp_path, f"{kind}.csv", content), row, words)
    assert "\x00" not in str(error)
    after = {model: count(shop, model) for model in (Customer, Product, Supplier, SalesOrder)}
    assert after == before
    assert count(shop, PurchaseOrder) == 0


def test_spaces_tabs_and_line_breaks_around_a_value_are_trimmed_not_refused(
    db: Database, tmp_path: Path
) -> None:
    path = write(tmp_path, "c.csv", CUSTOMERS_HEADER + 'C1,"\tAnn Smith \r\n",,,\n')
    assert run_import(db, "customers", path).records == 1
    with db.read() as session:
        assert catalog.get_customer(session, "C1").name == "Ann Smith"


@pytest.mark.parametrize(
    ("price", "words"),
    [
        ("1e30", ["price", "1e30", "too large", "9999999999.99"]),
        ("10000000000", ["price", "too large"]),
        ("NaN", ["price", "an amount like 12.50", "NaN"]),
        ("Infinity", ["price", "Infinity"]),
        ("-inf", ["price", "-inf"]),
        ("-1", ["price", "negative"]),
        ("-0.5", ["price", "negative"]),
        ("1.005", ["price", "more than two decimals"]),
        ("1e-30", ["price", "more than two decimals"]),
        ("1e999999999", ["price", "too large"]),
        ('"12,50"', ["price", "12,50"]),
        ("1_000", ["price", "1_000"]),
        ("\u0661\u0662", ["price"]),  # Arabic-Indic digits: not an amount a till shows
        ("£5", ["price"]),
    ],
)
def test_prices_the_database_cannot_hold_are_refused_with_row_and_column(
    db: Database, tmp_path: Path, price: str, words: list[str]
) -> None:
    path = write(tmp_path, "p.csv", PRODUCTS_HEADER + f"A,Apple,,1,1,,,\nB,Bread,,{price},1,,,\n")
    refused(db, "products", path, 3, words)
    costly = write(tmp_path, "c.csv", PRODUCTS_HEADER + f"B,Bread,,1,{price},,,\n")
    error = failing_import(db, "products", costly)
    assert error.row == 2 and "cost" in str(error), str(error)
    assert count(db, Product) == 0


def test_the_largest_price_the_database_holds_is_stored_exactly(
    db: Database, tmp_path: Path
) -> None:
    path = write(
        tmp_path,
        "p.csv",
        PRODUCTS_HEADER + "A,Apple,,9999999999.99,0.01,,,\nB,Bread,,1.5e3,+2,,,\nC,Cake,,-0,,,,\n",
    )
    assert run_import(db, "products", path).records == 3
    with db.read() as session:
        prices = {
            sku: (catalog.find_product(session, sku).price, catalog.find_product(session, sku).cost)
            for sku in ("A", "B", "C")
        }
    assert prices == {
        "A": (Decimal("9999999999.99"), Decimal("0.01")),
        "B": (Decimal("1500.00"), Decimal("2.00")),
        "C": (Decimal("0.00"), Decimal("0.00")),
    }


@pytest.mark.parametrize(
    ("qty", "words"),
    [
        ("-3", ["qty", "negative"]),
        ("1" * 5000, ["qty", "too large"]),  # int() itself refuses over 4300 digits
        ("1.5", ["qty", "whole number"]),
        ("1e3", ["qty", "whole number"]),
        ("\u0663", ["qty", "whole number"]),
        ("", ["qty", "empty"]),
    ],
)
def test_order_and_purchase_order_quantities_are_checked(
    shop: Database, tmp_path: Path, qty: str, words: list[str]
) -> None:
    orders = write(tmp_path, "o.csv", ORDERS_HEADER + f"W-1,ANN,2026-01-05T09:00Z,WIDGET,{qty}\n")
    pos = write(tmp_path, "p.csv", PO_HEADER + f"P-1,SUP,,,WIDGET,{qty}\n")
    for kind, path in (("orders", orders), ("purchase-orders", pos)):
        refused(shop, kind, path, 2, words)
    assert count(shop, SalesOrder) == 0 and count(shop, PurchaseOrder) == 0


@pytest.mark.parametrize(
    ("when", "words"),
    [
        ("9999-12-31T23:59:59-14:00", ["placed_at", "between"]),
        ("0001-01-01T00:00:00+14:00", ["placed_at", "between"]),
        ("0001-01-01", ["placed_at", "between"]),
    ],
)
def test_times_outside_any_shop_s_life_are_refused(
    shop: Database, tmp_path: Path, when: str, words: list[str]
) -> None:
    path = write(tmp_path, "o.csv", ORDERS_HEADER + f"W-1,ANN,{when},WIDGET,1\n")
    refused(shop, "orders", path, 2, words)
    dated = write(tmp_path, "p.csv", PO_HEADER + "P-1,SUP,,9999-12-31,WIDGET,1\n")
    assert "expected_date" in str(failing_import(shop, "purchase-orders", dated))


HEADERS = {
    "products": PRODUCTS_HEADER,
    "customers": CUSTOMERS_HEADER,
    "suppliers": "code,name,email,lead_time_days\n",
    "orders": ORDERS_HEADER,
    "purchase-orders": PO_HEADER,
}


@pytest.mark.parametrize("kind", list(HEADERS))
@pytest.mark.parametrize("after_header", ["", "\n\n", " , , \r\n"])
def test_a_file_with_only_its_header_imports_nothing_plainly(
    shop: Database, tmp_path: Path, kind: str, after_header: str
) -> None:
    before = {model: count(shop, model) for model in (Customer, Product, Supplier, SalesOrder)}
    path = write(tmp_path, f"{kind}.csv", HEADERS[kind] + after_header)
    result = run_import(shop, kind, path)
    assert (result.records, result.lines, result.backordered) == (0, 0, 0)
    noun = kind.replace("-", " ")
    assert result.summary() == f"Nothing to import: the {noun} file has no rows after its header"
    after = {model: count(shop, model) for model in (Customer, Product, Supplier, SalesOrder)}
    assert after == before


@pytest.mark.parametrize("content", [b"", b"\xef\xbb\xbf", b"\r\n"])
def test_an_empty_file_is_refused_plainly(db: Database, tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "orders.csv"
    path.write_bytes(content)
    error = failing_import(db, "orders", path)
    assert error.row == 1
    assert "order_ref,customer,placed_at,sku,qty" in str(error)


def cp1252_customers(bad_row: int, rows: int = 400, *, line_end: str = "\r\n") -> bytes:
    """A customers file saved by a spreadsheet in Windows-1252, with one accented name on
    ``bad_row`` (the header is row 1), far past the first 8 KB."""
    lines = [CUSTOMERS_HEADER.strip()]
    for number in range(2, rows + 1):
        name = "Björk" if number == bad_row else f"Customer number {number}"
        lines.append(f"C{number},{name},c{number}@example.com,0123456789,")
    return (line_end.join(lines) + line_end).encode("cp1252")


@pytest.mark.parametrize("line_end", ["\r\n", "\n"])
def test_a_windows_1252_file_names_the_row_of_its_first_accented_letter(
    db: Database, tmp_path: Path, line_end: str
) -> None:
    path = tmp_path / "customers.csv"
    path.write_bytes(cp1252_customers(301, line_end=line_end))
    error = failing_import(db, "customers", path)
    assert error.row == 301, str(error)
    assert str(error) == (
        "customers.csv row 301: name has a byte (0xF6) that is not UTF-8 text: the file was "
        "saved in another encoding (such as Windows-1252); save it as CSV UTF-8"
    )
    assert count(db, Customer) == 0


def test_a_header_that_is_not_utf8_is_refused_on_row_1(db: Database, tmp_path: Path) -> None:
    path = tmp_path / "customers.csv"
    path.write_bytes(b"code,n\xe4me,email,phone,tier\nC1,Ann,,,\n")
    error = failing_import(db, "customers", path)
    assert error.row == 1 and "UTF-8" in str(error) and "0xE4" in str(error)


def test_rows_are_numbered_as_a_spreadsheet_shows_them(db: Database, tmp_path: Path) -> None:
    # Row 2 spans three lines of the file (a quoted cell with line breaks at its ends, which
    # are trimmed); a spreadsheet shows it as one row, so the bad tier is on row 4 (line 6).
    path = write(
        tmp_path,
        "customers.csv",
        CUSTOMERS_HEADER + 'C1,"\nAnn\n",,,\n\nC2,Bob,,,platinum\n',
    )
    error = failing_import(db, "customers", path)
    assert error.row == 4, str(error)
    assert str(error).startswith("customers.csv row 4: tier 'platinum'")


def test_a_utf8_file_with_bom_and_crlf_line_ends_imports(db: Database, tmp_path: Path) -> None:
    path = tmp_path / "customers.csv"
    path.write_bytes(
        "\ufeffcode,name,email,phone,tier\r\n"
        "C1,Björk Guðmundsdóttir,,,gold\r\n\r\nC2,Zoë,,,\r\n".encode()
    )
    assert run_import(db, "customers", path).records == 2
    with db.read() as session:
        assert catalog.get_customer(session, "C1").name == "Björk Guðmundsdóttir"
        assert catalog.get_customer(session, "C2").tier == CustomerTier.STANDARD
    bad = tmp_path / "more.csv"
    bad.write_bytes(b"\xef\xbb\xbfcode,name,email,phone,tier\r\nC3,Cy,,,\r\n\r\nC4,Di,,,tin\r\n")
    assert failing_import(db, "customers", bad).row == 4


@pytest.mark.parametrize(
    ("cell", "stored"),
    [
        ("'=1+2", "=1+2"),  # what an export writes for the SKU =1+2
        ("'-5", "-5"),
        ("'+X", "+X"),
        ("'@X", "@X"),
        ("''=X", "'=X"),  # an export of the SKU '=X
        ("'X", "'X"),  # an apostrophe before anything else is the value's own
        ("O'Brien", "O'Brien"),
        ("'", "'"),
    ],
)
def test_a_quote_an_export_put_before_a_formula_character_is_taken_off(
    db: Database, tmp_path: Path, cell: str, stored: str
) -> None:
    path = tmp_path / "p.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(
            [PRODUCTS_HEADER.strip().split(","), [cell, cell, "", "1", "1", "", "", ""]]
        )
    assert run_import(db, "products", path).records == 1
    with db.read() as session:
        product = catalog.find_product(session, stored)
        assert (product.sku, product.name) == (stored, stored)


def test_a_policy_may_be_written_as_the_window_shows_it() -> None:
    from app.services.importing.csvfile import parse_choice

    for written in ("Stock only", "stock only", "out_of_stock", "Out of stock"):
        assert parse_choice(BackorderPolicy, written, "Policy", BackorderPolicy.BACKORDER) == (
            BackorderPolicy.OUT_OF_STOCK
        )
    assert parse_choice(BackorderPolicy, "", "Policy", BackorderPolicy.BACKORDER) == (
        BackorderPolicy.BACKORDER
    )


@pytest.mark.parametrize("method", ["bulk", "place_order"])
def test_an_orders_file_naming_an_archived_product_or_customer_places_nothing(
    shop: Database, tmp_path: Path, method: str
) -> None:
    with shop.write() as session:
        catalog.archive_product(session, "GADGET")
        catalog.archive_customer(session, "BOB")
    rows = (
        "OK-1,ANN,2026-01-01T08:00Z,WIDGET,1\n"
        "OK-2,ANN,2026-01-01T09:00Z,GADGET,1\n"  # row 3: an archived product
        "OK-3,BOB,2026-01-01T10:00Z,WIDGET,1\n"  # row 4: an archived customer
    )
    path = write(tmp_path, "orders.csv", ORDERS_HEADER + rows)
    with pytest.raises(ImportRowError) as caught:
        run_import(shop, "orders", path, method=method)
    assert caught.value.row == 3
    assert "archived" in str(caught.value) and "GADGET" in str(caught.value)
    assert count(shop, SalesOrder) == 0
    with shop.write() as session:
        catalog.archive_product(session, "GADGET", archived=False)
    with pytest.raises(ImportRowError) as caught:
        run_import(shop, "orders", path, method=method)
    assert caught.value.row == 4 and "'BOB' is archived" in str(caught.value)
    assert count(shop, SalesOrder) == 0


def test_products_import_an_optional_bin_column_trimmed_and_checked(
    db: Database, tmp_path: Path
) -> None:
    with_column = write(
        tmp_path,
        "products.csv",
        PRODUCTS_HEADER.strip()
        + ",bin\nKN-1,Chef's knife,,49,21,,,, A3-02 \nPT-1,Teapot,,48,19,,,,\n",
    )
    without_column = write(tmp_path, "more.csv", PRODUCTS_HEADER + "MUG,Mug,,5,2,,,\n")
    assert run_import(db, "products", with_column).records == 2
    assert run_import(db, "products", without_column).records == 1
    with db.read() as session:
        bins = {sku: catalog.find_product(session, sku).bin for sku in ("KN-1", "PT-1", "MUG")}
    assert bins == {"KN-1": "A3-02", "PT-1": "", "MUG": ""}
    too_long = write(
        tmp_path, "long.csv", PRODUCTS_HEADER.strip() + f",bin\nLONG,Long,,1,1,,,,{'X' * 41}\n"
    )
    error = failing_import(db, "products", too_long)
    assert error.row == 2 and "bin is longer than 40 characters" in str(error)
