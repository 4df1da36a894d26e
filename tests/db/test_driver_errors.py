"""Driver errors are told apart by their codes (SQLite result codes, PostgreSQL SQLSTATEs and
psycopg's classes), never by their wording, and each one a user can act on says in plain
words what is wrong. Every error here is a real one from the driver."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import exc as sa_exc
from sqlalchemy import select, text
from sqlalchemy.engine import make_url

from app.db import Database, open_database
from app.db.database import ServerTimeouts, is_transient, translate_error, without_statement_timeout
from app.domain import Customer
from app.domain.errors import (
    DatabaseNotFound,
    DatabaseReadOnly,
    DatabaseUnavailable,
    DiskFull,
)
from app.services.catalog import create_customer
from tests.conditions import fake_server, never_answers, read_only, refuses_login
from tests.conftest import reset_postgres


def raised_by(fn: Callable[[], object]) -> BaseException:
    try:
        fn()
    except BaseException as error:
        return error
    raise AssertionError("nothing was raised")


@pytest.fixture
def shop(tmp_path: Path) -> Iterator[Database]:
    database = open_database(f"sqlite:///{tmp_path / 'shop.sqlite3'}", backup_dir=tmp_path / "bk")
    with database.write() as session:
        create_customer(session, "ANN", "Ann")
    yield database
    database.dispose()


def customers(database: Database) -> list[str]:
    with database.read() as session:
        return list(session.scalars(select(Customer.code).order_by(Customer.code)))


# --- SQLite -----------------------------------------------------------------------------------


def test_a_bug_whose_message_mentions_a_lock_is_still_a_bug(shop: Database) -> None:
    """`no such table: locked_orders` is SQLITE_ERROR: a bug, not a busy file to retry."""
    with shop.engine.connect() as connection:
        error = raised_by(lambda: connection.execute(text("SELECT * FROM locked_orders")))
    assert isinstance(error, sa_exc.OperationalError)
    assert not is_transient(error)
    assert translate_error(error) is None


def test_a_unique_violation_is_told_by_its_code(shop: Database) -> None:
    """Another till's customer with the same code (SQLITE_CONSTRAINT_UNIQUE)."""
    with shop.engine.connect() as connection:
        columns = [
            row[1]
            for row in connection.exec_driver_sql("PRAGMA table_info(customer)")
            if row[1] != "id"
        ]
        names = ", ".join(columns)
        copy = text(f"INSERT INTO customer ({names}) SELECT {names} FROM customer")
        error = raised_by(lambda: connection.execute(copy))
    assert is_transient(error)
    assert "same number at the same moment" in str(translate_error(error))


def test_a_full_disk_is_said_plainly_and_nothing_is_written(shop: Database) -> None:
    """SQLITE_FULL, simulated by capping the file at the pages it has (PRAGMA
    max_page_count): SQLite then answers exactly as on a full disk."""

    def fill(session: object) -> None:
        assert hasattr(session, "execute")
        pages = session.execute(text("PRAGMA page_count")).scalar()
        session.execute(text(f"PRAGMA max_page_count = {pages}"))
        for n in range(2000):
            create_customer(session, f"C{n:04}", "x" * 500)  # type: ignore[arg-type]

    with pytest.raises(DiskFull, match="is full; nothing was saved") as raised:
        shop.run(fill)
    assert "shop.sqlite3" in str(raised.value)
    assert customers(shop) == ["ANN"]


def test_a_write_to_a_read_only_file_says_so_and_writes_nothing(tmp_path: Path) -> None:
    """A file that became read-only while the shop was open: SQLITE_READONLY on the write."""
    path = tmp_path / "shop.sqlite3"
    open_database(f"sqlite:///{path}", backup_dir=tmp_path / "bk").dispose()
    before = path.read_bytes()
    with read_only(path):
        database = Database(f"sqlite:///{path}")
        try:
            assert customers(database) == []  # reading works
            with pytest.raises(DatabaseReadOnly, match="cannot be written") as raised:
                database.run(lambda session: create_customer(session, "BOB", "Bob"))
            assert "shop.sqlite3" in str(raised.value) and "Nothing was saved" in str(raised.value)
        finally:
            database.dispose()
    assert path.read_bytes() == before


# --- PostgreSQL -------------------------------------------------------------------------------


def within(seconds: float, fn: Callable[[], object]) -> BaseException:
    """Run ``fn`` on a thread; fail (rather than hang the suite) if it is not done in time;
    return what it raised."""
    outcome: list[BaseException] = []

    def call() -> None:
        try:
            fn()
        except BaseException as error:
            outcome.append(error)

    thread = threading.Thread(target=call, daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), f"still waiting after {seconds} s"
    assert outcome, "nothing was raised"
    return outcome[0]


def test_a_server_that_accepts_but_never_answers_times_out_with_a_plain_message() -> None:
    with fake_server(never_answers) as port:
        url = f"postgresql+psycopg://shop@127.0.0.1:{port}/shop"
        started = time.monotonic()
        error = within(30, lambda: open_database(url, timeouts=ServerTimeouts(connect=2)))
    assert isinstance(error, DatabaseUnavailable), error
    assert str(error).startswith(
        f"The database server at 127.0.0.1:{port} did not answer within 2 seconds."
    )
    assert 1.5 < time.monotonic() - started < 20


def test_the_url_s_own_connect_timeout_is_the_one_waited_for_and_said() -> None:
    with fake_server(never_answers) as port:
        url = f"postgresql+psycopg://shop@127.0.0.1:{port}/shop?connect_timeout=3"
        error = within(30, lambda: open_database(url))
    assert "did not answer within 3 seconds" in str(error)


@pytest.mark.parametrize(
    "words",
    [
        'password authentication failed for user "shop"',
        "Passwort-Authentifizierung für Benutzer »shop« fehlgeschlagen",  # a German server
    ],
)
def test_a_refused_password_is_said_to_be_refused_not_unreachable(words: str) -> None:
    with fake_server(refuses_login("28P01", words)) as port:
        url = f"postgresql+psycopg://shop:wrong@127.0.0.1:{port}/shop"
        error = within(30, lambda: open_database(url, timeouts=ServerTimeouts(connect=5)))
    assert isinstance(error, DatabaseUnavailable), error
    assert str(error).startswith(
        f'The server refused the user name or password (user "shop" at 127.0.0.1:{port}).'
    )
    assert "cannot be reached" not in str(error)


def test_no_password_for_a_server_that_wants_one_is_a_refused_login() -> None:
    with fake_server(refuses_login("28P01", "unused")) as port:
        url = f"postgresql+psycopg://shop@127.0.0.1:{port}/shop"
        error = within(30, lambda: open_database(url, timeouts=ServerTimeouts(connect=5)))
    assert "refused the user name or password" in str(error)


def test_a_server_that_is_not_there_cannot_be_reached() -> None:
    error = within(30, lambda: open_database("postgresql+psycopg://shop@127.0.0.1:9/shop"))
    assert isinstance(error, DatabaseUnavailable)
    assert str(error).startswith("The database server at 127.0.0.1:9 cannot be reached")


@pytest.mark.postgres
def test_an_unknown_database_on_a_real_server_is_named(postgres_url: str) -> None:
    url = make_url(postgres_url).set(database="no_such_shop").render_as_string(hide_password=False)
    with pytest.raises(DatabaseNotFound) as raised:
        open_database(url)
    assert str(raised.value).startswith('There is no database "no_such_shop" on the server at')


@pytest.mark.postgres
def test_an_unknown_user_on_a_real_server_is_a_refused_login(postgres_url: str) -> None:
    url = make_url(postgres_url).set(username="no_such_clerk").render_as_string(hide_password=False)
    with pytest.raises(DatabaseUnavailable, match="refused the user name or password"):
        open_database(url)


@pytest.fixture
def pg_shop(postgres_url: str, tmp_path: Path) -> Iterator[str]:
    reset_postgres(postgres_url)
    database = open_database(postgres_url, backup_dir=tmp_path / "bk")
    with database.write() as session:
        create_customer(session, "ANN", "Ann")
    database.dispose()
    yield postgres_url


@pytest.mark.postgres
def test_a_write_stuck_behind_another_till_s_lock_stops_at_the_statement_timeout(
    pg_shop: str,
) -> None:
    """Another till holds ANN's row and never lets go: the server stops the waiting
    statement after the statement timeout, the till says so, and nothing is saved."""
    database = Database(pg_shop, timeouts=ServerTimeouts(statement=1))
    holder = Database(pg_shop)
    try:
        with holder.write() as other:
            other.execute(text("SELECT * FROM customer WHERE code = 'ANN' FOR UPDATE"))

            def rename(session: object) -> None:
                assert hasattr(session, "execute")
                session.execute(text("UPDATE customer SET name = 'Annie' WHERE code = 'ANN'"))
                create_customer(session, "BOB", "Bob")  # type: ignore[arg-type]

            started = time.monotonic()
            with pytest.raises(DatabaseUnavailable) as raised:
                database.run(rename)
            assert time.monotonic() - started < 10
        assert str(raised.value).startswith(
            "The database server did not answer within 1 second, so the work was stopped; "
            "nothing was saved."
        )
        with database.read() as session:
            assert session.scalars(select(Customer.name)).all() == ["Ann"]
    finally:
        database.dispose()
        holder.dispose()


@pytest.mark.postgres
def test_the_default_statement_timeout_is_set_and_lifted_for_upgrades_and_backups(
    pg_shop: str,
) -> None:
    database = Database(pg_shop)
    try:
        with database.engine.connect() as connection:
            assert connection.exec_driver_sql("SHOW statement_timeout").scalar() == "2min"
            connection.rollback()
            with connection.begin():
                without_statement_timeout(connection)
                assert connection.exec_driver_sql("SHOW statement_timeout").scalar() == "0"
            assert connection.exec_driver_sql("SHOW statement_timeout").scalar() == "2min"
    finally:
        database.dispose()
