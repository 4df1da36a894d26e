"""Opening a shop database at start-up: check, back up, migrate, seed the default location.

Also the other things done to a whole database while it is open: a backup on demand,
restoring one (back up the current data, close, put the backup in, reopen, migrate), and
opening it read-only when another copy of Shopkeeper holds the file.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, select
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session
from sqlalchemy.pool import NullPool

from app.db import migrate
from app.db.backup import (
    KEEP_BACKUPS,
    Progress,
    backed_up_today,
    backup_sqlite,
    export_database,
    restore_export,
    restore_sqlite,
)
from app.db.changes import install_notify
from app.db.config import backup_dir_for
from app.db.database import Database, translate_error
from app.domain.catalog import DEFAULT_LOCATION_CODE, Location
from app.domain.errors import DatabaseCorrupt, DatabaseError, DatabaseReadOnly

READ_ONLY_MESSAGE = (
    "This window is read-only (another copy of Shopkeeper has the shop database open); "
    "nothing was saved. Make the change there, or close it and open Shopkeeper again."
)


def sqlite_path(url: str) -> Path | None:
    """The file behind a SQLite URL, or None for a server or an in-memory database."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database:
        return None
    if parsed.database == ":memory:":
        return None
    return Path(parsed.database)


def open_database(
    url: str,
    *,
    backup_dir: Path | None = None,
    daily_backup: bool = True,
    keep_backups: int = KEEP_BACKUPS,
    read_only: bool = False,
) -> Database:
    """Open (creating if new) the shop database at ``url`` and bring its schema to head.

    A SQLite file or a server database is backed up before any migration and (unless
    ``daily_backup`` is False: the window makes it after it has shown itself, see
    :func:`backup_if_due`) once a day; a server database is exported (see
    :func:`app.db.backup.export_database`). A database newer than this app raises
    DatabaseTooNew before anything is written; a damaged file raises DatabaseCorrupt; a
    locked one DatabaseLocked.

    ``read_only``: nothing is created, backed up or migrated, and every write transaction
    raises DatabaseReadOnly (the window of a second copy of the app on the same file).
    """
    path = sqlite_path(url)
    existed = False
    if path is not None:
        if read_only and not path.exists():
            raise DatabaseError(f"There is no shop database at {path}")
        path.parent.mkdir(parents=True, exist_ok=True)
        _check_is_sqlite(path)
        existed = path.exists() and path.stat().st_size > 0
        if existed:
            _check_schema_read_only(path)
    database = Database(url)
    if read_only:
        refuse_writes(database.engine)
    install_notify(database.engine)
    try:
        with database.engine.connect() as connection:
            upgrade = migrate.needs_upgrade(connection)
            empty = migrate.is_empty(connection)
            connection.rollback()
        if read_only:
            if upgrade:
                raise DatabaseError(
                    "This shop database must be upgraded first, and only the copy of "
                    "Shopkeeper that has it open can do that. Close that one and start again."
                )
            return database
        backups = backup_dir or backup_dir_for(url)
        if upgrade and not empty:
            backup_database(database, backups, label="before-upgrade", keep=keep_backups)
        elif daily_backup and not empty:
            backup_if_due(database, backups, keep=keep_backups)
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


def backup_stem(url: str) -> str:
    """The name a database's backups start with: the file's stem or the server database's."""
    path = sqlite_path(url)
    return path.stem if path is not None else (make_url(url).database or "server")


def backup_database(
    database: Database,
    backup_dir: Path | None = None,
    *,
    label: str = "manual",
    keep: int = KEEP_BACKUPS,
    progress: Progress | None = None,
) -> Path:
    """Back the shop database up now (a file copy with the backup API, or a server export)."""
    backups = backup_dir or backup_dir_for(database.url)
    path = sqlite_path(database.url)
    if path is not None:
        return backup_sqlite(path, backups, label=label, keep=keep)
    return export_database(
        database.engine,
        backups,
        backup_stem(database.url),
        label=label,
        keep=keep,
        progress=progress,
    )


def backup_if_due(
    database: Database, backup_dir: Path | None = None, *, keep: int = KEEP_BACKUPS
) -> Path | None:
    """Make today's backup of the shop database if there is none yet; return its path."""
    path = sqlite_path(database.url)
    if path is not None and not path.exists():
        return None
    backups = backup_dir or backup_dir_for(database.url)
    if backed_up_today(backups, backup_stem(database.url)):
        return None
    return backup_database(database, backups, label="daily", keep=keep)


def restore_backup(
    database: Database,
    backup: Path,
    backup_dir: Path | None = None,
    *,
    keep: int = KEEP_BACKUPS,
    progress: Progress | None = None,
) -> Path:
    """Put a backup in place of the shop's current data; return the backup of what it replaced.

    The current data is backed up first (label ``before-restore``), so a restore can itself
    be undone. Then the engine's connections are closed, the backup is copied in (SQLite:
    backup API into the live file; server: the export replayed in one transaction) and the
    schema is brought to head, since a backup taken before an upgrade is older than the app.
    The ``database`` object stays usable: its next session opens a fresh connection.
    """
    if progress:
        progress("Backing up the current data…")
    safety = backup_database(database, backup_dir, label="before-restore", keep=keep + 1)
    if progress:
        progress("Restoring…")
    database.dispose()
    path = sqlite_path(database.url)
    try:
        if path is not None:
            try:
                restore_sqlite(backup, path)
            except ValueError as error:
                raise DatabaseCorrupt(
                    f"{error}; nothing was changed. Choose another backup."
                ) from error
        else:
            try:
                restore_export(database.engine, backup, progress=progress)
            except (ValueError, KeyError) as error:
                raise DatabaseCorrupt(
                    f"{backup.name} is not a complete Shopkeeper export; nothing was changed."
                ) from error
        with database.engine.begin() as connection:
            if migrate.needs_upgrade(connection):
                migrate.create_or_upgrade(connection)
        database.dispose()
    except sa_exc.DBAPIError as error:
        translated = translate_error(error)
        if translated is None:
            raise
        raise translated from error
    return safety


def refuse_writes(engine: Engine) -> None:
    """Make every write transaction on ``engine`` fail with DatabaseReadOnly before it
    starts (before SQLite's ``BEGIN IMMEDIATE`` takes the write lock)."""

    def refuse(connection: Any) -> None:
        if connection.get_execution_options().get("shop_write"):
            raise DatabaseReadOnly(READ_ONLY_MESSAGE)

    event.listen(engine, "begin", refuse, insert=True)


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


def probe_database(url: str) -> str:
    """Connect to the database at ``url`` without changing anything and say, in plain words,
    what switching to it would do (the settings page's "Test connection"). A database that
    cannot be used raises DatabaseError with the reason and what to do."""
    parsed = make_url(url)
    where = f"{parsed.host or 'localhost'}:{parsed.port or 5432}"
    engine = create_engine(url, connect_args=_probe_args(url), poolclass=NullPool)
    try:
        with engine.connect() as connection:
            version = connection.exec_driver_sql("SHOW server_version").scalar()
            empty = migrate.is_empty(connection)
            upgrade = migrate.needs_upgrade(connection)
            connection.rollback()
    except sa_exc.OperationalError as error:
        text = str(error.orig).lower()
        if "password authentication failed" in text or "no password supplied" in text:
            raise DatabaseError(
                "The server refused the user name or password. Check them and try again."
            ) from error
        if "does not exist" in text and "role" in text:
            raise DatabaseError(
                f'The server has no user named "{parsed.username}". Check the user name.'
            ) from error
        if "does not exist" in text and "database" in text:
            raise DatabaseError(
                f'The server has no database named "{parsed.database}". Ask whoever looks '
                "after the server to create it (an empty one is fine), or check the name."
            ) from error
        raise DatabaseError(
            f"Cannot reach a database server at {where}. Check the server's name and port, "
            "and that it is switched on and lets this computer connect."
        ) from error
    finally:
        engine.dispose()
    hello = f"Connected to PostgreSQL {str(version).split()[0]} at {where}."
    if empty:
        return f"{hello} The database is empty: Shopkeeper will set it up when you switch."
    if upgrade:
        return (
            f"{hello} It holds a shop from an older Shopkeeper: it will be backed up and "
            "upgraded when you switch."
        )
    return f"{hello} It holds a Shopkeeper shop, ready to use."


def _probe_args(url: str) -> dict[str, Any]:
    return {} if url.startswith("sqlite") else {"connect_timeout": 5}
