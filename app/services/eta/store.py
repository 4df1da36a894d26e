"""Storing ETAs on the waiting lines (``order_line_eta``) and flagging those that moved later.

Services that change a queue, available stock or an open purchase order call
:func:`recompute_etas` in their transaction; the tables then page and sort ETAs in SQL. A
line whose ETA moved later is flagged with what it showed before (``was_status`` / ``was``)
until its ETA comes back to that, and its customer's "delivery date moved later" message
goes to the outbox (``notifications.outbox``). Only changed rows are written, in bulk. No Qt.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Table, bindparam, delete, select, update
from sqlalchemy.orm import Session

from app.domain import (
    LineEta,
    OrderLine,
)
from app.domain.enums import QueuePolicy
from app.services.changes import NO_CHANGES, Area, Changes
from app.services.eta.confidence import supplier_confidence
from app.services.eta.pegging import IN_STOCK, ON_ORDER, _Stored, _walk
from app.services.eta.reading import (
    _CHUNK,
    _available,
    _chunks,
    _Dates,
    _queue_rows,
    _raw_rows,
    incoming_lines,
)
from app.services.notifications.outbox import enqueue_eta_later


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
    #: Products whose queue order changed: a line's position or units ahead is not what
    #: was stored (a manager's pin or move, a policy change); new lines do not count.
    reordered: frozenset[int]
    #: The queues (ETAs and places) of the products recomputed, if a row was written.
    changes: Changes


#: A recomputation that looked at nothing and wrote nothing.
NO_ETA_CHANGES = EtaChanges(0, 0, 0, (), frozenset(), NO_CHANGES)


def stored_row(
    line_id: int,
    product_id: int,
    eta: _Stored,
    place: tuple[int, int],
    was_status: str | None = None,
    was: date | None = None,
) -> dict[str, Any]:
    """The bound values of one ``order_line_eta`` row: its ETA, its (position, units
    ahead), and what it showed before if it moved later."""
    status, expected, likely, late, po_line, shortfall = eta
    return {
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
        "position": place[0],
        "units_ahead": place[1],
    }


def _rank(status: str | None, likely: date | None) -> date:
    """How late an ETA is, to compare two: in stock now < a date < no date / not on order."""
    if status == IN_STOCK:
        return date.min
    if status == ON_ORDER and likely is not None:
        return likely
    return date.max


#: A stored row: (its ETA, was status, was, (position, units ahead)).
_Row = tuple[_Stored, str | None, date | None, tuple[int, int]]


def _stored(session: Session, product_ids: Sequence[int] | None) -> dict[int, _Row]:
    """Stored ETAs: line id -> (its ETA, was status, was, (position, units ahead))."""
    stored: dict[int, _Row] = {}
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
            LineEta.position,
            LineEta.units_ahead,
        )
        if chunk is not None:
            stmt = stmt.where(LineEta.product_id.in_(chunk))
        for row in _raw_rows(session, stmt):
            stored[row[0]] = (
                (row[1], as_date[row[2]], as_date[row[3]], as_date[row[4]], row[5], row[6]),
                row[7],
                as_date[row[8]],
                (row[9], row[10]),
            )
    return stored


def recompute_etas(
    session: Session,
    product_ids: Iterable[int] | None = None,
    *,
    policy: QueuePolicy | None = None,
) -> EtaChanges:
    """Recompute and store the ETAs and queue positions of the waiting lines of these
    products (all: None), serving each queue in ``policy``'s order (None: the shop's).

    Call it in the transaction of any change to a queue, available stock or open purchase
    orders (expected dates, cancellations, receipts). Only changed rows are written (a line
    whose ETA is unchanged but whose place moved gets a narrow position-only update); those
    of lines no longer waiting are deleted. A line whose ETA moved later (a later likely
    date, no longer covered, no longer in stock) is flagged with what it showed before; the
    flag clears once its ETA is back there. A line's first ETA is never flagged.
    """
    ids = None if product_ids is None else sorted(set(product_ids))
    if ids == []:
        return NO_ETA_CHANGES
    session.flush()
    stored = _stored(session, ids)
    incoming = incoming_lines(session, ids)
    confidence = supplier_confidence(session, {i.supplier_id for i in incoming})
    lines = _queue_rows(session, ids, policy)
    inserts: list[dict[str, Any]] = []
    updates: list[dict[str, Any]] = []
    places: list[tuple[int, int, int]] = []
    moved: list[MovedLater] = []
    reordered: set[int] = set()
    pop = stored.pop
    walked = _walk(lines, _available(session, ids), incoming, confidence, with_covers=False)
    product = -1
    position = ahead = 0
    for line_id, product_id, waiting, _, _, new in walked:
        if product_id != product:
            product, position, ahead = product_id, 0, 0
        position += 1
        place = (position, ahead)
        ahead += waiting
        old = pop(line_id, None)
        if old is not None and new == old[0] and old[1] is None:
            if place != old[3]:  # the same ETA, another place in the queue
                reordered.add(product_id)
                places.append((place[0], place[1], line_id))
            continue  # unchanged, not flagged: the common case
        status, likely = new[0], new[2]
        was_status: str | None = None
        was: date | None = None
        if old is not None:
            previous, was_status, was, old_place = old
            if place != old_place:
                reordered.add(product_id)
            new_rank = _rank(status, likely)
            if new == previous and new_rank > _rank(was_status, was):
                if place != old_place:
                    places.append((place[0], place[1], line_id))
                continue  # unchanged, and the flag still stands
            if new_rank > _rank(previous[0], previous[2]):
                moved.append(MovedLater(line_id, previous[0], previous[2], status, likely))
                if was_status is None:
                    was_status, was = previous[0], previous[2]
            if was_status is not None and new_rank <= _rank(was_status, was):
                was_status = was = None
        values = stored_row(line_id, product_id, new, place, was_status, was)
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
                position=bindparam("position"),
                units_ahead=bindparam("units_ahead"),
            ),
            [{k: v for k, v in u.items() if k != "product_id"} for u in updates],
        )
    if places:
        _write_places(session, places)
    gone = sorted(stored)  # stored ETAs of lines of these products that no longer wait
    for begin in range(0, len(gone), _CHUNK):
        session.execute(
            delete(table).where(table.c.order_line_id.in_(gone[begin : begin + _CHUNK]))
        )
    written = len(inserts) + len(updates) + len(places)
    # Customers whose line moved later hear of it, once per move, in this transaction.
    enqueue_eta_later(
        session,
        {
            m.order_line_id: {
                "was_status": m.was_status,
                "was": m.was,
                "status": m.status,
                "likely": m.likely,
            }
            for m in moved
        },
    )
    return EtaChanges(
        len(lines),
        written,
        len(gone),
        tuple(moved),
        frozenset(reordered),
        Changes.of(Area.QUEUE, product_ids=ids or ()) if written or gone else NO_CHANGES,
    )


def _write_places(session: Session, places: list[tuple[int, int, int]]) -> None:
    """(position, units ahead, line id) rows, written through the driver directly.

    A re-serve after a policy change moves tens of thousands of lines whose ETA did not
    change; SQLAlchemy's per-row parameter processing would cost more than the writes
    themselves, and these are plain integers that need none.
    """
    mark = "?" if session.get_bind().dialect.paramstyle == "qmark" else "%s"
    sql = (
        f"UPDATE order_line_eta SET position = {mark}, units_ahead = {mark} "
        f"WHERE order_line_id = {mark}"
    )
    cursor = session.connection().connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.executemany(sql, places)
    finally:
        cursor.close()


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
        return NO_ETA_CHANGES
    return recompute_etas(session, None if len(ids) > 5 * _CHUNK else ids)
