"""The walk that pegs each product's backorder queue to stock and open purchase order lines.

Each product's queue is walked in serving order (``app.domain.queue``, the order receipts
serve it) against, first, units available now (on hand - allocated, e.g. freed by a
cancellation: those lines are "in stock now"), then the outstanding units of open and
partially received PO lines in expected-date order (undated POs last, then PO ref, then line
number). A waiting line gets the PO line(s) that cover it; its stated ETA is the latest
expected date among them. A line (or the part of one) nothing covers is "not on order", with
its shortfall. Pure: no database, so it is tested and timed on its own. No Qt.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, NamedTuple

from app.services.eta.confidence import NO_HISTORY, Confidence

IN_STOCK = "in_stock"  #: units available now cover the line
ON_ORDER = "on_order"  #: open purchase orders cover the line
NOT_ON_ORDER = "not_on_order"  #: some of the line's units are covered by nothing


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
