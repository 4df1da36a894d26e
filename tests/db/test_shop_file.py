"""A shop file that is there must hold a shop; a new one is made only when asked, and whole.

A zero-byte or table-less file used to open as a new, empty shop: `check` said all was well
and the next daily backup pushed out a good one. It is now refused like a damaged file, with
the newest good backup named."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import text

from app.db import migrate, open_database
from app.db.backup import backup_sqlite
from app.db.shop_file import replace_with_backup
from app.domain.errors import DatabaseCorrupt, DatabaseNotFound
from app.services.catalog import create_customer


def url_of(path: Path) -> str:
    return f"sqlite:///{path}"


def neighbours(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def make_shop(path: Path, backups: Path) -> Path:
    """A shop with a customer, and a good backup of it in ``backups``."""
    database = open_database(url_of(path), backup_dir=backups)
    with database.write() as session:
        create_customer(session, "ANN", "Ann")
    database.dispose()
    return backup_sqlite(path, backups, label="manual")


def test_a_zero_byte_file_is_refused_untouched_and_the_good_backup_named(tmp_path: Path) -> None:
    path = tmp_path / "shop.sqlite3"
    backups = tmp_path / "backups"
    good = make_shop(path, backups)
    path.write_bytes(b"")  # the disk lost it
    for wal in tmp_path.glob("shop.sqlite3-*"):
        wal.unlink()
    before = neighbours(tmp_path)
    with pytest.raises(DatabaseCorrupt) as raised:
        open_database(url_of(path), backup_dir=backups)
    message = str(raised.value)
    assert message.startswith("shop.sqlite3 is empty (0 bytes): it holds no shop")
    assert "restore it from a backup" in message and str(good) in message
    assert path.read_bytes() == b""
    assert neighbours(tmp_path) == before  # no -wal, -shm, lock or backup was made
    assert [p.name for p in backups.iterdir()] == [good.name]


def test_a_sqlite_file_without_tables_is_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "shop.sqlite3"
    con = sqlite3.connect(path)
    con.execute("PRAGMA user_version = 1")  # a valid, empty SQLite file
    con.commit()
    con.close()
    before = path.read_bytes()
    with pytest.raises(DatabaseCorrupt, match="a database with nothing in it") as raised:
        open_database(url_of(path), backup_dir=tmp_path / "backups")
    assert "there is none in" in str(raised.value)  # and no backup to name
    assert path.read_bytes() == before
    assert not (tmp_path / "backups").exists()


def test_a_zero_byte_file_is_refused_even_when_a_new_shop_may_be_made(tmp_path: Path) -> None:
    path = tmp_path / "shop.sqlite3"
    path.write_bytes(b"")
    with pytest.raises(DatabaseCorrupt, match="empty"):
        open_database(url_of(path), create=True)
    assert path.read_bytes() == b""


def test_a_missing_file_is_not_created_unless_asked(tmp_path: Path) -> None:
    path = tmp_path / "typo" / "shop.sqlite3"
    with pytest.raises(DatabaseNotFound, match="There is no shop database at"):
        open_database(url_of(path), create=False)
    assert not (tmp_path / "typo").exists()


def test_a_crash_while_making_a_new_shop_leaves_nothing_behind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "shop.sqlite3"

    def crash(connection: object) -> None:
        raise KeyboardInterrupt  # the app killed halfway through making the tables

    with monkeypatch.context() as patched:
        patched.setattr(migrate, "create_or_upgrade", crash)
        with pytest.raises(KeyboardInterrupt):
            open_database(url_of(path), backup_dir=tmp_path / "bk")
    assert neighbours(tmp_path) == []
    # The next start makes the shop as if nothing had happened.
    database = open_database(url_of(path), backup_dir=tmp_path / "bk")
    with database.read() as session:
        assert session.execute(text("SELECT code FROM location")).scalars().all() == ["SHOP"]
    database.dispose()


def test_a_build_left_by_a_hard_crash_is_swept_and_never_mistaken_for_the_shop(
    tmp_path: Path,
) -> None:
    path = tmp_path / "shop.sqlite3"
    leftover = tmp_path / ".shop.sqlite3.k3j2h1.creating"
    leftover.write_bytes(b"")
    os.utime(leftover, (0, 0))  # long ago
    open_database(url_of(path)).dispose()
    assert not leftover.exists()
    assert path.stat().st_size > 0


def test_the_newest_good_backup_can_be_put_in_place_of_a_refused_file(tmp_path: Path) -> None:
    path = tmp_path / "shop.sqlite3"
    backups = tmp_path / "backups"
    good = make_shop(path, backups)
    path.write_bytes(b"")
    (tmp_path / "shop.sqlite3-wal").write_bytes(b"stale wal of the refused file")
    aside = replace_with_backup(path, good)
    assert aside.read_bytes() == b""  # kept, never deleted
    assert (tmp_path / f"{aside.name}-wal").exists()
    assert not (tmp_path / "shop.sqlite3-wal").exists()
    database = open_database(url_of(path), backup_dir=backups)
    with database.read() as session:
        assert session.execute(text("SELECT code FROM customer")).scalars().all() == ["ANN"]
    database.dispose()


def test_a_damaged_backup_is_not_put_in_place(tmp_path: Path) -> None:
    path = tmp_path / "shop.sqlite3"
    path.write_bytes(b"")
    bad = tmp_path / "shop-20260101-000000-000000-daily.sqlite3"
    bad.write_bytes(b"SQLite format 3\x00" + os.urandom(4000))
    with pytest.raises(DatabaseCorrupt, match="nothing was changed"):
        replace_with_backup(path, bad)
    assert neighbours(tmp_path) == sorted([path.name, bad.name])


def test_a_damaged_backup_whose_header_says_wal_leaves_nothing_beside_it(tmp_path: Path) -> None:
    """Checking a backup only reads it: no -wal or -shm file is made in the backups folder,
    even when its damaged header claims write-ahead logging (bytes 18-19 = 2)."""
    path = tmp_path / "shop.sqlite3"
    path.write_bytes(b"")
    bad = tmp_path / "shop-20260101-000000-000000-daily.sqlite3"
    header = b"SQLite format 3\x00" + bytes([0x10, 0x00, 2, 2])
    bad.write_bytes(header + bytes(range(256)) * 16 + b"\xff" * (4096 - len(header)))
    with pytest.raises(DatabaseCorrupt, match="nothing was changed"):
        replace_with_backup(path, bad)
    assert neighbours(tmp_path) == sorted([path.name, bad.name])
