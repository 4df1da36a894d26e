"""Backups of a shop database, and restoring one.

A SQLite file is copied with SQLite's online backup API (never a raw file copy, which would
miss what is still in the ``-wal`` file or catch a write halfway). A PostgreSQL database is
exported without ``pg_dump`` (which a till rarely has, and whose version must match the
server's): every table, in foreign-key order, as one gzipped JSON-lines file, with the schema
revision it was written at, so it can be restored into an empty schema at that revision and
migrated forward. Backups are named ``<stem>-<UTC stamp>-<label>.<ext>`` and the oldest are
pruned beyond the number the settings keep.
"""

from __future__ import annotations

import contextlib
import errno
import glob
import gzip
import json
import re
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, MetaData, inspect, select, text

from app.db.database import without_statement_timeout
from app.domain.errors import BackupFailed

#: How many automatic backups to keep per database.
KEEP_BACKUPS = 10


SQLITE_SUFFIX = ".sqlite3"
EXPORT_SUFFIX = ".jsonl.gz"
#: A backup being written (renamed to its real name once complete).
PARTIAL_SUFFIX = ".partial"
#: What writing into a folder raises when the folder or its disk is read-only.
_CANNOT_WRITE = frozenset({errno.EACCES, errno.EPERM, errno.EROFS})
_NAME = re.compile(
    r"^(?P<stem>.+)-(?P<stamp>\d{8,}-\d{6}-\d{6})-(?P<label>[a-z][a-z-]*)"
    r"(?P<ext>\.sqlite3|\.jsonl\.gz)$"
)
#: Rows per progress report while exporting or restoring a server database.
_PROGRESS_EVERY = 2000

Progress = Callable[[str], None]


@dataclass(frozen=True)
class BackupInfo:
    """One backup file, as the restore window lists it."""

    path: Path
    taken_at: datetime  # UTC
    label: str  # "daily", "before-upgrade", "manual", "before-restore"
    size: int  # bytes

    @property
    def kind(self) -> str:
        return "file" if self.path.name.endswith(SQLITE_SUFFIX) else "export"


def _stamp() -> str:
    return datetime.now(UTC).strftime("%Y%m%d-%H%M%S-%f")


def backup_sqlite(
    source: Path,
    backup_dir: Path,
    *,
    label: str,
    keep: int = KEEP_BACKUPS,
    source_uri: str | None = None,
) -> Path:
    """Copy a live database consistently into ``backup_dir`` and prune old copies.

    ``source_uri``: read the file through this SQLite URI (a file in a read-only folder is
    read ``immutable``). A backup that cannot be made (a full disk, a read-only folder)
    raises BackupFailed and leaves no partial file.
    """
    target = backup_dir / f"{source.stem}-{_stamp()}-{label}{SQLITE_SUFFIX}"
    # Written under a temporary name and renamed when complete, so an interrupted backup
    # (the app closed, the power cut) never passes for a good one or pushes one out.
    partial = target.with_name(target.name + PARTIAL_SUFFIX)
    try:
        backup_dir.mkdir(parents=True, exist_ok=True)
        prune_partials(backup_dir, source.stem)
        # Made first by itself: a folder that cannot be written says so (EROFS, EACCES)
        # rather than through SQLite's "unable to open database file".
        partial.touch(exist_ok=False)
        src = sqlite3.connect(source_uri or f"{source.resolve().as_uri()}?mode=ro", uri=True)
        try:
            dst = sqlite3.connect(partial)
            try:
                src.backup(dst)
            finally:
                dst.close()
        finally:
            src.close()
        partial.replace(target)
    except BaseException as error:
        _discard(partial)
        if isinstance(error, OSError | sqlite3.Error):
            raise backup_failed(error, backup_dir) from error
        raise
    prune_backups(backup_dir, source.stem, keep)
    return target


def _discard(partial: Path) -> None:
    with contextlib.suppress(OSError):
        partial.unlink(missing_ok=True)


def backup_failed(error: OSError | sqlite3.Error, backup_dir: Path) -> BackupFailed:
    """The plain-words error for a backup into ``backup_dir`` that failed with ``error``."""
    code = (getattr(error, "sqlite_errorcode", None) or 0) & 0xFF
    number = error.errno if isinstance(error, OSError) else None
    if number == errno.ENOSPC or code == sqlite3.SQLITE_FULL:
        why = f"the disk holding {backup_dir} is full. Free some space on it"
    elif number in _CANNOT_WRITE or code == sqlite3.SQLITE_READONLY:
        why = (
            f"the backups folder {backup_dir} cannot be written (it, or the disk it is on, is "
            "read-only). Make it writable, or choose a database in a folder you can write to"
        )
    elif code in (sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB):
        why = "the shop database file is damaged. Check the database (File → Check database…)"
    else:
        reason = error.strerror if isinstance(error, OSError) and error.strerror else str(error)
        why = f"{reason} ({backup_dir})"
    return BackupFailed(why)


def list_backups(backup_dir: Path, stem: str) -> list[BackupInfo]:
    """The backups of the database ``stem`` in ``backup_dir``, newest first."""
    found: list[BackupInfo] = []
    if not backup_dir.is_dir():
        return found
    for path in backup_dir.iterdir():
        match = _NAME.match(path.name)
        if match is None or match["stem"] != stem:
            continue
        try:
            stat = path.stat()
        except OSError:
            continue
        try:
            taken = datetime.strptime(match["stamp"], "%Y%m%d-%H%M%S-%f").replace(tzinfo=UTC)
        except ValueError:  # renamed by hand: the file's own time will do
            taken = datetime.fromtimestamp(stat.st_mtime, UTC)
        found.append(BackupInfo(path, taken, match["label"], stat.st_size))
    found.sort(key=lambda info: (info.taken_at, info.path.name), reverse=True)
    return found


def prune_backups(backup_dir: Path, stem: str, keep: int = KEEP_BACKUPS) -> None:
    """Delete all but the newest ``keep`` backups of ``stem`` (other databases' are kept).

    The newest *good* backup (see :func:`is_good_backup`) is never deleted to make room for
    empty ones: if none of the kept backups holds a shop, it stays as well. Unfinished
    backups (``.partial``) left by a crash are deleted too.
    """
    backups = list_backups(backup_dir, stem)
    kept, doomed = backups[: max(1, keep)], backups[max(1, keep) :]
    if doomed and not any(is_good_backup(info.path) for info in kept):
        good = next((info for info in doomed if is_good_backup(info.path)), None)
        if good is not None:
            doomed.remove(good)
    for old in doomed:
        old.path.unlink(missing_ok=True)
    prune_partials(backup_dir, stem)


#: An unfinished backup this old is a crash's leftover, not one still being written.
STALE_PARTIAL_SECONDS = 3600


def prune_partials(backup_dir: Path, stem: str) -> None:
    """Delete unfinished backups of ``stem`` that no backup is still writing."""
    if not backup_dir.is_dir():
        return
    now = datetime.now(UTC).timestamp()
    for path in backup_dir.glob(f"{glob.escape(stem)}-*{PARTIAL_SUFFIX}"):
        with contextlib.suppress(OSError):
            if now - path.stat().st_mtime > STALE_PARTIAL_SECONDS:
                path.unlink()


#: Tables that hold a shop's own records: a backup with a row in none of them is empty.
_SHOP_TABLES = (
    "product",
    "customer",
    "supplier",
    "sales_order",
    "purchase_order",
    "stock_movement",
)


def is_good_backup(path: Path) -> bool:
    """Whether a backup holds a shop: a complete schema and some of the shop's records (not
    a zero-byte file, nor the backup of an empty database)."""
    try:
        if path.name.endswith(SQLITE_SUFFIX):
            return _sqlite_holds_a_shop(path)
        return _export_holds_a_shop(path)
    except (OSError, sqlite3.Error, ValueError, EOFError, KeyError, TypeError):
        return False


def _sqlite_holds_a_shop(path: Path) -> bool:
    if path.stat().st_size == 0:
        return False
    con = sqlite3.connect(f"{path.resolve().as_uri()}?immutable=1", uri=True)
    try:
        tables = {row[0] for row in con.execute("SELECT name FROM sqlite_master")}
        if "alembic_version" not in tables:
            return False
        return any(
            con.execute(f'SELECT 1 FROM "{table}" LIMIT 1').fetchone() is not None
            for table in _SHOP_TABLES
            if table in tables
        )
    finally:
        con.close()


def _export_holds_a_shop(path: Path) -> bool:
    with gzip.open(path, "rt", encoding="utf-8") as lines:
        header = json.loads(next(lines))
        if header.get("format") != "shopkeeper-export" or not header.get("revision"):
            return False
        return any(json.loads(line).get("table") in _SHOP_TABLES for line in lines)


def newest_good_backup(backup_dir: Path, stem: str) -> BackupInfo | None:
    """The newest backup of ``stem`` that holds a shop, if any."""
    return next(
        (info for info in list_backups(backup_dir, stem) if is_good_backup(info.path)), None
    )


def backed_up_today(backup_dir: Path, stem: str) -> bool:
    today = datetime.now(UTC).date()
    return any(info.taken_at.date() == today for info in list_backups(backup_dir, stem))


def reader_uri(path: Path) -> str:
    """A SQLite URI that reads ``path`` without writing anything, beside it either.

    Without a ``-wal`` file the main file is the whole database: read it as immutable, which
    needs no ``-shm`` file (a read-only folder cannot hold one). With one, read through it.
    """
    wal = path.with_name(path.name + "-wal")
    has_wal = wal.exists() and wal.stat().st_size > 0
    return f"{path.resolve().as_uri()}?" + ("mode=ro" if has_wal else "immutable=1")


def restore_sqlite(backup: Path, target: Path) -> None:
    """Replace the contents of the shop file ``target`` with the backup ``backup``.

    Done with the backup API into the live file, not a file copy: SQLite then rewrites the
    file and its ``-wal`` under its own locks, so a reader that stays connected (the change
    watcher) sees the restored data, and an interrupted restore leaves the old data intact.
    The caller closes its own connections first and backs the current file up. A backup
    that is damaged or holds no shop (zero bytes, no Shopkeeper tables) raises ValueError.
    """
    if backup.stat().st_size == 0:
        raise ValueError(f"{backup.name} is empty (0 bytes)")
    # Read without writing beside it: a damaged file whose header happens to say "WAL"
    # would otherwise leave -wal and -shm files in the backups folder.
    src = sqlite3.connect(reader_uri(backup), uri=True)
    try:
        if src.execute("PRAGMA integrity_check").fetchone() != ("ok",):
            raise ValueError(f"{backup.name} is damaged")
        found = "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'alembic_version'"
        if src.execute(found).fetchone() is None:
            raise ValueError(f"{backup.name} holds no Shopkeeper shop")
        dst = sqlite3.connect(target, timeout=10)
        try:
            src.backup(dst)
        finally:
            dst.close()
    finally:
        src.close()


# --- PostgreSQL: a logical export -----------------------------------------------------------


def export_database(
    engine: Engine,
    backup_dir: Path,
    stem: str,
    *,
    label: str,
    keep: int = KEEP_BACKUPS,
    progress: Progress | None = None,
) -> Path:
    """Write every table of a server database to ``<stem>-<stamp>-<label>.jsonl.gz``.

    The first line is a header (format, schema revision, tables in foreign-key order); each
    further line is ``{"table": name, "row": {...}}``. One repeatable-read transaction, so
    the export is a consistent snapshot while the tills keep working.
    """
    target = backup_dir / f"{stem}-{_stamp()}-{label}{EXPORT_SUFFIX}"
    partial = target.with_name(target.name + PARTIAL_SUFFIX)
    snapshot = engine.execution_options(isolation_level="REPEATABLE READ")
    try:
        backup_dir.mkdir(parents=True, exist_ok=True)
        prune_partials(backup_dir, stem)
        with snapshot.connect() as connection, gzip.open(partial, "wt", encoding="utf-8") as out:
            without_statement_timeout(connection)
            metadata = MetaData()
            metadata.reflect(connection)
            tables = [t for t in metadata.sorted_tables if t.name != "alembic_version"]
            header = {
                "format": "shopkeeper-export",
                "version": 1,
                "revision": _revision(connection),
                "tables": [t.name for t in tables],
            }
            out.write(json.dumps(header) + "\n")
            written = 0
            for table in tables:
                order = list(table.primary_key.columns) or list(table.columns)
                for row in connection.execute(select(table).order_by(*order)).mappings():
                    line = {"table": table.name, "row": {k: _dump(v) for k, v in row.items()}}
                    out.write(json.dumps(line) + "\n")
                    written += 1
                    if progress and written % _PROGRESS_EVERY == 0:
                        progress(f"Saved {written:,} rows…")
            connection.rollback()
        partial.replace(target)
    except BaseException as error:
        _discard(partial)
        if isinstance(error, OSError):
            raise backup_failed(error, backup_dir) from error
        raise
    prune_backups(backup_dir, stem, keep)
    return target


def restore_export(engine: Engine, backup: Path, *, progress: Progress | None = None) -> str:
    """Replace everything in a server database with an export; return its schema revision.

    All in one transaction: the schema is emptied and rebuilt at the export's revision, the
    rows are put back table by table, and the id sequences are moved past the highest id. If
    anything fails, the server rolls it all back and the database is as it was. The caller
    then migrates the schema to the app's head (an export taken before an upgrade is older).
    """
    from alembic import command

    from app.db.migrate import alembic_config

    with gzip.open(backup, "rt", encoding="utf-8") as lines, engine.begin() as connection:
        header = json.loads(next(lines))
        if header.get("format") != "shopkeeper-export":
            raise ValueError(f"{backup.name} is not a Shopkeeper export")
        revision = str(header["revision"])
        without_statement_timeout(connection)
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
        command.upgrade(alembic_config(connection), revision)
        metadata = MetaData()
        metadata.reflect(connection)
        pending: dict[str, list[dict[str, Any]]] = {}
        restored = 0
        for raw in lines:
            item = json.loads(raw)
            table = metadata.tables[item["table"]]
            pending.setdefault(table.name, []).append(_load_row(table, item["row"]))
            if len(pending[table.name]) >= _PROGRESS_EVERY:
                restored += _flush(connection, metadata, pending)
                if progress:
                    progress(f"Restored {restored:,} rows…")
        _flush(connection, metadata, pending)
        _reset_sequences(connection)
        # Every till must re-read everything; the server delivers this only on commit.
        connection.execute(text("NOTIFY shopkeeper, 'restore'"))
    return revision


def _flush(
    connection: Connection, metadata: MetaData, pending: dict[str, list[dict[str, Any]]]
) -> int:
    count = 0
    # Lines come in foreign-key order, so inserting per table in that order is safe.
    for table in metadata.sorted_tables:
        rows = pending.pop(table.name, None)
        if rows:
            connection.execute(table.insert(), rows)
            count += len(rows)
    return count


def _reset_sequences(connection: Connection) -> None:
    for table_name in inspect(connection).get_table_names():
        for column in inspect(connection).get_columns(table_name):
            default = str(column.get("default") or "")
            if default.startswith("nextval("):
                connection.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('\"{table_name}\"', "
                        f"'{column['name']}'), COALESCE(MAX(\"{column['name']}\"), 0) + 1, false) "
                        f'FROM "{table_name}"'
                    )
                )


def _revision(connection: Connection) -> str | None:
    from app.db.migrate import current_revision

    return current_revision(connection)


def _dump(value: Any) -> Any:
    """A JSON-able form of a column value that :func:`_load` turns back exactly."""
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes):
        return value.hex()
    return value


def _load_row(table: Any, row: dict[str, Any]) -> dict[str, Any]:
    loaded: dict[str, Any] = {}
    for name, value in row.items():
        column = table.columns[name]
        loaded[name] = _load(column.type, value)
    return loaded


def _load(column_type: Any, value: Any) -> Any:
    if value is None:
        return None
    try:
        kind = column_type.python_type
    except NotImplementedError:
        return value
    if kind is datetime:
        return datetime.fromisoformat(value)
    if kind is date:
        return date.fromisoformat(value)
    if kind is time:
        return time.fromisoformat(value)
    if kind is Decimal:
        return Decimal(value)
    if kind is bytes:
        return bytes.fromhex(value)
    return value
