"""The read queries behind the window's tables (no Qt); run on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from app.db import Database
from app.domain import OrderStatus, PurchaseOrderStatus
from app.services import catalog, ordering, purchasing, shipping, stock, views
from app.services.ordering import LineRequest

T0 = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def shop(db: Database) -> Database:
    """Two products, three customers; ANV-1 has 5 on hand and a queue of three lines."""
    with db.write() as s:
        catalog.create_supplier(s, "ACME", "Acme Supplies")
        catalog.create_product(s, "ANV-1", "Anvil", barcode="4006381333931", supplier_code="ACME")
        catalog.create_product(s, "ROPE-2", "Rope 10 m", supplier_code="ACME")
        catalog.create_product(s, "ZIP_3", "Zip ties 100%")
        catalog.create_customer(s, "C1", "Wile E. Coyote")
        catalog.create_customer(s, "C2", "Road Runner")
        catalog.create_customer(s, "C3", "Bugs Bunny")
        stock.adjust_stock(s, "ANV-1", 5, "count")
        stock.adjust_stock(s, "ROPE-2", 20, "count")
    with db.write() as s:
        # SO-A: 5 anvils allocated + 2 waiting; SO-B: 3 waiting; SO-C: 4 waiting + 1 rope.
        ordering.place_order(s, "C1", [LineRequest("ANV-1", 7)], ref="SO-A", placed_at=T0)
        ordering.place_order(
            s, "C2", [LineRequest("ANV-1", 3)], ref="SO-B", placed_at=T0 + timedelta(hours=1)
        )
        ordering.place_order(
            s,
            "C3",
            [LineRequest("ROPE-2", 1), LineRequest("ANV-1", 4)],
            ref="SO-C",
            placed_at=T0 + timedelta(days=1),
        )
        purchasing.create_purchase_order(
            s, "ACME", [LineRequest("ANV-1", 6), LineRequest("ROPE-2", 10)], ref="PO-1"
        )
        purchasing.create_purchase_order(
            s, "ACME", [LineRequest("ANV-1", 50)], ref="PO-D", draft=True
        )
    return db


def test_stock_page_shows_on_hand_allocated_incoming_and_backordered(shop: Database) -> None:
    with shop.read() as s:
        rows = views.stock_page(s, views.StockQuery(), 0, 50)
    assert [r.sku for r in rows] == ["ANV-1", "ROPE-2", "ZIP_3"]
    anvil = rows[0]
    assert (anvil.on_hand, anvil.allocated, anvil.available) == (5, 5, 0)
    assert anvil.incoming == 6  # the draft PO does not count
    assert anvil.backordered == 2 + 3 + 4
    rope = rows[1]
    assert (rope.on_hand, rope.allocated, rope.incoming, rope.backordered) == (20, 1, 10, 0)


def test_stock_search_matches_sku_name_or_barcode_case_insensitively(shop: Database) -> None:
    with shop.read() as s:
        assert [r.sku for r in views.stock_page(s, views.StockQuery("rope"), 0, 50)] == ["ROPE-2"]
        assert [r.sku for r in views.stock_page(s, views.StockQuery("anv"), 0, 50)] == ["ANV-1"]
        by_barcode = views.stock_page(s, views.StockQuery("33393"), 0, 50)
        assert [r.sku for r in by_barcode] == ["ANV-1"]
        # LIKE wildcards are taken literally
        assert [r.sku for r in views.stock_page(s, views.StockQuery("_"), 0, 50)] == ["ZIP_3"]
        assert [r.sku for r in views.stock_page(s, views.StockQuery("%"), 0, 50)] == ["ZIP_3"]
        assert views.count_products(s, views.StockQuery("i")) == views.Count(2)


def test_stock_sorts_in_sql_and_pages_do_not_overlap(shop: Database) -> None:
    with shop.read() as s:
        by_on_hand = views.stock_page(s, views.StockQuery(sort="on_hand", descending=True), 0, 50)
        assert [r.sku for r in by_on_hand] == ["ROPE-2", "ANV-1", "ZIP_3"]
        first = views.stock_page(s, views.StockQuery(sort="name"), 0, 2)
        second = views.stock_page(s, views.StockQuery(sort="name"), 2, 2)
    assert [r.name for r in first + second] == ["Anvil", "Rope 10 m", "Zip ties 100%"]
    with shop.read() as s, pytest.raises(ValueError):
        views.stock_page(s, views.StockQuery(sort="name; DROP TABLE product"), 0, 10)


def test_orders_page_totals_lines_and_filters_by_status_and_customer(shop: Database) -> None:
    with shop.read() as s:
        rows = views.orders_page(s, views.OrderQuery(), 0, 50)
        assert [r.ref for r in rows] == ["SO-C", "SO-B", "SO-A"]  # newest first
        so_c = rows[0]
        assert (so_c.customer, so_c.lines, so_c.ordered, so_c.allocated, so_c.backordered) == (
            "Bugs Bunny",
            2,
            5,
            1,
            4,
        )
        assert so_c.status == OrderStatus.PART_READY  # a rope allocated, anvils waiting
        assert so_c.placed_at == T0 + timedelta(days=1)
        runner = views.orders_page(s, views.OrderQuery(search="road"), 0, 50)
        assert [r.ref for r in runner] == ["SO-B"]
        assert [r.ref for r in views.orders_page(s, views.OrderQuery(search="so-a"), 0, 50)] == [
            "SO-A"
        ]
        by_customer = views.orders_page(
            s, views.OrderQuery(sort="customer", descending=False), 0, 9
        )
        assert [r.customer for r in by_customer] == ["Bugs Bunny", "Road Runner", "Wile E. Coyote"]
        none = views.OrderQuery(status=OrderStatus.SHIPPED)
        assert views.orders_page(s, none, 0, 50) == []
        assert views.count_orders(s, views.OrderQuery()) == views.Count(3)


def test_orders_search_finds_a_ref_by_its_start_a_bare_number_or_a_customer(
    shop: Database,
) -> None:
    with shop.write() as s:  # automatic refs SO-000004 (waits for an anvil), -05, -06
        ordering.place_order(s, "C2", [LineRequest("ANV-1", 1)])
        ordering.place_order(s, "C1", [LineRequest("ROPE-2", 1)])
        ordering.place_order(s, "C3", [LineRequest("ROPE-2", 1)])
    with shop.read() as s:

        def refs(text: str) -> list[str]:
            found = sorted(r.ref for r in views.orders_page(s, views.OrderQuery(text), 0, 50))
            assert views.count_orders(s, views.OrderQuery(text)) == views.Count(len(found))
            return found

        def waiting(text: str) -> list[str]:
            query = views.BackorderQuery(text)
            found = sorted(r.order_ref for r in views.backorders_page(s, query, 0, 50))
            assert views.count_backorders(s, query) == views.Count(len(found))
            return found

        assert refs("SO-00000") == ["SO-000004", "SO-000005", "SO-000006"]
        assert refs("so-000005") == refs("5") == refs("000005") == refs(" 5 ") == ["SO-000005"]
        assert refs("so-b") == ["SO-B"]
        assert refs("o-b") == []  # a ref is found by its start, not by any part
        assert refs("SO-%") == refs("SO-_") == []  # wildcards are taken literally
        assert refs("runner") == ["SO-000004", "SO-B"]
        assert refs("COYOTE") == ["SO-000005", "SO-A"]
        assert waiting("4") == ["SO-000004"]
        assert waiting("so-c") == ["SO-C"]
        assert waiting("runner") == ["SO-000004", "SO-B"]
        assert waiting("anv") == ["SO-000004", "SO-A", "SO-B", "SO-C"]
        assert views.padded_order_ref("123") == "SO-000123"
        assert views.padded_order_ref("1234567") == "SO-1234567"
        assert views.padded_order_ref("12a") is None


def test_shipping_moves_an_order_between_status_filters(shop: Database) -> None:
    with shop.write() as s:
        ordering.place_order(s, "C2", [LineRequest("ROPE-2", 2)], ref="SO-R")
        shipping.ship_order(s, "SO-R")
    with shop.read() as s:
        shipped = views.orders_page(s, views.OrderQuery(status=OrderStatus.SHIPPED), 0, 50)
    assert [(r.ref, r.shipped, r.allocated) for r in shipped] == [("SO-R", 2, 0)]


def test_purchase_orders_page_shows_outstanding_units(shop: Database) -> None:
    with shop.read() as s:
        rows = views.purchase_orders_page(
            s, views.PurchaseOrderQuery(sort="ref", descending=False), 0, 50
        )
        assert [(r.ref, r.status, r.ordered, r.received, r.outstanding) for r in rows] == [
            ("PO-1", PurchaseOrderStatus.OPEN, 16, 0, 16),
            ("PO-D", PurchaseOrderStatus.DRAFT, 50, 0, 50),
        ]
        assert rows[0].supplier == "Acme Supplies"
        found = views.purchase_orders_page(s, views.PurchaseOrderQuery(search="acme"), 0, 50)
        assert len(found) == 2
        assert views.count_purchase_orders(s, views.PurchaseOrderQuery(search="po-d")).value == 1


def test_backorder_queue_in_serving_order_with_units_ahead(shop: Database) -> None:
    now = T0 + timedelta(days=3, hours=2)
    with shop.read() as s:
        rows = views.backorders_page(s, views.BackorderQuery(), 0, 50, now=now)
        assert [(r.position, r.order_ref, r.sku, r.qty_waiting, r.units_ahead) for r in rows] == [
            (1, "SO-A", "ANV-1", 2, 0),
            (2, "SO-B", "ANV-1", 3, 2),
            (3, "SO-C", "ANV-1", 4, 5),
        ]
        assert [r.days_waiting for r in rows] == [3, 3, 2]
        assert rows[2].line_no == 2 and rows[2].customer == "Bugs Bunny"
        assert views.units_waiting(s) == 9


def test_backorder_filter_keeps_queue_positions(shop: Database) -> None:
    with shop.read() as s:
        rows = views.backorders_page(s, views.BackorderQuery(search="bugs"), 0, 50)
        assert [(r.position, r.units_ahead) for r in rows] == [(3, 5)]
        assert views.count_backorders(s, views.BackorderQuery(search="bugs")) == views.Count(1)
        assert views.count_backorders(s, views.BackorderQuery()) == views.Count(3)
        newest_first = views.backorders_page(
            s, views.BackorderQuery(sort="position", descending=True), 0, 2
        )
        assert [r.position for r in newest_first] == [3, 2]
        longest_wait = views.backorders_page(s, views.BackorderQuery(sort="days_waiting"), 0, 1)
        assert longest_wait[0].position == 3  # ascending days waiting: newest first


def test_backordered_units_follow_the_filter(shop: Database) -> None:
    with shop.read() as s:
        assert views.units_waiting(s, views.BackorderQuery(search="bugs")) == 4
        assert views.units_waiting(s, views.BackorderQuery(customer="bugs")) == 4
        assert views.units_waiting(s, views.BackorderQuery(sort="sku")) == 9  # not a filter
        assert views.units_waiting(s, views.BackorderQuery(customer="nobody")) == 0


def test_counts_stop_at_the_cap(shop: Database) -> None:
    with shop.read() as s:
        assert views.count_products(s, views.StockQuery(), cap=2) == views.Count(2, exact=False)
    assert views.Count(2, exact=False).text("product", "products") == "2+ products"
    assert views.Count(1).text("product", "products") == "1 product"
    assert views.Count(1234).text("order", "orders") == "1,234 orders"


def test_queue_figures_match_serving_order_across_pages_and_products(shop: Database) -> None:
    with shop.write() as s:
        # Same time as SO-B: the ref breaks the tie (SO-AA before SO-B); a second product too.
        ordering.place_order(
            s,
            "C1",
            [LineRequest("ZIP_3", 4), LineRequest("ANV-1", 1)],
            ref="SO-AA",
            placed_at=T0 + timedelta(hours=1),
        )
        ordering.place_order(s, "C2", [LineRequest("ZIP_3", 6)], ref="SO-Z", placed_at=T0)
    with shop.read() as s:
        whole = views.backorders_page(s, views.BackorderQuery(), 0, 50)
        one_by_one = [views.backorders_page(s, views.BackorderQuery(), i, 1)[0] for i in range(6)]
        by_customer = views.backorders_page(s, views.BackorderQuery(sort="customer"), 0, 50)
    assert one_by_one == whole
    # Positions count within each product's queue (issue 3: "3rd; 12 units ahead").
    assert [(r.position, r.order_ref, r.sku, r.units_ahead) for r in whole] == [
        (1, "SO-A", "ANV-1", 0),
        (1, "SO-Z", "ZIP_3", 0),
        (2, "SO-AA", "ZIP_3", 6),
        (2, "SO-AA", "ANV-1", 2),
        (3, "SO-B", "ANV-1", 3),
        (4, "SO-C", "ANV-1", 6),
    ]
    assert sorted(by_customer, key=whole.index) == whole
    assert [r.customer for r in by_customer] == sorted(r.customer for r in whole)
