"""Backups that cannot be made say why, leave no partial file and never stop the shop; the
rotation never drops the newest good backup to keep empty ones."""

from __future__ import annotations

import errno
import gzip
import os
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import select

from app.db import open_database
from app.db.backup import (
    STALE_PARTIAL_SECONDS,
    backup_sqlite,
    is_good_backup,
    list_backups,
    newest_good_backup,
)
from app.db.opening import backup_database
from app.domain import Customer
from app.domain.errors import BackupFailed
from app.services.catalog import create_customer
from tests.conditions import fill_disk, read_only, tiny_disk
from tests.conftest import reset_postgres


def url_of(path: Path) -> str:
    return f"sqlite:///{path}"


def shop_with_customer(path: Path, backups: Path, code: str = "ANN") -> None:
    database = open_database(url_of(path), backup_dir=backups)
    with database.write() as session:
        create_customer(session, code, "Someone")
    database.dispose()


def test_empty_backups_never_push_out_the_newest_good_one(tmp_path: Path) -> None:
    """The old failure: a shop file emptied by accident, then a daily backup of the empty
    shop each day, rotated away the last backup that held the shop."""
    backups = tmp_path / "bk"
    shop = tmp_path / "shop.sqlite3"
    shop_with_customer(shop, backups)
    good = backup_sqlite(shop, backups, label="daily", keep=3)
    empty = tmp_path / "empty" / "shop.sqlite3"
    open_database(url_of(empty), backup_dir=tmp_path / "unused").dispose()
    for _ in range(5):
        backup_sqlite(empty, backups, label="daily", keep=3)
    kept = list_backups(backups, "shop")
    assert len(kept) == 4 and good in [info.path for info in kept]
    assert newest_good_backup(backups, "shop") is not None
    assert [is_good_backup(info.path) for info in kept] == [False, False, False, True]
    # Once a good backup is among the newest, the old good one goes as usual.
    shop_with_customer(shop, backups, "BOB")
    backup_sqlite(shop, backups, label="daily", keep=3)
    assert good not in [info.path for info in list_backups(backups, "shop")]
    assert len(list_backups(backups, "shop")) == 3


def test_a_backup_onto_a_full_disk_says_so_and_leaves_no_partial_file(tmp_path: Path) -> None:
    """A real full disk: the backups folder is a 256 KiB tmpfs, filled up."""
    shop = tmp_path / "shop.sqlite3"
    shop_with_customer(shop, tmp_path / "unused")
    with tiny_disk(tmp_path / "bk", 256) as backups:
        filler = fill_disk(backups)
        with pytest.raises(BackupFailed) as raised:
            backup_sqlite(shop, backups, label="manual")
        assert str(raised.value) == (
            f"The backup could not be made: the disk holding {backups} is full. Free some "
            "space on it. No backup file was left."
        )
        assert [p.name for p in backups.iterdir()] == [filler.name]


def test_a_backup_into_a_read_only_folder_says_so(tmp_path: Path) -> None:
    shop = tmp_path / "shop.sqlite3"
    shop_with_customer(shop, tmp_path / "unused")
    backups = tmp_path / "bk"
    backups.mkdir()
    with read_only(backups), pytest.raises(BackupFailed, match="cannot be written") as raised:
        backup_sqlite(shop, backups, label="manual")
    assert "read-only" in str(raised.value)
    assert list(backups.iterdir()) == []


def test_a_backup_cut_short_leaves_no_partial_file_and_old_ones_are_pruned(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shop, backups = tmp_path / "shop.sqlite3", tmp_path / "bk"
    shop_with_customer(shop, tmp_path / "unused")
    backups.mkdir()
    stale = backups / "shop-20250101-000000-000000-daily.sqlite3.partial"
    stale.write_bytes(b"left by a crash long ago")
    os.utime(stale, (0, 0))
    fresh = backups / "shop-20990101-000000-000000-manual.sqlite3.partial"
    fresh.write_bytes(b"another process is writing this one right now")
    other = backups / "other-20250101-000000-000000-daily.sqlite3.partial"
    other.write_bytes(b"another database's")
    os.utime(other, (0, 0))

    def disk_full(self: Path, target: Path) -> Path:  # the rename at the very end fails
        raise OSError(errno.ENOSPC, "No space left on device")

    with monkeypatch.context() as patched:
        patched.setattr(Path, "replace", disk_full)
        with pytest.raises(BackupFailed, match="is full"):
            backup_sqlite(shop, backups, label="manual")
    assert sorted(p.name for p in backups.iterdir()) == sorted([fresh.name, other.name])
    assert STALE_PARTIAL_SECONDS >= 600  # a backup still being written is never taken


def test_a_daily_backup_that_fails_warns_and_the_shop_opens(tmp_path: Path) -> None:
    shop = tmp_path / "shop.sqlite3"
    backups = tmp_path / "bk"
    shop_with_customer(shop, tmp_path / "unused")
    backups.mkdir()
    with read_only(backups):
        database = open_database(url_of(shop), backup_dir=backups)
    try:
        [warning] = database.warnings
        assert warning.startswith("Today's backup could not be made: the backups folder")
        assert warning.endswith("Shopkeeper works as usual and tries again next time.")
        with database.write() as session:
            create_customer(session, "BOB", "Bob")
    finally:
        database.dispose()


@pytest.mark.postgres
def test_a_server_export_onto_a_full_disk_says_so_and_leaves_no_partial_file(
    postgres_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """ENOSPC from the gzip file, as a full disk raises it mid-export."""
    reset_postgres(postgres_url)
    database = open_database(postgres_url, backup_dir=tmp_path / "bk")
    try:
        with database.write() as session:
            create_customer(session, "ANN", "Ann")
        real_open = gzip.open

        def full_disk_open(*args: object, **kwargs: object) -> object:
            handle = real_open(*args, **kwargs)  # type: ignore[call-overload]

            def write(_data: object) -> int:
                raise OSError(errno.ENOSPC, "No space left on device")

            handle.write = write
            return handle

        with monkeypatch.context() as patched:
            patched.setattr(gzip, "open", full_disk_open)
            with pytest.raises(BackupFailed, match="is full"):
                backup_database(database, tmp_path / "bk", label="manual")
        assert list((tmp_path / "bk").iterdir()) == []
        made = backup_database(database, tmp_path / "bk", label="manual")
        assert is_good_backup(made)
    finally:
        database.dispose()


@pytest.mark.parametrize("content", [b"", None])
def test_a_backup_that_holds_no_shop_is_never_restored(
    tmp_path: Path, content: bytes | None
) -> None:
    """A zero-byte file, or a SQLite file without Shopkeeper's tables, in the backups list."""
    from app.db.opening import restore_backup
    from app.domain.errors import DatabaseCorrupt

    shop, backups = tmp_path / "shop.sqlite3", tmp_path / "bk"
    shop_with_customer(shop, tmp_path / "unused")
    backups.mkdir()
    empty = backups / "shop-20260101-000000-000000-daily.sqlite3"
    if content is None:
        sqlite3.connect(empty).execute("CREATE TABLE notes (body TEXT)").connection.close()
    else:
        empty.write_bytes(content)
    database = open_database(url_of(shop), backup_dir=backups)
    try:
        with pytest.raises(DatabaseCorrupt, match=r"nothing was changed\. Choose another backup"):
            restore_backup(database, empty, backups)
        with database.read() as session:
            assert session.scalars(select(Customer.code)).all() == ["ANN"]
    finally:
        database.dispose()
