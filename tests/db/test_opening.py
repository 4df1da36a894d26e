"""Opening a shop database file: refusing what must not be touched, backing up, locking."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import text

from app.db import database as database_module
from app.db import migrate, open_database
from app.db.backup import KEEP_BACKUPS, backup_sqlite, prune_backups
from app.db.opening import backup_if_due, sqlite_path
from app.domain.errors import DatabaseCorrupt, DatabaseError, DatabaseLocked, DatabaseTooNew
from app.services.catalog import create_customer


def url_of(path: Path) -> str:
    return f"sqlite:///{path}"


def fingerprint(path: Path) -> tuple[bytes, int, list[str]]:
    """Bytes, modification time and the neighbouring files (-wal, -shm, backups...)."""
    return path.read_bytes(), path.stat().st_mtime_ns, sorted(p.name for p in path.parent.iterdir())


def make_shop_file(path: Path, backups: Path) -> None:
    database = open_database(url_of(path), backup_dir=backups)
    with database.write() as session:
        create_customer(session, "ANN", "Ann")
    database.dispose()


def test_a_new_file_is_created_at_head_with_wal_and_foreign_keys(tmp_path: Path) -> None:
    path = tmp_path / "new" / "shop.sqlite3"
    database = open_database(url_of(path), backup_dir=tmp_path / "bk")
    try:
        with database.engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert migrate.current_revision(connection) == migrate.head_revision()
        with database.read() as session:
            fk = session.execute(text("PRAGMA foreign_keys")).scalar()
        with database.write() as session:
            fk_write = session.execute(text("PRAGMA foreign_keys")).scalar()
        assert (fk, fk_write) == (1, 1)
    finally:
        database.dispose()
    assert not (tmp_path / "bk").exists()  # nothing to back up in a brand-new file


def test_opening_again_keeps_the_data(tmp_path: Path) -> None:
    path = tmp_path / "shop.sqlite3"
    make_shop_file(path, tmp_path / "bk")
    database = open_database(url_of(path), backup_dir=tmp_path / "bk")
    with database.read() as session:
        names = session.execute(text("SELECT name FROM customer")).scalars().all()
    database.dispose()
    assert names == ["Ann"]


def _set_revision(path: Path, revision: str, *, journal: str | None = None) -> None:
    con = sqlite3.connect(path)
    if journal:
        con.execute(f"PRAGMA journal_mode = {journal}")
    con.execute("UPDATE alembic_version SET version_num = ?", (revision,))
    con.commit()
    con.close()


@pytest.mark.parametrize("journal", [None, "DELETE"])
def test_a_database_from_a_newer_app_is_refused_and_left_untouched(
    tmp_path: Path, journal: str | None
) -> None:
    path = tmp_path / "shop.sqlite3"
    make_shop_file(path, tmp_path / "bk")
    _set_revision(path, "9999_from_the_future", journal=journal)
    before = fingerprint(path)
    with pytest.raises(DatabaseTooNew, match="newer version") as raised:
        open_database(url_of(path), backup_dir=tmp_path / "bk")
    assert "nothing was changed" in str(raised.value)
    assert fingerprint(path) == before


def test_random_bytes_are_refused_as_corrupt_and_left_untouched(tmp_path: Path) -> None:
    path = tmp_path / "shop.sqlite3"
    path.write_bytes(os.urandom(8192))
    before = fingerprint(path)
    with pytest.raises(DatabaseCorrupt, match="not a Shopkeeper database"):
        open_database(url_of(path), backup_dir=tmp_path / "bk")
    assert fingerprint(path) == before


def test_another_program_s_sqlite_file_is_refused_and_left_untouched(tmp_path: Path) -> None:
    path = tmp_path / "other.sqlite3"
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE notes (body TEXT)")
    con.execute("INSERT INTO notes VALUES ('hello')")
    con.commit()
    con.close()
    before = fingerprint(path)
    with pytest.raises(DatabaseCorrupt, match="nothing was changed"):
        open_database(url_of(path), backup_dir=tmp_path / "bk")
    assert fingerprint(path) == before


def test_a_damaged_sqlite_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "shop.sqlite3"
    make_shop_file(path, tmp_path / "bk")
    data = bytearray(path.read_bytes())
    data[100:4096] = os.urandom(4096 - 100)  # keep the header, wreck the schema page
    path.write_bytes(bytes(data))
    with pytest.raises(DatabaseCorrupt):
        open_database(url_of(path), backup_dir=tmp_path / "bk")


def test_a_write_to_a_locked_database_raises_database_locked_and_writes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(database_module, "BUSY_TIMEOUT_MS", 100)
    path = tmp_path / "shop.sqlite3"
    make_shop_file(path, tmp_path / "bk")
    database = open_database(url_of(path), backup_dir=tmp_path / "bk")
    holder = sqlite3.connect(path, isolation_level=None, timeout=0.1)
    try:
        holder.execute("BEGIN EXCLUSIVE")
        with pytest.raises(DatabaseLocked) as raised, database.write() as session:
            create_customer(session, "BOB", "Bob")
        message = str(raised.value)
        assert "locked" in message
        assert "nothing was saved" in message
        assert "Traceback" not in message and "sqlite3" not in message
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    with database.read() as session:
        codes = session.execute(text("SELECT code FROM customer")).scalars().all()
    database.dispose()
    assert codes == ["ANN"]


def test_a_backup_is_made_before_an_upgrade(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "shop.sqlite3"
    backups = tmp_path / "bk"
    make_shop_file(path, backups)
    # Pretend the file is one schema behind (the app has a single revision so far).
    monkeypatch.setattr(migrate, "needs_upgrade", lambda connection: True)
    database = open_database(url_of(path), backup_dir=backups)
    database.dispose()
    made = sorted(backups.glob("shop-*-before-upgrade.sqlite3"))
    assert len(made) == 1
    con = sqlite3.connect(made[0])
    try:
        assert con.execute("SELECT name FROM customer").fetchall() == [("Ann",)]
        assert con.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    finally:
        con.close()


def test_a_daily_backup_is_made_once_a_day(tmp_path: Path) -> None:
    path = tmp_path / "shop.sqlite3"
    backups = tmp_path / "bk"
    make_shop_file(path, backups)
    assert not backups.exists()
    for _ in range(3):
        open_database(url_of(path), backup_dir=backups).dispose()
    made = list(backups.glob("shop-*-daily.sqlite3"))
    assert len(made) == 1


def test_the_window_s_deferred_daily_backup_is_made_once_a_day(tmp_path: Path) -> None:
    path = tmp_path / "shop.sqlite3"
    backups = tmp_path / "bk"
    make_shop_file(path, backups)
    database = open_database(url_of(path), backup_dir=backups, daily_backup=False)
    try:
        assert not backups.exists()
        first = backup_if_due(database, backups)
        second = backup_if_due(database, backups)
    finally:
        database.dispose()
    assert first is not None and first.exists() and second is None
    assert not list(backups.glob("*.partial"))
    con = sqlite3.connect(first)
    assert [row[0] for row in con.execute("SELECT code FROM customer")] == ["ANN"]
    con.close()


def test_a_backup_holds_committed_data_still_in_the_wal(tmp_path: Path) -> None:
    """A raw copy of the main file would miss what is only in the -wal file; the backup
    API does not."""
    path = tmp_path / "shop.sqlite3"
    make_shop_file(path, tmp_path / "bk")
    database = open_database(url_of(path), backup_dir=tmp_path / "bk")
    reader = sqlite3.connect(path)  # keeps the WAL from being checkpointed away on close
    try:
        reader.execute("PRAGMA wal_autocheckpoint = 0")
        with database.write() as session:
            create_customer(session, "ZED", "Zed")
        target = backup_sqlite(path, tmp_path / "copies", label="test")
        con = sqlite3.connect(target)
        names = [row[0] for row in con.execute("SELECT code FROM customer ORDER BY code")]
        con.close()
    finally:
        reader.close()
        database.dispose()
    assert names == ["ANN", "ZED"]


def test_old_backups_are_pruned(tmp_path: Path) -> None:
    for n in range(KEEP_BACKUPS + 3):
        (tmp_path / f"shop-2026010{n:02d}-000000-000000-daily.sqlite3").write_bytes(b"")
    (tmp_path / "other-20260101-000000-000000-daily.sqlite3").write_bytes(b"")
    prune_backups(tmp_path, "shop")
    assert len(list(tmp_path.glob("shop-*.sqlite3"))) == KEEP_BACKUPS
    assert (tmp_path / "other-20260101-000000-000000-daily.sqlite3").exists()


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("sqlite:////tmp/x/shop.sqlite3", Path("/tmp/x/shop.sqlite3")),
        ("sqlite://", None),
        ("sqlite:///:memory:", None),
        ("postgresql+psycopg://u@h/db", None),
    ],
)
def test_only_sqlite_files_have_a_path(url: str, expected: Path | None) -> None:
    assert sqlite_path(url) == expected


def test_opening_a_database_another_program_holds_raises_database_locked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(database_module, "BUSY_TIMEOUT_MS", 100)
    path = tmp_path / "shop.sqlite3"
    make_shop_file(path, tmp_path / "bk")
    holder = sqlite3.connect(path, isolation_level=None, timeout=0.1)
    try:
        holder.execute("BEGIN EXCLUSIVE")
        holder.execute("DELETE FROM location")  # the default location must be re-created
        with pytest.raises(DatabaseLocked):
            open_database(url_of(path), backup_dir=tmp_path / "bk")
    finally:
        holder.execute("ROLLBACK")
        holder.close()


def test_a_read_session_never_saves_and_a_failed_write_saves_nothing(tmp_path: Path) -> None:
    path = tmp_path / "shop.sqlite3"
    make_shop_file(path, tmp_path / "bk")
    database = open_database(url_of(path), backup_dir=tmp_path / "bk")
    try:
        with database.read() as session:
            create_customer(session, "BOB", "Bob")
        with pytest.raises(RuntimeError), database.write() as session:
            create_customer(session, "CAT", "Cat")
            raise RuntimeError("a bug halfway through")
        with database.read() as session:
            codes = session.execute(text("SELECT code FROM customer")).scalars().all()
    finally:
        database.dispose()
    assert codes == ["ANN"]


def test_an_unreachable_server_is_reported_in_plain_words() -> None:
    with pytest.raises(DatabaseError, match="cannot be reached"):
        open_database("postgresql+psycopg://nobody@127.0.0.1:9/shop?connect_timeout=2")
