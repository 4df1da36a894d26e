"""Declarative base, naming convention and column types shared by every mapped class."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import DateTime, Enum, MetaData, Numeric, TypeDecorator
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase

#: Constraint names must be stable so Alembic batch migrations on SQLite can find them.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Stores times as naive UTC and hands them back timezone-aware.

    SQLite has no time zones; storing naive UTC everywhere keeps comparisons and sorting
    correct on both SQLite and PostgreSQL.
    """

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; Shopkeeper stores times in UTC")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if isinstance(value, str):  # raw SQL paths on SQLite
            value = datetime.fromisoformat(value)
        assert isinstance(value, datetime)
        return value.replace(tzinfo=UTC)


def stored_enum(cls: type, name: str) -> Enum:
    """A column type for a ``StrEnum``: stores the member's *value* ("out_of_stock"), which
    is also what CSV files and SQL filters use; a VARCHAR with no CHECK (``native_enum``
    off), so a newer Shopkeeper can add members without rebuilding a table on SQLite."""
    return Enum(
        cls,
        name=name,
        native_enum=False,
        validate_strings=True,
        length=20,
        values_callable=lambda e: [m.value for m in e],
    )


#: Money: exact decimals with two places, never floats.
Money = Numeric(12, 2, asdecimal=True)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime, Decimal: Money}


def utcnow() -> datetime:
    """The current time, timezone-aware in UTC (the only kind of time Shopkeeper stores)."""
    return datetime.now(UTC)
