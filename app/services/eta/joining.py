"""ETAs of a new order's lines when they join the end of their products' queues.

Placing an order would otherwise recompute the whole queue of each product it touches
(:func:`~app.services.eta.store.recompute_etas`: ~0.3 s for a 50k-line flash-sale queue).
Usually a new waiting line joins the **end** of its product's queue: nothing is served after
it (first come, first served; under the loyalty policy a standard customer, or a gold one when
no unpinned standard line waits; a new line is never pinned). If it also took no stock while
others wait, no other line's inputs changed (the units ahead of them, the stock available to
them, the PO lines left for them), so no other line's ETA or place moves, and the new line's
own follow from three figures: the units of every other waiting line of the product (all of
them ahead), the units available now and the product's open PO lines in pegging order. The
walk (``pegging._walk``) is run on that tiny input (the lines ahead as one line, then the new
ones), which is exactly what it computes for them in the full queue: the walk carries only the
free units and the PO line it is at from one line to the next, and both depend only on the
total units walked before.

Anything else recomputes the product's whole queue: a line served after the new one (an
earlier placed-at time, a tie on queue time with another order, a gold customer jumping
standard lines under loyalty), stock taken while others wait (their cover may shrink), a new
line pinned or nudged. Proven equal to the full recompute by ``tests/services/
test_eta_joining.py``. No Qt.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Table, and_, bindparam, func, literal_column, or_, select
from sqlalchemy.orm import Session

from app.domain import Customer, LineEta, OrderLine, SalesOrder
from app.domain.enums import CustomerTier, QueuePolicy
from app.services.eta.confidence import supplier_confidence
from app.services.eta.pegging import _walk
from app.services.eta.reading import _available, incoming_lines
from app.services.eta.store import recompute_etas, stored_row

#: The id standing for "every line ahead of the new ones" in the walk (real ids are > 0).
_AHEAD = -1


@dataclass(frozen=True, slots=True)
class NewOrderEtas:
    """How a new order's ETAs were kept current, per product of the order."""

    #: Products whose new waiting lines joined the end of the queue: only their ETAs written.
    joined: frozenset[int]
    #: Products whose whole queue was recomputed (:func:`recompute_etas`).
    recomputed: frozenset[int]


def store_new_order_etas(session: Session, order: SalesOrder) -> NewOrderEtas:
    """Store the ETAs and queue places of a just-placed order's waiting lines, in the
    transaction (and under the balance locks) that placed it: only the new lines' where they
    join the end of their product's queue and took no stock others wait for, else the
    product's whole queue (:func:`recompute_etas`). Stores exactly what a full recompute
    would."""
    # Imported here: app.services.queue builds on this package (it re-serves the queue).
    from app.services.queue import get_queue_policy

    session.flush()
    policy = get_queue_policy(session)
    gold = CustomerTier(order.customer.tier) is CustomerTier.GOLD
    by_product: dict[int, list[OrderLine]] = {}
    for line in sorted(order.lines, key=lambda line: line.line_no):
        by_product.setdefault(line.product_id, []).append(line)
    joining: dict[int, tuple[int, int, list[OrderLine]]] = {}
    recompute: set[int] = set()
    for product_id, lines in by_product.items():
        new = [line for line in lines if line.qty_backordered > 0]
        took = any(line.qty_allocated > 0 for line in lines)
        if (
            any(line.pinned or line.queue_nudge for line in new)
            or len({line.queued_at for line in new}) > 1
        ):
            recompute.add(product_id)  # not a plain new line: let the full walk place it
            continue
        count, units = _others_waiting(session, product_id, order.id)
        if took and units:
            recompute.add(product_id)  # stock taken while others wait: their cover may shrink
            continue
        if not new:
            continue  # nothing of this product waits: no ETA to store
        if _served_after(session, product_id, order.id, new[0].queued_at, policy, gold=gold):
            recompute.add(product_id)
            continue
        joining[product_id] = (count, units, new)
    if joining:
        _store_joining(session, joining)
    if recompute:
        recompute_etas(session, sorted(recompute), policy=policy)
    return NewOrderEtas(frozenset(joining), frozenset(recompute))


#: ``qty_backordered > 0`` with the 0 inline, so the planner may use the partial
#: ``ix_order_line_waiting`` index (a bound parameter does not prove its WHERE clause).
_WAITING = OrderLine.qty_backordered > literal_column("0")


def _others_waiting(session: Session, product_id: int, order_id: int) -> tuple[int, int]:
    """(lines, units) of the product waiting on other orders: read from the covering index."""
    count, units = session.execute(
        select(func.count(), func.coalesce(func.sum(OrderLine.qty_backordered), 0)).where(
            OrderLine.product_id == product_id, _WAITING, OrderLine.order_id != order_id
        )
    ).one()
    return int(count), int(units)


def _served_after(
    session: Session,
    product_id: int,
    order_id: int,
    queued_at: datetime,
    policy: QueuePolicy,
    *,
    gold: bool,
) -> bool:
    """Whether another order's waiting line of the product might be served after a new
    unpinned line queued at ``queued_at`` (``app.domain.queue``'s order). A tie on queue
    time counts (order refs decide it; not worth comparing here)."""
    later = OrderLine.queued_at >= queued_at
    stmt = select(OrderLine.id).where(
        OrderLine.product_id == product_id,
        _WAITING,
        OrderLine.order_id != order_id,
        OrderLine.pinned.is_(False),
    )
    if policy is QueuePolicy.LOYALTY:
        standard = Customer.tier != CustomerTier.GOLD
        stmt = (
            stmt.join(SalesOrder, SalesOrder.id == OrderLine.order_id)
            .join(Customer, Customer.id == SalesOrder.customer_id)
            # A gold line goes after every unpinned standard one and later gold ones; a
            # standard line after later standard ones only (every gold line is ahead).
            .where(or_(standard, later) if gold else and_(standard, later))
        )
    else:
        stmt = stmt.where(later)
    return session.execute(stmt.limit(1)).first() is not None


def _store_joining(session: Session, joining: dict[int, tuple[int, int, list[OrderLine]]]) -> None:
    """Walk each product's lines ahead (as one line) and then its new lines against its
    available units and open PO lines; insert the new lines' ETAs and places."""
    ids: Sequence[int] = sorted(joining)
    incoming = incoming_lines(session, ids)
    confidence = supplier_confidence(session, {i.supplier_id for i in incoming})
    rows: list[tuple[int, int, int]] = []
    places: dict[int, tuple[int, int]] = {}
    for product_id in ids:
        count, units, new = joining[product_id]
        if units:
            rows.append((_AHEAD, product_id, units))
        for line in new:
            count += 1
            places[line.id] = (count, units)
            units += line.qty_backordered
            rows.append((line.id, product_id, line.qty_backordered))
    inserts: list[dict[str, Any]] = []
    walked = _walk(rows, _available(session, ids), incoming, confidence, with_covers=False)
    for line_id, product_id, _, _, _, eta in walked:
        if line_id == _AHEAD:
            continue
        inserts.append(stored_row(line_id, product_id, eta, places[line_id]))
    table = LineEta.__table__
    assert isinstance(table, Table)
    session.execute(table.insert().values(order_line_id=bindparam("line_id")), inserts)
