"""The demo shop: believable, consistent, and with customers waiting for open purchase orders."""

from __future__ import annotations

import io
from collections import defaultdict
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from app.db import Database, open_database
from app.domain import (
    BackorderPolicy,
    Customer,
    CustomerTier,
    OrderLine,
    OrderStatus,
    Product,
    PurchaseOrder,
    PurchaseOrderStatus,
    SalesOrder,
    Supplier,
)
from app.domain.barcodes import is_valid_gtin
from app.services import stock
from app.services.demo import build_demo_shop, gtin13
from app.services.exporting import export_csv

TODAY = date(2026, 3, 16)


@pytest.fixture
def demo(db: Database) -> Database:
    with db.write() as session:
        build_demo_shop(session, today=TODAY)
    return db


def test_gtin13_check_digits() -> None:
    assert gtin13("400638133393") == "4006381333931"
    assert gtin13("590123412345") == "5901234123457"
    assert is_valid_gtin("4006381333931")
    assert not is_valid_gtin("4006381333932")


def test_the_demo_shop_has_a_believable_catalog(demo: Database) -> None:
    with demo.read() as session:
        suppliers = session.scalars(select(Supplier)).all()
        products = session.scalars(select(Product)).all()
        customers = session.scalars(select(Customer)).all()
        assert len(suppliers) >= 4 and all(s.lead_time_days > 0 for s in suppliers)
        assert len(products) >= 30
        assert all(
            p.barcode and len(p.barcode) == 13 and is_valid_gtin(p.barcode) for p in products
        )
        assert all(0 < p.cost < p.price for p in products)
        assert all(p.supplier_sku for p in products)
        assert len({(p.supplier_id, p.supplier_sku) for p in products}) == len(products)
        assert any(p.backorder_policy == BackorderPolicy.OUT_OF_STOCK for p in products)
        assert len(customers) >= 20
        assert any(c.tier == CustomerTier.GOLD for c in customers)
        assert all("@" in c.email and c.phone for c in customers)
        assert stock.check_ledger(session) == []


def test_the_demo_shop_has_customers_waiting_and_purchase_orders_coming(demo: Database) -> None:
    with demo.read() as session:
        waiting: dict[int, set[int]] = defaultdict(set)
        for product_id, customer_id, placed_at in session.execute(
            select(OrderLine.product_id, SalesOrder.customer_id, SalesOrder.placed_at)
            .join(SalesOrder)
            .where(OrderLine.qty_backordered > 0)
        ):
            waiting[product_id].add(customer_id)
            assert placed_at.date() < TODAY
        assert sum(1 for customers in waiting.values() if len(customers) >= 2) >= 3

        statuses = [o.status for o in session.scalars(select(SalesOrder))]
        assert 25 <= len(statuses) <= 40
        assert statuses.count(OrderStatus.SHIPPED) >= 2
        assert OrderStatus.READY_TO_SHIP in statuses

        pos = session.scalars(select(PurchaseOrder)).all()
        open_pos = [po for po in pos if po.status == PurchaseOrderStatus.OPEN]
        assert len(open_pos) >= 5
        assert any(po.expected_date and po.expected_date < TODAY for po in open_pos)  # overdue
        assert any(po.expected_date and po.expected_date > TODAY for po in open_pos)
        assert sum(po.status == PurchaseOrderStatus.RECEIVED for po in pos) == 1
        on_order = {line.product_id for po in open_pos for line in po.lines}
        assert len(on_order & set(waiting)) >= 3  # open POs cover waiting customers


def test_the_demo_shop_is_the_same_every_time(tmp_path: Path) -> None:
    def build_and_export(name: str) -> str:
        database = open_database(f"sqlite:///{tmp_path / name}", backup_dir=tmp_path / "bk")
        try:
            with database.write() as session:
                build_demo_shop(session, today=TODAY, seed=11)
            out = io.StringIO()
            with database.read() as session:
                export_csv(session, "stock", out)
                export_csv(session, "backorders", out)
            return out.getvalue()
        finally:
            database.dispose()

    assert build_and_export("one.sqlite3") == build_and_export("two.sqlite3")
