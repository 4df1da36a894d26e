"""The shopkeeper command: imports, receiving, exports and opening the window (without Qt)."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
import types
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from app.cli import main
from app.db import Database, open_database
from app.services import catalog, purchasing, stock
from app.services.formatting import day, money
from app.services.ordering import LineRequest, place_order

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    """A shop with WIDGET (2 on hand) and GADGET; ANN waits for 3 WIDGETs, BOB for 1 GADGET;
    PO-1 brings 4 WIDGETs and 1 GADGET."""
    path = tmp_path / "shop.sqlite3"
    database = open_database(f"sqlite:///{path}", backup_dir=tmp_path / "bk")
    with database.write() as session:
        catalog.create_supplier(session, "SUP", "Supplies Ltd")
        catalog.create_customer(session, "ANN", "Ann")
        catalog.create_customer(session, "BOB", "Bob")
        catalog.create_product(session, "WIDGET", "Widget")
        catalog.create_product(session, "GADGET", "Gadget")
        stock.adjust_stock(session, "WIDGET", 2, "count")
        place_order(
            session,
            "ANN",
            [LineRequest("WIDGET", 5)],
            ref="SO-1",
            placed_at=datetime(2026, 1, 5, 9, 0, tzinfo=UTC),
        )
        place_order(
            session,
            "BOB",
            [LineRequest("GADGET", 1)],
            ref="SO-2",
            placed_at=datetime(2026, 1, 5, 10, 0, tzinfo=UTC),
        )
        purchasing.create_purchase_order(
            session, "SUP", [LineRequest("WIDGET", 4), LineRequest("GADGET", 1)], ref="PO-1"
        )
    database.dispose()
    return path


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def stock_csv(capsys: pytest.CaptureFixture[str], db_path: Path) -> list[list[str]]:
    code, out, _err = run(capsys, "export", "stock", "-", "--db", str(db_path))
    assert code == 0
    return list(csv.reader(io.StringIO(out)))


def test_import_reports_what_it_imported_with_db_before_or_after_the_command(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "new.sqlite3"
    customers = tmp_path / "customers.csv"
    customers.write_text("code,name,email,phone,tier\nC1,Ann,,,gold\nC2,Bob,,,\n")
    products = tmp_path / "products.csv"
    products.write_text(
        "sku,name,barcode,price,cost,backorder_policy,reorder_point,supplier\nA,Apple,,1,0.5,,,\n"
    )
    # A new shop is made only when asked (--create); see test_cli_database.py.
    assert run(capsys, "--db", str(db), "--create", "import", "customers", str(customers)) == (
        0,
        "Imported 2 customers\n",
        "",
    )
    assert run(capsys, "import", "products", str(products), "--db", str(db))[1] == (
        "Imported 1 product\n"
    )


def test_a_bad_import_exits_1_names_the_row_and_writes_nothing(
    db_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    orders = tmp_path / "orders.csv"
    orders.write_text(
        "order_ref,customer,placed_at,sku,qty\n"
        "N-1,ANN,2026-01-06T09:00Z,GADGET,1\n"
        "N-2,NOBODY,2026-01-06T09:00Z,GADGET,1\n"
    )
    before = stock_csv(capsys, db_path)
    code, out, err = run(capsys, "--db", str(db_path), "import", "orders", str(orders))
    assert code == 1
    assert out == ""
    assert f"{orders} row 3: unknown customer 'NOBODY'" in err
    assert "Traceback" not in err
    assert stock_csv(capsys, db_path) == before


def test_receive_json_lists_allocations_in_serving_order_and_the_rest_to_stock(
    db_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "receive", "PO-1", "--json", "--db", str(db_path))
    assert (code, err) == (0, "")
    assert json.loads(out) == {
        "po": "PO-1",
        "allocations": [
            {"order_ref": "SO-1", "line": 1, "sku": "WIDGET", "qty": 3},
            {"order_ref": "SO-2", "line": 1, "sku": "GADGET", "qty": 1},
        ],
        "to_stock": [{"sku": "WIDGET", "qty": 1}],
    }
    assert stock_csv(capsys, db_path)[1:] == [
        ["GADGET", "1", "1", "0", "0", "0"],
        ["WIDGET", "6", "5", "1", "0", "0"],
    ]
    # Everything is in: receiving again is refused plainly.
    code, out, err = run(capsys, "receive", "PO-1", "--db", str(db_path))
    assert code == 1 and "nothing outstanding" in err


def test_receive_dry_run_shows_the_plan_and_writes_nothing(
    db_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = stock_csv(capsys, db_path)
    code, out, _err = run(capsys, "--db", str(db_path), "receive", "PO-1", "--dry-run")
    assert code == 0
    assert "3 to SO-1 line 1, Ann" in out
    assert "Dry run: nothing was saved." in out
    code, out, _err = run(capsys, "--db", str(db_path), "receive", "PO-1", "--dry-run", "--json")
    assert json.loads(out)["to_stock"] == [{"sku": "WIDGET", "qty": 1}]
    assert stock_csv(capsys, db_path) == before


def test_receive_prints_what_happened(db_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _err = run(capsys, "--db", str(db_path), "receive", "PO-1")
    assert code == 0
    assert "Received 5 units: 4 to waiting customers, 1 to stock" in out
    assert "Ready to ship: SO-2, SO-1" in out


def test_export_backorders_to_a_file_and_to_stdout(
    db_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "out" / "backorders.csv"
    target.parent.mkdir()
    code, out, _err = run(capsys, "--db", str(db_path), "export", "backorders", str(target))
    assert code == 0 and out == f"Exported 2 rows of backorders to {target}\n"
    expected = (
        "position,order_ref,line,customer,sku,qty_waiting,placed_at\n"
        "1,SO-1,1,ANN,WIDGET,3,2026-01-05T09:00:00Z\n"
        "2,SO-2,1,BOB,GADGET,1,2026-01-05T10:00:00Z\n"
    )
    assert target.read_text() == expected
    assert [p.name for p in target.parent.iterdir()] == ["backorders.csv"]  # no temp files
    assert run(capsys, "export", "backorders", "-", "--db", str(db_path))[1] == expected


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["receive", "PO-404"], "No purchase order has the reference 'PO-404'"),
        (["import", "orders", "/nonexistent/orders.csv"], "Cannot read /nonexistent/orders.csv"),
        (["export", "stock", "/nonexistent/dir/stock.csv"], "Cannot write"),
    ],
)
def test_user_errors_exit_1_without_a_traceback(
    db_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    code, _out, err = run(capsys, "--db", str(db_path), *argv)
    assert code == 1
    assert message in err
    assert "Traceback" not in err


def test_a_damaged_or_missing_database_is_a_plain_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    junk = tmp_path / "junk.sqlite3"
    junk.write_bytes(b"this is not a database at all" * 10)
    code, _out, err = run(capsys, "--db", str(junk), "export", "stock", "-")
    assert code == 1 and "not a Shopkeeper database" in err
    code, _out, err = run(capsys, "--db", str(tmp_path / "typo.sqlite3"), "export", "stock", "-")
    assert code == 1 and "There is no shop database" in err
    assert not (tmp_path / "typo.sqlite3").exists()


@pytest.fixture
def fake_gui(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, bool]]:
    """Stand in for app.ui.app so the window-opening branch runs without Qt."""
    calls: list[tuple[str, bool]] = []

    def run_gui(url: str, *, smoke_test: bool = False) -> int:
        calls.append((url, smoke_test))
        return 0

    module: Any = types.ModuleType("app.ui.app")
    module.run_gui = run_gui
    monkeypatch.setitem(sys.modules, "app.ui.app", module)
    return calls


def test_without_a_command_the_window_opens_on_the_database(
    db_path: Path, fake_gui: list[tuple[str, bool]], capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(capsys, "--db", str(db_path))[0] == 0
    assert fake_gui == [(f"sqlite:///{db_path.resolve()}", False)]


def test_demo_opens_a_fresh_demo_shop_from_a_temporary_folder(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    fake_gui: list[tuple[str, bool]],
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))
    code, out, _err = run(capsys, "--demo", "--smoke-test")
    assert code == 0
    [(url, smoke_test)] = fake_gui
    assert smoke_test is True
    path = Path(url.removeprefix("sqlite:///"))
    assert path.is_file() and path.parent.name.startswith("shopkeeper-demo-")
    assert path.parent.parent == tmp_path
    assert str(path) in out
    # The demo has customers waiting.
    assert (
        len(
            list(
                csv.reader(
                    io.StringIO(run(capsys, "--db", str(path), "export", "backorders", "-")[1])
                )
            )
        )
        > 3
    )


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["--version"])
    assert exited.value.code == 0
    assert capsys.readouterr().out.startswith("shopkeeper ")


def test_commands_run_without_importing_qt(db_path: Path) -> None:
    script = (
        "import sys\n"
        "from app.cli import main\n"
        f"code = main(['--db', {str(db_path)!r}, 'export', 'stock', '-'])\n"
        "assert code == 0, code\n"
        "assert not [m for m in sys.modules if m.startswith(('PySide6', 'app.ui'))], 'Qt loaded'\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("sku,on_hand,")


def test_python_dash_m_app_runs_the_cli(db_path: Path) -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "app",
            "--db",
            str(db_path),
            "receive",
            "PO-1",
            "--dry-run",
            "--json",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["po"] == "PO-1"


def test_demo_with_a_command_keeps_stdout_for_the_output(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))
    code, out, err = run(capsys, "--demo", "export", "backorders", "-")
    assert code == 0
    assert out.startswith("position,order_ref,")
    assert err.startswith("Demo shop: ")


# --- issue 9: imports and exports that a file cannot break -----------------------------------


@pytest.fixture
def shop_url(db: Database) -> str:
    """The URL of a shop (SQLite and PostgreSQL) with customer ANN and product WIDGET."""
    with db.write() as session:
        catalog.create_customer(session, "ANN", "Ann")
        catalog.create_product(session, "WIDGET", "Widget")
    db.dispose()
    return db.url


@pytest.mark.parametrize(
    ("kind", "content", "message"),
    [
        (
            "customers",
            b"code,name,email,phone,tier\nC1,Ann,,,\nC2,B\x00b,,,\n",
            "row 3: name contains a NUL character",
        ),
        (
            "products",
            b"sku,name,barcode,price,cost,backorder_policy,reorder_point,supplier\n"
            b"A,Apple,,1e30,1,,,\n",
            "row 2: price 1e30 is too large (at most 9999999999.99)",
        ),
        (
            "orders",
            b"order_ref,customer,placed_at,sku,qty\n"
            + b"W-1,ANN,2026-01-05T09:00Z,WIDGET,2\n" * 200
            # row 202: far past the first 8 KB, where decoding the file used to fail
            + "W-2,ANN,2026-01-05T09:00Z,WIDGET,1\nW-3,Zoë,2026-01-05T09:00Z,WIDGET,1\n".encode(
                "cp1252"
            ),
            "row 203: customer has a byte (0xEB) that is not UTF-8 text",
        ),
        (
            "orders",
            b"order_ref,customer,placed_at,sku,qty\nW-1,ANN,9999-12-31T23:59-14:00,WIDGET,1\n",
            "row 2: placed_at 9999-12-31T23:59-14:00 is not between 1900 and 2999",
        ),
    ],
)
def test_an_import_a_database_could_not_take_exits_1_with_the_row_and_no_traceback(
    shop_url: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    kind: str,
    content: bytes,
    message: str,
) -> None:
    path = tmp_path / f"{kind}.csv"
    path.write_bytes(content)
    code, out, err = run(capsys, "--db", shop_url, "import", kind, str(path))
    assert (code, out) == (1, "")
    assert f"{path} {message}" in err
    assert "Traceback" not in err and "\x00" not in err
    code, out, _err = run(capsys, "--db", shop_url, "export", "backorders", "-")
    assert (code, out) == (0, "position,order_ref,line,customer,sku,qty_waiting,placed_at\n")


@pytest.mark.parametrize("kind", ["orders", "customers", "purchase-orders"])
def test_importing_a_file_with_only_its_header_succeeds_and_says_so(
    shop_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], kind: str
) -> None:
    from app.services.importing import COLUMNS

    path = tmp_path / f"{kind}.csv"
    path.write_text(",".join(COLUMNS[kind]) + "\r\n")
    code, out, err = run(capsys, "--db", shop_url, "import", kind, str(path))
    noun = kind.replace("-", " ")
    assert (code, out, err) == (
        0,
        f"Nothing to import: the {noun} file has no rows after its header\n",
        "",
    )


def test_export_neutralises_formulas_in_files_and_on_stdout(
    db_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    database = open_database(f"sqlite:///{db_path}", backup_dir=tmp_path / "bk")
    with database.write() as session:
        catalog.create_product(session, "=1+2", "Formula")
        stock.adjust_stock(session, "=1+2", 3, "count")
    database.dispose()
    target = tmp_path / "stock.csv"
    assert run(capsys, "--db", str(db_path), "export", "stock", str(target))[0] == 0
    on_stdout = run(capsys, "--db", str(db_path), "export", "stock", "-")[1]
    assert target.read_text() == on_stdout
    assert "'=1+2,3,0,3,0,0\n" in on_stdout


@pytest.mark.parametrize("kind", ["symlink", "fifo", "folder"])
def test_export_refuses_a_link_a_pipe_or_a_folder_and_leaves_it_alone(
    db_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], kind: str
) -> None:
    folder = tmp_path / "out"
    folder.mkdir()
    precious = folder / "precious.txt"
    precious.write_text("keep me\n")
    target = folder / "stock.csv"
    if kind == "symlink":
        target.symlink_to(precious)
    elif kind == "fifo":
        if not hasattr(os, "mkfifo"):
            pytest.skip("no named pipes here")
        os.mkfifo(target)
    else:
        target.mkdir()
    before = os.lstat(target)
    code, out, err = run(capsys, "--db", str(db_path), "export", "stock", str(target))
    assert (code, out) == (1, "")
    assert f"Cannot write {target}: it is a" in err and "nothing was written" in err
    assert "Traceback" not in err
    after = os.lstat(target)
    assert (after.st_mode, after.st_ino) == (before.st_mode, before.st_ino)
    assert precious.read_text() == "keep me\n"
    assert sorted(p.name for p in folder.iterdir()) == ["precious.txt", "stock.csv"]


def test_report_aging_prints_a_table_and_writes_csv(
    db_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # SO-1 (3 widgets) and SO-2 (1 gadget) wait since 2026-01-05: 4 days old on the 9th.
    code, out, _err = run(capsys, "--db", str(db_path), "report", "aging", "--to", "2026-01-09")
    assert code == 0
    assert out.splitlines()[:4] == [
        f"4 units waiting on 2 orders on {day(date(2026, 1, 9))}",
        "age (days)  units  lines  orders",
        "0-3         0      0      0",
        "4-7         4      2      2",
    ]
    target = tmp_path / "aging.csv"
    args = ("--db", str(db_path), "report", "aging", "--to", "2026-01-09", "--csv", str(target))
    assert run(capsys, *args)[0] == 0
    assert target.read_text().splitlines()[:3] == [
        "age (days),units,lines,orders",
        "0-3,0,0,0",
        "4-7,4,2,2",
    ]


def test_report_on_time_and_fill_rate_print_their_headline_figures(
    db_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The shop holds no receipts against dated purchase orders: nothing to measure.
    code, out, _err = run(capsys, "--db", str(db_path), "report", "on-time", "--to", "2026-01-09")
    assert (code, out.splitlines()[0]) == (0, "0 of 0 deliveries on time")
    args = ("report", "fill-rate", "--from", "2026-01-05", "--to", "2026-01-06")
    code, out, _err = run(capsys, "--db", str(db_path), *args)
    assert code == 0
    # 2026-01-05: ANN's 5 widgets (2 from stock) and BOB's gadget (none): 2 of 6 units.
    lines = out.splitlines()
    assert lines[0] == "Fill rate 33.3%, backorder rate 100.0% over 2 lines"
    assert lines[1].startswith("day         lines  units ordered  units from stock  fill rate (%)")
    assert [line.split() for line in lines[2:]] == [
        ["2026-01-05", "2", "6", "2", "33.3", "2", "100.0"],
        ["2026-01-06", "0", "0", "0", "0"],
    ]


def test_coupons_lists_the_goodwill_coupons_of_the_shop_or_of_one_customer(
    db_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from app.services.shipping import ship_order
    from app.services.shop_settings import set_goodwill_rule

    assert run(capsys, "coupons", "--db", str(db_path))[1] == "No coupons yet.\n"
    database = open_database(f"sqlite:///{db_path}")
    with database.write() as session:
        set_goodwill_rule(session, enabled=True, days=14, amount="5.00")
    database.dispose()
    assert run(capsys, "receive", "PO-1", "--db", str(db_path))[0] == 0
    database = open_database(f"sqlite:///{db_path}")
    with database.write() as session:
        code = ship_order(session, "SO-1").coupon  # waited from January: far beyond 14 days
    database.dispose()
    assert code is not None
    status, out, _err = run(capsys, "coupons", "--db", str(db_path))
    header, row = out.splitlines()
    assert status == 0
    assert header.split("  ")[0] == "Code" and header.endswith("Used on   Discount")
    cells = [cell.strip() for cell in row.split("  ") if cell.strip()]
    assert cells[:4] == [f"{code[:4]}-{code[4:]}", "ANN", money(Decimal("5.00"), "EUR"), "SO-1"]
    assert cells[-1] == "not used"
    assert run(capsys, "coupons", "--customer", "ANN", "--db", str(db_path))[1] == out
    assert run(capsys, "coupons", "--customer", "BOB", "--db", str(db_path))[1] == (
        "No coupons for BOB.\n"
    )
    status, _out, err = run(capsys, "coupons", "--customer", "ZED", "--db", str(db_path))
    assert (status, err) == (1, "shopkeeper: No customer has the code 'ZED'\n")


def test_history_prints_the_audit_trail_filtered(
    db_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, _err = run(capsys, "history", "--order", "SO-1", "--db", str(db_path))
    lines = out.splitlines()
    assert status == 0
    assert lines[0].split() == ["When", "Who", "Till", "Did", "Document", "Product", "What"]
    assert all("SO-1" in line for line in lines[1:]) and len(lines) >= 3
    assert "Owner (owner)" in lines[1]
    status, out, _err = run(
        capsys, "history", "--product", "GADGET", "--action", "added", "--db", str(db_path)
    )
    assert "SO-2" in out and "SO-1" not in out
    status, out, _err = run(capsys, "history", "--limit", "1", "--db", str(db_path))
    assert out.splitlines()[-1].startswith("Newest 1 of ")
    tomorrow = (date.today() + timedelta(days=1)).isoformat()
    assert run(capsys, "history", "--since", tomorrow, "--db", str(db_path))[1] == (
        "Nothing in the history matches.\n"
    )
    status, out, _err = run(capsys, "history", "--by", "owner", "--db", str(db_path))
    assert status == 0 and "Owner (owner)" in out.splitlines()[1]
    assert run(capsys, "history", "--by", "nobody", "--db", str(db_path))[1] == (
        "Nothing in the history matches.\n"
    )
