"""The stock ledger: writing movements, locking balances, adjusting and checking stock.

Every change of on hand goes through :func:`record_movement`, which writes the immutable
movement and updates the cached balance in the same transaction.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.domain import (
    AllocationEvent,
    Customer,
    MovementKind,
    OrderLine,
    Product,
    SalesOrder,
    StockBalance,
    StockMovement,
)
from app.domain.base import utcnow
from app.domain.errors import InvalidInput, InvalidQuantity, NotEnoughStock
from app.domain.permissions import Permission, require
from app.domain.quantities import MAX_QUANTITY
from app.services.catalog import default_location_id, find_product
from app.services.changes import Area, Changes
from app.services.eta import recompute_etas
from app.services.order_status import refresh_order_statuses


def lock_balances(
    session: Session, product_ids: Iterable[int], location_id: int | None = None
) -> dict[int, StockBalance]:
    """The balance rows of these products, locked for this transaction, as committed now.

    This is the lock every service that changes stock or a queue takes before it decides
    (what is available, who waits, what a line still holds): on PostgreSQL a
    ``SELECT ... FOR UPDATE`` that waits for another till's transaction on the same products
    and then returns what it committed (SQLite's ``BEGIN IMMEDIATE`` already lets one writer
    in at a time). The fixed order of locks across services is: purchase order rows, then
    balances in product-id order (here, so two tills locking overlapping products never
    deadlock), then sales order rows. Rows already in the session are overwritten with the
    locked values (``populate_existing``), so a decision never uses a read from before the
    lock.

    A missing row (a product created before balances existed) is created; two tills creating
    the same one at once collide on its unique key, which ``Database.run`` retries.
    """
    location_id = location_id or default_location_id(session)
    ids = sorted(set(product_ids))
    balances: dict[int, StockBalance] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        rows = session.scalars(
            select(StockBalance)
            .where(StockBalance.location_id == location_id, StockBalance.product_id.in_(chunk))
            .order_by(StockBalance.product_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        balances.update({row.product_id: row for row in rows})
    for product_id in ids:
        if product_id not in balances:
            balance = StockBalance(
                product_id=product_id, location_id=location_id, on_hand=0, allocated=0, version=0
            )
            session.add(balance)
            balances[product_id] = balance
    session.flush()
    return balances


def record_movement(
    session: Session,
    balance: StockBalance,
    qty: int,
    kind: MovementKind,
    *,
    reason: str = "",
    document: str = "",
    receipt_id: int | None = None,
    order_line_id: int | None = None,
    at: datetime | None = None,
) -> StockMovement:
    """Write one ledger movement and apply it to the (locked) cached balance. ``at``: the
    time it shares with the other movements of one act (a parcel's lines), else now."""
    movement = StockMovement(
        product_id=balance.product_id,
        location_id=balance.location_id,
        qty=qty,
        kind=kind,
        reason=reason,
        document=document,
        receipt_id=receipt_id,
        order_line_id=order_line_id,
        created_at=at or utcnow(),
    )
    session.add(movement)
    balance.on_hand += qty
    balance.version += 1
    return movement


@dataclass(frozen=True, slots=True)
class TakenBack:
    """Units promised to one order line that a stock adjustment takes back: the line waits
    for them again, in its own place in the queue."""

    order_line_id: int
    order_id: int
    order_ref: str
    line_no: int
    customer: str
    qty: int


@dataclass(frozen=True, slots=True)
class Adjustment:
    sku: str
    qty_change: int
    on_hand: int
    available: int
    #: Promised units taken back from customers (only with ``take_back_promised``).
    taken_back: tuple[TakenBack, ...]
    #: The product's stock and queue (its ETAs); the orders units were taken back from.
    changes: Changes

    @property
    def units_taken_back(self) -> int:
        return sum(item.qty for item in self.taken_back)


def adjust_stock(
    session: Session,
    code: str,
    qty_change: int,
    reason: str,
    *,
    take_back_promised: bool = False,
) -> Adjustment:
    """Correct on hand (a count, damage, a found box) with a reason the ledger keeps.

    On hand never goes below zero. Removing more than is available (units promised to
    customers are missing or damaged) is refused unless ``take_back_promised``: then the
    missing units are taken back from the order lines allocated most recently (the customers
    who got units last give them back), which wait for them again at their own queue time,
    each with an allocation event (source "adjust") saying why. Units added are not handed
    to waiting customers here; they stay available (the clerk offers them to the queue
    explicitly).
    """
    require(session, Permission.ADJUST_STOCK)
    reason = reason.strip()
    if not reason:
        raise InvalidInput("Give a reason for the stock adjustment (e.g. 'count', 'damaged')")
    if isinstance(qty_change, bool) or not isinstance(qty_change, int):
        raise InvalidQuantity("The adjustment must be a whole number of units")
    if qty_change == 0:
        raise InvalidQuantity("The adjustment must change stock by at least one unit")
    if abs(qty_change) > MAX_QUANTITY:
        raise InvalidQuantity(f"An adjustment of {qty_change:,} units is too large")
    product = find_product(session, code)
    balance = lock_balances(session, [product.id])[product.id]
    label = product_label(product)
    if balance.on_hand + qty_change < 0:
        raise NotEnoughStock(
            f"{label}: only {balance.on_hand:,} on hand; on hand cannot go below zero"
        )
    short = balance.allocated - (balance.on_hand + qty_change)
    taken: tuple[TakenBack, ...] = ()
    if short > 0:
        if not take_back_promised:
            raise NotEnoughStock(
                f"{label}: only {balance.available:,} available to remove "
                f"({balance.on_hand:,} on hand, {balance.allocated:,} promised to customers). "
                f"Removing {-qty_change:,} takes {_units(short)} back from customers "
                "(they wait in the queue again): confirm taking promised units back"
            )
        taken = _take_back(session, balance, short, reason)
    record_movement(session, balance, qty_change, MovementKind.ADJUSTMENT, reason=reason)
    session.flush()
    if taken:
        refresh_order_statuses(session, {item.order_id for item in taken})
    changes = Changes.of(Area.STOCK, Area.QUEUE, product_ids=[product.id])
    if taken:
        changes |= Changes.of(Area.ORDERS, order_refs=[item.order_ref for item in taken])
    result = Adjustment(product.sku, qty_change, balance.on_hand, balance.available, taken, changes)
    recompute_etas(session, [product.id])  # available stock covers waiting lines first
    return result


def promised_to_take_back(session: Session, product_id: int, units: int) -> list[TakenBack]:
    """Who would give back ``units`` promised units of a product (read only: the preview of
    :func:`adjust_stock` with ``take_back_promised``): the lines allocated most recently
    first, each giving back up to what it holds."""
    if units <= 0:
        return []
    lines = session.execute(
        select(
            OrderLine.id,
            OrderLine.order_id,
            SalesOrder.ref,
            OrderLine.line_no,
            Customer.name,
            OrderLine.qty_allocated,
            SalesOrder.placed_at,
        )
        .join(SalesOrder, SalesOrder.id == OrderLine.order_id)
        .join(Customer, Customer.id == SalesOrder.customer_id)
        .where(OrderLine.product_id == product_id, OrderLine.qty_allocated > 0)
    ).all()
    if not lines:
        return []
    last_events: dict[int, datetime] = {}
    ids = [line[0] for line in lines]
    for start in range(0, len(ids), 500):
        last_events.update(
            session.execute(
                select(AllocationEvent.order_line_id, func.max(AllocationEvent.created_at))
                .where(
                    AllocationEvent.order_line_id.in_(ids[start : start + 500]),
                    AllocationEvent.qty > 0,
                )
                .group_by(AllocationEvent.order_line_id)
            ).all()
        )

    def allocated_at(line: Any) -> tuple[datetime, int]:
        # Units promised when the order was placed have no event: the order's time counts.
        placed = _aware(line.placed_at)
        event = last_events.get(line.id)
        return (max(placed, _aware(event)) if event is not None else placed, line.id)

    taken: list[TakenBack] = []
    for line_id, order_id, ref, line_no, customer, held, _placed in sorted(
        lines, key=allocated_at, reverse=True
    ):
        qty = min(int(held), units)
        taken.append(TakenBack(line_id, order_id, ref, line_no, customer, qty))
        units -= qty
        if units == 0:
            break
    return taken


def _take_back(
    session: Session, balance: StockBalance, units: int, reason: str
) -> tuple[TakenBack, ...]:
    """Release ``units`` promised units of the (locked) balance's product back to the queue."""
    taken = promised_to_take_back(session, balance.product_id, units)
    assert sum(item.qty for item in taken) == units, "balance and lines disagree"
    why = f"taken back: {reason} left {_units(units)} fewer than promised"[:200]
    by_id = {item.order_line_id: item.qty for item in taken}
    for line in session.scalars(select(OrderLine).where(OrderLine.id.in_(list(by_id)))):
        line.qty_allocated -= by_id[line.id]
        line.qty_backordered += by_id[line.id]  # queued_at untouched: its own place
    session.add_all(
        AllocationEvent(
            order_line_id=item.order_line_id,
            product_id=balance.product_id,
            qty=-item.qty,
            source="adjust",
            reason=why,
        )
        for item in taken
    )
    balance.allocated -= units
    return tuple(taken)


def _units(count: int) -> str:
    return f"{count:,} unit{'' if count == 1 else 's'}"


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def check_ledger(session: Session) -> list[str]:
    """Problems found comparing the cached balances with the ledger and the order lines.

    An empty list means: on hand = sum of ledger, allocated = sum of line allocations,
    0 <= allocated <= on hand, and every line's quantities add up.
    """
    problems: list[str] = []
    ledger = dict(
        session.execute(
            select(
                StockMovement.product_id,
                func.sum(StockMovement.qty),
            ).group_by(StockMovement.product_id)
        ).all()
    )
    allocated = dict(
        session.execute(
            select(OrderLine.product_id, func.sum(OrderLine.qty_allocated)).group_by(
                OrderLine.product_id
            )
        ).all()
    )
    balances = session.execute(
        select(
            StockBalance.product_id,
            func.sum(StockBalance.on_hand),
            func.sum(StockBalance.allocated),
        ).group_by(StockBalance.product_id)
    )
    seen: set[int] = set()
    for product_id, on_hand, held in balances:
        seen.add(product_id)
        if on_hand != (ledger.get(product_id) or 0):
            problems.append(
                f"product {product_id}: cached on hand {on_hand} but ledger sums to "
                f"{ledger.get(product_id) or 0}"
            )
        if held != (allocated.get(product_id) or 0):
            problems.append(
                f"product {product_id}: cached allocated {held} but lines hold "
                f"{allocated.get(product_id) or 0}"
            )
        if not 0 <= held <= on_hand:
            problems.append(f"product {product_id}: allocated {held} outside 0..{on_hand}")
    for product_id, total in ledger.items():
        if product_id not in seen and total:
            problems.append(f"product {product_id}: ledger has {total} but no balance row")
    bad_lines = session.scalar(
        select(func.count()).where(
            OrderLine.qty_ordered
            != OrderLine.qty_cancelled
            + OrderLine.qty_shipped
            + OrderLine.qty_allocated
            + OrderLine.qty_backordered
        )
    )
    if bad_lines:
        problems.append(f"{bad_lines} order lines whose quantities do not add up")
    return problems


def product_label(product: Product) -> str:
    return f"{product.sku} {product.name}"
