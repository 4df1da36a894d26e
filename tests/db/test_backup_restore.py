"""Backups on demand, listing them, restoring one (and undoing that), and read-only opening."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from app.db import Database, open_database
from app.db.backup import list_backups
from app.db.opening import backup_database, restore_backup
from app.domain.errors import DatabaseReadOnly
from app.services.catalog import create_customer
from tests.conftest import reset_postgres


def customers(database: Database) -> list[str]:
    with database.read() as session:
        return list(session.execute(text("SELECT code FROM customer ORDER BY code")).scalars())


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'shop.sqlite3'}"
    server: str = request.getfixturevalue("postgres_url")
    reset_postgres(server)
    return server


def test_a_restored_backup_brings_back_exactly_what_was_there(url: str, tmp_path: Path) -> None:
    backups = tmp_path / "bk"
    database = open_database(url, backup_dir=backups)
    try:
        with database.write() as session:
            create_customer(session, "ANN", "Ann")
        made = backup_database(database, backups, label="manual")
        with database.write() as session:
            create_customer(session, "BOB", "Bob")
        listed = list_backups(backups, made.name.split("-")[0])
        assert [info.path for info in listed] == [made]
        assert listed[0].label == "manual" and listed[0].size > 0

        safety = restore_backup(database, made, backups)
        assert customers(database) == ["ANN"]
        # The data the restore replaced was kept: restoring that undoes the restore.
        assert safety.name.endswith(("before-restore.sqlite3", "before-restore.jsonl.gz"))
        restore_backup(database, safety, backups)
        assert customers(database) == ["ANN", "BOB"]
        # New writes still work on the reopened database, ids do not collide.
        with database.write() as session:
            create_customer(session, "CAT", "Cat")
        assert customers(database) == ["ANN", "BOB", "CAT"]
    finally:
        database.dispose()


def test_backups_beyond_the_number_to_keep_are_pruned(tmp_path: Path) -> None:
    backups = tmp_path / "bk"
    database = open_database(f"sqlite:///{tmp_path / 'shop.sqlite3'}", backup_dir=backups)
    try:
        made = [backup_database(database, backups, keep=3) for _ in range(5)]
    finally:
        database.dispose()
    assert [info.path for info in list_backups(backups, "shop")] == made[:-4:-1]


def test_a_read_only_window_reads_but_every_write_is_refused_in_plain_words(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'shop.sqlite3'}"
    writer = open_database(url, backup_dir=tmp_path / "bk")
    with writer.write() as session:
        create_customer(session, "ANN", "Ann")
    reader = open_database(url, read_only=True)
    try:
        assert customers(reader) == ["ANN"]
        with pytest.raises(DatabaseReadOnly, match="read-only"), reader.write() as session:
            create_customer(session, "BOB", "Bob")
        with pytest.raises(DatabaseReadOnly):
            reader.run(lambda session: create_customer(session, "BOB", "Bob"))
        # The refused write held no lock: the writer goes on at once.
        with writer.write() as session:
            create_customer(session, "CAT", "Cat")
        assert customers(reader) == ["ANN", "CAT"]
    finally:
        reader.dispose()
        writer.dispose()
    assert not (tmp_path / "bk").exists() or not list((tmp_path / "bk").iterdir())
