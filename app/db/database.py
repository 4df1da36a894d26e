"""A database handle: engines tuned per backend and one session per user action.

``Database.write()`` opens a write transaction (``BEGIN IMMEDIATE`` on SQLite, so two writers
never deadlock upgrading a read lock); ``Database.read()`` opens a read-only one. Both turn
driver errors a user can act on (a locked or damaged file) into domain errors with plain
messages, and roll back on any error, so nothing is ever half-written.

``Database.run(fn)`` is the write transaction for a user action when several tills share the
database: it runs ``fn(session)`` in one write transaction and, when the failure was only
another till getting there first (a PostgreSQL serialization failure or deadlock, a busy
SQLite file, two tills numbering a new document alike), runs it again from scratch after a
short, jittered pause. The services lock what they read before deciding, so a re-run sees
the other till's committed work and decides again; it never applies a stale decision.
"""

from __future__ import annotations

import logging
import random
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from typing import Any, TypeVar

from sqlalchemy import Engine, create_engine, event
from sqlalchemy import exc as sa_exc
from sqlalchemy.orm import Session, sessionmaker

from app.domain.errors import (
    DatabaseConflict,
    DatabaseCorrupt,
    DatabaseError,
    DatabaseLocked,
)

#: How long a writer waits for another program's write to finish before giving up.
BUSY_TIMEOUT_MS = 5000

#: First pause before re-running a transaction another till got in the way of (seconds); it
#: doubles on every further attempt (50 ms, 100 ms, 200 ms...), each jittered by +-50 % so
#: two tills that collided once do not collide again in lockstep.
RETRY_BASE_DELAY = 0.05

#: PostgreSQL SQLSTATEs meaning "another transaction got in the way; run it again":
#: serialization_failure and deadlock_detected.
_PG_RETRYABLE = frozenset({"40001", "40P01"})
_PG_UNIQUE_VIOLATION = "23505"

T = TypeVar("T")

log = logging.getLogger(__name__)

#: Replaced in tests so retries do not really wait.
_sleep: Callable[[float], None] = time.sleep


def _sqlite_on_connect(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy's "begin" event below issue BEGIN itself (pysqlite's own is unreliable).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys = ON")
        mode = cursor.execute("PRAGMA journal_mode").fetchone()
        if mode and str(mode[0]).lower() not in ("wal", "memory"):
            cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
        # 64 MB of page cache (the default is 2 MB): a receipt touching 50k order lines
        # otherwise re-reads the same index pages from disk (measured: -25% confirm time).
        cursor.execute("PRAGMA cache_size = -65536")
    finally:
        cursor.close()


def _sqlite_on_begin(conn: Any) -> None:
    mode = "IMMEDIATE" if conn.get_execution_options().get("shop_write") else "DEFERRED"
    conn.exec_driver_sql(f"BEGIN {mode}")


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Create an engine with Shopkeeper's per-backend settings."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000}, **kwargs)
        event.listen(engine, "connect", _sqlite_on_connect)
        event.listen(engine, "begin", _sqlite_on_begin)
        return engine
    return create_engine(url, pool_pre_ping=True, **kwargs)


def _sqlstate(error: sa_exc.DBAPIError) -> str | None:
    """The PostgreSQL SQLSTATE of a driver error (None for SQLite)."""
    code = getattr(error.orig, "sqlstate", None) or getattr(error.orig, "pgcode", None)
    return code if isinstance(code, str) else None


def is_transient(error: BaseException) -> bool:
    """Whether running the same transaction again may well succeed: another till held the
    rows (deadlock, serialization failure, a busy SQLite file) or numbered a new document
    (or created a balance row) at the same moment, which a re-run sees and steps past."""
    if not isinstance(error, sa_exc.DBAPIError):
        return False
    state = _sqlstate(error)
    if state in _PG_RETRYABLE:
        return True
    orig = error.orig
    message = str(orig).lower()
    if isinstance(orig, sqlite3.OperationalError) and ("locked" in message or "busy" in message):
        return True
    return isinstance(error, sa_exc.IntegrityError) and (
        state == _PG_UNIQUE_VIOLATION or "unique constraint" in message
    )


def translate_error(error: BaseException, *, attempts: int = 1) -> DatabaseError | None:
    """The domain error for a driver error a user can act on, or None for a bug.

    ``attempts``: how many times the transaction was tried (``Database.run``), for the
    message of a conflict with another till.
    """
    if not isinstance(error, sa_exc.DBAPIError):
        return None
    orig = error.orig
    message = str(orig).lower()
    if _sqlstate(error) in _PG_RETRYABLE:
        tried = f"tried {attempts} times, " if attempts > 1 else ""
        return DatabaseConflict(
            f"Another till was changing the same stock; {tried}nothing was saved. Try again."
        )
    if isinstance(orig, sqlite3.OperationalError) and "locked" in message:
        return DatabaseLocked(
            "The shop database is busy or locked by another program; nothing was saved. "
            "Try again in a moment."
        )
    if isinstance(orig, sqlite3.DatabaseError) and (
        "not a database" in message or "malformed" in message or "corrupt" in message
    ):
        return DatabaseCorrupt(
            "The shop database file is damaged or is not a Shopkeeper database. "
            "Restore it from a backup."
        )
    if isinstance(error, sa_exc.IntegrityError) and (
        "unique" in message or "duplicate key" in message
    ):
        return DatabaseConflict(
            "Another till saved a record with the same number at the same moment; nothing "
            "was saved. Try again."
        )
    if isinstance(error, sa_exc.OperationalError) and not isinstance(orig, sqlite3.Error):
        return DatabaseError(f"The database server cannot be reached: {str(orig).strip()}")
    return None


class Database:
    """One database (a SQLite file or a PostgreSQL URL) and the sessions for using it."""

    def __init__(self, url: str, engine: Engine | None = None) -> None:
        self.url = url
        self.engine = engine or make_engine(url)
        self.is_sqlite = self.engine.dialect.name == "sqlite"
        writer = self.engine.execution_options(shop_write=True)
        self._write_sessions = sessionmaker(bind=writer, expire_on_commit=False)
        self._read_sessions = sessionmaker(bind=self.engine, expire_on_commit=False)
        #: Entered around the commit of each of this handle's write transactions, once its
        #: statements have run (so SQLite's write lock is held on entry): the live refresh
        #: uses it to tell this window's own changes from other tills' (``app.db.changes``).
        self.committing: Callable[[], AbstractContextManager[object]] = nullcontext

    @contextmanager
    def write(self) -> Iterator[Session]:
        """One write transaction: committed if the block succeeds, rolled back otherwise."""
        with self._guard(), self._write_transaction() as session:
            yield session

    @contextmanager
    def _write_transaction(self) -> Iterator[Session]:
        # As ``sessionmaker.begin()``, with the commit inside ``self.committing()``. If the
        # block raises, closing the session rolls the transaction back.
        with self._write_sessions() as session:
            session.begin()
            yield session
            session.flush()
            with self.committing():
                session.commit()

    def run(self, fn: Callable[[Session], T], *, attempts: int = 4) -> T:
        """Run ``fn(session)`` in one write transaction (as :meth:`write`) and return its
        result, re-running it on a fresh session when another till got in the way.

        Transient failures (see :func:`is_transient`) are retried up to ``attempts`` times in
        all, pausing 50 ms, 100 ms, 200 ms... (jittered) in between; after the last one the
        plain-words domain error is raised and nothing was saved. ``fn`` must be re-runnable:
        it gets a fresh session each time and must not keep state across calls (a service
        call with plain arguments is). Domain errors (``ShopError``) and bugs are raised at
        once: only the database's "try again" failures are retried.
        """
        if attempts < 1:
            raise ValueError("attempts must be at least 1")
        for attempt in range(1, attempts + 1):
            try:
                with self._write_transaction() as session:
                    return fn(session)
            except sa_exc.DBAPIError as error:
                if attempt < attempts and is_transient(error):
                    delay = RETRY_BASE_DELAY * 2 ** (attempt - 1) * random.uniform(0.5, 1.5)
                    log.info(
                        "write attempt %d/%d met another till (%s); again in %.0f ms",
                        attempt,
                        attempts,
                        type(error.orig).__name__,
                        delay * 1000,
                    )
                    _sleep(delay)
                    continue
                translated = translate_error(error, attempts=attempt)
                if translated is None:
                    raise
                raise translated from error
        raise AssertionError("unreachable")  # pragma: no cover

    @contextmanager
    def read(self) -> Iterator[Session]:
        """One read transaction (never commits anything)."""
        with self._guard(), self._read_sessions() as session:
            try:
                yield session
            finally:
                session.rollback()

    @contextmanager
    def _guard(self) -> Iterator[None]:
        try:
            yield
        except sa_exc.DBAPIError as error:
            translated = translate_error(error)
            if translated is None:
                raise
            raise translated from error

    def dispose(self) -> None:
        self.engine.dispose()
