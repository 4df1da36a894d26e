"""Queue priorities at scale: re-serving the 100k-line backorder queue after a policy change.

    uv run python -m benchmarks.bench_priority [--small] [--reps N] [--profile]

``bench_reserve`` works on a fresh copy of the scale database (SQLite backup API; the
original is never written), upgraded to the app's schema, with every waiting line's ETA and
queue position stored under first come, first served. It then times
``app.services.queue.set_queue_policy`` in ``db.write()`` (commit included), switching
between first come, first served and gold customers first: every product's queue is read,
put in the new serving order, pegged again, compared with what is stored and only the
changed rows written (positions, units ahead, ETAs), and the reordered products' balance
versions bumped. Also: a full recompute with nothing changed (the floor of a re-serve: the
same reads and walk, no writes), and a raw ``sqlite3`` read of the queue with its tiers.

``main`` runs every ``bench_*`` function of this module (the what-if half lives here too).
Prints figures next to the goal; never fails.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import time
from collections import defaultdict
from typing import Any

from app.db import Database
from app.db.migrate import create_or_upgrade
from app.domain.allocation import AllocationPlan
from app.domain.enums import QueuePolicy
from app.domain.planning import compare_plans
from app.services.eta import EtaChanges, recompute_etas
from app.services.purchasing import receivable_purchase_order
from app.services.queue import set_queue_policy
from app.services.receiving import ReceiptInput, preview_receipt, received_units
from app.services.snapshots import read_queues
from benchmarks.common import (
    flash_po_ref,
    fresh_copy,
    goal_line,
    machine,
    median,
    raw_connect,
    remove_copy,
    scale_parser,
    scale_path,
    timed_cpu,
)

RESERVE_GOAL_MS = 200

#: The read a re-serve cannot avoid, raw: the queue from its index, with each order's tier.
RAW_QUEUE = (
    "SELECT l.id, l.product_id, l.qty_backordered, l.queued_at, l.order_id, l.line_no,"
    " l.pinned, l.queue_nudge, c.tier FROM order_line l"
    " JOIN sales_order o ON o.id = l.order_id JOIN customer c ON c.id = o.customer_id"
    " WHERE l.qty_backordered > 0 ORDER BY l.product_id, l.queued_at, l.order_id, l.line_no"
)


def _report(figures: dict[str, list[tuple[float, float]]]) -> None:
    print()
    print(f"{'measure (median; wall / CPU)':<58} {'wall':>9} {'CPU':>9}")
    for name, values in figures.items():
        wall = median([w for w, _ in values])
        cpu = median([c for _, c in values])
        print(f"{name:<58} {wall * 1000:7.1f} ms {cpu * 1000:7.1f} ms  (n={len(values)})")


def bench_reserve(args: argparse.Namespace) -> dict[str, Any]:
    """Time set_queue_policy on the 100k-line queue; returns the median wall ms."""
    source = scale_path(args.small)
    print(f"bench_priority / re-serve: {source.name}, {machine()}")
    copy = fresh_copy(source, "priority.sqlite3")
    figures: dict[str, list[tuple[float, float]]] = defaultdict(list)
    try:
        db = Database(f"sqlite:///{copy}")
        with db.engine.begin() as connection:
            create_or_upgrade(connection)
        with db.write() as session:  # start from FIFO with every position stored
            set_queue_policy(session, QueuePolicy.FIFO)
            filled = recompute_etas(session, policy=QueuePolicy.FIFO)
        print(f"waiting lines: {filled.lines:,}; rows (re)written to start: {filled.updated:,}")

        def switch(policy: QueuePolicy) -> EtaChanges:
            with db.write() as session:
                return set_queue_policy(session, policy)

        def unchanged() -> EtaChanges:
            with db.write() as session:
                return recompute_etas(session)

        for rep in range(args.reps):
            for policy in (QueuePolicy.LOYALTY, QueuePolicy.FIFO):
                wall, cpu, changes = timed_cpu(lambda p=policy: switch(p))
                figures[f"set_queue_policy -> {policy.value} (incl. commit)"].append((wall, cpu))
                figures["re-serve, either way"].append((wall, cpu))
                if rep == 0:
                    print(
                        f"-> {policy.value}: {changes.updated:,} rows written, "
                        f"{len(changes.reordered):,} products reordered, "
                        f"{len(changes.moved_later):,} ETAs moved later"
                    )
            wall, cpu, changes = timed_cpu(unchanged)
            assert changes.updated == 0
            figures["full recompute, nothing changed (the floor)"].append((wall, cpu))
            con = raw_connect(copy, read_only=True)
            start, cpu0 = time.perf_counter(), time.process_time()
            rows = con.execute(RAW_QUEUE).fetchall()
            figures["raw sqlite3: read the queue with tiers"].append(
                (time.perf_counter() - start, time.process_time() - cpu0)
            )
            con.close()
            assert len(rows) == filled.lines
        if args.profile:
            profiler = cProfile.Profile()
            profiler.enable()
            switch(QueuePolicy.LOYALTY)
            profiler.disable()
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(20)
        db.dispose()
    finally:
        remove_copy(copy)
    _report(figures)
    reserve = median([w for w, _ in figures["re-serve, either way"]]) * 1000
    floor = median([w for w, _ in figures["full recompute, nothing changed (the floor)"]]) * 1000
    raw = median([w for w, _ in figures["raw sqlite3: read the queue with tiers"]]) * 1000
    print()
    print(goal_line("re-serve 100k lines after a policy change", reserve, RESERVE_GOAL_MS))
    print(f"{'re-serve / recompute with nothing changed':<44} {reserve / floor:9.2f} x")
    print(f"{'re-serve / raw sqlite3 read of the queue':<44} {reserve / raw:9.2f} x")
    return {"reserve_ms": reserve}


WHAT_IF_GOAL_MS = 300


def bench_what_if(args: argparse.Namespace) -> dict[str, Any]:
    """Time the receive preview's what-if for the flash-sale receipt (the flash PO: 200
    products, ~50k waiting lines): both policies' plans and the per-customer diff.

    "From scratch" reads the queues (``read_queues``), plans under the shop's policy and the
    other, and compares; "switching in an open preview" is what the receive dialog does when
    the clerk flips the switch: the snapshot and the current plan are in hand, so only the
    other plan (the first time: its serving order too) and the diff. Also the plain
    ``preview_receipt`` (0.57 s before the snapshot) for comparison. Read-only: a fresh copy
    all the same, so a stray write can never touch the original.
    """
    source = scale_path(args.small)
    po_ref = flash_po_ref(source)
    print(f"bench_priority / what-if: {source.name}, {po_ref}, {machine()}")
    copy = fresh_copy(source, "what-if.sqlite3")
    figures: dict[str, list[tuple[float, float]]] = defaultdict(list)
    try:
        db = Database(f"sqlite:///{copy}")
        with db.engine.begin() as connection:
            create_or_upgrade(connection)
        with db.read() as session:
            po = receivable_purchase_order(session, po_ref)
        inputs = [
            ReceiptInput(line.product_id, line.qty_outstanding, line.po_line_id)
            for line in po.lines
            if line.qty_outstanding > 0
        ]
        received = received_units(inputs)
        fifo, loyalty = QueuePolicy.FIFO, QueuePolicy.LOYALTY

        def from_scratch() -> tuple[int, int]:
            with db.read() as session:
                snapshot = read_queues(session, received)
            changes = compare_plans(snapshot.plan(received, fifo), snapshot.plan(received, loyalty))
            return len(snapshot.order_waiting), len(changes)

        def preview() -> AllocationPlan:
            with db.read() as session:
                return preview_receipt(session, inputs, purchase_order_ref=po_ref, policy=fifo)

        for rep in range(args.reps):
            wall, cpu, (orders, changed) = timed_cpu(from_scratch)
            figures["what-if from scratch: read + 2 plans + diff"].append((wall, cpu))
            with db.read() as session:
                snapshot = read_queues(session, received)
            current = snapshot.plan(received, fifo)  # the dialog already shows this one
            wall, cpu, changes = timed_cpu(
                lambda s=snapshot, c=current: compare_plans(c, s.plan(received, loyalty))
            )
            figures["switch in an open preview: other plan + diff (1st)"].append((wall, cpu))
            wall, cpu, _ = timed_cpu(
                lambda s=snapshot, c=current: compare_plans(c, s.plan(received, loyalty))
            )
            figures["switch again (serving order known): plan + diff"].append((wall, cpu))
            wall, cpu, _ = timed_cpu(
                lambda s=snapshot: compare_plans(s.plan(received, fifo), s.plan(received, loyalty))
            )
            figures["both plans + diff from an open snapshot"].append((wall, cpu))
            wall, cpu, plan = timed_cpu(preview)
            figures["preview_receipt (one policy, incl. read)"].append((wall, cpu))
            if rep == 0:
                gains = sum(c.change for c in changes if c.change > 0)
                print(
                    f"{len(plan.allocations):,} planned lines, {orders:,} orders waiting; gold "
                    f"first moves {gains:,} units: {changed:,} customers gain or lose "
                    f"({sum(c.change > 0 for c in changes):,} gain)"
                )
        db.dispose()
    finally:
        remove_copy(copy)
    _report(figures)
    print()
    results: dict[str, Any] = {}
    for name in (
        "what-if from scratch: read + 2 plans + diff",
        "switch in an open preview: other plan + diff (1st)",
        "both plans + diff from an open snapshot",
    ):
        wall = median([w for w, _ in figures[name]]) * 1000
        cpu = median([c for _, c in figures[name]]) * 1000
        print(goal_line(f"{name} [wall]", wall, WHAT_IF_GOAL_MS))
        print(goal_line(f"{name} [CPU]", cpu, WHAT_IF_GOAL_MS))
        results[name] = wall
    return results


def main(argv: list[str] | None = None) -> int:
    parser = scale_parser(__doc__, reps=3)
    parser.add_argument("--profile", action="store_true", help="cProfile one run of each")
    args = parser.parse_args(argv)
    benches = [fn for name, fn in sorted(globals().items()) if name.startswith("bench_")]
    for number, bench in enumerate(benches):
        if number:
            print()
        bench(args)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
