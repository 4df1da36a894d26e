"""The command line and the window's single-writer lock; ``check`` and ``backup``."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from app.cli import main
from app.db import open_database
from app.db.instance_lock import InstanceLock
from tests.conditions import fake_server, fill_disk, never_answers, read_only, tiny_disk


@pytest.fixture
def shop_file(tmp_path: Path) -> Path:
    path = tmp_path / "shop.sqlite3"
    open_database(f"sqlite:///{path}").dispose()
    return path


def test_a_command_that_writes_is_refused_while_the_window_holds_the_file(
    shop_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    csv = tmp_path / "customers.csv"
    csv.write_text("code,name,email,phone,tier\nANN,Ann,,,standard\n")
    with InstanceLock(shop_file) as lock:
        assert lock.acquire()
        assert main(["--db", str(shop_file), "import", "customers", str(csv)]) == 1
        assert "open; nothing was changed" in capsys.readouterr().err
        # Reading still works, read-only.
        assert main(["--db", str(shop_file), "export", "stock", "-"]) == 0
    assert main(["--db", str(shop_file), "import", "customers", str(csv)]) == 0


def test_check_and_backup_commands(shop_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--db", str(shop_file), "check"]) == 0
    assert capsys.readouterr().out.startswith("All good: 5 checks passed.")
    assert main(["--db", str(shop_file), "backup"]) == 0
    assert "Backed up to" in capsys.readouterr().out
    assert len(list((shop_file.parent / "backups").glob("shop-*-manual.sqlite3"))) == 1


# --- a shop that is not there, not whole, or cannot be written ---------------------------------


def test_import_into_a_mistyped_path_makes_no_new_shop(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    csv = tmp_path / "customers.csv"
    csv.write_text("code,name,email,phone,tier\nANN,Ann,,,standard\n")
    typo = tmp_path / "shpo" / "shop.sqlite3"
    assert main(["--db", str(typo), "import", "customers", str(csv)]) == 1
    err = capsys.readouterr().err
    assert f"There is no shop database at {typo}; nothing was created." in err
    assert "--create" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["customers.csv"]
    # Asked for, it is made.
    assert main(["--db", str(typo), "import", "customers", str(csv), "--create"]) == 0
    assert main(["--db", str(typo), "check"]) == 0


@pytest.mark.parametrize(
    "argv",
    [
        ["check"],
        ["export", "stock", "-"],
        ["receive", "PO-1", "--dry-run"],
        ["backup"],
        ["import", "customers", "customers.csv"],
        ["--create", "import", "customers", "customers.csv"],
    ],
)
def test_every_command_refuses_a_zero_byte_shop_file_and_leaves_it_alone(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    argv: list[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "customers.csv").write_text("code,name,email,phone,tier\nANN,Ann,,,standard\n")
    empty = tmp_path / "shop.sqlite3"
    empty.write_bytes(b"")
    assert main(["--db", str(empty), *argv]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "shop.sqlite3 is empty (0 bytes): it holds no shop" in captured.err
    assert "Traceback" not in captured.err
    assert empty.read_bytes() == b""
    assert not (tmp_path / "backups").exists()


def test_reading_commands_work_in_a_read_only_folder_and_writes_say_why(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "shop"
    folder.mkdir()
    path = folder / "shop.sqlite3"
    open_database(f"sqlite:///{path}").dispose()
    csv = tmp_path / "customers.csv"
    csv.write_text("code,name,email,phone,tier\nANN,Ann,,,standard\n")
    with read_only(folder):
        assert main(["--db", str(path), "check"]) == 0
        captured = capsys.readouterr()
        assert captured.out.startswith("All good")
        # Today's backup could not go into the read-only folder: a warning, not a failure.
        assert "warning: Today's backup could not be made: the backups folder" in captured.err
        assert "The command goes on." in captured.err
        assert main(["--db", str(path), "export", "stock", "-"]) == 0
        assert capsys.readouterr().out.startswith("sku,")
        assert main(["--db", str(path), "import", "customers", str(csv)]) == 1
        err = capsys.readouterr().err
        assert "This computer cannot write to the shop file" in err
        assert "Traceback" not in err


def test_a_daily_backup_that_cannot_be_made_warns_and_the_command_runs(
    shop_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    backups = shop_file.parent / "backups"
    backups.mkdir()
    with read_only(backups):
        assert main(["--db", str(shop_file), "export", "stock", "-"]) == 0
    captured = capsys.readouterr()
    assert captured.out.startswith("sku,")
    assert "warning: Today's backup could not be made: the backups folder" in captured.err


def test_backup_onto_a_full_disk_fails_plainly(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with tiny_disk(tmp_path / "disk", 1024) as disk:
        path = disk / "shop.sqlite3"
        open_database(f"sqlite:///{path}").dispose()
        fill_disk(disk)
        assert main(["--db", str(path), "backup"]) == 1
        err = capsys.readouterr().err
        assert "The backup could not be made: the disk holding" in err
        assert "Traceback" not in err
        assert not [p for p in (disk / "backups").iterdir() if p.name.endswith(".partial")]


def test_a_server_that_never_answers_does_not_hang_a_command(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with fake_server(never_answers) as port:
        url = f"postgresql+psycopg://shop@127.0.0.1:{port}/shop?connect_timeout=2"
        started = time.monotonic()
        assert main(["--db", url, "check"]) == 1
        assert time.monotonic() - started < 20
    err = capsys.readouterr().err
    assert f"The database server at 127.0.0.1:{port} did not answer within 2 seconds." in err


def test_on_a_full_disk_an_import_is_refused_plainly_and_check_still_runs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    csv = tmp_path / "customers.csv"
    csv.write_text("code,name,email,phone,tier\nANN,Ann,,,standard\n")
    with tiny_disk(tmp_path / "disk", 1024) as disk:
        path = disk / "shop.sqlite3"
        open_database(f"sqlite:///{path}").dispose()
        before = path.read_bytes()
        fill_disk(disk)
        assert main(["--db", str(path), "import", "customers", str(csv)]) == 1
        err = capsys.readouterr().err
        assert "the disk holding shop.sqlite3 is full" in err
        assert "Traceback" not in err
        assert main(["--db", str(path), "check"]) == 0
        captured = capsys.readouterr()
        assert captured.out.startswith("All good")
        assert "warning: Today's backup could not be made: the disk holding" in captured.err
        assert path.read_bytes() == before


def test_a_lock_file_that_cannot_be_made_is_a_plain_error(
    shop_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (shop_file.parent / "shop.sqlite3.lock").mkdir()  # something else took its name
    assert main(["--db", str(shop_file), "check"]) == 1
    err = capsys.readouterr().err
    assert "Cannot make the lock file" in err and "Traceback" not in err
