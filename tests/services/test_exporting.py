"""CSV exports: stock levels per product, and the backorder queue in serving order."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest

from app.db import Database
from app.domain import BackorderPolicy
from app.domain.errors import InvalidInput
from app.services import catalog, exporting, purchasing, stock
from app.services.cancelling import cancel_order
from app.services.exporting import export_csv
from app.services.ordering import LineRequest, place_order
from app.services.receiving import ReceiptInput, confirm_receipt, preview_receipt

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


def exported(db: Database, kind: str) -> list[list[str]]:
    out = io.StringIO()
    with db.read() as session:
        count = export_csv(session, kind, out)
    rows = list(csv.reader(io.StringIO(out.getvalue())))
    assert count == len(rows) - 1
    return rows


@pytest.fixture
def shop(db: Database) -> Database:
    with db.write() as session:
        catalog.create_supplier(session, "SUP", "Supplies Ltd")
        for code in ("ANN", "BOB", "CAT"):
            catalog.create_customer(session, code, code.title())
        catalog.create_product(session, "WIDGET", "Widget")
        catalog.create_product(session, "GADGET", "Gadget")
        catalog.create_product(
            session, "RARE", "Rare", backorder_policy=BackorderPolicy.OUT_OF_STOCK
        )
        stock.adjust_stock(session, "WIDGET", 5, "count")
        stock.adjust_stock(session, "RARE", 1, "count")
    return db


def test_stock_export_shows_on_hand_allocated_available_incoming_and_backordered(
    shop: Database,
) -> None:
    with shop.write() as session:
        place_order(session, "ANN", [LineRequest("WIDGET", 7), LineRequest("GADGET", 2)])
        place_order(session, "BOB", [LineRequest("GADGET", 1)])
        # Incoming: open POs count, and the rest of a partly received one...
        purchasing.create_purchase_order(session, "SUP", [LineRequest("GADGET", 4)])
        partial = purchasing.create_purchase_order(session, "SUP", [LineRequest("WIDGET", 10)])
        line = partial.lines[0]
        plan = preview_receipt(
            session,
            [ReceiptInput(line.product_id, 3, line.id)],
            purchase_order_ref=partial.ref,
        )
        confirm_receipt(session, plan)
        # ...but drafts do not.
        purchasing.create_purchase_order(session, "SUP", [LineRequest("RARE", 9)], draft=True)
    assert exported(shop, "stock") == [
        ["sku", "on_hand", "allocated", "available", "incoming", "backordered"],
        ["GADGET", "0", "0", "0", "4", "3"],
        ["RARE", "1", "0", "1", "0", "0"],
        ["WIDGET", "8", "7", "1", "7", "0"],
    ]


def test_backorder_export_lists_waiting_lines_in_serving_order(shop: Database) -> None:
    with shop.write() as session:
        # Placed out of time order; two at the same minute (the ref decides).
        place_order(session, "CAT", [LineRequest("GADGET", 1)], ref="SO-C", placed_at=at(30))
        place_order(
            session,
            "BOB",
            [LineRequest("WIDGET", 6), LineRequest("GADGET", 2)],
            ref="SO-B",
            placed_at=at(10),
        )
        place_order(session, "ANN", [LineRequest("GADGET", 3)], ref="SO-A", placed_at=at(10))
        place_order(session, "ANN", [LineRequest("GADGET", 1)], ref="SO-X", placed_at=at(0))
        cancel_order(session, "SO-X")  # cancelled lines wait for nothing
    assert exported(shop, "backorders") == [
        ["position", "order_ref", "line", "customer", "sku", "qty_waiting", "placed_at"],
        ["1", "SO-A", "1", "ANN", "GADGET", "3", "2026-01-05T09:10:00Z"],
        ["2", "SO-B", "1", "BOB", "WIDGET", "1", "2026-01-05T09:10:00Z"],
        ["3", "SO-B", "2", "BOB", "GADGET", "2", "2026-01-05T09:10:00Z"],
        ["4", "SO-C", "1", "CAT", "GADGET", "1", "2026-01-05T09:30:00Z"],
    ]


def test_an_empty_shop_exports_just_the_headers(db: Database) -> None:
    assert exported(db, "stock") == [
        ["sku", "on_hand", "allocated", "available", "incoming", "backordered"]
    ]
    assert len(exported(db, "backorders")) == 1


def test_exports_stream_in_batches(shop: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(exporting, "BATCH", 40)  # so 300 rows take several batches
    with shop.write() as session:
        for number in range(300):
            place_order(
                session,
                "ANN",
                [LineRequest("GADGET", 1)],
                ref=f"SO-{number:05d}",
                placed_at=at(number),
            )
    rows = exported(shop, "backorders")
    assert len(rows) == 301
    assert [row[1] for row in rows[1:]] == [f"SO-{n:05d}" for n in range(300)]
    assert rows[-1][0] == "300"


def test_an_unknown_export_is_refused(db: Database) -> None:
    with db.read() as session, pytest.raises(InvalidInput, match="stock, backorders"):
        export_csv(session, "customers", io.StringIO())
