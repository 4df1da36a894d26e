"""Small builders and read-backs shared by the service tests (plain values, never ORM objects)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select, text

from app.db import Database
from app.domain import (
    AllocationEvent,
    BackorderPolicy,
    OrderLine,
    Product,
    PurchaseOrder,
    PurchaseOrderLine,
    SalesOrder,
    StockBalance,
)
from app.domain.base import Base
from app.services import catalog, purchasing, stock
from app.services.ordering import LineRequest, PlacedOrder, place_order
from app.services.receiving import (
    AllocationPlan,
    ReceiptInput,
    ReceiptResult,
    confirm_receipt,
    preview_receipt,
)

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def at(minutes: int) -> datetime:
    """A placed-at time ``minutes`` after a fixed morning (so queue order is explicit)."""
    return T0 + timedelta(minutes=minutes)


def make_shop(
    db: Database,
    *,
    products: dict[str, BackorderPolicy] | None = None,
    customers: tuple[str, ...] = ("ANN", "BOB", "CAT", "DAN"),
) -> None:
    """A supplier SUP, products (SKU -> policy; default WIDGET/GADGET backorder, RARE out of
    stock) and customers named by code."""
    products = products or {
        "WIDGET": BackorderPolicy.BACKORDER,
        "GADGET": BackorderPolicy.BACKORDER,
        "RARE": BackorderPolicy.OUT_OF_STOCK,
    }
    with db.write() as session:
        catalog.create_supplier(session, "SUP", "Supplies Ltd")
        for sku, policy in products.items():
            catalog.create_product(
                session, sku, sku.title(), backorder_policy=policy, supplier_code="SUP"
            )
        for code in customers:
            catalog.create_customer(session, code, code.title())


def add_stock(db: Database, sku: str, qty: int) -> None:
    with db.write() as session:
        stock.adjust_stock(session, sku, qty, "count")


def order(
    db: Database, customer: str, *lines: tuple[str, int], ref: str, minute: int = 0
) -> PlacedOrder:
    with db.write() as session:
        return place_order(
            session,
            customer,
            [LineRequest(code, qty) for code, qty in lines],
            ref=ref,
            placed_at=at(minute),
        )


def make_po(
    db: Database, *lines: tuple[str, int], ref: str = "PO-1", draft: bool = False
) -> dict[str, int]:
    """Create a PO; returns SKU -> PO line id (first line of each SKU)."""
    with db.write() as session:
        po = purchasing.create_purchase_order(
            session, "SUP", [LineRequest(code, qty) for code, qty in lines], ref=ref, draft=draft
        )
        ids: dict[str, int] = {}
        for line in po.lines:
            sku = session.get_one(Product, line.product_id).sku
            ids.setdefault(sku, line.id)
        return ids


def product_id(db: Database, sku: str) -> int:
    with db.read() as session:
        pid = session.scalar(select(Product.id).where(Product.sku == sku))
        assert pid is not None
        return pid


def preview(
    db: Database,
    *arrivals: tuple[str, int],
    po_lines: dict[str, int] | None = None,
    po_ref: str | None = None,
) -> AllocationPlan:
    with db.read() as session:
        inputs = [
            ReceiptInput(
                catalog.find_product(session, sku).id,
                qty,
                (po_lines or {}).get(sku),
            )
            for sku, qty in arrivals
        ]
        return preview_receipt(session, inputs, purchase_order_ref=po_ref)


def confirm(
    db: Database,
    plan: AllocationPlan,
    adjustments: dict[int, int] | None = None,
    *,
    accept_over_receipt: bool = False,
) -> ReceiptResult:
    with db.write() as session:
        return confirm_receipt(session, plan, adjustments, accept_over_receipt=accept_over_receipt)


def receive(db: Database, *arrivals: tuple[str, int]) -> ReceiptResult:
    """Receive a scanned delivery (no PO) exactly as previewed."""
    return confirm(db, preview(db, *arrivals))


@dataclass(frozen=True)
class Stock:
    on_hand: int
    allocated: int

    @property
    def available(self) -> int:
        return self.on_hand - self.allocated


def stock_of(db: Database, sku: str) -> Stock:
    with db.read() as session:
        row = session.execute(
            select(StockBalance.on_hand, StockBalance.allocated)
            .join(Product, Product.id == StockBalance.product_id)
            .where(Product.sku == sku)
        ).one()
        return Stock(row[0], row[1])


@dataclass(frozen=True)
class Line:
    ordered: int
    allocated: int
    backordered: int
    shipped: int
    cancelled: int


def line_of(db: Database, ref: str, line_no: int = 1) -> Line:
    with db.read() as session:
        row = session.execute(
            select(
                OrderLine.qty_ordered,
                OrderLine.qty_allocated,
                OrderLine.qty_backordered,
                OrderLine.qty_shipped,
                OrderLine.qty_cancelled,
            )
            .join(SalesOrder, SalesOrder.id == OrderLine.order_id)
            .where(SalesOrder.ref == ref, OrderLine.line_no == line_no)
        ).one()
        return Line(*row)


def line_id(db: Database, ref: str, line_no: int = 1) -> int:
    with db.read() as session:
        lid = session.scalar(
            select(OrderLine.id)
            .join(SalesOrder, SalesOrder.id == OrderLine.order_id)
            .where(SalesOrder.ref == ref, OrderLine.line_no == line_no)
        )
        assert lid is not None
        return lid


def status_of(db: Database, ref: str) -> str:
    with db.read() as session:
        status = session.scalar(select(SalesOrder.status).where(SalesOrder.ref == ref))
        assert status is not None
        return str(status.value)


def po_state(db: Database, ref: str) -> tuple[str, list[int]]:
    """A PO's status and its lines' received quantities."""
    with db.read() as session:
        po = session.scalar(select(PurchaseOrder).where(PurchaseOrder.ref == ref))
        assert po is not None
        received = list(
            session.scalars(
                select(PurchaseOrderLine.qty_received)
                .where(PurchaseOrderLine.purchase_order_id == po.id)
                .order_by(PurchaseOrderLine.line_no)
            )
        )
        return str(po.status.value), received


def snapshot(db: Database) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, for proving that something wrote nothing."""
    with db.read() as session:
        result: dict[str, list[tuple[Any, ...]]] = {}
        for table in Base.metadata.sorted_tables:
            rows = session.execute(table.select()).all()
            result[table.name] = sorted(tuple(row) for row in rows)
        result["alembic_version"] = sorted(
            tuple(row) for row in session.execute(text("SELECT version_num FROM alembic_version"))
        )
        return result


def ledger_problems(db: Database) -> list[str]:
    with db.read() as session:
        return stock.check_ledger(session)


def allocation_reasons(db: Database, source: str) -> list[tuple[int, str]]:
    """(units, reason) of every allocation event from ``source`` ("receipt", "freed"), in
    the order written."""
    with db.read() as session:
        rows = session.execute(
            select(AllocationEvent.qty, AllocationEvent.reason)
            .where(AllocationEvent.source == source)
            .order_by(AllocationEvent.id)
        ).all()
    return [(qty, reason) for qty, reason in rows]


def add_staff(db: Database) -> None:
    """Users Olga (the owner, PIN 1111) and Cleo (a clerk, PIN 3333); nobody signed in after."""
    from app.domain.actors import Actor, Role
    from app.services.users import create_user

    with db.write() as session:
        olga = create_user(session, "Olga", Role.OWNER, "1111").user
    db.actor = Actor(olga.name, olga.role, user_id=olga.id)
    try:
        with db.write() as session:
            create_user(session, "Cleo", Role.CLERK, "3333")
    finally:
        db.actor = None
