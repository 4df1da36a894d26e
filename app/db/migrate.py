"""Schema versions: create, check and upgrade a database with Alembic, from package data.

The migration scripts live inside the package (``app/db/migrations``) and are found from
this file's location, never the working directory, so they work in a PyInstaller bundle.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, inspect, text

from app.domain import Base
from app.domain.errors import DatabaseCorrupt, DatabaseTooNew

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"

#: The newest migration this app ships (a test checks it against the scripts). Comparing with
#: it lets an up-to-date database open without importing Alembic (~0.4 s of start-up).
HEAD_REVISION = "0016"


def alembic_config(connection: Connection | None = None) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    """The head revision according to the migration scripts themselves."""
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None, "no migrations found in the package"
    return head


def current_revision(connection: Connection) -> str | None:
    """The schema revision stamped in the database, or None if it has none."""
    if not inspect(connection).has_table("alembic_version"):
        return None
    versions = connection.execute(text("SELECT version_num FROM alembic_version")).scalars()
    heads = list(versions)
    return heads[0] if len(heads) == 1 else None


def is_empty(connection: Connection) -> bool:
    return not inspect(connection).get_table_names()


def needs_upgrade(connection: Connection) -> bool:
    """Whether the schema is older than this app's (raises DatabaseTooNew if it is newer)."""
    current = current_revision(connection)
    if current is None:
        if not is_empty(connection):
            raise DatabaseCorrupt(
                "This database holds tables but is not a Shopkeeper database; "
                "nothing was changed. Choose another file."
            )
        return True
    if current == HEAD_REVISION:
        return False
    from alembic.script import ScriptDirectory
    from alembic.util import CommandError

    script = ScriptDirectory.from_config(alembic_config())
    try:
        known = script.get_revision(current) is not None
    except CommandError:  # alembic raises for a revision its scripts do not know
        known = False
    if not known:
        raise DatabaseTooNew(
            "This shop database was written by a newer version of Shopkeeper "
            f"(schema {current}). Install the newer version to open it; nothing was changed."
        )
    return current != head_revision()


def create_or_upgrade(connection: Connection) -> None:
    """Bring the schema to head: a brand-new database is created and stamped, others upgraded."""
    from alembic import command

    if is_empty(connection):
        Base.metadata.create_all(connection)
        command.stamp(alembic_config(connection), "head")
    else:
        command.upgrade(alembic_config(connection), "head")
