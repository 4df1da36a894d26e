"""``Database.run``: a write another till got in the way of is run again, then reported plainly.

Injected driver errors prove which failures are retried and which are not; real ones (a
duplicate order number, a SQLite file held by another writer, a PostgreSQL deadlock) prove
the retry recovers from what the drivers actually raise.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import exc as sa_exc
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from app.db import Database, open_database
from app.db import database as database_module
from app.domain import Customer, SalesOrder
from app.domain.errors import DatabaseConflict, DatabaseLocked, NotFound
from app.services import catalog
from app.services.ordering import next_order_ref


class _PgError(Exception):
    """Stands in for a psycopg error: only its SQLSTATE matters to the retry."""

    def __init__(self, sqlstate: str) -> None:
        super().__init__(f"SQLSTATE {sqlstate}")
        self.sqlstate = sqlstate


def serialization_failure() -> sa_exc.DBAPIError:
    return sa_exc.OperationalError("COMMIT", {}, _PgError("40001"))


def deadlock() -> sa_exc.DBAPIError:
    return sa_exc.OperationalError("SELECT", {}, _PgError("40P01"))


def _sqlite_error(kind: type[sqlite3.Error], message: str, code: int) -> sqlite3.Error:
    """A sqlite3 error as the driver raises it: with its result code and name."""
    error = kind(message)
    error.sqlite_errorcode = code  # type: ignore[attr-defined]
    error.sqlite_errorname = next(  # type: ignore[attr-defined]
        name
        for name in dir(sqlite3)
        if name.startswith("SQLITE_") and getattr(sqlite3, name) == code
    )
    return error


def sqlite_locked() -> sa_exc.DBAPIError:
    return sa_exc.OperationalError(
        "BEGIN",
        {},
        _sqlite_error(sqlite3.OperationalError, "database is locked", sqlite3.SQLITE_BUSY),
    )


def duplicate_ref() -> sa_exc.DBAPIError:
    return sa_exc.IntegrityError(
        "INSERT",
        {},
        _sqlite_error(
            sqlite3.IntegrityError,
            "UNIQUE constraint failed: sales_order.ref",
            sqlite3.SQLITE_CONSTRAINT_UNIQUE,
        ),
    )


@pytest.fixture
def pauses(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The pauses between attempts, recorded instead of slept."""
    recorded: list[float] = []
    monkeypatch.setattr(database_module, "_sleep", recorded.append)
    return recorded


def failing(errors: list[sa_exc.DBAPIError], calls: list[int]) -> Callable[[Session], str]:
    """A transaction body that raises the next of ``errors`` (if any), else names a customer."""

    def body(session: Session) -> str:
        calls.append(1)
        if errors:
            raise errors.pop(0)
        catalog.create_customer(session, f"C{len(calls)}", "Someone")
        return f"C{len(calls)}"

    return body


@pytest.mark.parametrize(
    "make_error", [serialization_failure, deadlock, sqlite_locked, duplicate_ref]
)
def test_a_transient_failure_is_retried_with_growing_pauses_and_the_work_saved_once(
    sqlite_db: Database,
    pauses: list[float],
    make_error: Callable[[], sa_exc.DBAPIError],
) -> None:
    calls: list[int] = []
    code = sqlite_db.run(failing([make_error(), make_error()], calls))
    assert code == "C3" and len(calls) == 3
    assert len(pauses) == 2
    # 50 ms then 100 ms, each jittered by +-50 %.
    assert 0.025 <= pauses[0] <= 0.075 and 0.05 <= pauses[1] <= 0.15
    with sqlite_db.read() as session:
        assert session.scalars(select(Customer.code)).all() == ["C3"]


def test_deadlocks_that_never_clear_are_reported_in_plain_words_after_the_last_attempt(
    sqlite_db: Database, pauses: list[float]
) -> None:
    calls: list[int] = []
    with pytest.raises(DatabaseConflict) as raised:
        sqlite_db.run(failing([deadlock() for _ in range(5)], calls), attempts=3)
    assert len(calls) == 3 and len(pauses) == 2
    assert str(raised.value) == (
        "Another till was changing the same stock; tried 3 times, nothing was saved. Try again."
    )
    with sqlite_db.read() as session:
        assert session.scalar(select(func.count()).select_from(Customer)) == 0


def test_a_file_locked_on_every_attempt_says_so(sqlite_db: Database, pauses: list[float]) -> None:
    with pytest.raises(DatabaseLocked, match="busy or locked by another program"):
        sqlite_db.run(failing([sqlite_locked() for _ in range(4)], []))
    assert len(pauses) == 3


def test_domain_errors_and_bugs_are_not_retried(sqlite_db: Database, pauses: list[float]) -> None:
    calls: list[int] = []

    def unknown_customer(session: Session) -> None:
        calls.append(1)
        catalog.get_customer(session, "NOBODY")

    with pytest.raises(NotFound):
        sqlite_db.run(unknown_customer)

    def bad_sql(session: Session) -> None:
        calls.append(1)
        session.execute(text("SELECT * FROM no_such_table"))

    with pytest.raises(sa_exc.OperationalError):
        sqlite_db.run(bad_sql)
    assert len(calls) == 2 and pauses == []


def test_a_check_constraint_failure_is_a_bug_not_a_conflict(
    sqlite_db: Database, pauses: list[float]
) -> None:
    def negative_lead_time(session: Session) -> None:
        catalog.create_supplier(session, "SUP", "Supplies")
        session.execute(text("UPDATE supplier SET lead_time_days = -1"))

    with pytest.raises(sa_exc.IntegrityError):
        sqlite_db.run(negative_lead_time)
    assert pauses == []


def test_an_order_number_taken_by_another_till_is_renumbered_on_the_retry(
    db: Database, pauses: list[float]
) -> None:
    """The first attempt numbers its order as another till just did (a real unique
    violation from the driver); the re-run reads the committed order and takes the next."""
    with db.write() as session:
        catalog.create_customer(session, "ANN", "Ann")
        session.add(SalesOrder(ref="SO-000001", customer=catalog.get_customer(session, "ANN")))
    attempts: list[str] = []

    def place(session: Session) -> str:
        ref = "SO-000001" if not attempts else next_order_ref(session)
        attempts.append(ref)
        session.add(SalesOrder(ref=ref, customer=catalog.get_customer(session, "ANN")))
        session.flush()
        return ref

    assert db.run(place) == "SO-000002"
    assert attempts == ["SO-000001", "SO-000002"] and len(pauses) == 1
    with db.read() as session:
        assert session.scalars(select(SalesOrder.ref).order_by(SalesOrder.ref)).all() == [
            "SO-000001",
            "SO-000002",
        ]


def test_a_sqlite_file_held_by_another_writer_is_waited_for_then_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another program holds the write lock longer than the busy timeout: the first attempts
    fail with "database is locked", a later one gets the file."""
    url = f"sqlite:///{tmp_path / 'shop.sqlite3'}"
    open_database(url, backup_dir=tmp_path / "bk").dispose()
    monkeypatch.setattr(database_module, "BUSY_TIMEOUT_MS", 50)
    database = Database(url)
    holder = sqlite3.connect(
        tmp_path / "shop.sqlite3", isolation_level=None, check_same_thread=False
    )
    holder.execute("BEGIN IMMEDIATE")
    release = threading.Timer(0.2, holder.rollback)
    release.start()
    calls: list[int] = []
    try:
        assert database.run(failing([], calls), attempts=6) == f"C{len(calls)}"
        assert len(calls) >= 2  # the first attempt met the lock
    finally:
        release.join()
        holder.close()
        database.dispose()


@pytest.fixture
def pg_db(postgres_url: str, tmp_path: Path) -> Iterator[Database]:
    from tests.conftest import reset_postgres

    reset_postgres(postgres_url)
    database = open_database(postgres_url, backup_dir=tmp_path / "bk")
    yield database
    database.dispose()


@pytest.mark.postgres
def test_a_real_postgresql_deadlock_is_retried_and_both_tills_succeed(pg_db: Database) -> None:
    """Two tills lock two customers in opposite orders at the same instant: PostgreSQL
    aborts one with a deadlock (40P01); ``run`` runs it again and both commit."""
    with pg_db.write() as session:
        catalog.create_customer(session, "ANN", "Ann")
        catalog.create_customer(session, "BOB", "Bob")
    both_hold_one = threading.Barrier(2, timeout=10)
    tries: dict[str, int] = {"ANN": 0, "BOB": 0}
    errors: list[BaseException] = []

    def till(first: str, second: str) -> None:
        def body(session: Session) -> None:
            tries[first] += 1
            lock = select(Customer).with_for_update()
            session.scalar(lock.where(Customer.code == first)).name += "+"  # type: ignore[union-attr]
            if tries[first] == 1:
                both_hold_one.wait()
            session.scalar(lock.where(Customer.code == second)).name += "+"  # type: ignore[union-attr]

        try:
            pg_db.run(body)
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [
        threading.Thread(target=till, args=("ANN", "BOB")),
        threading.Thread(target=till, args=("BOB", "ANN")),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(tries.values()) == [1, 2]  # exactly one till was chosen as the victim
    with pg_db.read() as session:
        assert session.scalars(select(Customer.name).order_by(Customer.code)).all() == [
            "Ann++",  # one "+" from each till: the victim's first attempt left nothing
            "Bob++",
        ]
