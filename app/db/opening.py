"""Opening a shop database at start-up: check, back up, migrate, seed the default location."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlalchemy import create_engine, select
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from app.db import migrate
from app.db.backup import backed_up_today, backup_sqlite
from app.db.database import Database, translate_error
from app.domain.catalog import DEFAULT_LOCATION_CODE, Location
from app.domain.errors import DatabaseCorrupt, DatabaseError


def sqlite_path(url: str) -> Path | None:
    """The file behind a SQLite URL, or None for a server or an in-memory database."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database:
        return None
    if parsed.database == ":memory:":
        return None
    return Path(parsed.database)


def open_database(
    url: str, *, backup_dir: Path | None = None, daily_backup: bool = True
) -> Database:
    """Open (creating if new) the shop database at ``url`` and bring its schema to head.

    A SQLite file is backed up before any migration and (unless ``daily_backup`` is False:
    the window makes it after it has shown itself, see :func:`backup_if_due`) once a day.
    A database newer than
    this app raises DatabaseTooNew before anything is written; a damaged file raises
    DatabaseCorrupt; a locked one DatabaseLocked.
    """
    path = sqlite_path(url)
    existed = False
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        _check_is_sqlite(path)
        existed = path.exists() and path.stat().st_size > 0
        if existed:
            _check_schema_read_only(path)
    database = Database(url)
    try:
        with database.engine.connect() as connection:
            upgrade = migrate.needs_upgrade(connection)
            empty = migrate.is_empty(connection)
            connection.rollback()
        if path is not None and existed:
            backups = backup_dir or path.parent / "backups"
            if upgrade and not empty:
                backup_sqlite(path, backups, label="before-upgrade")
            elif daily_backup and not backed_up_today(backups, path.stem):
                backup_sqlite(path, backups, label="daily")
        if upgrade:
            with database.engine.begin() as connection:
                migrate.create_or_upgrade(connection)
        with database.write() as session:
            _ensure_default_location(session)
    except sa_exc.DBAPIError as error:
        database.dispose()
        translated = translate_error(error)
        if translated is None:
            raise
        raise translated from error
    except DatabaseError:
        database.dispose()
        raise
    return database


def backup_if_due(database: Database, backup_dir: Path | None = None) -> Path | None:
    """Make today's backup of a SQLite shop database if there is none yet; return its path."""
    path = sqlite_path(database.url)
    if path is None or not path.exists():
        return None
    backups = backup_dir or path.parent / "backups"
    if backed_up_today(backups, path.stem):
        return None
    return backup_sqlite(path, backups, label="daily")


def _check_is_sqlite(path: Path) -> None:
    if not path.exists() or path.stat().st_size == 0:
        return
    with path.open("rb") as handle:
        header = handle.read(16)
    if header != b"SQLite format 3\x00":
        raise DatabaseCorrupt(
            f"{path.name} is not a Shopkeeper database (or it is damaged). "
            "Choose another file or restore a backup; nothing was changed."
        )


def _check_schema_read_only(path: Path) -> None:
    """Refuse a file that is too new or not ours before any connection can change it.

    The app's own connections switch the file to WAL mode; a file we refuse must keep every
    byte, so it is first read through a read-only connection with no such settings.
    """
    # Without a -wal file the main file is the whole database: read it as immutable, which
    # leaves no -wal/-shm files behind. With one, read through it (read-only).
    wal = path.with_name(path.name + "-wal")
    uri = f"{path.resolve().as_uri()}?" + ("mode=ro" if wal.exists() else "immutable=1")
    engine = create_engine("sqlite://", creator=lambda: sqlite3.connect(uri, uri=True))
    try:
        with engine.connect() as connection:
            migrate.needs_upgrade(connection)
    except sa_exc.DBAPIError as error:
        translated = translate_error(error)
        if translated is None:
            raise
        raise translated from error
    finally:
        engine.dispose()


def _ensure_default_location(session: Session) -> None:
    if session.scalar(select(Location.id).where(Location.code == DEFAULT_LOCATION_CODE)) is None:
        session.add(Location(code=DEFAULT_LOCATION_CODE, name="Shop"))
