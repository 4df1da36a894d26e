"""The stock ledger: writing movements, locking balances, adjusting and checking stock.

Every change of on hand goes through :func:`record_movement`, which writes the immutable
movement and updates the cached balance in the same transaction.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.domain import MovementKind, OrderLine, Product, StockBalance, StockMovement
from app.domain.errors import InvalidInput, InvalidQuantity, NotEnoughStock
from app.domain.quantities import MAX_QUANTITY
from app.services.catalog import default_location_id, find_product
from app.services.eta import recompute_etas


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
) -> StockMovement:
    """Write one ledger movement and apply it to the (locked) cached balance."""
    movement = StockMovement(
        product_id=balance.product_id,
        location_id=balance.location_id,
        qty=qty,
        kind=kind,
        reason=reason,
        document=document,
        receipt_id=receipt_id,
        order_line_id=order_line_id,
    )
    session.add(movement)
    balance.on_hand += qty
    balance.version += 1
    return movement


@dataclass(frozen=True, slots=True)
class Adjustment:
    sku: str
    qty_change: int
    on_hand: int
    available: int


def adjust_stock(session: Session, code: str, qty_change: int, reason: str) -> Adjustment:
    """Correct on hand (a count, damage, a found box) with a reason the ledger keeps.

    Stock promised to customers cannot be adjusted away: on hand may not fall below allocated.
    Units added are not handed to waiting customers here; they stay available (the clerk
    offers them to the queue explicitly).
    """
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
    if balance.on_hand + qty_change < balance.allocated:
        raise NotEnoughStock(
            f"{product.sku} {product.name}: only {balance.available} available to remove "
            f"({balance.on_hand} on hand, {balance.allocated} promised to customers)"
        )
    record_movement(session, balance, qty_change, MovementKind.ADJUSTMENT, reason=reason)
    session.flush()
    result = Adjustment(product.sku, qty_change, balance.on_hand, balance.available)
    recompute_etas(session, [product.id])  # available stock covers waiting lines first
    return result


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
