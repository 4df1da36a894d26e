"""A till killed (SIGKILL) at random moments while it receives: the database always opens
intact and every receipt is wholly applied or absent, never half (see ``crashing.py``; the
benchmark ``benchmarks/bench_crash`` kills it hundreds of times)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.db import open_database
from app.domain.notifications import Notification
from tests.conftest import reset_postgres
from tests.services.crashing import crash_runs, make_crash_shop


def test_receiving_killed_ten_times_on_sqlite_loses_nothing_confirmed(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'shop.sqlite3'}"
    db = open_database(url, backup_dir=tmp_path / "bk")
    make_crash_shop(db)
    db.dispose()
    report = crash_runs(url, kills=10, backups=tmp_path / "bk", seed=11)
    assert report.anomalies == []
    assert report.kills == 10
    # The kills landed while receipts were being written, not only before the first one
    # (~20 receipts on an idle machine; a loaded one gets fewer done before each kill).
    assert report.receipts_reported > 0
    assert report.receipts_found >= report.receipts_reported


@pytest.mark.postgres
def test_receiving_killed_on_postgresql_loses_nothing_confirmed(
    postgres_url: str, tmp_path: Path
) -> None:
    reset_postgres(postgres_url)
    db = open_database(postgres_url, backup_dir=tmp_path / "bk")
    make_crash_shop(db)
    db.dispose()
    report = crash_runs(postgres_url, kills=4, backups=tmp_path / "bk", seed=13, max_delay=0.8)
    assert report.anomalies == []
    assert report.receipts_reported > 0
    assert report.receipts_found >= report.receipts_reported


def test_receiving_killed_on_sqlite_writes_each_receipts_messages_with_it(
    tmp_path: Path,
) -> None:
    """The outbox with the receipt: after every kill, each order's latest message matches
    its status (no message of a receipt that died, none missing from one that committed)."""
    url = f"sqlite:///{tmp_path / 'shop.sqlite3'}"
    db = open_database(url, backup_dir=tmp_path / "bk")
    make_crash_shop(db, notify=True)
    db.dispose()
    report = crash_runs(url, kills=8, backups=tmp_path / "bk", seed=17)
    assert report.anomalies == []
    assert report.receipts_reported > 0
    with open_database(url, backup_dir=tmp_path / "bk", daily_backup=False).read() as session:
        written = session.scalar(select(func.count()).select_from(Notification))
    assert written is not None and written > 2 * report.receipts_reported


@pytest.mark.postgres
def test_receiving_killed_on_postgresql_writes_each_receipts_messages_with_it(
    postgres_url: str, tmp_path: Path
) -> None:
    reset_postgres(postgres_url)
    db = open_database(postgres_url, backup_dir=tmp_path / "bk")
    make_crash_shop(db, notify=True)
    db.dispose()
    report = crash_runs(postgres_url, kills=3, backups=tmp_path / "bk", seed=19, max_delay=0.8)
    assert report.anomalies == []
    assert report.receipts_reported > 0
