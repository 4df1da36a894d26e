"""A shop file this computer cannot write (the file, its folder or its disk is read-only)
opens read-only and says why; a full disk refuses a write plainly and keeps every byte."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import select

from app.db import Database, open_database
from app.domain import Customer
from app.domain.errors import DatabaseReadOnly, DiskFull
from app.services.catalog import create_customer
from app.services.maintenance import check_database
from tests.conditions import fill_disk, read_only, tiny_disk


def url_of(path: Path) -> str:
    return f"sqlite:///{path}"


def make_shop(path: Path) -> None:
    database = open_database(url_of(path), backup_dir=path.parent / "backups")
    with database.write() as session:
        create_customer(session, "ANN", "Ann")
    database.dispose()


def codes(database: Database) -> list[str]:
    with database.read() as session:
        return list(session.scalars(select(Customer.code).order_by(Customer.code)))


def test_a_read_only_file_opens_read_only_and_refuses_writes_plainly(tmp_path: Path) -> None:
    path = tmp_path / "shop.sqlite3"
    make_shop(path)
    before = path.read_bytes()
    with read_only(path):
        database = open_database(url_of(path))
        try:
            assert database.read_only_reason is not None
            assert "read-only" in database.read_only_reason
            assert codes(database) == ["ANN"]
            with pytest.raises(DatabaseReadOnly) as raised:
                database.run(lambda session: create_customer(session, "BOB", "Bob"))
            assert str(raised.value).startswith("This computer cannot write to the shop file: ")
            assert str(raised.value).endswith("Nothing was saved.")
        finally:
            database.dispose()
    assert path.read_bytes() == before


def test_a_shop_in_a_read_only_folder_can_be_checked_and_read(tmp_path: Path) -> None:
    """SQLite needs to make -wal and -shm files beside a WAL file; in a read-only folder it
    cannot, so the file is read as immutable. The daily backup into the folder warns."""
    folder = tmp_path / "shop"
    folder.mkdir()
    path = folder / "shop.sqlite3"
    make_shop(path)
    shutil.rmtree(folder / "backups", ignore_errors=True)
    before = sorted(p.name for p in folder.iterdir())
    with read_only(folder):
        database = open_database(url_of(path))
        try:
            assert database.read_only_reason is not None
            assert codes(database) == ["ANN"]
            with database.read() as session:
                assert check_database(session).passed
            with pytest.raises(DatabaseReadOnly, match="cannot write to the shop file"):
                database.run(lambda session: create_customer(session, "BOB", "Bob"))
            [warning] = database.warnings
            assert "cannot be written" in warning
        finally:
            database.dispose()
        assert sorted(p.name for p in folder.iterdir()) == before


def test_a_write_onto_a_disk_that_fills_up_is_refused_plainly_and_keeps_every_byte(
    tmp_path: Path,
) -> None:
    """A real full disk (SQLITE_FULL): the shop lives on a 2 MiB tmpfs, filled up while the
    shop is open."""
    with tiny_disk(tmp_path / "disk", 2048) as disk:
        path = disk / "shop.sqlite3"
        make_shop(path)
        database = open_database(url_of(path), backup_dir=disk / "backups")
        try:
            assert codes(database) == ["ANN"]
            filler = fill_disk(disk)

            def many(session: object) -> None:
                for n in range(3000):
                    create_customer(session, f"C{n:04}", "x" * 400)  # type: ignore[arg-type]

            with pytest.raises(DiskFull, match="is full; nothing was saved"):
                database.run(many)
            assert codes(database) == ["ANN"]
        finally:
            database.dispose()
        filler.unlink()
        database = open_database(url_of(path), backup_dir=disk / "backups")
        try:
            assert codes(database) == ["ANN"]
            with database.read() as session:
                assert check_database(session).passed
        finally:
            database.dispose()


def test_a_shop_on_a_full_disk_opens_read_only_and_says_the_disk_is_full(
    tmp_path: Path,
) -> None:
    with tiny_disk(tmp_path / "disk", 2048) as disk:
        path = disk / "shop.sqlite3"
        make_shop(path)
        fill_disk(disk)
        database = open_database(url_of(path), backup_dir=disk / "backups")
        try:
            assert database.read_only_reason == "the disk holding shop.sqlite3 is full"
            assert codes(database) == ["ANN"]
            with database.read() as session:
                assert check_database(session).passed
            with pytest.raises(DatabaseReadOnly, match=r"is full\. Nothing was saved\."):
                database.run(lambda session: create_customer(session, "BOB", "Bob"))
            [warning] = database.warnings  # and today's backup could not be made
            assert "is full" in warning
        finally:
            database.dispose()
