"""Paging and counting shared by every tab's read queries.

Every tab pages the same way (a small, indexed query of ids, ordered and limited, then the
page's figures read for those ids alone, put back in the page's order) and counts with a cap,
so those helpers live here once. No Qt.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

#: Rows a table asks for at a time.
PAGE_SIZE = 200
#: Counts stop here: "100,000+ orders" is as useful as the exact number and far cheaper.
COUNT_CAP = 100_000

K = TypeVar("K")
R = TypeVar("R")


@dataclass(frozen=True, slots=True)
class Count:
    """How many rows match a filter; ``exact`` is False when counting stopped at the cap."""

    value: int
    exact: bool = True

    def text(self, singular: str, plural: str) -> str:
        """E.g. "1,234 products", "1 product", "100,000+ orders"."""
        noun = singular if self.value == 1 and self.exact else plural
        return f"{self.value:,}{'' if self.exact else '+'} {noun}"


def _capped_count(session: Session, ids: Select[Any], cap: int) -> Count:
    counted = session.scalar(select(func.count()).select_from(ids.limit(cap + 1).subquery())) or 0
    return Count(min(counted, cap), exact=counted <= cap)


def _ordered(
    stmt: Select[Any], sorts: dict[str, Any], key: str, descending: bool, tiebreak: Any
) -> Select[Any]:
    if key not in sorts:
        raise ValueError(f"cannot sort by {key!r}; sortable: {', '.join(sorts)}")
    expression = sorts[key]
    if descending:
        return stmt.order_by(expression.desc(), tiebreak.desc())
    return stmt.order_by(expression.asc(), tiebreak.asc())


def _in_page_order(ids: Sequence[K], rows: Iterable[R], key: Callable[[R], K]) -> list[R]:
    by_id = {key(row): row for row in rows}
    return [by_id[i] for i in ids if i in by_id]
