"""Cancelling customer orders, or what is still open on one line.

Separate from placing (``app.services.ordering``): a cancellation gives allocated units back
to available stock (offered to the queue later by ``app.services.freed``, never silently)
and takes waiting units out of the queue, under the same locks
(:func:`~app.services.ordering.locked_order`). A goodwill coupon the order used has its
discount worked out again on what is left (``coupons.rework_discount``).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from app.domain import AllocationEvent, OrderLine, OrderStatus, SalesOrder
from app.domain.base import utcnow
from app.domain.errors import InvalidQuantity, InvalidTransition, NotFound
from app.domain.permissions import Permission, require
from app.domain.quantities import check_quantity
from app.services.changes import Area, Changes
from app.services.coupons import rework_discount
from app.services.eta import recompute_etas
from app.services.notifications.outbox import enqueue_status_changes
from app.services.ordering import locked_order
from app.services.stock import lock_balances


@dataclass(frozen=True, slots=True)
class Released:
    """Units a cancellation freed: they are available again, offered to nobody yet."""

    product_id: int
    sku: str
    qty: int


@dataclass(frozen=True, slots=True)
class CancelResult:
    ref: str
    lines_cancelled: int
    units_cancelled: int
    released: tuple[Released, ...]
    status: OrderStatus
    #: The order, and the stock and queues of the products of the lines cancelled.
    changes: Changes

    @property
    def freed_product_ids(self) -> frozenset[int]:
        """Products whose units became available (to offer to their queues)."""
        return frozenset(item.product_id for item in self.released)


def cancel_line(
    session: Session, ref: str, line_no: int, reason: str = "", *, qty: int | None = None
) -> CancelResult:
    """Cancel what is still open on one line (or ``qty`` units of it: waiting units first,
    then allocated ones); allocated units cancelled become available. Shipped units cannot
    be cancelled: asking for more than is open says so."""
    require(session, Permission.CANCEL)
    order = locked_order(session, ref)
    line = next((item for item in order.lines if item.line_no == line_no), None)
    if line is None:
        raise NotFound(f"Order {order.ref} has no line {line_no}")
    if qty is not None:
        check_quantity(qty, what=f"Units to cancel on line {line_no}")
        if qty > line.qty_open:
            shipped = (
                f"; {line.qty_shipped:,} shipped and cannot be cancelled"
                if line.qty_shipped
                else ""
            )
            raise InvalidQuantity(
                f"Line {line_no} ({line.product.sku}) has only {line.qty_open:,} "
                f"unit{'' if line.qty_open == 1 else 's'} still open{shipped}"
            )
    return _cancel(session, order, [line], reason, qty)


def cancel_order(session: Session, ref: str, reason: str = "") -> CancelResult:
    """Cancel everything still open on the order (shipped units stay shipped)."""
    require(session, Permission.CANCEL)
    order = locked_order(session, ref)
    return _cancel(session, order, list(order.lines), reason)


def _cancel(
    session: Session,
    order: SalesOrder,
    lines: list[OrderLine],
    reason: str,
    qty: int | None = None,
) -> CancelResult:
    cancelled_at = utcnow()
    open_lines = [line for line in lines if line.qty_open > 0]
    if not open_lines:
        what = f"line {lines[0].line_no}" if len(lines) == 1 else "everything"
        if all(line.qty_cancelled == line.qty_ordered for line in lines):
            raise InvalidTransition(f"Order {order.ref}: {what} is already cancelled")
        raise InvalidTransition(
            f"Order {order.ref}: {what} has shipped or was cancelled; "
            "shipped units cannot be cancelled"
        )
    balances = lock_balances(session, [line.product_id for line in open_lines])
    released: list[Released] = []
    units = 0
    for line in open_lines:
        balance = balances[line.product_id]
        cancel = line.qty_open if qty is None else qty
        from_waiting = min(cancel, line.qty_backordered)
        freed = cancel - from_waiting
        units += cancel
        line.qty_cancelled += cancel
        line.qty_backordered -= from_waiting
        line.qty_allocated -= freed
        line.cancel_reason = reason.strip()[:200]
        line.cancelled_at = cancelled_at
        balance.allocated -= freed
        balance.version += 1
        if freed:
            session.add(
                AllocationEvent(
                    order_line_id=line.id,
                    product_id=line.product_id,
                    qty=-freed,
                    source="cancel",
                )
            )
            released.append(Released(line.product_id, line.product.sku, freed))
    before = order.status
    order.refresh_status()
    session.flush()
    enqueue_status_changes(session, {order.id: (before, order.status)})
    product_ids = {line.product_id for line in open_lines}
    changes = Changes.of(
        Area.ORDERS, Area.STOCK, Area.QUEUE, product_ids=product_ids, order_refs=[order.ref]
    )
    if rework_discount(session, order):  # a coupon it used follows what is left of it
        changes |= Changes.of(Area.COUPONS)
    result = CancelResult(order.ref, len(open_lines), units, tuple(released), order.status, changes)
    recompute_etas(session, product_ids)
    return result
