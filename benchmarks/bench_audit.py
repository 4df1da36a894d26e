"""What the audit trail costs on the biggest write: confirming the flash-sale receipt.

    uv run python -m benchmarks.bench_audit [--small] [--reps N]

Each repetition confirms the flash PO (200 lines filling ~90% of the lines waiting for them)
twice, each time on a fresh copy of the scale database: once as the app runs (the audit
listeners of ``app.services.audit`` on) and once with those listeners taken off, and prints the
medians, the ratio and how many audit rows the confirm wrote. The receipt's bulk statements
leave one summary row each, not one per allocated line, so the ratio should stay near 1.
After an audited confirm it also reads the "Who did what" of an order the receipt served
(``order_history``, which joins the receipt's allocations to its "received" event at read
time instead of the confirm writing a row per line), and that join alone.
Prints figures; never fails.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager, nullcontext

from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from app.db import Database
from app.domain import AllocationEvent, OrderLine, Receipt, SalesOrder
from app.domain.audit import AuditEvent
from app.services import audit
from app.services.views.history import order_history
from app.services.views.order_receipts import receipt_allocations
from benchmarks.bench_receive import planned_receipt, timed_confirm
from benchmarks.common import (
    flash_po_ref,
    fresh_copy,
    goal_line,
    machine,
    median,
    ms,
    ratio_line,
    remove_copy,
    scale_parser,
    scale_path,
    timed,
)

#: The most the audit trail may add to a big confirm.
RATIO_GOAL = 1.15
#: The most an order's "Who did what" may take to read (the order detail opens with it).
HISTORY_GOAL_MS = 100.0
#: (order_history, its receipt rows alone) seconds, after each audited confirm.
_READS: list[tuple[float, float]] = []

_LISTENERS = (
    ("after_flush", audit._record_flush),
    ("do_orm_execute", audit._record_bulk),
)


@contextmanager
def audit_off() -> Iterator[None]:
    """The app without its audit listeners (only here, to measure what they cost)."""
    for name, listener in _LISTENERS:
        event.remove(Session, name, listener)
    try:
        yield
    finally:
        for name, listener in _LISTENERS:
            event.listen(Session, name, listener)


def order_history_read(db: Database, receipt_id: int) -> tuple[float, float]:
    """(order_history, receipt_allocations alone) seconds for one order the receipt served."""
    with db.read() as session:
        ref = session.scalar(
            select(SalesOrder.ref)
            .join(OrderLine, OrderLine.order_id == SalesOrder.id)
            .join(AllocationEvent, AllocationEvent.order_line_id == OrderLine.id)
            .where(AllocationEvent.receipt_id == receipt_id)
            .limit(1)
        )
        assert ref is not None
        whole, _ = timed(lambda: order_history(session, ref))
        gifts, _ = timed(lambda: receipt_allocations(session, ref))
    return whole, gifts


def one_confirm(small: bool, po_ref: str, *, audited: bool) -> tuple[float, float, int]:
    """(wall, cpu, audit rows written) of one confirm on a fresh copy."""
    copy = fresh_copy(scale_path(small), "audit.sqlite3")
    db = Database(f"sqlite:///{copy}")
    try:
        plan = planned_receipt(db, po_ref)
        with db.read() as session:
            before = session.scalar(select(func.count()).select_from(AuditEvent)) or 0
        with nullcontext() if audited else audit_off():
            wall, cpu = timed_confirm(db, plan)
        if audited:
            with db.read() as session:
                receipt_id = session.scalar(select(func.max(Receipt.id)))
            assert receipt_id is not None
            _READS.append(order_history_read(db, receipt_id))
        with db.read() as session:
            after = session.scalar(select(func.count()).select_from(AuditEvent)) or 0
        return wall, cpu, after - before
    finally:
        db.dispose()
        remove_copy(copy)


def main(argv: list[str] | None = None) -> int:
    parser = scale_parser(__doc__, reps=3)
    args = parser.parse_args(argv)
    source = scale_path(args.small)
    po_ref = flash_po_ref(source)
    print(f"bench_audit: {source.name}, {machine()}")
    runs: dict[bool, list[tuple[float, float, int]]] = {True: [], False: []}
    for _ in range(args.reps):
        for audited in (False, True):  # alternate, so a busy neighbour hits both alike
            runs[audited].append(one_confirm(args.small, po_ref, audited=audited))
    for audited, label in ((False, "confirm without audit"), (True, "confirm with audit")):
        wall = median([w for w, _c, _n in runs[audited]])
        cpu = median([c for _w, c, _n in runs[audited]])
        rows = runs[audited][0][2]
        print(f"{label:<44} {ms(wall)} wall {ms(cpu)} cpu, {rows:,} audit rows")
    wall_ratio = median([w for w, _c, _n in runs[True]]) / median([w for w, _c, _n in runs[False]])
    cpu_ratio = median([c for _w, c, _n in runs[True]]) / median([c for _w, c, _n in runs[False]])
    print(ratio_line("with / without audit (wall)", wall_ratio, RATIO_GOAL))
    print(ratio_line("with / without audit (cpu)", cpu_ratio, RATIO_GOAL))
    whole = median([w for w, _g in _READS]) * 1000
    gifts = median([g for _w, g in _READS]) * 1000
    print(goal_line("order history of a served order", whole, HISTORY_GOAL_MS))
    print(f"{'  of which its receipt rows':<44} {gifts:9.1f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
