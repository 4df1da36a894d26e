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

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from app.db.driver_errors import ServerTimeouts, is_transient, translate_error
from app.domain.actors import ACTOR_KEY, Actor
from app.domain.errors import DatabaseError

__all__ = ["Database", "ServerTimeouts", "is_transient", "make_engine", "translate_error"]

#: How long a writer waits for another program's write to finish before giving up.
BUSY_TIMEOUT_MS = 5000

#: First pause before re-running a transaction another till got in the way of (seconds); it
#: doubles on every further attempt (50 ms, 100 ms, 200 ms...), each jittered by +-50 % so
#: two tills that collided once do not collide again in lockstep.
RETRY_BASE_DELAY = 0.05

T = TypeVar("T")

log = logging.getLogger(__name__)

#: SQLite primary result codes meaning "this file cannot be written here".
_CANNOT_WRITE = {sqlite3.SQLITE_READONLY, sqlite3.SQLITE_CANTOPEN}

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
            try:
                cursor.execute("PRAGMA journal_mode = WAL")
            except sqlite3.OperationalError as error:
                # A file this computer may only read stays as it is (writes say why).
                if (getattr(error, "sqlite_errorcode", 0) or 0) & 0xFF not in _CANNOT_WRITE:
                    raise
        cursor.execute("PRAGMA synchronous = NORMAL")
        # 64 MB of page cache (the default is 2 MB): a receipt touching 50k order lines
        # otherwise re-reads the same index pages from disk (measured: -25% confirm time).
        cursor.execute("PRAGMA cache_size = -65536")
    finally:
        cursor.close()


def _sqlite_on_begin(conn: Any) -> None:
    mode = "IMMEDIATE" if conn.get_execution_options().get("shop_write") else "DEFERRED"
    conn.exec_driver_sql(f"BEGIN {mode}")


def make_engine(
    url: str,
    *,
    timeouts: ServerTimeouts | None = None,
    sqlite_uri: str | None = None,
    **kwargs: Any,
) -> Engine:
    """Create an engine with Shopkeeper's per-backend settings.

    ``sqlite_uri``: connect to the file through this SQLite URI instead (``mode=ro`` or
    ``immutable=1`` for a file this computer may only read). ``timeouts``: how long to wait
    for a database server to log in and to run one statement (see :func:`server_connect_args`).
    """
    if url.startswith("sqlite"):
        if sqlite_uri is not None:
            uri = sqlite_uri
            kwargs["creator"] = lambda: sqlite3.connect(
                uri, uri=True, timeout=BUSY_TIMEOUT_MS / 1000, check_same_thread=False
            )
        engine = create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000}, **kwargs)
        event.listen(engine, "connect", _sqlite_on_connect)
        event.listen(engine, "begin", _sqlite_on_begin)
        return engine
    connect_args = server_connect_args(url, timeouts or ServerTimeouts())
    connect_args.update(kwargs.pop("connect_args", {}))
    return create_engine(url, pool_pre_ping=True, connect_args=connect_args, **kwargs)


def server_connect_args(url: str, timeouts: ServerTimeouts) -> dict[str, Any]:
    """libpq settings so that a server which stops answering never blocks a till for good:
    a connect timeout (a server that accepts the connection but never answers), a statement
    timeout (enforced by the server: a statement stuck behind another till's locks, or a
    server too busy to finish), and TCP keepalives (a server or network that went away
    mid-statement). Settings the URL makes itself are kept."""
    query = make_url(url).query
    args: dict[str, Any] = {}
    if "connect_timeout" not in query and timeouts.connect:
        args["connect_timeout"] = timeouts.connect
    options = query.get("options")
    options = options if isinstance(options, str) else ""
    if timeouts.statement and "statement_timeout" not in options:
        args["options"] = f"{options} -c statement_timeout={timeouts.statement * 1000}".strip()
    if "keepalives" not in query:
        args.update(keepalives=1, keepalives_idle=30, keepalives_interval=10, keepalives_count=3)
    return args


def without_statement_timeout(connection: Connection) -> None:
    """Lift the statement timeout for the rest of ``connection``'s transaction: an upgrade,
    a backup or a restore of a big shop may rightly take minutes (it shows its progress)."""
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql("SET LOCAL statement_timeout = 0")


class Database:
    """One database (a SQLite file or a PostgreSQL URL) and the sessions for using it."""

    def __init__(
        self,
        url: str,
        engine: Engine | None = None,
        *,
        timeouts: ServerTimeouts | None = None,
        sqlite_uri: str | None = None,
    ) -> None:
        self.url = url
        self.timeouts = (timeouts or ServerTimeouts()).for_url(url)
        self.engine = engine or make_engine(url, timeouts=self.timeouts, sqlite_uri=sqlite_uri)
        #: The SQLite URI the engine connects through, if not the plain file (read-only).
        self.sqlite_uri = sqlite_uri
        #: Why this computer cannot write the database, when that is why this handle
        #: refuses every write ("the file shop.sqlite3 is read-only"); None otherwise.
        self.read_only_reason: str | None = None
        #: What the user should hear about once it is open (a daily backup that failed).
        self.warnings: list[str] = []
        self.is_sqlite = self.engine.dialect.name == "sqlite"
        writer = self.engine.execution_options(shop_write=True)
        self._write_sessions = sessionmaker(bind=writer, expire_on_commit=False)
        self._read_sessions = sessionmaker(bind=self.engine, expire_on_commit=False)
        #: Entered around the commit of each of this handle's write transactions, once its
        #: statements have run (so SQLite's write lock is held on entry): the live refresh
        #: uses it to tell this window's own changes from other tills' (``app.db.changes``).
        self.committing: Callable[[], AbstractContextManager[object]] = nullcontext
        #: Who this handle's sessions act for (``session.info["actor"]``); None means the
        #: shop's owner on this till (a shop without users). See ``app.domain.actors``.
        self.actor: Actor | None = None

    def _info(self) -> dict[str, object]:
        return {ACTOR_KEY: self.actor} if self.actor is not None else {}

    @contextmanager
    def write(self) -> Iterator[Session]:
        """One write transaction: committed if the block succeeds, rolled back otherwise."""
        with self._guard(), self._write_transaction() as session:
            yield session

    @contextmanager
    def _write_transaction(self) -> Iterator[Session]:
        # As ``sessionmaker.begin()``, with the commit inside ``self.committing()``. If the
        # block raises, closing the session rolls the transaction back.
        with self._write_sessions(info=self._info()) as session:
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
                translated = self.translate(error, attempts=attempt)
                if translated is None:
                    raise
                raise translated from error
        raise AssertionError("unreachable")  # pragma: no cover

    @contextmanager
    def read(self) -> Iterator[Session]:
        """One read transaction (never commits anything)."""
        with self._guard(), self._read_sessions(info=self._info()) as session:
            try:
                yield session
            finally:
                session.rollback()

    @contextmanager
    def _guard(self) -> Iterator[None]:
        try:
            yield
        except sa_exc.DBAPIError as error:
            translated = self.translate(error)
            if translated is None:
                raise
            raise translated from error

    def translate(self, error: BaseException, *, attempts: int = 1) -> DatabaseError | None:
        """:func:`translate_error` for this database (its name, its server's timeouts)."""
        return translate_error(error, attempts=attempts, url=self.url, timeouts=self.timeouts)

    def dispose(self) -> None:
        self.engine.dispose()
