"""The audit trail is append-only in the database itself, on a new shop and an upgraded one."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy import exc as sa_exc

from app.db import Database
from app.domain.audit import APPEND_ONLY_MESSAGE
from tests.conftest import reset_postgres

ONE_EVENT = (
    "INSERT INTO audit_event (at, user_name, role, till, action, entity, summary)"
    " VALUES ('2026-12-05 10:00:00', 'Owner', 'owner', 'TILL-1', 'changed', 'product',"
    " 'Kettle price 24.99 -> 25.99')"
)

REFUSED = (
    "UPDATE audit_event SET user_name = 'Someone else'",
    "DELETE FROM audit_event",
)


def assert_refused(engine: Engine, statement: str) -> None:
    with pytest.raises(sa_exc.DatabaseError) as refused, engine.begin() as connection:
        connection.execute(text(statement))
    assert APPEND_ONLY_MESSAGE in str(refused.value)


@pytest.mark.parametrize("statement", REFUSED)
def test_a_new_shop_refuses_to_change_or_delete_an_audit_row(db: Database, statement: str) -> None:
    with db.engine.begin() as connection:
        connection.execute(text(ONE_EVENT))
    assert_refused(db.engine, statement)
    with db.engine.connect() as connection:
        rows = connection.execute(text("SELECT user_name FROM audit_event")).scalars().all()
    assert rows == ["Owner"]


@pytest.mark.postgres
def test_postgresql_refuses_to_truncate_the_audit_trail(postgres_url: str, tmp_path: Path) -> None:
    from app.db.opening import open_database

    reset_postgres(postgres_url)
    database = open_database(postgres_url, backup_dir=tmp_path / "bk")
    try:
        with database.engine.begin() as connection:
            connection.execute(text(ONE_EVENT))
        assert_refused(database.engine, "TRUNCATE audit_event")
    finally:
        database.dispose()
