"""The audit trail: who did what, on which till, when, and what it was before and after.

Rows are only ever added. The services have no path that changes or deletes one, and the
database refuses it too: triggers on SQLite and PostgreSQL (created with the table, by
``create_all`` for a new shop and by migration 0011 for an existing one) abort any UPDATE or
DELETE of an ``audit_event`` row (and a TRUNCATE on PostgreSQL), so a till with write access
to the shop cannot quietly rewrite what happened.

``user_id`` has no foreign key on purpose: the trail outlives the people in it, and a shop
records events before it has any users (the owner acts then, ``user_id`` empty).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DDL, String, Text, event
from sqlalchemy.orm import Mapped, mapped_column

from app.domain.base import Base, utcnow

#: What the database says when something tries to change or delete an audit row.
APPEND_ONLY_MESSAGE = "the audit trail is append-only: its rows cannot be changed or deleted"


class AuditEvent(Base):
    """One thing a person did, as it was written to the shop's database."""

    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    #: The signed-in person's id; empty for a shop without users (its owner acted).
    user_id: Mapped[int | None] = mapped_column(default=None)
    user_name: Mapped[str] = mapped_column(String(100), index=True)
    role: Mapped[str] = mapped_column(String(20))
    #: The computer's name.
    till: Mapped[str] = mapped_column(String(100))
    #: What happened: ``added``/``changed``/``removed`` for one record, ``bulk added`` /
    #: ``bulk changed`` for a statement writing many, or a named action (``signed in``...).
    action: Mapped[str] = mapped_column(String(40), index=True)
    #: The kind of record (its table: ``order_line``, ``product``...) and its key.
    entity: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[str | None] = mapped_column(String(60), default=None)
    order_ref: Mapped[str | None] = mapped_column(String(40), default=None, index=True)
    po_ref: Mapped[str | None] = mapped_column(String(40), default=None, index=True)
    product_id: Mapped[int | None] = mapped_column(default=None, index=True)
    #: The changed columns before and after, as JSON objects (None for an added / removed row).
    before: Mapped[str | None] = mapped_column(Text, default=None)
    after: Mapped[str | None] = mapped_column(Text, default=None)
    summary: Mapped[str] = mapped_column(String(300), default="")


def append_only_statements(dialect: str) -> list[str]:
    """The SQL that makes ``audit_event`` refuse UPDATE and DELETE on ``dialect``.

    Shared by the table's creation and by migration 0011, so a new shop and an upgraded one
    are guarded alike.
    """
    if dialect == "sqlite":
        return [
            f"CREATE TRIGGER audit_event_no_{verb.lower()} BEFORE {verb} ON audit_event "
            f"BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY_MESSAGE}'); END"
            for verb in ("UPDATE", "DELETE")
        ]
    if dialect == "postgresql":
        return [
            "CREATE FUNCTION audit_event_append_only() RETURNS trigger LANGUAGE plpgsql AS "
            f"$$ BEGIN RAISE EXCEPTION '{APPEND_ONLY_MESSAGE}'; END $$",
            "CREATE TRIGGER audit_event_no_change BEFORE UPDATE OR DELETE ON audit_event "
            "FOR EACH ROW EXECUTE FUNCTION audit_event_append_only()",
            "CREATE TRIGGER audit_event_no_truncate BEFORE TRUNCATE ON audit_event "
            "FOR EACH STATEMENT EXECUTE FUNCTION audit_event_append_only()",
        ]
    return []


def drop_append_only_statements(dialect: str) -> list[str]:
    """Undo :func:`append_only_statements` (a downgrade drops the table after this)."""
    if dialect == "postgresql":
        return ["DROP FUNCTION IF EXISTS audit_event_append_only() CASCADE"]
    return []


for _dialect in ("sqlite", "postgresql"):
    for _statement in append_only_statements(_dialect):
        event.listen(
            AuditEvent.__table__,
            "after_create",
            DDL(_statement).execute_if(dialect=_dialect),  # type: ignore[no-untyped-call]
        )
