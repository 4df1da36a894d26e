"""The serving order of the backorder queue, in one place.

Every part of Shopkeeper that needs "who is served first" (the receive preview, freed-stock
allocation, the ETAs, the Backorders tab, the export) takes its ordering from here, so the
queue a clerk sees is the queue that receipts serve.

The order, under either :class:`QueuePolicy`:

1. pinned lines first, in the order they were pinned (a manager's "serve this one next");
2. under the loyalty policy, gold customers before standard ones;
3. the line's queue time (the order's placed-at time, or where a manager moved it), then its
   nudge (a manager's tie-break), then the order ref and line number (so ties are stable).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import ColumnElement, and_, case

from app.domain.catalog import Customer
from app.domain.enums import CustomerTier, QueuePolicy
from app.domain.orders import OrderLine, SalesOrder

#: Tier rank under the loyalty policy: lower is served first.
TIER_RANK: dict[CustomerTier, int] = {CustomerTier.GOLD: 0, CustomerTier.STANDARD: 1}

#: The key of one line: (pin rank, tier rank, queue time, nudge, order ref, line number).
ServingKey = tuple[int, int, datetime, int, str, int]


def serving_order(policy: QueuePolicy = QueuePolicy.FIFO) -> tuple[Any, ...]:
    """SQL ORDER BY terms for the queue under ``policy``.

    Queries using it must join SalesOrder to OrderLine, and (loyalty) Customer to SalesOrder.
    """
    pin_rank = case((OrderLine.pinned, 0), else_=1)
    terms: list[Any] = [pin_rank]
    if policy is QueuePolicy.LOYALTY:
        terms.append(
            case(
                (OrderLine.pinned, 0),
                (Customer.tier == CustomerTier.GOLD.value, TIER_RANK[CustomerTier.GOLD]),
                else_=TIER_RANK[CustomerTier.STANDARD],
            )
        )
    terms += [OrderLine.queued_at, OrderLine.queue_nudge, SalesOrder.ref, OrderLine.line_no]
    return tuple(terms)


def serving_key(
    policy: QueuePolicy,
    *,
    pinned: bool,
    tier: CustomerTier | str,
    queued_at: datetime,
    nudge: int,
    order_ref: str,
    line_no: int,
) -> ServingKey:
    """The same ordering as :func:`serving_order`, for rows already in memory."""
    tier_rank = 0
    if policy is QueuePolicy.LOYALTY and not pinned:
        tier_rank = TIER_RANK[CustomerTier(tier)]
    return (0 if pinned else 1, tier_rank, queued_at, nudge, order_ref, line_no)


def serving_segments(policy: QueuePolicy) -> tuple[ColumnElement[bool], ...]:
    """The queue under ``policy`` as consecutive segments, each in queue-time order.

    Concatenating the segments, each ordered by :func:`segment_order`, gives exactly
    :func:`serving_order`. A page of the queue read segment by segment walks the queue's
    time index instead of sorting every waiting line by a computed rank (the Backorders
    tab's first page). Loyalty's segments need Customer joined to SalesOrder.
    """
    unpinned = OrderLine.pinned.is_(False)
    if policy is QueuePolicy.LOYALTY:
        gold = Customer.tier == CustomerTier.GOLD.value
        return (OrderLine.pinned.is_(True), and_(unpinned, gold), and_(unpinned, ~gold))
    return (OrderLine.pinned.is_(True), unpinned)


def segment_order() -> tuple[Any, ...]:
    """ORDER BY terms within one of :func:`serving_segments` (needs SalesOrder joined)."""
    return (OrderLine.queued_at, OrderLine.queue_nudge, SalesOrder.ref, OrderLine.line_no)


class QueuedLine(NamedTuple):
    """What a manager's move needs to know of a waiting line of one product's queue."""

    order_line_id: int
    pinned: bool
    tier: CustomerTier | str
    queued_at: datetime
    nudge: int
    order_ref: str
    line_no: int

    def rank(self, policy: QueuePolicy) -> tuple[int, int]:
        """The line's class under ``policy`` (pinned; gold under loyalty; the rest).

        A manager's move never crosses classes: under loyalty a standard customer's line
        cannot jump a gold one (pin it instead), and no move crosses the pinned lines.
        """
        return self.key(policy)[:2]

    def key(self, policy: QueuePolicy) -> ServingKey:
        return serving_key(
            policy,
            pinned=self.pinned,
            tier=self.tier,
            queued_at=self.queued_at,
            nudge=self.nudge,
            order_ref=self.order_ref,
            line_no=self.line_no,
        )


def tie_key(line: QueuedLine) -> tuple[int, str, int]:
    """How lines sharing a queue time are ordered, under any policy."""
    return (line.nudge, line.order_ref, line.line_no)


def nudges_for_move(
    moved: QueuedLine, neighbour: QueuedLine, sharing: Sequence[QueuedLine], *, ahead: bool
) -> dict[int, int]:
    """New nudges (line id -> nudge) putting ``moved`` just ahead of (``ahead``) or just
    behind ``neighbour``, once ``moved`` takes the neighbour's queue time.

    ``sharing`` are the other waiting lines of the product queued at the neighbour's time
    (the neighbour among them). They are renumbered 0, 1, 2... in their current tie order
    with ``moved`` slotted next to the neighbour, so the order is exact whatever nudges they
    had; only lines whose nudge changes are returned.
    """
    others = sorted(
        (line for line in sharing if line.order_line_id != moved.order_line_id), key=tie_key
    )
    at = next(i for i, line in enumerate(others) if line.order_line_id == neighbour.order_line_id)
    ordered = [*others[: at if ahead else at + 1], moved, *others[at if ahead else at + 1 :]]
    result: dict[int, int] = {}
    for nudge, line in enumerate(ordered):
        if line.order_line_id == moved.order_line_id or line.nudge != nudge:
            result[line.order_line_id] = nudge
    return result


def ordinal(number: int) -> str:
    """1st, 2nd, 3rd, 4th, 11th, 12th, 13th, 21st..."""
    if 10 <= number % 100 <= 20:
        suffix = "th"
    else:
        suffix = {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    return f"{number:,}{suffix}"
