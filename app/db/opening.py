"""Opening a shop database at start-up: check, back up, migrate, seed the default location.

Also the other things done to a whole database while it is open: a backup on demand,
restoring one (back up the current data, close, put the backup in, reopen, migrate), and
opening it read-only when another copy of Shopkeeper holds the file.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, event, select
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
from app.db.database import (
    Database,
    ServerTimeouts,
    make_engine,
    translate_error,
    without_statement_timeout,
)
from app.db.driver_errors import server_problem_kind
from app.db.shop_file import (
    check_shop_file,
    create_shop_file,
    missing_file,
    read_only_uri,
    unwritable_reason,
)
from app.domain.catalog import DEFAULT_LOCATION_CODE, Location
from app.domain.errors import (
    BackupFailed,
    DatabaseCorrupt,
    DatabaseError,
    DatabaseReadOnly,
    DatabaseUnavailable,
)

log = logging.getLogger(__name__)

#: "Test connection" in Settings waits less than opening the shop does.
PROBE_CONNECT_TIMEOUT_S = 5

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
    create: bool = True,
    timeouts: ServerTimeouts | None = None,
) -> Database:
    """Open the shop database at ``url`` and bring its schema to head.

    ``create``: a SQLite file that does not exist is made as a new, empty shop (built beside
    it and moved into place complete); without it, DatabaseNotFound. A file that exists must
    hold a shop: a zero-byte file, one without Shopkeeper's tables or with anything else
    raises DatabaseCorrupt (naming the newest good backup) and is left untouched.

    A SQLite file or a server database is backed up before any migration and (unless
    ``daily_backup`` is False: the window makes it after it has shown itself, see
    :func:`backup_if_due`) once a day; a server database is exported (see
    :func:`app.db.backup.export_database`). A daily backup that fails does not stop the
    opening: it is added to ``database.warnings``. A database newer than this app raises
    DatabaseTooNew before anything is written; a locked one DatabaseLocked.

    ``read_only``: nothing is created, backed up or migrated, and every write transaction
    raises DatabaseReadOnly (the window of a second copy of the app on the same file). A
    file this computer cannot write (it, its folder or its disk is read-only) is opened the
    same way, with ``database.read_only_reason`` saying why; its daily backup is still tried.
    """
    path = sqlite_path(url)
    backups = backup_dir or backup_dir_for(url)
    created = False
    unwritable: str | None = None
    sqlite_uri: str | None = None
    if path is not None:
        if not _exists(path):
            if read_only or not create:
                raise missing_file(path)
            created = create_shop_file(path)
        check_shop_file(path, backups)
        unwritable = None if read_only else unwritable_reason(path)
        if unwritable is not None:
            sqlite_uri = read_only_uri(path)
    database = Database(url, timeouts=timeouts, sqlite_uri=sqlite_uri)
    if read_only or unwritable is not None:
        database.read_only_reason = unwritable
        refuse_writes(database.engine, _unwritable_message(unwritable) if unwritable else None)
    install_notify(database.engine)
    try:
        with database.engine.connect() as connection:
            upgrade = migrate.needs_upgrade(connection)
            empty = migrate.is_empty(connection)
            connection.rollback()
        if read_only or unwritable is not None:
            if upgrade:
                raise DatabaseError(
                    "This shop database must be upgraded first, and only the copy of "
                    "Shopkeeper that has it open can do that. Close that one and start again."
                    if read_only
                    else f"This shop database must be upgraded first, but {unwritable}. "
                    "Open it where this computer can write to it; nothing was changed."
                )
            if unwritable is not None and daily_backup:
                _daily_backup_or_warn(database, backups, keep_backups)
            return database
        if upgrade and not empty:
            backup_database(database, backups, label="before-upgrade", keep=keep_backups)
        elif daily_backup and not empty and not created:
            _daily_backup_or_warn(database, backups, keep_backups)
        if upgrade:
            with database.engine.begin() as connection:
                without_statement_timeout(connection)
                migrate.create_or_upgrade(connection)
        with database.write() as session:
            _ensure_default_location(session)
    except sa_exc.DBAPIError as error:
        database.dispose()
        translated = database.translate(error)
        if translated is None:
            raise
        raise translated from error
    except DatabaseError:
        database.dispose()
        raise
    return database


def _exists(path: Path) -> bool:
    try:
        path.stat()
    except FileNotFoundError:
        return False
    except OSError as error:  # a folder this user may not look into, ...
        raise DatabaseError(
            f"Cannot look at {path}: {error.strerror or error}. Nothing was changed."
        ) from error
    return True


def _unwritable_message(reason: str) -> str:
    return f"This computer cannot write to the shop file: {reason}. Nothing was saved."


def _daily_backup_or_warn(database: Database, backups: Path, keep: int) -> None:
    """Today's backup if due; if it cannot be made, a warning, and the shop opens anyway."""
    try:
        backup_if_due(database, backups, keep=keep)
    except BackupFailed as error:
        log.warning("daily backup failed: %s", error)
        database.warnings.append(error.daily_warning())


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
        return backup_sqlite(path, backups, label=label, keep=keep, source_uri=database.sqlite_uri)
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
                without_statement_timeout(connection)
                migrate.create_or_upgrade(connection)
        database.dispose()
    except sa_exc.DBAPIError as error:
        translated = database.translate(error)
        if translated is None:
            raise
        raise translated from error
    return safety


def refuse_writes(engine: Engine, message: str | None = None) -> None:
    """Make every write transaction on ``engine`` fail with DatabaseReadOnly (``message``,
    by default: another copy has the file) before it starts (before SQLite's ``BEGIN
    IMMEDIATE`` takes the write lock)."""

    def refuse(connection: Any) -> None:
        if connection.get_execution_options().get("shop_write"):
            raise DatabaseReadOnly(message or READ_ONLY_MESSAGE)

    event.listen(engine, "begin", refuse, insert=True)


def _ensure_default_location(session: Session) -> None:
    if session.scalar(select(Location.id).where(Location.code == DEFAULT_LOCATION_CODE)) is None:
        session.add(Location(code=DEFAULT_LOCATION_CODE, name="Shop"))


def probe_database(url: str) -> str:
    """Connect to the database at ``url`` without changing anything and say, in plain words,
    what switching to it would do (the settings page's "Test connection"). A database that
    cannot be used raises DatabaseError with the reason and what to do."""
    parsed = make_url(url)
    where = f"{parsed.host or 'localhost'}:{parsed.port or 5432}"
    timeouts = ServerTimeouts(connect=PROBE_CONNECT_TIMEOUT_S)
    engine = make_engine(url, timeouts=timeouts, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            version = connection.exec_driver_sql("SHOW server_version").scalar()
            empty = migrate.is_empty(connection)
            upgrade = migrate.needs_upgrade(connection)
            connection.rollback()
    except sa_exc.DBAPIError as error:
        if server_problem_kind(error) == "unreachable":
            raise DatabaseUnavailable(
                f"Cannot reach a database server at {where}. Check the server's name and "
                "port, and that it is switched on and lets this computer connect."
            ) from error
        translated = translate_error(error, url=url, timeouts=timeouts)
        if translated is None:
            raise
        raise translated from error
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
