"""ETAs of waiting lines: pegging the backorder queue to open purchase orders.

Each product's queue is walked in serving order (``app.domain.queue``, the order receipts
serve it) against, first, units available now (on hand - allocated, e.g. freed by a
cancellation: those lines are "in stock now"), then the outstanding units of open and
partially received PO lines in expected-date order (undated POs last, then PO ref, then line
number). A waiting line gets the PO line(s) that cover it; its stated ETA is the latest
expected date among them. A line (or the part of one) nothing covers is "not on order", with
its shortfall.

Confidence: each supplier's past deliveries give a delay (receipt date - the PO's expected
date, in days; one sample per receipt and PO). The likely ETA adds the median delay, the
late case the 90th percentile (nearest rank), to each covering PO's expected date; a supplier
with no history adds nothing (likely = late = the stated date). **Delays are clamped at
zero**: a supplier who is always early never moves an ETA before the date it promised, since
the shop should not promise a customer a day the supplier itself did not (early goods are a
pleasant surprise, an early promise broken is not).

The results are stored on the lines (``OrderLine.eta_*``) by :func:`recompute_etas`, which
services that change the queue, stock or purchase orders call in their transaction; the
tables then page and sort ETAs in SQL. A line whose ETA moved later is flagged with what it
showed before (``eta_was_status`` / ``eta_was``) until its ETA comes back to that. No Qt.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, NamedTuple

from sqlalchemy import (
    Connection,
    Select,
    Table,
    bindparam,
    delete,
    func,
    select,
    update,
)
from sqlalchemy.orm import Session

from app.domain import (
    LineEta,
    OrderLine,
    PurchaseOrder,
    PurchaseOrderLine,
    Receipt,
    ReceiptLine,
    SalesOrder,
    StockBalance,
)
from app.domain.enums import PurchaseOrderStatus
from app.domain.queue import serving_key

IN_STOCK = "in_stock"  #: units available now cover the line
ON_ORDER = "on_order"  #: open purchase orders cover the line
NOT_ON_ORDER = "not_on_order"  #: some of the line's units are covered by nothing

LIKELY_PERCENTILE = 50
LATE_PERCENTILE = 90

_INCOMING = tuple(s for s in PurchaseOrderStatus if s.is_incoming)
#: Product ids bound per IN list.
_CHUNK = 500


# --- Confidence ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Confidence:
    """How late a supplier usually delivers, from its history."""

    samples: int  #: past deliveries the figures come from (0: no history)
    likely_days: int  #: median delay, clamped at 0
    late_days: int  #: 90th percentile delay, clamped at 0
    raw_likely_days: int = 0  #: the median before clamping (negative: usually early)

    @property
    def reason(self) -> str:
        if self.samples == 0:
            return "no history: the supplier's expected date"
        deliveries = f"{self.samples} past deliver{'y' if self.samples == 1 else 'ies'}"
        if self.raw_likely_days < 0:
            usual = f"usually {-self.raw_likely_days} days early (ETA kept at the expected date)"
        elif self.likely_days == 0:
            usual = "usually on time"
        else:
            usual = f"usually {self.likely_days} days late"
        return f"from {deliveries}: {usual}; {self.late_days} days late in the late case"


NO_HISTORY = Confidence(0, 0, 0)


def percentile(values: Sequence[int], pct: int) -> int:
    """Nearest-rank percentile of sorted or unsorted whole days (the median is the lower one)."""
    if not values:
        raise ValueError("no values")
    ordered = sorted(values)
    rank = max(1, math.ceil(pct / 100 * len(ordered)))
    return ordered[rank - 1]


def confidence_of(delays: Sequence[int]) -> Confidence:
    """Likely and late-case delays from a supplier's past delays in days (negative: early)."""
    if not delays:
        return NO_HISTORY
    likely = percentile(delays, LIKELY_PERCENTILE)
    late = percentile(delays, LATE_PERCENTILE)
    return Confidence(len(delays), max(0, likely), max(0, late), likely)


def supplier_delays(
    session: Session, supplier_ids: Iterable[int] | None = None
) -> dict[int, list[int]]:
    """Past delays per supplier: one per receipt and PO it delivered against (in days)."""
    stmt = (
        select(
            Receipt.id,
            PurchaseOrder.id,
            PurchaseOrder.supplier_id,
            Receipt.received_at,
            PurchaseOrder.expected_date,
        )
        .join(ReceiptLine, ReceiptLine.receipt_id == Receipt.id)
        .join(PurchaseOrderLine, PurchaseOrderLine.id == ReceiptLine.purchase_order_line_id)
        .join(PurchaseOrder, PurchaseOrder.id == PurchaseOrderLine.purchase_order_id)
        .where(PurchaseOrder.expected_date.is_not(None))
        .distinct()
    )
    if supplier_ids is not None:
        ids = sorted(set(supplier_ids))
        if not ids:
            return {}
        stmt = stmt.where(PurchaseOrder.supplier_id.in_(ids))
    delays: dict[int, list[int]] = defaultdict(list)
    for _, _, supplier_id, received_at, expected in session.execute(stmt):
        assert expected is not None
        delays[supplier_id].append((received_at.date() - expected).days)
    return dict(delays)


def supplier_confidence(
    session: Session, supplier_ids: Iterable[int] | None = None
) -> dict[int, Confidence]:
    """Confidence per supplier that has history (others: :data:`NO_HISTORY`)."""
    return {sid: confidence_of(d) for sid, d in supplier_delays(session, supplier_ids).items()}


# --- Pegging (pure) --------------------------------------------------------------------------


class WaitingLine(NamedTuple):
    """A waiting line as the walk needs it; lines come in serving order."""

    order_line_id: int
    product_id: int
    waiting: int


class IncomingLine(NamedTuple):
    """An open PO line's outstanding units; lines come in pegging order (expected date)."""

    po_line_id: int
    product_id: int
    outstanding: int
    po_ref: str
    expected: date | None
    supplier_id: int


@dataclass(frozen=True, slots=True)
class Cover:
    po_line_id: int
    po_ref: str
    qty: int  #: units of the waiting line this PO line covers
    expected: date | None


@dataclass(frozen=True, slots=True)
class Eta:
    """One waiting line's ETA."""

    order_line_id: int
    product_id: int
    status: str  #: IN_STOCK, ON_ORDER or NOT_ON_ORDER
    waiting: int
    from_stock: int  #: units covered by stock available now
    covers: tuple[Cover, ...]  #: PO lines covering the rest, in pegging order
    shortfall: int  #: units nothing covers
    expected: date | None  #: latest expected date of the covering POs (None: none or undated)
    likely: date | None
    late: date | None

    @property
    def po_line_id(self) -> int | None:
        """The covering PO line expected last (it decides the ETA)."""
        return self.covers[-1].po_line_id if self.covers else None


#: A line's ETA as stored: (status, expected, likely, late, deciding PO line id, shortfall).
_Stored = tuple[str, date | None, date | None, date | None, int | None, int]
#: (line id, product id, waiting, from stock, covers or None, its ETA as stored)
_Walked = tuple[int, int, int, int, list[Cover] | None, _Stored]


def _walk(
    lines: Iterable[tuple[Any, ...]],
    available: Mapping[int, int],
    incoming: Iterable[IncomingLine],
    confidence: Mapping[int, Confidence],
    *,
    with_covers: bool,
) -> Iterator[_Walked]:
    # Per PO line, its dates once: (id, outstanding, expected, likely, late, ref).
    queues: dict[int, list[tuple[int, int, date | None, date | None, date | None, str]]] = (
        defaultdict(list)
    )
    for item in incoming:
        if item.outstanding <= 0:
            continue
        expected = item.expected
        if expected is None:
            likely = late = None
        else:
            conf = confidence.get(item.supplier_id, NO_HISTORY)
            likely = expected + timedelta(days=conf.likely_days)
            late = expected + timedelta(days=conf.late_days)
        queues[item.product_id].append(
            (item.po_line_id, item.outstanding, expected, likely, late, item.po_ref)
        )
    product = -1
    free = index = left = 0
    pos: list[tuple[int, int, date | None, date | None, date | None, str]] = []
    for row in lines:
        line_id, product_id, waiting = row[0], row[1], row[2]
        if product_id != product:
            product = product_id
            free = max(0, available.get(product_id, 0))
            pos = queues.get(product_id, [])
            index = 0
            left = pos[0][1] if pos else 0
        need = waiting
        from_stock = free if free < need else need
        free -= from_stock
        need -= from_stock
        covers: list[Cover] | None = [] if with_covers else None
        expected = likely = late = None
        deciding = None
        undated = False
        while need > 0 and index < len(pos):
            po_line, _, po_expected, po_likely, po_late, ref = pos[index]
            take = left if left < need else need
            need -= take
            left -= take
            deciding = po_line
            if covers is not None:
                covers.append(Cover(po_line, ref, take, po_expected))
            if po_expected is None:
                undated = True
            else:
                # POs come in expected-date order, but suppliers' delays differ: take maxima.
                if expected is None or po_expected > expected:
                    expected = po_expected
                if likely is None or po_likely > likely:  # type: ignore[operator]
                    likely = po_likely
                if late is None or po_late > late:  # type: ignore[operator]
                    late = po_late
            if left == 0:
                index += 1
                left = pos[index][1] if index < len(pos) else 0
        if undated:
            expected = likely = late = None
        if need > 0:
            status = NOT_ON_ORDER
        elif deciding is not None:
            status = ON_ORDER
        else:
            status = IN_STOCK
        yield (
            line_id,
            product_id,
            waiting,
            from_stock,
            covers,
            (status, expected, likely, late, deciding, need),
        )


def peg(
    lines: Iterable[WaitingLine],
    available: Mapping[int, int],
    incoming: Iterable[IncomingLine],
    confidence: Mapping[int, Confidence],
) -> list[Eta]:
    """Walk each product's queue (``lines`` in serving order, each product's lines together)
    against its available units, then its incoming PO lines (in pegging order)."""
    return [
        Eta(line_id, product_id, e[0], waiting, stock, tuple(covers or ()), e[5], e[1], e[2], e[3])
        for line_id, product_id, waiting, stock, covers, e in _walk(
            lines, available, incoming, confidence, with_covers=True
        )
    ]


# --- Reading ---------------------------------------------------------------------------------


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


def waiting_lines(session: Session, product_ids: Sequence[int] | None = None) -> list[WaitingLine]:
    """Waiting lines, each product's together, in serving order (``app.domain.queue``)."""
    return [WaitingLine(r[0], r[1], r[2]) for r in _queue_rows(session, product_ids)]


def _queue_rows(session: Session, product_ids: Sequence[int] | None) -> list[tuple[Any, ...]]:
    """(line id, product id, waiting, ...) of waiting lines, as :func:`waiting_lines`.

    Read straight from the covering ``ix_order_line_waiting`` index, in its order (product,
    queued at, order id, line no), without joining the orders; lines of different orders
    queued at the same moment are then put in serving order with their order refs (read for
    those orders only).
    """
    connection = session.connection()
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
            )
            .where(OrderLine.qty_backordered > 0)
            .order_by(
                OrderLine.product_id, OrderLine.queued_at, OrderLine.order_id, OrderLine.line_no
            )
        )
        if chunk is not None:
            stmt = stmt.where(OrderLine.product_id.in_(chunk))
        rows.extend(_raw_rows(session, stmt))
    _serve_ties(connection, rows)
    return rows


def _serve_ties(connection: Connection, rows: list[Any]) -> None:
    """Reorder, in place, runs of lines of one product queued at the same moment by
    different orders: serving order breaks such ties by order ref, then line number."""
    runs: list[tuple[int, int]] = []
    start = 0
    for i in range(1, len(rows) + 1):
        if i == len(rows) or rows[i][1] != rows[start][1] or rows[i][3] != rows[start][3]:
            if i - start > 1 and rows[start][4] != rows[i - 1][4]:
                runs.append((start, i))
            start = i
    if not runs:
        return
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
        rows[a:b] = sorted(rows[a:b], key=lambda r: serving_key(r[3], refs[r[4]], r[5]))


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


def compute_etas(session: Session, product_ids: Iterable[int] | None = None) -> list[Eta]:
    """ETAs of every waiting line (of these products), computed now; writes nothing."""
    ids = None if product_ids is None else sorted(set(product_ids))
    incoming = incoming_lines(session, ids)
    confidence = supplier_confidence(session, {i.supplier_id for i in incoming})
    return peg(waiting_lines(session, ids), _available(session, ids), incoming, confidence)


# --- Storing ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class MovedLater:
    order_line_id: int
    was_status: str
    was: date | None  #: the likely ETA before (None: in stock now, not on order, no date)
    status: str
    likely: date | None


@dataclass(frozen=True, slots=True)
class EtaChanges:
    """What a recomputation changed."""

    lines: int  #: waiting lines looked at
    updated: int  #: lines whose stored ETA was written (new, changed)
    removed: int  #: stored ETAs of lines no longer waiting, deleted
    moved_later: tuple[MovedLater, ...]  #: lines whose ETA moved later in this recompute


def _rank(status: str | None, likely: date | None) -> date:
    """How late an ETA is, to compare two: in stock now < a date < no date / not on order."""
    if status == IN_STOCK:
        return date.min
    if status == ON_ORDER and likely is not None:
        return likely
    return date.max


def _stored(
    session: Session, product_ids: Sequence[int] | None
) -> dict[int, tuple[_Stored, str | None, date | None]]:
    """Stored ETAs: line id -> (its ETA, was status, was)."""
    stored: dict[int, tuple[_Stored, str | None, date | None]] = {}
    as_date = _Dates()
    for chunk in _chunks(product_ids):
        stmt = select(
            LineEta.order_line_id,
            LineEta.status,
            LineEta.expected,
            LineEta.likely,
            LineEta.late,
            LineEta.po_line_id,
            LineEta.shortfall,
            LineEta.was_status,
            LineEta.was,
        )
        if chunk is not None:
            stmt = stmt.where(LineEta.product_id.in_(chunk))
        for row in _raw_rows(session, stmt):
            stored[row[0]] = (
                (row[1], as_date[row[2]], as_date[row[3]], as_date[row[4]], row[5], row[6]),
                row[7],
                as_date[row[8]],
            )
    return stored


def recompute_etas(session: Session, product_ids: Iterable[int] | None = None) -> EtaChanges:
    """Recompute and store the ETAs of the waiting lines of these products (all: None).

    Call it in the transaction of any change to a queue, available stock or open purchase
    orders (expected dates, cancellations, receipts). Only changed ETAs are written; those
    of lines no longer waiting are deleted. A line whose ETA moved later (a later likely
    date, no longer covered, no longer in stock) is flagged with what it showed before; the
    flag clears once its ETA is back there. A line's first ETA is never flagged.
    """
    ids = None if product_ids is None else sorted(set(product_ids))
    if ids == []:
        return EtaChanges(0, 0, 0, ())
    session.flush()
    stored = _stored(session, ids)
    incoming = incoming_lines(session, ids)
    confidence = supplier_confidence(session, {i.supplier_id for i in incoming})
    lines = _queue_rows(session, ids)
    inserts: list[dict[str, Any]] = []
    updates: list[dict[str, Any]] = []
    moved: list[MovedLater] = []
    pop = stored.pop
    walked = _walk(lines, _available(session, ids), incoming, confidence, with_covers=False)
    for line_id, product_id, _, _, _, new in walked:
        old = pop(line_id, None)
        if old is not None and new == old[0] and old[1] is None:
            continue  # unchanged, not flagged: the common case
        status, expected, likely, late, po_line, shortfall = new
        was_status: str | None = None
        was: date | None = None
        if old is not None:
            previous, was_status, was = old
            new_rank = _rank(status, likely)
            if new == previous and new_rank > _rank(was_status, was):
                continue  # unchanged, and the flag still stands
            if new_rank > _rank(previous[0], previous[2]):
                moved.append(MovedLater(line_id, previous[0], previous[2], status, likely))
                if was_status is None:
                    was_status, was = previous[0], previous[2]
            if was_status is not None and new_rank <= _rank(was_status, was):
                was_status = was = None
        values = {
            "line_id": line_id,
            "product_id": product_id,
            "status": status,
            "expected": expected,
            "likely": likely,
            "late": late,
            "po_line_id": po_line,
            "shortfall": shortfall,
            "was_status": was_status,
            "was": was,
        }
        (updates if old is not None else inserts).append(values)
    table = LineEta.__table__
    assert isinstance(table, Table)
    if inserts:
        session.execute(
            table.insert().values(order_line_id=bindparam("line_id")),
            inserts,
        )
    if updates:
        session.execute(
            update(table)
            .where(table.c.order_line_id == bindparam("line_id"))
            .values(
                status=bindparam("status"),
                expected=bindparam("expected"),
                likely=bindparam("likely"),
                late=bindparam("late"),
                po_line_id=bindparam("po_line_id"),
                shortfall=bindparam("shortfall"),
                was_status=bindparam("was_status"),
                was=bindparam("was"),
            ),
            [{k: v for k, v in u.items() if k != "product_id"} for u in updates],
        )
    gone = sorted(stored)  # stored ETAs of lines of these products that no longer wait
    for begin in range(0, len(gone), _CHUNK):
        session.execute(
            delete(table).where(table.c.order_line_id.in_(gone[begin : begin + _CHUNK]))
        )
    return EtaChanges(len(lines), len(inserts) + len(updates), len(gone), tuple(moved))


def products_missing_etas(session: Session) -> list[int]:
    """Products with a waiting line that has no stored ETA (after the upgrade that added
    ETAs, or lines written by a path that does not recompute, such as a bulk import)."""
    has_eta = select(LineEta.order_line_id).where(LineEta.order_line_id == OrderLine.id)
    return list(
        session.scalars(
            select(OrderLine.product_id)
            .where(OrderLine.qty_backordered > 0, ~has_eta.exists())
            .distinct()
        )
    )


def fill_missing_etas(session: Session) -> EtaChanges:
    """Give every waiting line without an ETA one (recomputing its products' queues)."""
    ids = products_missing_etas(session)
    if not ids:
        return EtaChanges(0, 0, 0, ())
    return recompute_etas(session, None if len(ids) > 5 * _CHUNK else ids)
