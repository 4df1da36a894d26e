"""A SQLite shop file before it is opened: refusing what is not a shop, making a new one, and
telling whether this computer may write to it.

A file that exists must hold a shop: a zero-byte file, one without a schema or another
program's database is refused like a damaged one (opening it would silently give an empty
shop, whose backups would then push out the good ones). A new shop is built under a
temporary name beside the target and moved into place only when complete, so a crash while
creating one never leaves a zero-byte or half-made file behind to be refused for ever.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import sqlite3
import tempfile
import time
from pathlib import Path

from sqlalchemy import create_engine, insert, select
from sqlalchemy import exc as sa_exc
from sqlalchemy.pool import NullPool

from app.db import migrate
from app.db.backup import newest_good_backup, reader_uri, restore_sqlite
from app.db.driver_errors import translate_error
from app.domain.catalog import DEFAULT_LOCATION_CODE, Location
from app.domain.errors import DatabaseCorrupt, DatabaseError, DatabaseNotFound

log = logging.getLogger(__name__)

SQLITE_HEADER = b"SQLite format 3\x00"
#: A shop being built: ``.<name>.<random>.creating`` beside the target.
CREATING_SUFFIX = ".creating"
#: With less free space than this on its disk, a shop file opens read-only: SQLite could not
#: even make the shared-memory file (32 KiB) it needs to read a WAL file, let alone write.
MIN_FREE_BYTES = 64 * 1024
#: What SQLite says when it cannot make a WAL file's -shm file (a read-only folder: cannot
#: open; a full disk: an I/O error extending it).
_NO_SHM = frozenset({sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_IOERR})
#: A build this old was cut short by a crash (none takes more than a second or two).
STALE_CREATING_SECONDS = 3600


def check_shop_file(path: Path, backups: Path) -> None:
    """Refuse, before anything can change it, a file that does not hold a Shopkeeper shop
    (or holds one from a newer Shopkeeper): DatabaseCorrupt (or DatabaseTooNew), naming the
    newest good backup in ``backups`` to restore."""
    size = path.stat().st_size
    if size == 0:
        raise DatabaseCorrupt(
            f"{path.name} is empty (0 bytes): it holds no shop, so it was not opened and "
            f"nothing was changed.{_advice(path, backups)}"
        )
    with path.open("rb") as handle:
        header = handle.read(len(SQLITE_HEADER))
    if header != SQLITE_HEADER:
        raise DatabaseCorrupt(
            f"{path.name} is not a Shopkeeper database (or it is damaged). Choose another "
            f"file or restore a backup; nothing was changed.{_advice(path, backups)}"
        )
    _check_schema(path, backups)


def _check_schema(path: Path, backups: Path) -> None:
    """Read the schema through a connection that cannot change the file: the app's own
    switch it to WAL mode, and a file we refuse must keep every byte."""
    engine = create_engine("sqlite://", creator=lambda: _connect(reader_uri(path)))
    try:
        with engine.connect() as connection:
            migrate.needs_upgrade(connection)
            empty = migrate.is_empty(connection)
    except sa_exc.DBAPIError as error:
        translated = translate_error(error, url=f"sqlite:///{path}")
        if translated is None:
            raise
        if isinstance(translated, DatabaseCorrupt):
            raise DatabaseCorrupt(f"{translated}{_advice(path, backups)}") from error
        raise translated from error
    finally:
        engine.dispose()
    if empty:
        raise DatabaseCorrupt(
            f"{path.name} is a database with nothing in it (no Shopkeeper tables): it was not "
            f"opened and nothing was changed.{_advice(path, backups)}"
        )


def _advice(path: Path, backups: Path) -> str:
    good = newest_good_backup(backups, path.stem)
    if good is not None:
        return (
            f" If it should hold your shop, restore it from a backup: the newest good one is "
            f"{good.path} ({good.taken_at:%Y-%m-%d %H:%M} UTC)."
        )
    return (
        f" If it should hold your shop, restore it from a backup (there is none in {backups}); "
        "to start a new shop there, delete or move the file first."
    )


def read_only_uri(path: Path) -> str:
    """The URI for working read-only on a file this computer may not write: ``mode=ro``,
    which sees other programs' changes, where SQLite can open it so; else immutable."""
    uri = f"{path.resolve().as_uri()}?mode=ro"
    try:
        with contextlib.closing(_connect(uri)) as connection:
            connection.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlite3.OperationalError as error:
        if (getattr(error, "sqlite_errorcode", 0) or 0) & 0xFF not in _NO_SHM:
            raise
        # A WAL file in a read-only folder or on a full disk: SQLite cannot make its -shm.
        uri = reader_uri(path)
        if "immutable" not in uri:
            raise DatabaseError(
                f"{path.name} has changes still in {path.name}-wal, which cannot be read in a "
                "folder this computer may not write to. Copy the folder somewhere you can "
                "write to and open it there; nothing was changed."
            ) from error
    return uri


def unwritable_reason(path: Path) -> str | None:
    """Why this computer cannot write the shop file at ``path`` (or create the files SQLite
    keeps beside it), in words; None if it can."""
    statvfs = getattr(os, "statvfs", None)  # not on Windows
    with contextlib.suppress(OSError):
        if statvfs is not None and statvfs(path).f_flag & os.ST_RDONLY:
            return f"the disk or share {path.name} is on is read-only"
    if not os.access(path, os.W_OK):
        return f"the file {path.name} is read-only"
    if not os.access(path.parent, os.W_OK):
        return f"the folder {path.parent} is read-only (SQLite must write beside the file)"
    with contextlib.suppress(OSError):
        if shutil.disk_usage(path.parent).free < MIN_FREE_BYTES:
            return f"the disk holding {path.name} is full"
    return None


def create_shop_file(path: Path) -> bool:
    """Make a new, empty shop at ``path``; return False if a file appeared there meanwhile
    (it is left alone). Built under a temporary name and moved into place complete."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        _sweep_unfinished(path)
        handle, name = tempfile.mkstemp(
            prefix=f".{path.name}.", suffix=CREATING_SUFFIX, dir=path.parent
        )
    except OSError as error:
        raise _cannot_create(path, error) from error
    os.close(handle)
    building = Path(name)
    try:
        _build(building)
        return _move_into_place(building, path)
    except OSError as error:
        raise _cannot_create(path, error) from error
    except sa_exc.DBAPIError as error:
        translated = translate_error(error, url=f"sqlite:///{path}")
        if translated is None:
            raise
        raise translated from error
    finally:
        with contextlib.suppress(OSError):
            building.unlink(missing_ok=True)


def _build(building: Path) -> None:
    # Rollback-journal mode (SQLite's default) while building: the finished file is then
    # complete by itself, with no -wal beside it to move along.
    engine = create_engine(
        "sqlite://", creator=lambda: sqlite3.connect(building), poolclass=NullPool
    )
    try:
        with engine.begin() as connection:
            migrate.create_or_upgrade(connection)
            found = connection.scalar(
                select(Location.id).where(Location.code == DEFAULT_LOCATION_CODE)
            )
            if found is None:
                connection.execute(insert(Location).values(code=DEFAULT_LOCATION_CODE, name="Shop"))
    finally:
        engine.dispose()


def _move_into_place(building: Path, path: Path) -> bool:
    """Give the finished file its name, never replacing one that appeared meanwhile."""
    try:
        os.link(building, path)
    except FileExistsError:
        return False
    except OSError:  # a filesystem without hard links (FAT, some shares)
        if path.exists():
            return False
        os.replace(building, path)
    _sync_folder(path.parent)
    return True


def _sync_folder(folder: Path) -> None:
    """Make the new name survive a power cut (POSIX; Windows has no folder handles)."""
    with contextlib.suppress(OSError, AttributeError):
        handle = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(handle)
        finally:
            os.close(handle)


def _sweep_unfinished(path: Path) -> None:
    """Delete builds of ``path`` a crash left behind (hidden files nobody else uses)."""
    now = time.time()
    for leftover in path.parent.glob(f".{path.name}.*{CREATING_SUFFIX}"):
        with contextlib.suppress(OSError):
            if now - leftover.stat().st_mtime > STALE_CREATING_SECONDS:
                leftover.unlink()


def replace_with_backup(path: Path, backup: Path) -> Path:
    """Put the backup ``backup`` in place of the shop file ``path``, which could not be
    opened; return where that file went. Nothing is deleted: the refused file (with its
    ``-wal`` and ``-shm`` files, which must never meet another database) is renamed to
    ``<name>.refused-<stamp>`` beside it. The backup is checked and copied under a temporary
    name first, so a failure leaves everything as it was."""
    stamp = time.strftime("%Y%m%d-%H%M%S")
    aside = path.with_name(f"{path.name}.refused-{stamp}")
    handle, name = tempfile.mkstemp(
        prefix=f".{path.name}.", suffix=CREATING_SUFFIX, dir=path.parent
    )
    os.close(handle)
    restored = Path(name)
    try:
        try:
            restore_sqlite(backup, restored)
        except ValueError as error:
            raise DatabaseCorrupt(
                f"{error}; nothing was changed. Choose another backup."
            ) from error
        except sqlite3.Error as error:
            raise DatabaseCorrupt(
                f"{backup.name} cannot be read as a backup ({error}); nothing was changed."
            ) from error
        for suffix in ("", "-wal", "-shm"):
            with contextlib.suppress(FileNotFoundError):
                os.replace(path.with_name(path.name + suffix), aside.with_name(aside.name + suffix))
        os.replace(restored, path)
        _sync_folder(path.parent)
    except OSError as error:
        raise DatabaseError(
            f"Cannot put the backup in place of {path.name}: {error.strerror or error}."
        ) from error
    finally:
        with contextlib.suppress(OSError):
            restored.unlink(missing_ok=True)
    return aside


def _cannot_create(path: Path, error: OSError) -> DatabaseError:
    reason = error.strerror or str(error)
    return DatabaseError(f"Cannot create a new shop at {path}: {reason}. Nothing was created.")


def missing_file(path: Path) -> DatabaseNotFound:
    return DatabaseNotFound(f"There is no shop database at {path}")


def _connect(uri: str) -> sqlite3.Connection:
    return sqlite3.connect(uri, uri=True)
