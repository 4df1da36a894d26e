"""Who is served first: the shop's queue policy and a manager's pins and moves.

The serving order itself is ``app.domain.queue``; this module changes what it reads. The
policy is a shop-wide setting (every till serves the same queue). A pin puts a line at the
front of its product's queue (pinned lines in pin order); a move swaps a line with its
neighbour by giving it the neighbour's queue time and a nudge just ahead of or behind it,
so the change survives later arrivals and a policy switch without renumbering the queue.

Every change here re-serves what it touched in the caller's transaction: the ETAs and
queue positions are recomputed, and the products' ``StockBalance.version`` is bumped so an
allocation preview taken before is stale (it would serve the old order). No Qt.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Literal

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.domain import Customer, LineEta, OrderLine, SalesOrder, StockBalance
from app.domain.base import utcnow
from app.domain.enums import QueuePolicy
from app.domain.errors import InvalidTransition, NotFound
from app.domain.permissions import Permission, require
from app.domain.queue import QueuedLine, nudges_for_move, ordinal, serving_order
from app.domain.settings import QUEUE_POLICY_KEY, ShopSetting
from app.services.changes import Area, Changes
from app.services.eta.store import NO_ETA_CHANGES, EtaChanges, recompute_etas

log = logging.getLogger(__name__)

Direction = Literal["up", "down"]

#: Product ids bound per IN list when bumping versions.
_CHUNK = 500


@dataclass(frozen=True, slots=True)
class QueuePlace:
    """Where a line stands after a pin or move (for the window's one-line outcome)."""

    order_line_id: int
    product_id: int
    position: int  #: 1: served next
    units_ahead: int
    #: The product's queue (places, ETAs) and the order whose line moved.
    changes: Changes

    @property
    def text(self) -> str:
        """ "now 3rd in its product's queue; 12 units ahead" """
        ahead = f"{self.units_ahead:,} unit{'' if self.units_ahead == 1 else 's'} ahead"
        return f"now {ordinal(self.position)} in its product's queue; {ahead}"


def get_queue_policy(session: Session) -> QueuePolicy:
    """The shop's queue policy (first come, first served until a manager chooses another)."""
    setting = session.get(ShopSetting, QUEUE_POLICY_KEY)
    if setting is None:
        return QueuePolicy.FIFO
    try:
        return QueuePolicy(setting.value)
    except ValueError:
        # Written by a newer Shopkeeper, or by hand: serve first come, first served rather
        # than refuse to open the queue.
        log.warning("unknown queue policy %r; serving first come, first served", setting.value)
        return QueuePolicy.FIFO


def set_queue_policy(session: Session, policy: QueuePolicy) -> EtaChanges:
    """Make ``policy`` the shop's and re-serve every queue under it.

    Every waiting line's ETA and position are recomputed (only changed rows written), and
    the products whose queue order changed have their balances' version bumped. Setting the
    policy in force changes nothing. Its ``changes``: the setting and every queue.
    """
    require(session, Permission.CHANGE_SETTINGS)
    policy = QueuePolicy(policy)
    if get_queue_policy(session) is policy:
        return NO_ETA_CHANGES
    setting = session.get(ShopSetting, QUEUE_POLICY_KEY)
    if setting is None:
        session.add(ShopSetting(key=QUEUE_POLICY_KEY, value=policy.value))
    else:
        setting.value = policy.value
    changes = recompute_etas(session, policy=policy)
    _bump_versions(session, changes.reordered)
    return replace(changes, changes=Changes.of(Area.SETTINGS, Area.QUEUE))


def pin_line(session: Session, order_line_id: int) -> QueuePlace:
    """Serve this waiting line before every unpinned line of its product (pinned lines are
    served in the order they were pinned)."""
    require(session, Permission.REORDER_QUEUE)
    line = _waiting_line(session, order_line_id)
    if line.pinned:
        raise InvalidTransition("This line is already pinned to the front of its queue.")
    # Strictly after the product's latest pin, so pin order is exact even within a tick.
    latest = session.scalar(
        select(OrderLine.queued_at)
        .where(
            OrderLine.product_id == line.product_id,
            OrderLine.qty_backordered > 0,
            OrderLine.pinned.is_(True),
        )
        .order_by(OrderLine.queued_at.desc())
        .limit(1)
    )
    now = utcnow()
    if latest is not None and latest >= now:
        now = latest + timedelta(microseconds=1)
    line.pinned, line.queued_at, line.queue_nudge = True, now, 0
    return _reserve(session, line)


def unpin_line(session: Session, order_line_id: int) -> QueuePlace:
    """Put a pinned line back in its place: queued when its order was placed."""
    require(session, Permission.REORDER_QUEUE)
    line = _waiting_line(session, order_line_id)
    if not line.pinned:
        raise InvalidTransition("This line is not pinned.")
    line.pinned, line.queued_at, line.queue_nudge = False, line.order.placed_at, 0
    return _reserve(session, line)


def move_line(session: Session, order_line_id: int, direction: Direction) -> QueuePlace:
    """Swap a waiting line with the line just ahead of it ("up") or just behind it ("down")
    in its product's queue, under the shop's policy.

    Refused, with a message saying what to do instead, at either end of the queue, across
    the pinned lines, and (loyalty) across customer tiers.
    """
    require(session, Permission.REORDER_QUEUE)
    if direction not in ("up", "down"):
        raise ValueError(f"direction must be 'up' or 'down', not {direction!r}")
    line = _waiting_line(session, order_line_id)
    policy = get_queue_policy(session)
    queue = _product_queue(session, line.product_id, policy)
    at = next(i for i, q in enumerate(queue) if q.order_line_id == order_line_id)
    moved = queue[at]
    other = at - 1 if direction == "up" else at + 1
    if not 0 <= other < len(queue):
        where = "first" if direction == "up" else "last"
        raise InvalidTransition(f"This line is already {where} in its product's queue.")
    neighbour = queue[other]
    if moved.rank(policy) != neighbour.rank(policy):
        raise InvalidTransition(_refusal(moved, neighbour, direction, policy))
    sharing = [q for q in queue if q.queued_at == neighbour.queued_at]
    nudges = nudges_for_move(moved, neighbour, sharing, ahead=direction == "up")
    line.queued_at = neighbour.queued_at
    line.queue_nudge = nudges.pop(order_line_id)
    if nudges:
        session.execute(
            update(OrderLine),
            [{"id": line_id, "queue_nudge": nudge} for line_id, nudge in nudges.items()],
        )
    return _reserve(session, line)


def _refusal(
    moved: QueuedLine, neighbour: QueuedLine, direction: Direction, policy: QueuePolicy
) -> str:
    """Why a move across classes is refused, and what to do instead."""
    if direction == "up":
        if neighbour.pinned:
            return (
                "The line ahead is pinned to the front. Pin this line too to serve it "
                "with the pinned lines."
            )
        return (
            f"Under “{policy.label}”, a standard customer's line cannot move ahead of a gold "
            "customer's. Pin it to the front instead."
        )
    if moved.pinned:
        return "This is the last pinned line. Unpin it to put it back in its place."
    return (
        f"Under “{policy.label}”, a gold customer's line cannot move behind a standard "
        "customer's. Pin the other line to the front instead."
    )


def _waiting_line(session: Session, order_line_id: int) -> OrderLine:
    line = session.get(OrderLine, order_line_id, with_for_update=True)
    if line is None:
        raise NotFound("That order line no longer exists.")
    if line.qty_backordered <= 0:
        raise InvalidTransition("This line is no longer waiting: nothing to reorder.")
    return line


def _product_queue(session: Session, product_id: int, policy: QueuePolicy) -> list[QueuedLine]:
    """One product's waiting lines in serving order under ``policy``."""
    rows = session.execute(
        select(
            OrderLine.id,
            OrderLine.pinned,
            Customer.tier,
            OrderLine.queued_at,
            OrderLine.queue_nudge,
            SalesOrder.ref,
            OrderLine.line_no,
        )
        .join(SalesOrder, SalesOrder.id == OrderLine.order_id)
        .join(Customer, Customer.id == SalesOrder.customer_id)
        .where(OrderLine.product_id == product_id, OrderLine.qty_backordered > 0)
        .order_by(*serving_order(policy))
    )
    return [QueuedLine(*row) for row in rows]


def reserve_customer(session: Session, customer_id: int) -> Changes:
    """A customer's tier changed: under the loyalty policy their waiting lines move, so the
    products they wait for are re-served (stale previews, fresh ETAs and positions).
    Returns the queues re-served (none under another policy)."""
    if get_queue_policy(session) is not QueuePolicy.LOYALTY:
        return Changes()
    session.flush()
    products = session.scalars(
        select(OrderLine.product_id)
        .join(SalesOrder, SalesOrder.id == OrderLine.order_id)
        .where(SalesOrder.customer_id == customer_id, OrderLine.qty_backordered > 0)
        .distinct()
    ).all()
    if not products:
        return Changes()
    _bump_versions(session, products)
    recompute_etas(session, products)
    return Changes.of(Area.QUEUE, product_ids=products)


def _reserve(session: Session, line: OrderLine) -> QueuePlace:
    """Re-serve the line's product: stale previews, fresh ETAs and positions."""
    session.flush()
    _bump_versions(session, [line.product_id])
    recompute_etas(session, [line.product_id])
    place = session.execute(
        select(LineEta.position, LineEta.units_ahead).where(LineEta.order_line_id == line.id)
    ).one()
    changes = Changes.of(
        Area.QUEUE, Area.ORDERS, product_ids=[line.product_id], order_refs=[line.order.ref]
    )
    return QueuePlace(line.id, line.product_id, int(place[0]), int(place[1]), changes)


def _bump_versions(session: Session, product_ids: Iterable[int]) -> None:
    """Mark every balance of these products changed, so an open preview is refused."""
    ids = sorted(set(product_ids))
    for begin in range(0, len(ids), _CHUNK):
        session.execute(
            update(StockBalance)
            .where(StockBalance.product_id.in_(ids[begin : begin + _CHUNK]))
            .values(version=StockBalance.version + 1)
            .execution_options(synchronize_session=False)
        )


__all__ = [
    "Direction",
    "QueuePlace",
    "get_queue_policy",
    "move_line",
    "pin_line",
    "reserve_customer",
    "set_queue_policy",
    "unpin_line",
]
