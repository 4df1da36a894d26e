"""The command line and the window's single-writer lock; ``check`` and ``backup``."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.cli import main
from app.db import open_database
from app.db.instance_lock import InstanceLock


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
