"""Search conditions shared by the tabs: "contains", "starts with" and matched-id lookups.

Each dialect wants its own form to stay on an index (SQLite's LIKE already ignores ASCII
case; PostgreSQL needs ILIKE), and ids matched first (customers, products) are bound inline
when few, so the tabs build their filters from these rather than LIKE on joined names. No Qt.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from sqlalchemy import ColumnElement, Select, and_, or_
from sqlalchemy.orm import Session

#: Matching ids (customers, products) up to this many are bound inline in an IN list.
MAX_INLINE_IDS = 5_000


def _is_sqlite(session: Session) -> bool:
    return session.get_bind().dialect.name == "sqlite"


def _like(session: Session, text: str, *columns: Any) -> ColumnElement[bool] | None:
    """Case-insensitive "contains" on any of the columns (LIKE/ILIKE, wildcards escaped)."""
    text = text.strip()
    return _matches(session, text, *columns) if text else None


def _matches(session: Session, text: str, *columns: Any) -> ColumnElement[bool]:
    text = text.strip()
    if _is_sqlite(session):
        # SQLite's LIKE already ignores (ASCII) case, as lower() does; without lower() on
        # the column a covering index on it can be scanned instead of the table (3x faster).
        return or_(*(column.contains(text, autoescape=True) for column in columns))
    return or_(*(column.icontains(text, autoescape=True) for column in columns))


def _starts_with(session: Session, column: Any, text: str) -> ColumnElement[bool]:
    """The column starts with the text, ignoring case, as index range scans where possible.

    On SQLite (binary collation) ``prefix <= column < prefix-with-its-last-character-bumped``
    is an index range, where any LIKE would scan the table; it is tried for the text as typed,
    upper- and lower-cased (references are "SO-000123" or as imported). PostgreSQL's collation
    may not order a prefix's extensions inside that range, so there it is a plain ILIKE.
    """
    if not _is_sqlite(session):
        return cast(ColumnElement[bool], column.istartswith(text, autoescape=True))
    ranges: list[ColumnElement[bool]] = []
    for prefix in dict.fromkeys((text, text.upper(), text.lower())):
        last = ord(prefix[-1])
        if last >= 0x10FFFF:
            ranges.append(column >= prefix)
        else:
            ranges.append(and_(column >= prefix, column < prefix[:-1] + chr(last + 1)))
    return or_(*ranges)


def _ids_in(column: Any, ids: Sequence[int], fallback: Select[Any]) -> ColumnElement[bool]:
    """``column IN (ids)`` with the ids inline (so the planner sees how few they are), or
    ``IN (fallback)`` when there are too many to bind."""
    if len(ids) > MAX_INLINE_IDS:
        return cast(ColumnElement[bool], column.in_(fallback))
    return cast(ColumnElement[bool], column.in_(ids))
