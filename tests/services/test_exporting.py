"""CSV exports: stock levels per product, and the backorder queue in serving order."""

from __future__ import annotations

import csv
import io
import os
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from app.db import Database
from app.domain import BackorderPolicy, OrderLine, Product
from app.domain.errors import InvalidInput
from app.services import catalog, exporting, purchasing, stock
from app.services.cancelling import cancel_order
from app.services.exporting import export_csv
from app.services.importing import import_csv
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


# --- issue 9: exports a spreadsheet opens safely, to files only -----------------------------

FORMULAS = ['=HYPERLINK("http://x","y")', "+41 1", "-5", "@SUM(A1)", "'=already quoted"]


def test_every_text_cell_a_spreadsheet_would_run_is_neutralised(db: Database) -> None:
    with db.write() as session:
        catalog.create_customer(session, "=cmd|' /C calc'!A0", "Mallory")
        for number, sku in enumerate(FORMULAS):
            catalog.create_product(session, sku, f"Product {number}")
            place_order(
                session,
                "=cmd|' /C calc'!A0",
                [LineRequest(sku, 2)],
                ref=f"@REF-{number}",
                placed_at=at(number),
            )
        catalog.create_product(session, "PLAIN-1", "Plain")
    stock_rows = exported(db, "stock")
    assert {row[0] for row in stock_rows[1:]} == {"'" + sku for sku in FORMULAS} | {"PLAIN-1"}
    backorders = exported(db, "backorders")
    assert [row[1:5] for row in backorders[1:]] == [
        [f"'@REF-{number}", "1", "'=cmd|' /C calc'!A0", "'" + sku]
        for number, sku in enumerate(FORMULAS)
    ]
    # No cell of either file starts with a character a spreadsheet would run.
    for row in stock_rows + backorders:
        for cell in row:
            assert not cell.startswith(tuple("=+-@\t\r")), cell


def test_numbers_stay_numbers_and_only_text_is_neutralised() -> None:
    out = io.StringIO()
    count = exporting.write_csv(
        out, ("sku", "qty", "note"), iter([("-3", -3, "+1"), ("A-1", 0, "fine")])
    )
    assert count == 2
    assert out.getvalue() == "sku,qty,note\n'-3,-3,'+1\nA-1,0,fine\n"


def test_an_exported_sku_imported_again_names_the_same_product(
    db: Database, tmp_path: Path
) -> None:
    with db.write() as session:
        catalog.create_customer(session, "ANN", "Ann")
        for sku in FORMULAS:
            catalog.create_product(session, sku, sku)
    skus = [row[0] for row in exported(db, "stock")[1:]]
    orders = tmp_path / "orders.csv"
    with orders.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["order_ref", "customer", "placed_at", "sku", "qty"])
        for number, sku in enumerate(skus):
            writer.writerow([f"SO-{number}", "ANN", "2026-01-05T09:00Z", sku, 1])
    with db.write() as session:
        import_csv(session, "orders", orders)
    with db.read() as session:
        ordered = set(
            session.scalars(select(Product.sku).join(OrderLine, OrderLine.product_id == Product.id))
        )
    assert ordered == set(FORMULAS)


def special_files(tmp_path: Path) -> dict[str, Path]:
    """A symlink (to a file that must stay untouched), a dangling symlink, a FIFO, a folder
    and, where this user may make one, a character device (a copy of /dev/null)."""
    victim = tmp_path / "precious.txt"
    victim.write_text("keep me\n")
    paths = {"symlink": tmp_path / "link.csv", "dangling": tmp_path / "dangling.csv"}
    paths["symlink"].symlink_to(victim)
    paths["dangling"].symlink_to(tmp_path / "nowhere.csv")
    if hasattr(os, "mkfifo"):
        paths["fifo"] = tmp_path / "pipe.csv"
        os.mkfifo(paths["fifo"])
    paths["folder"] = tmp_path / "folder.csv"
    paths["folder"].mkdir()
    try:
        os.mknod(tmp_path / "null.csv", 0o666 | stat.S_IFCHR, os.makedev(1, 3))
        paths["device"] = tmp_path / "null.csv"
    except (OSError, AttributeError):
        pass
    return paths


WHAT = {
    "symlink": "a symbolic link",
    "dangling": "a symbolic link",
    "fifo": "a named pipe",
    "folder": "a folder",
    "device": "a device",
}


@pytest.mark.parametrize("kind", list(WHAT))
def test_an_export_refuses_a_target_that_is_not_a_regular_file(
    sqlite_db: Database, tmp_path: Path, kind: str
) -> None:
    folder = tmp_path / "out"  # beside the shop database, which lives in tmp_path
    folder.mkdir()
    paths = special_files(folder)
    if kind not in paths:
        pytest.skip(f"cannot make a {kind} here")
    target = paths[kind]
    before = os.lstat(target)
    with sqlite_db.read() as session, pytest.raises(InvalidInput) as caught:
        exporting.export_to_path(session, "stock", target)
    assert str(caught.value) == (
        f"Cannot write {target}: it is {WHAT[kind]}, not a regular file; nothing was written "
        "(give the name of a CSV file, or - for standard output)"
    )
    after = os.lstat(target)
    assert (after.st_mode, after.st_ino, after.st_mtime_ns) == (
        before.st_mode,
        before.st_ino,
        before.st_mtime_ns,
    )
    assert (folder / "precious.txt").read_text() == "keep me\n"
    assert not (folder / "nowhere.csv").exists()
    assert not [p.name for p in folder.iterdir() if p.name.startswith(".")]  # no temp file


def test_an_export_replaces_a_regular_file_whole(sqlite_db: Database, tmp_path: Path) -> None:
    with sqlite_db.write() as session:
        for sku in ("A", "B", "C"):
            catalog.create_product(session, sku, sku)
    target = tmp_path / "out" / "stock.csv"
    target.parent.mkdir()
    target.write_text("old contents that are longer than the new ones\n" * 500)
    with sqlite_db.read() as session:
        assert exporting.export_to_path(session, "stock", target) == 3
    assert (
        target.read_text().splitlines()[0] == "sku,on_hand,allocated,available,incoming,backordered"
    )
    assert len(target.read_text().splitlines()) == 4
    assert [p.name for p in target.parent.iterdir()] == ["stock.csv"]
