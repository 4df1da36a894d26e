"""Reading the walk's inputs fast: waiting lines, available units and incoming PO lines.

A full recomputation reads every waiting line, so these readers skip SQLAlchemy's per-row
result objects where it matters (raw DB-API rows, dates converted once per distinct value)
and bind product ids in chunks. ``compute_etas`` puts them together with the walk without
writing anything. No Qt.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from app.domain import (
    Customer,
    OrderLine,
    PurchaseOrder,
    PurchaseOrderLine,
    SalesOrder,
    StockBalance,
)
from app.domain.enums import CustomerTier, PurchaseOrderStatus, QueuePolicy
from app.services.eta.confidence import supplier_confidence
from app.services.eta.pegging import Eta, IncomingLine, WaitingLine, peg

_INCOMING = tuple(s for s in PurchaseOrderStatus if s.is_incoming)
#: Product ids bound per IN list.
_CHUNK = 500


def _chunks(ids: Sequence[int] | None) -> list[list[int] | None]:
    if ids is None:
        return [None]
    return [list(ids[i : i + _CHUNK]) for i in range(0, len(ids), _CHUNK)]


def _raw_rows(session: Session, stmt: Select[*tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """Rows of a statement as plain DB-API tuples, skipping SQLAlchemy's per-row result
    objects and type processing (about half the time of reading 100k lines). The statement
    binds only integers and enum values, rendered inline; dates come back as the driver
    gives them (see :func:`_as_date`)."""
    sql = str(stmt.compile(session.get_bind(), compile_kwargs={"literal_binds": True}))
    cursor = session.connection().connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.execute(sql)
        return list(cursor.fetchall())
    finally:
        cursor.close()


def _as_date(value: Any) -> date | None:
    """A date column's raw value: None, a ``date`` (PostgreSQL) or ISO text (SQLite)."""
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(value)


class _Dates(dict[Any, date | None]):
    """Raw date values -> dates, converting each distinct value once (ETAs share few dates)."""

    def __missing__(self, key: Any) -> date | None:
        value = self[key] = _as_date(key)
        return value


def waiting_lines(
    session: Session,
    product_ids: Sequence[int] | None = None,
    policy: QueuePolicy | None = None,
) -> list[WaitingLine]:
    """Waiting lines, each product's together, in serving order (``app.domain.queue``)
    under ``policy`` (None: the shop's)."""
    return [WaitingLine(r[0], r[1], r[2]) for r in _queue_rows(session, product_ids, policy)]


def _queue_rows(
    session: Session, product_ids: Sequence[int] | None, policy: QueuePolicy | None = None
) -> list[tuple[Any, ...]]:
    """(line id, product id, waiting, ...) of waiting lines, as :func:`waiting_lines`.

    Read straight from the covering ``ix_order_line_waiting`` index, in its order (product,
    queued at, order id, line no), without joining the orders, then put in serving order in
    memory (:func:`_serve`): sorting 100k lines by a computed rank in SQL costs more than
    the index walk and two cheap passes here.
    """
    if policy is None:
        # Imported here: app.services.queue builds on this package (it re-serves the queue).
        from app.services.queue import get_queue_policy

        policy = get_queue_policy(session)
    rows: list[Any] = []
    for chunk in _chunks(product_ids):
        stmt = (
            select(
                OrderLine.id,
                OrderLine.product_id,
                OrderLine.qty_backordered,
                OrderLine.queued_at,  # raw: compared for equality only
                OrderLine.order_id,
                OrderLine.line_no,
                OrderLine.pinned,
                OrderLine.queue_nudge,
            )
            .where(OrderLine.qty_backordered > 0)
            .order_by(
                OrderLine.product_id, OrderLine.queued_at, OrderLine.order_id, OrderLine.line_no
            )
        )
        if chunk is not None:
            stmt = stmt.where(OrderLine.product_id.in_(chunk))
        rows.extend(_raw_rows(session, stmt))
    return _serve(session, rows, policy, product_ids)


def _serve(
    session: Session,
    rows: list[Any],
    policy: QueuePolicy,
    product_ids: Sequence[int] | None,
) -> list[Any]:
    """Rows in index order (product, queued at, order id, line no) -> serving order.

    Two passes, both touching only what needs it: runs of one product's lines queued at the
    same moment are put in tie order (nudge, order ref, line no) when they span orders or a
    manager nudged them; then each product's lines are partitioned, stably, into pinned /
    (loyalty) gold / the rest, which keeps queue-time order within each class.
    """
    connection = session.connection()
    runs: list[tuple[int, int]] = []
    start = 0
    for i in range(1, len(rows) + 1):
        if i == len(rows) or rows[i][1] != rows[start][1] or rows[i][3] != rows[start][3]:
            if i - start > 1 and (
                rows[start][4] != rows[i - 1][4] or any(r[7] for r in rows[start:i])
            ):
                runs.append((start, i))
            start = i
    if runs:
        order_ids = sorted({rows[k][4] for a, b in runs for k in range(a, b)})
        refs: dict[int, str] = {}
        for begin in range(0, len(order_ids), _CHUNK):
            chunk = order_ids[begin : begin + _CHUNK]
            refs.update(
                connection.execute(
                    select(SalesOrder.id, SalesOrder.ref).where(SalesOrder.id.in_(chunk))
                ).all()
            )
        for a, b in runs:
            rows[a:b] = sorted(rows[a:b], key=lambda r: (r[7], refs[r[4]], r[5]))
    gold = _gold_orders(session, product_ids) if policy is QueuePolicy.LOYALTY else frozenset()
    if not gold and not any(r[6] for r in rows):
        return rows
    # One stable sort by (product, class): cheap on rows already grouped by product.
    return sorted(rows, key=lambda r: r[1] * 4 + (0 if r[6] else 1 if r[4] in gold else 2))


def _gold_orders(session: Session, product_ids: Sequence[int] | None) -> frozenset[int]:
    """Ids of orders of gold customers that have waiting lines (of these products)."""
    result: set[int] = set()
    for chunk in _chunks(product_ids):
        waiting = select(OrderLine.order_id).where(OrderLine.qty_backordered > 0)
        if chunk is not None:
            waiting = waiting.where(OrderLine.product_id.in_(chunk))
        stmt = (
            select(SalesOrder.id)
            .join(Customer, Customer.id == SalesOrder.customer_id)
            .where(Customer.tier == CustomerTier.GOLD, SalesOrder.id.in_(waiting))
        )
        result.update(r[0] for r in _raw_rows(session, stmt))
    return frozenset(result)


def _available(session: Session, product_ids: Sequence[int] | None) -> dict[int, int]:
    """Units available now (on hand - allocated) of products with waiting lines."""
    connection = session.connection()
    free = func.sum(StockBalance.on_hand - StockBalance.allocated)
    result: dict[int, int] = {}
    for chunk in _chunks(product_ids):
        stmt = (
            select(StockBalance.product_id, free)
            .where(StockBalance.on_hand > StockBalance.allocated)
            .group_by(StockBalance.product_id)
        )
        if chunk is not None:
            stmt = stmt.where(StockBalance.product_id.in_(chunk))
        else:
            waiting = select(OrderLine.product_id).where(OrderLine.qty_backordered > 0)
            stmt = stmt.where(StockBalance.product_id.in_(waiting))
        result.update({pid: int(qty) for pid, qty in connection.execute(stmt) if qty})
    return result


def products_on_order_from(session: Session, supplier_ids: Iterable[int]) -> set[int]:
    """Products with units still incoming on these suppliers' open purchase orders: those
    whose ETAs the suppliers' delivery history decides (``confidence``), so they are the
    ones to recompute when that history changes (a receipt against one of the suppliers'
    POs, or a PO that has had receipts re-dated)."""
    ids = sorted(set(supplier_ids))
    if not ids:
        return set()
    return set(
        session.scalars(
            select(PurchaseOrderLine.product_id)
            .join(PurchaseOrder, PurchaseOrder.id == PurchaseOrderLine.purchase_order_id)
            .where(
                PurchaseOrder.supplier_id.in_(ids),
                PurchaseOrder.status.in_(_INCOMING),
                PurchaseOrderLine.qty_ordered > PurchaseOrderLine.qty_received,
            )
            .distinct()
        )
    )


def incoming_lines(
    session: Session, product_ids: Sequence[int] | None = None
) -> list[IncomingLine]:
    """Outstanding units of open and partially received PO lines, in pegging order:
    per product, by expected date (undated last), then PO ref, then line number."""
    rows: list[IncomingLine] = []
    as_date = _Dates()
    for chunk in _chunks(product_ids):
        stmt = (
            select(
                PurchaseOrderLine.id,
                PurchaseOrderLine.product_id,
                PurchaseOrderLine.qty_ordered - PurchaseOrderLine.qty_received,
                PurchaseOrder.ref,
                PurchaseOrder.expected_date,
                PurchaseOrder.supplier_id,
            )
            .join(PurchaseOrder, PurchaseOrder.id == PurchaseOrderLine.purchase_order_id)
            .where(
                PurchaseOrder.status.in_(_INCOMING),
                PurchaseOrderLine.qty_ordered > PurchaseOrderLine.qty_received,
            )
            .order_by(
                PurchaseOrderLine.product_id,
                PurchaseOrder.expected_date.is_(None),
                PurchaseOrder.expected_date,
                PurchaseOrder.ref,
                PurchaseOrderLine.line_no,
            )
        )
        if chunk is not None:
            stmt = stmt.where(PurchaseOrderLine.product_id.in_(chunk))
        rows.extend(
            IncomingLine(line_id, product_id, int(qty), ref, as_date[expected], supplier_id)
            for line_id, product_id, qty, ref, expected, supplier_id in _raw_rows(session, stmt)
        )
    return rows


def compute_etas(
    session: Session,
    product_ids: Iterable[int] | None = None,
    *,
    policy: QueuePolicy | None = None,
) -> list[Eta]:
    """ETAs of every waiting line (of these products) under ``policy`` (None: the shop's),
    computed now; writes nothing."""
    ids = None if product_ids is None else sorted(set(product_ids))
    incoming = incoming_lines(session, ids)
    confidence = supplier_confidence(session, {i.supplier_id for i in incoming})
    lines = waiting_lines(session, ids, policy)
    return peg(lines, _available(session, ids), incoming, confidence)
