"""The schema: a new database is created at head, and the migrations build the models' schema."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, inspect, text

from app.db import Database
from app.db.database import make_engine
from app.db.migrate import alembic_config, current_revision, head_revision
from app.domain import Base
from tests.conftest import reset_postgres


def test_a_new_database_is_stamped_at_head(db: Database) -> None:
    with db.engine.connect() as connection:
        assert current_revision(connection) == head_revision()
        tables = set(inspect(connection).get_table_names())
    assert set(Base.metadata.tables) <= tables


def test_a_new_database_has_the_default_shop_location(db: Database) -> None:
    with db.read() as session:
        rows = session.execute(text("SELECT code FROM location")).scalars().all()
    assert rows == ["SHOP"]


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def empty_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'empty.sqlite3'}"
    else:
        url = request.getfixturevalue("postgres_url")
        reset_postgres(url)
    engine = make_engine(url)
    yield engine
    engine.dispose()


def test_migrating_an_empty_database_gives_the_models_schema(empty_engine: Engine) -> None:
    with empty_engine.begin() as connection:
        command.upgrade(alembic_config(connection), "head")
    with empty_engine.connect() as connection:
        assert current_revision(connection) == head_revision()
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, Base.metadata)
    assert differences == []


def test_the_migrations_create_the_partial_queue_indexes(empty_engine: Engine) -> None:
    with empty_engine.begin() as connection:
        command.upgrade(alembic_config(connection), "head")
    with empty_engine.connect() as connection:
        indexes = {ix["name"] for ix in inspect(connection).get_indexes("order_line")}
    assert {"ix_order_line_waiting", "ix_order_line_queue"} <= indexes


def test_the_migrations_downgrade_to_nothing_and_back(empty_engine: Engine) -> None:
    with empty_engine.begin() as connection:
        command.upgrade(alembic_config(connection), "head")
    with empty_engine.begin() as connection:
        command.downgrade(alembic_config(connection), "base")
    with empty_engine.connect() as connection:
        assert set(inspect(connection).get_table_names()) <= {"alembic_version"}
    with empty_engine.begin() as connection:
        command.upgrade(alembic_config(connection), "head")
    with empty_engine.connect() as connection:
        assert current_revision(connection) == head_revision()


def test_the_head_constant_names_the_newest_migration() -> None:
    from app.db.migrate import HEAD_REVISION

    assert head_revision() == HEAD_REVISION
