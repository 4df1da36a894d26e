"""Shared fixtures: a fresh shop database per test (SQLite, and PostgreSQL when configured)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from app.db import Database, open_database  # noqa: E402
from app.db.database import make_engine  # noqa: E402

PG_URL_VARIABLE = "SHOPKEEPER_TEST_DATABASE_URL"


def _reset_postgres(url: str) -> None:
    engine = make_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()


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
        url = os.environ.get(PG_URL_VARIABLE, "")
        if not url:
            pytest.skip(f"{PG_URL_VARIABLE} is not set")
        _reset_postgres(url)
    database = open_database(url, backup_dir=tmp_path / "bk")
    yield database
    database.dispose()
