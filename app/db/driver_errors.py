"""What a database driver's error means for the user, from its code, never its wording.

SQLite's errors carry a result code (``sqlite_errorcode``, Python 3.11+): its low byte is the
primary code (SQLITE_BUSY, SQLITE_READONLY, SQLITE_FULL...), the rest refines it
(SQLITE_CONSTRAINT_UNIQUE). PostgreSQL's carry a SQLSTATE (``sqlstate``: 40001, 28P01...),
except a connection the server turned away: libpq keeps the server's SQLSTATE only as part of
its message text then, so a failed start-up is told apart by what the driver does report (a
timeout is its own class, ``pgconn.needs_password`` / ``used_password`` say whether a
password was asked for), and only then by the server's words (see
:func:`_startup_problem`).

:func:`is_transient` says whether running the same transaction again may succeed;
:func:`translate_error` gives the plain-words domain error for one the user can act on, or
None for a bug.
"""

from __future__ import annotations

import re
import sqlite3
import sys
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import make_url

from app.domain.errors import (
    DatabaseConflict,
    DatabaseCorrupt,
    DatabaseError,
    DatabaseLocked,
    DatabaseNotFound,
    DatabaseReadOnly,
    DatabaseUnavailable,
    DiskFull,
)

#: Seconds to wait for a database server to accept a connection and log in.
CONNECT_TIMEOUT_S = 10
#: Seconds one SQL statement may run on a database server before the server stops it. A
#: flash-sale receipt on a shop with 1M order lines takes a few seconds; this is far beyond
#: any legitimate statement of a user action, and short of "the till hangs for good".
#: Backups, restores and upgrades run without it. The settings file can change it.
STATEMENT_TIMEOUT_S = 120


@dataclass(frozen=True)
class ServerTimeouts:
    """How long to wait for a database server (seconds; 0: no limit)."""

    connect: int = CONNECT_TIMEOUT_S
    statement: int = STATEMENT_TIMEOUT_S

    def for_url(self, url: str) -> ServerTimeouts:
        """These timeouts as ``url`` overrides them (``?connect_timeout=N`` and
        ``?options=-c statement_timeout=MS``, as for any libpq program)."""
        query = make_url(url).query
        connect = self.connect
        statement = self.statement
        given = query.get("connect_timeout")
        if isinstance(given, str) and given.strip().isdigit():
            connect = int(given)
        options = query.get("options")
        options = options if isinstance(options, str) else ""
        match = re.search(r"statement_timeout\s*=\s*(\d+)", options)
        if match:
            statement = (int(match.group(1)) + 999) // 1000
        return ServerTimeouts(connect, statement)


# --- SQLite result codes (https://sqlite.org/rescode.html) ----------------------------------

_SQLITE_BUSY = {sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED}
_SQLITE_DAMAGED = {sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB}
_SQLITE_UNIQUE = {sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY}

# --- PostgreSQL SQLSTATEs (https://www.postgresql.org/docs/current/errcodes-appendix.html) ---

#: "Another transaction got in the way; run it again": serialization_failure, deadlock_detected.
_PG_RETRYABLE = frozenset({"40001", "40P01"})
_PG_UNIQUE_VIOLATION = "23505"
_PG_QUERY_CANCELED = "57014"  # statement_timeout (or a cancel by whoever runs the server)
_PG_AUTH = frozenset({"28000", "28P01"})  # invalid_authorization_specification, invalid_password
_PG_NO_DATABASE = "3D000"  # invalid_catalog_name
_PG_NOT_NOW = frozenset({"57P01", "57P02", "57P03"})  # shutting down, crashed, starting up
_PG_TOO_MANY_CONNECTIONS = "53300"
_PG_DISK_FULL = "53100"
_PG_READ_ONLY = "25006"  # read_only_sql_transaction: a standby
_PG_NO_PRIVILEGE = "42501"


def sqlite_code(error: BaseException) -> int | None:
    """The SQLite result code (extended) of a driver error, or None."""
    orig = error.orig if isinstance(error, sa_exc.DBAPIError) else error
    if not isinstance(orig, sqlite3.Error):
        return None
    code = getattr(orig, "sqlite_errorcode", None)
    return code if isinstance(code, int) else None


def _sqlite_primary(error: BaseException) -> int | None:
    code = sqlite_code(error)
    return None if code is None else code & 0xFF


def sqlstate(error: BaseException) -> str | None:
    """The PostgreSQL SQLSTATE of a driver error (None for SQLite, or when there is none)."""
    orig = error.orig if isinstance(error, sa_exc.DBAPIError) else error
    code = getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None)
    return code if isinstance(code, str) else None


def is_transient(error: BaseException) -> bool:
    """Whether running the same transaction again may well succeed: another till held the
    rows (deadlock, serialization failure, a busy SQLite file) or numbered a new document
    (or created a balance row) at the same moment, which a re-run sees and steps past."""
    if not isinstance(error, sa_exc.DBAPIError):
        return False
    state = sqlstate(error)
    if state in _PG_RETRYABLE or state == _PG_UNIQUE_VIOLATION:
        return True
    if _sqlite_primary(error) in _SQLITE_BUSY:
        return True
    return sqlite_code(error) in _SQLITE_UNIQUE


def translate_error(
    error: BaseException,
    *,
    attempts: int = 1,
    url: str | None = None,
    timeouts: ServerTimeouts | None = None,
) -> DatabaseError | None:
    """The domain error for a driver error a user can act on, or None for a bug.

    ``attempts``: how many times the transaction was tried (``Database.run``), for the
    message of a conflict with another till. ``url`` and ``timeouts``: the database's, to
    name it and say how long was waited.
    """
    if not isinstance(error, sa_exc.DBAPIError):
        return None
    if isinstance(error.orig, sqlite3.Error):
        return _translate_sqlite(error, url)
    timeouts = timeouts or ServerTimeouts()
    return _translate_server(error, attempts, url, timeouts.for_url(url) if url else timeouts)


def _translate_sqlite(error: sa_exc.DBAPIError, url: str | None) -> DatabaseError | None:
    code, primary = sqlite_code(error), _sqlite_primary(error)
    name = _file_name(url)
    if primary in _SQLITE_BUSY:
        return DatabaseLocked(
            "The shop database is busy or locked by another program; nothing was saved. "
            "Try again in a moment."
        )
    if primary in _SQLITE_DAMAGED:
        return DatabaseCorrupt(
            "The shop database file is damaged or is not a Shopkeeper database. "
            "Restore it from a backup."
        )
    if code in _SQLITE_UNIQUE:
        return _numbered_alike()
    found = _SQLITE_PROBLEMS.get(primary) if primary is not None else None
    if found is None:
        return None
    kind, words = found
    return kind(words.format(name=name))


#: What the other SQLite failures a user can act on mean, by primary result code.
_SQLITE_PROBLEMS: dict[int, tuple[type[DatabaseError], str]] = {
    sqlite3.SQLITE_READONLY: (
        DatabaseReadOnly,
        "The shop database file{name} cannot be written: the file, its folder or its disk "
        "is read-only. Nothing was saved.",
    ),
    sqlite3.SQLITE_FULL: (
        DiskFull,
        "The disk holding the shop database{name} is full; nothing was saved. Free some "
        "space on it and try again.",
    ),
    sqlite3.SQLITE_CANTOPEN: (
        DatabaseError,
        "The shop database file{name} cannot be opened: check that it is still there and "
        "that this computer's user may read and write it and its folder. Nothing was saved.",
    ),
    sqlite3.SQLITE_IOERR: (
        DatabaseError,
        "The computer could not read or write the shop database file{name} (a disk or "
        "network error); nothing was saved. Try again; if it keeps happening, check the disk.",
    ),
}


def _file_name(url: str | None) -> str:
    if not url:
        return ""
    database = make_url(url).database
    return f" {Path(database).name}" if database and database != ":memory:" else ""


def _numbered_alike() -> DatabaseConflict:
    return DatabaseConflict(
        "Another till saved a record with the same number at the same moment; nothing "
        "was saved. Try again."
    )


class _Problem(Enum):
    TIMEOUT = "timeout"
    AUTH = "auth"
    NO_DATABASE = "no database"
    UNREACHABLE = "unreachable"


def _translate_server(
    error: sa_exc.DBAPIError, attempts: int, url: str | None, timeouts: ServerTimeouts
) -> DatabaseError | None:
    state = sqlstate(error)
    server = _Server.of(url, error.orig)
    if state in _PG_RETRYABLE:
        tried = f"tried {attempts} times, " if attempts > 1 else ""
        return DatabaseConflict(
            f"Another till was changing the same stock; {tried}nothing was saved. Try again."
        )
    if state == _PG_UNIQUE_VIOLATION:
        return _numbered_alike()
    if state == _PG_QUERY_CANCELED:
        return DatabaseUnavailable(
            f"The database server did not answer within {_seconds(timeouts.statement)}, so the "
            "work was stopped; nothing was saved. Try again; if it keeps happening, the server "
            "is overloaded or something holds the records for long (ask whoever looks after it)."
        )
    if state in _PG_NOT_NOW:
        return DatabaseUnavailable(
            f"The database server at {server.where} is starting up or shutting down; nothing "
            "was saved. Try again in a moment."
        )
    if state == _PG_TOO_MANY_CONNECTIONS:
        return DatabaseUnavailable(
            f"The database server at {server.where} has too many connections open. Close "
            "Shopkeeper on a till that is not in use, or try again in a moment."
        )
    if state == _PG_DISK_FULL:
        return DiskFull(
            "The database server's disk is full; nothing was saved. Ask whoever looks after "
            "the server to free some space."
        )
    if state == _PG_READ_ONLY:
        return DatabaseReadOnly(
            f"The database server at {server.where} only lets this till read (it is a "
            "standby or read-only server); nothing was saved."
        )
    if state == _PG_NO_PRIVILEGE:
        return DatabaseError(
            f"The server does not let user {server.user} do this; nothing was saved. Ask "
            "whoever looks after the server to give that user the rights Shopkeeper needs."
        )
    problem = _problem(error, state)
    if problem is _Problem.TIMEOUT:
        return DatabaseUnavailable(
            f"The database server at {server.where} did not answer within "
            f"{_seconds(timeouts.connect)}. It accepts connections but does not respond: it "
            "may be overloaded or stuck. Try again in a moment, or ask whoever looks after "
            "the server."
        )
    if problem is _Problem.AUTH:
        return DatabaseUnavailable(
            f"The server refused the user name or password (user {server.user} at "
            f"{server.where}). Check them in Settings (Database page) and try again."
        )
    if problem is _Problem.NO_DATABASE:
        return DatabaseNotFound(
            f"There is no database {server.database} on the server at {server.where}. Check "
            "the name in Settings, or ask whoever looks after the server to create it (an "
            "empty one is fine)."
        )
    if problem is _Problem.UNREACHABLE:
        detail = _server_words(error.orig)
        return DatabaseUnavailable(
            f"The database server at {server.where} cannot be reached"
            + (f" ({detail})" if detail else "")
            + ". Check the server's name and port, and that it is switched on and lets this "
            "computer connect."
        )
    return None


def server_problem_kind(error: BaseException) -> str | None:
    """ "timeout", "auth", "no database", "unreachable", or None: what kept a connection to
    a server from being made (for the settings page's "Test connection")."""
    if not isinstance(error, sa_exc.DBAPIError):
        return None
    problem = _problem(error, sqlstate(error))
    return problem.value if problem else None


def _problem(error: sa_exc.DBAPIError, state: str | None) -> _Problem | None:
    if state in _PG_AUTH:
        return _Problem.AUTH
    if state == _PG_NO_DATABASE:
        return _Problem.NO_DATABASE
    if state is not None and state.startswith("08"):  # connection_exception
        return _Problem.UNREACHABLE
    if state is None and isinstance(error, sa_exc.OperationalError):
        return _startup_problem(error.orig)
    return None


def _startup_problem(orig: BaseException | None) -> _Problem | None:
    """Why a psycopg connection without a SQLSTATE failed: it timed out (its own class), the
    server asked for a password none was given for (``needs_password``), or the server's
    message says (libpq keeps the server's SQLSTATE only inside that text during start-up:
    it is read for the two refusals worth their own words; a refusal in another language
    after a password was sent is almost always that password)."""
    psycopg = sys.modules.get("psycopg")
    if psycopg is None or not isinstance(orig, psycopg.OperationalError):
        return None
    if isinstance(orig, psycopg.errors.ConnectionTimeout):
        return _Problem.TIMEOUT
    pgconn = getattr(orig, "pgconn", None)
    if pgconn is not None and getattr(pgconn, "needs_password", False):
        return _Problem.AUTH
    words = _server_words(orig).lower()
    if "database" in words and "does not exist" in words:
        return _Problem.NO_DATABASE
    if "authentication failed" in words or ("role" in words and "does not exist" in words):
        return _Problem.AUTH
    if pgconn is not None and getattr(pgconn, "used_password", False):
        return _Problem.AUTH
    return _Problem.UNREACHABLE


def _server_words(orig: BaseException | None) -> str:
    """libpq's reason, without its "connection to server at ... failed:" preamble."""
    text = str(orig or "").strip().splitlines()[0] if str(orig or "").strip() else ""
    text = text.removeprefix("connection failed: ").removeprefix("connection is bad: ")
    _before, found, after = text.rpartition(" failed: ")
    reason = after if found else text
    return re.sub(r"^(FATAL|ERROR):\s+", "", reason.strip())


@dataclass(frozen=True)
class _Server:
    where: str
    database: str
    user: str

    @classmethod
    def of(cls, url: str | None, orig: BaseException | None) -> _Server:
        host = port = database = user = ""
        if url:
            parsed = make_url(url)
            host, port = parsed.host or "", str(parsed.port or "")
            database, user = parsed.database or "", parsed.username or ""
        pgconn = getattr(orig, "pgconn", None)
        if pgconn is not None:
            host = host or _text(getattr(pgconn, "host", b""))
            port = port or _text(getattr(pgconn, "port", b""))
            database = database or _text(getattr(pgconn, "db", b""))
            user = user or _text(getattr(pgconn, "user", b""))
        return cls(
            where=f"{host or 'localhost'}:{port or 5432}",
            database=f'"{database}"' if database else "(none named)",
            user=f'"{user}"' if user else "(none given)",
        )


def _seconds(count: int) -> str:
    return "1 second" if count == 1 else f"{count} seconds"


def _text(value: object) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return value if isinstance(value, str) else ""
