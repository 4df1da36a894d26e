"""Why a waiting line gets units from a plan, in one line a clerk can read.

Only words: no plan, no database. Separate so the texts live in one place (the receive and
freed-stock previews show them, each allocation event stores one) and a flash-sale plan
builds each distinct text once (cached).
"""

from __future__ import annotations

from functools import lru_cache

from app.domain.queue import ordinal

_PRIORITY_TEXT = {
    "pinned": "pinned by a manager",
    "gold": "gold customer",
    "moved": "moved in the queue by a manager",
}


def waiting_text(days: int) -> str:
    """ "waiting 12 days" (or "waiting 1 day", "placed today")."""
    if days <= 0:
        return "placed today"
    return f"waiting {days:,} day" if days == 1 else f"waiting {days:,} days"


@lru_cache(maxsize=8192)  # a flash sale repeats the same few thousand reasons across products
def allocation_reason(*, priority: str, days_waiting: int, position: int, by_clerk: bool) -> str:
    """One line a clerk can read: why a waiting line gets units from this plan.

    "gold customer, waiting 12 days, 2nd in queue"; "pinned by a manager, 1st in queue";
    "waiting 3 days, 5th in queue"; a quantity the clerk changed says so. Cheap enough for
    every line of a 45k-line flash-sale plan: a few string joins, each text built once.
    """
    parts = []
    if priority:
        parts.append(_PRIORITY_TEXT[priority])
    if priority != "pinned":
        parts.append(waiting_text(days_waiting))
    parts.append(f"{ordinal(position)} in queue")
    text = ", ".join(parts)
    return f"{text}; quantity set by the clerk" if by_clerk else text
