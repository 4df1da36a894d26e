"""Noticing that another till (or program) changed the shop database, so the window can refresh.

SQLite: ``PRAGMA data_version`` on a connection of our own changes whenever any other
connection commits; reading it costs microseconds, so a background thread polls it. It
changes for this window's own commits too, which the window has announced already: so the
watcher also looks just before and just after each of this window's commits
(:attr:`Database.committing`). Just before, SQLite's write lock is held, so a change seen
then is another till's and is reported; just after, the version moved by this window's own
commit is taken as the new baseline without reporting it.
PostgreSQL: every write transaction sends ``NOTIFY shopkeeper`` as it commits (see
:func:`install_notify`; the server delivers it only if the transaction commits), and a
background thread ``LISTEN``\\s on a connection of its own. The payload names the engine that
wrote, so a window does not refresh twice for its own writes (it has announced them already).

A :class:`ChangeWatcher` never touches Qt: it sets a flag that the window polls with a timer,
and tests wait on it directly.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import uuid
import weakref
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, event
from sqlalchemy.engine import make_url

if TYPE_CHECKING:
    from app.db.database import Database

log = logging.getLogger(__name__)

#: The PostgreSQL notification channel writers notify and watchers listen on.
CHANNEL = "shopkeeper"
#: How often the watcher looks (SQLite) or wakes up to check it should stop (PostgreSQL).
POLL_SECONDS = 1.0
#: After the server went away, wait this long before listening again.
RECONNECT_SECONDS = 5.0

_tokens: weakref.WeakKeyDictionary[Engine, str] = weakref.WeakKeyDictionary()


def install_notify(engine: Engine) -> str:
    """Make every write transaction on a PostgreSQL ``engine`` notify the other tills as it
    commits; return the token its notifications carry. Does nothing for SQLite (the file's
    ``data_version`` already tells). Installing twice is harmless."""
    if engine in _tokens:
        return _tokens[engine]
    token = uuid.uuid4().hex
    _tokens[engine] = token
    if engine.dialect.name != "postgresql":
        return token

    def notify(connection: Any) -> None:
        # Only the app's write transactions (Database.write/run); migrations and reads never
        # change what a till shows in a way it must hear about at once.
        if connection.get_execution_options().get("shop_write"):
            with connection.connection.dbapi_connection.cursor() as cursor:
                cursor.execute(f"NOTIFY {CHANNEL}, '{token}'")

    event.listen(engine, "commit", notify)
    return token


def token_of(engine: Engine) -> str | None:
    return _tokens.get(engine)


class ChangeWatcher:
    """Watches the database at ``url`` from a background thread; :meth:`take` says whether
    something changed since the last call. ``ignore`` is the token of this window's own
    engine (PostgreSQL), whose notifications are not news; ``own`` is this window's
    :class:`Database` (SQLite), whose commits are not news either. :meth:`for_database`
    sets both."""

    def __init__(
        self,
        url: str,
        *,
        ignore: str | None = None,
        own: Database | None = None,
        interval: float = POLL_SECONDS,
    ) -> None:
        self.url = url
        self.ignore = ignore
        self.own = own
        self.interval = interval
        self._changed = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        # SQLite: the watcher's connection and the last version it read, shared by the
        # thread and this window's committing writers (hence the lock).
        self._lock = threading.Lock()
        self._connection: sqlite3.Connection | None = None
        self._last: int | None = None
        self._own_commits = 0  # this window's commits under way
        parsed = make_url(url)
        self._sqlite_file = parsed.database if parsed.get_backend_name() == "sqlite" else None
        self._postgres = parsed.get_backend_name() == "postgresql"

    @classmethod
    def for_database(cls, database: Database, *, interval: float = POLL_SECONDS) -> ChangeWatcher:
        """A watcher of ``database`` that reports only other tills' (processes') changes."""
        return cls(database.url, ignore=token_of(database.engine), own=database, interval=interval)

    @property
    def supported(self) -> bool:
        return self._postgres or self._sqlite_file not in (None, "", ":memory:")

    def start(self) -> None:
        if self._thread is not None or not self.supported:
            return
        target = self._watch_postgres if self._postgres else self._watch_sqlite
        if self._sqlite_file and self.own is not None:
            self.own.committing = self._own_commit
        self._thread = threading.Thread(target=target, name="change-watcher", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self.own is not None and self.own.committing == self._own_commit:
            self.own.committing = nullcontext
        thread, self._thread = self._thread, None
        if thread is not None:
            thread.join(timeout=2 * self.interval + 1)

    def take(self) -> bool:
        """Whether a change was seen since the last call (and forget it)."""
        if self._changed.is_set():
            self._changed.clear()
            return True
        return False

    def wait(self, timeout: float) -> bool:
        """Block until a change is seen (for tests and scripts); consume it."""
        seen = self._changed.wait(timeout)
        self._changed.clear()
        return seen

    # --- SQLite --------------------------------------------------------------------------

    def _watch_sqlite(self) -> None:
        while not self._stop.is_set():
            with self._lock:
                if not self._own_commits:
                    self._look(report=True)
            self._stop.wait(self.interval)
        with self._lock:
            if self._connection is not None:
                self._connection.close()
                self._connection = None

    def _look(self, *, report: bool) -> None:
        """Read the file's data version (the lock held); if it moved, note a change when
        ``report``, and remember it either way."""
        assert self._sqlite_file
        try:
            if self._connection is None:
                # Also used by this window's writing threads, always under the lock.
                # A file this computer may only read is read the way its window reads it.
                uri = self.own.sqlite_uri if self.own is not None else None
                self._connection = sqlite3.connect(
                    uri or self._sqlite_file, timeout=1.0, check_same_thread=False, uri=bool(uri)
                )
                self._last = None
            version = int(self._connection.execute("PRAGMA data_version").fetchone()[0])
        except sqlite3.Error:
            log.warning("cannot watch %s for changes; trying again", self._sqlite_file)
            if self._connection is not None:
                self._connection.close()
                self._connection = None
            return
        if report and self._last is not None and version != self._last:
            self._changed.set()
        self._last = version

    @contextmanager
    def _own_commit(self) -> Iterator[None]:
        """Around a commit of this window's (see module docstring)."""
        with self._lock:
            if self._connection is not None:
                # Another of this window's commits may have just finished: its change is
                # not news. Otherwise the write lock is ours: what moved is another till's.
                self._look(report=not self._own_commits)
            self._own_commits += 1
        try:
            yield
        finally:
            with self._lock:
                self._own_commits -= 1
                if not self._own_commits and self._connection is not None:
                    self._look(report=False)

    # --- PostgreSQL ----------------------------------------------------------------------

    def _watch_postgres(self) -> None:
        import psycopg

        conninfo = make_url(self.url).set(drivername="postgresql")
        dsn = conninfo.render_as_string(hide_password=False)
        listened = False
        while not self._stop.is_set():
            try:
                with psycopg.connect(dsn, autocommit=True, connect_timeout=10) as connection:
                    connection.execute(f"LISTEN {CHANNEL}")
                    if listened:
                        # What happened while we were away went unheard: refresh to be safe.
                        self._changed.set()
                    listened = True
                    while not self._stop.is_set():
                        for notice in connection.notifies(timeout=self.interval):
                            if notice.payload != self.ignore:
                                self._changed.set()
            except psycopg.Error:
                log.warning("cannot listen for changes on the server; trying again shortly")
                self._stop.wait(RECONNECT_SECONDS)
