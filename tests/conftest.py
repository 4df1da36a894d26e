"""Shared fixtures: a fresh shop database per test (SQLite, and PostgreSQL when configured)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest
from keyring.backends import fail
from sqlalchemy import text
from sqlalchemy.engine import make_url

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from app.db import Database, open_database
from app.db.database import make_engine
from app.services.formatting import current_locale, set_locale
from tests.keyrings import MemoryKeyring

PG_URL_VARIABLE = "SHOPKEEPER_TEST_DATABASE_URL"


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A private PostgreSQL database for this test run, dropped at the end.

    SHOPKEEPER_TEST_DATABASE_URL names the server; each run works in its own database
    (``<name>_<pid>``) so that two runs on one server (two developers, CI) never collide.
    """
    base = os.environ.get(PG_URL_VARIABLE, "")
    if not base:
        pytest.skip(f"{PG_URL_VARIABLE} is not set")
    server = make_url(base)
    private = f"{server.database or 'test'}_run{os.getpid()}"
    admin = make_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{private}"'))
        connection.execute(text(f'CREATE DATABASE "{private}"'))
    url = server.set(database=private).render_as_string(hide_password=False)
    yield url
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{private}" WITH (FORCE)'))
    admin.dispose()


def reset_postgres(url: str) -> None:
    """Empty the database at ``url`` (every table, the schema version too)."""
    engine = make_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(autouse=True)
def same_locale_after() -> Iterator[None]:
    """A test that changes the formatting locale (the CLI sets the terminal's) leaves it as
    it found it, so the tests after it format amounts and dates the same whatever the order."""
    before = current_locale()
    yield
    set_locale(str(before))


@pytest.fixture(autouse=True)
def private_settings(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """Each test gets its own (empty) local settings file, never the developer's own."""
    path = tmp_path_factory.mktemp("config") / "settings.json"
    monkeypatch.setattr("app.db.config.settings_path", lambda: path)
    return path


@pytest.fixture
def sqlite_db(tmp_path: Path) -> Iterator[Database]:
    """A brand-new SQLite shop database in a temporary folder."""
    database = open_database(f"sqlite:///{tmp_path / 'shop.sqlite3'}", backup_dir=tmp_path / "bk")
    yield database
    database.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """A brand-new shop database: SQLite always, PostgreSQL when SHOPKEEPER_TEST_DATABASE_URL
    is set (skipped otherwise). Service tests use this one so they run on both."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'shop.sqlite3'}"
    else:
        url = request.getfixturevalue("postgres_url")
        reset_postgres(url)
    database = open_database(url, backup_dir=tmp_path / "bk")
    yield database
    database.dispose()


@pytest.fixture
def memory_keyring() -> Iterator[MemoryKeyring]:
    """Passwords kept in memory for the test (the real keyring is never touched)."""
    before = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(before)


@pytest.fixture
def no_keyring() -> Iterator[None]:
    """No keyring backend at all, as on a Linux box without a desktop session."""
    before = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    yield
    keyring.set_keyring(before)
