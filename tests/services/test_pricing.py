"""Prices on order lines, order and PO totals, imported prices, and New order's ETA preview."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select

from app.db import Database
from app.domain import OrderLine, SalesOrder
from app.domain.errors import InvalidInput
from app.services import catalog, purchasing, shop_settings, views
from app.services.eta import NOT_ON_ORDER, ON_ORDER
from app.services.eta.preview import WaitPreview
from app.services.importing import ImportRowError, import_csv
from app.services.order_preview import preview_order
from app.services.ordering import LineRequest, place_order
from app.services.pricing import line_amount, parse_price, total
from app.services.views import OrderQuery, PurchaseOrderQuery
from tests.services.shop import add_stock, at


@pytest.fixture
def priced(db: Database) -> Database:
    """A supplier, WIDGET at 9.99 (cost 4.10) and GADGET at 0.10 (cost 0.03), customer ANN."""
    with db.write() as session:
        catalog.create_supplier(session, "SUP", "Supplies Ltd")
        catalog.create_product(
            session, "WIDGET", "Widget", price=Decimal("9.99"), cost=Decimal("4.10"),
            supplier_code="SUP",
        )  # fmt: skip
        catalog.create_product(
            session, "GADGET", "Gadget", price=Decimal("0.10"), cost=Decimal("0.03"),
            supplier_code="SUP",
        )  # fmt: skip
        catalog.create_customer(session, "ANN", "Ann")
    return db


def prices_of(db: Database, ref: str) -> list[Decimal]:
    with db.read() as session:
        return list(
            session.scalars(
                select(OrderLine.unit_price)
                .join(SalesOrder, SalesOrder.id == OrderLine.order_id)
                .where(SalesOrder.ref == ref)
                .order_by(OrderLine.line_no)
            )
        )


def place(db: Database, *lines: LineRequest, ref: str = "SO-1") -> None:
    with db.write() as session:
        place_order(session, "ANN", list(lines), ref=ref, placed_at=at(0))


# --- the rules ---------------------------------------------------------------------------
def test_a_line_s_price_defaults_to_the_product_s_price_when_ordered(priced: Database) -> None:
    place(priced, LineRequest("WIDGET", 2), LineRequest("GADGET", 1))
    with priced.write() as session:  # a later price change leaves the placed order alone
        catalog.update_product(session, "WIDGET", price=Decimal("12.00"))
        catalog.update_product(session, "GADGET", price=Decimal("0.20"))
    assert prices_of(priced, "SO-1") == [Decimal("9.99"), Decimal("0.10")]


def test_a_price_the_clerk_agreed_is_kept_exactly(priced: Database) -> None:
    place(priced, LineRequest("WIDGET", 3, Decimal("7.35")), LineRequest("GADGET", 1))
    assert prices_of(priced, "SO-1") == [Decimal("7.35"), Decimal("0.10")]


@pytest.mark.parametrize(
    ("typed", "reason"),
    [
        ("-1", "cannot be negative"),
        ("10000000000", "too large"),
        ("12,50", "must be an amount like 12.50"),
        ("abc", "must be an amount like 12.50"),
        ("1.234", "more than two decimals"),
    ],
)
def test_a_bad_price_is_refused_with_a_clear_reason_and_nothing_is_placed(
    priced: Database, typed: str, reason: str
) -> None:
    with pytest.raises(InvalidInput, match=reason), priced.write() as session:
        place_order(session, "ANN", [LineRequest("WIDGET", 1, typed)])  # type: ignore[arg-type]
    with priced.read() as session:
        assert session.scalar(select(SalesOrder.id)) is None


def test_yen_prices_have_no_decimals() -> None:
    assert parse_price("1200", "JPY") == Decimal("1200")
    with pytest.raises(InvalidInput, match="has decimals, but JPY has none"):
        parse_price("12.50", "JPY")
    assert parse_price("12.50", "EUR") == Decimal("12.50")


def test_an_order_in_yen_refuses_a_price_with_cents(priced: Database) -> None:
    with priced.write() as session:
        shop_settings.set_currency(session, "JPY")
    with pytest.raises(InvalidInput, match=r"Price of WIDGET 0\.5 has decimals"):
        place(priced, LineRequest("WIDGET", 1, Decimal("0.5")))
    place(priced, LineRequest("WIDGET", 1, Decimal("500")))
    assert prices_of(priced, "SO-1") == [Decimal("500.00")]


def test_totals_are_exact_decimals() -> None:
    # 0.1 + 0.2 in binary floats is 0.30000000000000004; never here.
    assert total([(1, Decimal("0.10")), (1, Decimal("0.20"))]) == Decimal("0.30")
    assert line_amount(3, Decimal("9.99")) == Decimal("29.97")
    assert total([(7, Decimal("0.10"))] * 10) == Decimal("7.00")


# --- totals in the tabs ------------------------------------------------------------------
def test_the_orders_tab_totals_units_not_cancelled_at_their_line_prices(
    priced: Database,
) -> None:
    place(priced, LineRequest("WIDGET", 3), LineRequest("GADGET", 7))
    place(priced, LineRequest("GADGET", 3, Decimal("0.20")), ref="SO-2")
    with priced.read() as session:
        rows = {r.ref: r for r in views.orders_page(session, OrderQuery(), 0, 10)}
    assert rows["SO-1"].total == Decimal("30.67")  # 3 x 9.99 + 7 x 0.10, not 30.669999...
    assert rows["SO-2"].total == Decimal("0.60")
    assert rows["SO-1"].currency == "EUR"


def test_the_purchase_orders_tab_totals_units_at_their_line_costs(priced: Database) -> None:
    with priced.write() as session:
        purchasing.create_purchase_order(
            session, "SUP", [LineRequest("WIDGET", 3), LineRequest("GADGET", 10)], ref="PO-1"
        )
    with priced.read() as session:
        (row,) = views.purchase_orders_page(session, PurchaseOrderQuery(), 0, 10)
    assert row.total == Decimal("12.60")  # 3 x 4.10 + 10 x 0.03


# --- imports -----------------------------------------------------------------------------
@pytest.mark.parametrize("method", ["bulk", "place_order"])
def test_imported_order_lines_get_the_file_s_price_or_the_product_s(
    priced: Database, tmp_path: Path, method: str
) -> None:
    path = tmp_path / "orders.csv"
    path.write_text(
        "order_ref,customer,placed_at,sku,qty,price\n"
        "W-1,ANN,2026-01-05T09:00:00Z,WIDGET,2,\n"
        "W-1,ANN,2026-01-05T09:00:00Z,GADGET,1,0.15\n"
    )
    with priced.write() as session:
        import_csv(session, "orders", path, method=method)  # type: ignore[arg-type]
    assert prices_of(priced, "W-1") == [Decimal("9.99"), Decimal("0.15")]


def test_imported_order_lines_without_a_price_column_get_the_product_s_price(
    priced: Database, tmp_path: Path
) -> None:
    path = tmp_path / "orders.csv"
    path.write_text("order_ref,customer,placed_at,sku,qty\nW-1,ANN,2026-01-05T09:00:00Z,WIDGET,2\n")
    with priced.write() as session:
        import_csv(session, "orders", path)
    assert prices_of(priced, "W-1") == [Decimal("9.99")]


def test_an_imported_negative_price_is_refused_with_its_row(
    priced: Database, tmp_path: Path
) -> None:
    path = tmp_path / "orders.csv"
    path.write_text(
        "order_ref,customer,placed_at,sku,qty,price\n"
        "W-1,ANN,2026-01-05T09:00:00Z,WIDGET,2,1.00\n"
        "W-1,ANN,2026-01-05T09:00:00Z,GADGET,1,-3\n"
    )
    with (
        pytest.raises(ImportRowError, match=r"row 3.*price cannot be negative"),
        priced.write() as session,
    ):
        import_csv(session, "orders", path)


# --- New order's preview: prices, ETAs and long waits ----------------------------------------
def test_the_preview_prices_lines_and_totals_the_clerk_s_prices(priced: Database) -> None:
    requests = [LineRequest("WIDGET", 2), LineRequest("GADGET", 3, Decimal("0.05"))]
    with priced.read() as session:
        preview = preview_order(session, None, requests)
    assert preview.currency == "EUR"
    assert [d.price for d in preview.quote.lines] == [Decimal("9.99"), Decimal("0.10")]
    assert preview.total(requests) == Decimal("20.13")


def test_a_line_that_would_wait_gets_the_eta_of_the_po_after_those_already_waiting(
    priced: Database,
) -> None:
    today = date.today()
    add_stock(priced, "WIDGET", 1)
    place(priced, LineRequest("WIDGET", 4))  # 1 allocated, 3 already waiting
    with priced.write() as session:
        purchasing.create_purchase_order(
            session, "SUP", [LineRequest("WIDGET", 3)], ref="PO-A",
            expected_date=today + timedelta(days=5),
        )  # fmt: skip
        purchasing.create_purchase_order(
            session, "SUP", [LineRequest("WIDGET", 10)], ref="PO-B",
            expected_date=today + timedelta(days=20),
        )  # fmt: skip
    with priced.read() as session:
        preview = preview_order(session, None, [LineRequest("WIDGET", 2), LineRequest("GADGET", 1)])
    widget = preview.waits[preview.quote.lines[0].product_id]
    # PO-A's 3 units go to the line already waiting; the new line waits for PO-B.
    assert (widget.status, widget.likely, widget.waiting) == (
        ON_ORDER,
        today + timedelta(days=20),
        2,
    )
    gadget = preview.waits[preview.quote.lines[1].product_id]
    assert (gadget.status, gadget.shortfall) == (NOT_ON_ORDER, 1)
    assert preview.long_waits() == [widget, gadget]  # 20 days > 14; not on order: no date


def test_a_line_that_ships_now_has_no_wait(priced: Database) -> None:
    add_stock(priced, "WIDGET", 5)
    with priced.read() as session:
        preview = preview_order(session, None, [LineRequest("WIDGET", 2)])
    assert preview.waits == {}
    assert preview.long_waits() == []


def test_a_wait_is_long_only_beyond_the_shop_s_setting(priced: Database) -> None:
    today = date.today()
    with priced.write() as session:
        shop_settings.set_long_wait_days(session, 10)
        purchasing.create_purchase_order(
            session, "SUP", [LineRequest("WIDGET", 5)], ref="PO-A",
            expected_date=today + timedelta(days=10),
        )  # fmt: skip
    with priced.read() as session:
        preview = preview_order(session, None, [LineRequest("WIDGET", 1)])
    assert preview.long_wait_days == 10
    assert preview.long_waits() == []  # exactly 10 days is not longer than 10
    with priced.write() as session:
        shop_settings.set_long_wait_days(session, 9)
    with priced.read() as session:
        preview = preview_order(session, None, [LineRequest("WIDGET", 1)])
    assert len(preview.long_waits()) == 1


def test_the_long_wait_rule_counts_to_the_late_case() -> None:
    today = date(2026, 12, 1)
    wait = WaitPreview(1, 2, ON_ORDER, date(2026, 12, 10), date(2026, 12, 16), 0)
    assert wait.wait_days(today) == 15
    assert wait.is_long(14, today) and not wait.is_long(15, today)
    undated = WaitPreview(1, 2, ON_ORDER, None, None, 0)
    assert undated.wait_days(today) is None and undated.is_long(14, today)
    overdue = WaitPreview(1, 2, ON_ORDER, date(2026, 11, 25), date(2026, 11, 28), 0)
    assert overdue.overdue(today) and overdue.wait_days(today) is None
    assert overdue.is_long(14, today)  # late goods: no date the shop can promise


def test_po_line_costs_are_the_po_s_own_else_the_product_s(priced: Database) -> None:
    from app.services.pricing import quote_costs

    with priced.write() as session:
        purchasing.create_purchase_order(
            session, "SUP", [LineRequest("WIDGET", 3)], ref="PO-1", draft=True
        )
        widget = catalog.find_product(session, "WIDGET")
        gadget = catalog.find_product(session, "GADGET")
        widget.cost = Decimal("5.00")  # the draft's line keeps 4.10
        ids = (widget.id, gadget.id)
    with priced.read() as session:
        kept = quote_costs(session, ids, "PO-1")
        new = quote_costs(session, ids)
    assert kept.costs == {ids[0]: Decimal("4.10"), ids[1]: Decimal("0.03")}
    assert new.costs[ids[0]] == Decimal("5.00")
    assert kept.total([(ids[0], 3), (ids[1], 10)]) == Decimal("12.60")
    assert kept.currency == "EUR"
