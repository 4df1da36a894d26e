"""ETA recomputation at scale: pegging 100k waiting lines to 5k open purchase orders.

    uv run python -m benchmarks.bench_eta [--small] [--reps N] [--profile]

Works on a fresh copy of the scale database (SQLite backup API; the original is never
written), upgraded to the app's schema (the ETA columns of migration 0002). Times, in
``db.write()`` / ``db.read()`` as the services run them:

- the first fill: every waiting line gets its ETA (all rows written once);
- a full recomputation with nothing changed (reads everything, writes nothing): the goal;
- ``compute_etas`` alone (reads + pegging, no comparison or write);
- the flash PO (200 products, ~45k waiting lines) re-dated a week later, then a full
  recomputation that rewrites and flags those lines, and one for its 200 products only;
- a raw ``sqlite3`` read of the same rows (the floor of the read);
- placing a 1-line order for a flash-sale product (its queue length is printed),
  incl. commit: with the whole queue's ETAs recomputed (as ``place_order`` did before) and
  with the new line joining the end of the queue (``store_new_order_etas``'s fast path).

Prints figures next to the goal; never fails.
"""

from __future__ import annotations

import cProfile
import pstats
import time
from collections import defaultdict
from collections.abc import Callable
from datetime import timedelta
from unittest import mock

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from app.db import Database
from app.db.migrate import create_or_upgrade
from app.domain import (
    Customer,
    LineEta,
    OrderLine,
    Product,
    PurchaseOrder,
    PurchaseOrderLine,
    SalesOrder,
)
from app.domain.enums import CustomerTier
from app.services import ordering
from app.services.eta import (
    EtaChanges,
    NewOrderEtas,
    compute_etas,
    recompute_etas,
    store_new_order_etas,
)
from app.services.ordering import LineRequest
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

GOAL_MS = 300

#: The two reads a recomputation cannot avoid: the queue in index order, the stored ETAs.
RAW_READS = (
    "SELECT id, product_id, qty_backordered, queued_at, order_id, line_no FROM order_line"
    " WHERE qty_backordered > 0 ORDER BY product_id, queued_at, order_id, line_no",
    "SELECT order_line_id, status, expected, likely, late, po_line_id, shortfall, was_status,"
    " was FROM order_line_eta",
)


def main(argv: list[str] | None = None) -> int:
    parser = scale_parser(__doc__, reps=5)
    parser.add_argument("--profile", action="store_true", help="cProfile one recomputation")
    args = parser.parse_args(argv)
    source = scale_path(args.small)
    po_ref = flash_po_ref(source)
    print(f"bench_eta: {source.name}, {machine()}")
    copy = fresh_copy(source, "eta.sqlite3")
    figures: dict[str, list[tuple[float, float]]] = defaultdict(list)
    try:
        db = Database(f"sqlite:///{copy}")
        with db.engine.begin() as connection:
            create_or_upgrade(connection)  # brings an older scale database to the app's schema
            # The generator stores every line's ETA; start the first fill from none.
            connection.exec_driver_sql("DELETE FROM order_line_eta")

        def full() -> EtaChanges:
            with db.write() as session:
                return recompute_etas(session)

        wall, cpu, changes = timed_cpu(full)
        figures["first fill (every line written)"].append((wall, cpu))
        print(f"waiting lines: {changes.lines:,}; written on the first fill: {changes.updated:,}")
        with db.read() as session:
            open_pos = session.scalar(select(PurchaseOrder.id).where(PurchaseOrder.ref == po_ref))
            etas = compute_etas(session)
            statuses: dict[str, int] = defaultdict(int)
            for eta in etas:
                statuses[eta.status] += 1
        print("statuses: " + ", ".join(f"{k} {v:,}" for k, v in sorted(statuses.items())))
        for _ in range(args.reps):
            wall, cpu, changes = timed_cpu(full)
            assert changes.updated == 0
            figures["full recompute, nothing changed"].append((wall, cpu))

            def compute_only() -> object:
                with db.read() as session:
                    return compute_etas(session)

            wall, cpu, _ = timed_cpu(compute_only)
            figures["compute_etas only (read + peg)"].append((wall, cpu))

            con = raw_connect(copy, read_only=True)
            start, cpu0 = time.perf_counter(), time.process_time()
            rows = con.execute(RAW_READS[0]).fetchall()
            con.execute(RAW_READS[1]).fetchall()
            figures["raw sqlite3: read the queue + stored ETAs"].append(
                (time.perf_counter() - start, time.process_time() - cpu0)
            )
            con.close()
            assert len(rows) == len(etas)

        # The flash PO moves a week later: its lines' ETAs move and are flagged.
        with db.read() as session:
            products = list(
                session.scalars(
                    select(PurchaseOrderLine.product_id).where(
                        PurchaseOrderLine.purchase_order_id == open_pos
                    )
                )
            )
        for rep in range(2):
            with db.write() as session:
                po = session.get_one(PurchaseOrder, open_pos)
                assert po.expected_date is not None
                po.expected_date += timedelta(days=7 if rep == 0 else -7)
            wall, cpu, changes = timed_cpu(full)
            figures["full recompute after the flash PO is re-dated"].append((wall, cpu))
            if rep == 0:
                print(
                    f"flash PO {po_ref} a week later: {changes.updated:,} lines rewritten, "
                    f"{len(changes.moved_later):,} flagged 'moved later'"
                )

        def by_products() -> object:
            with db.write() as session:
                po = session.get_one(PurchaseOrder, open_pos)
                assert po.expected_date is not None
                po.expected_date += timedelta(days=1)
                return recompute_etas(session, products)

        for _ in range(2):
            wall, cpu, _ = timed_cpu(by_products)
            figures[f"re-date + recompute of its {len(products)} products"].append((wall, cpu))

        placing = [_place_one_line(db, products[0], args.reps, figures, "flash product")]
        # The brief's worst case: one product with the whole flash sale's queue (~50k lines).
        with db.write() as session:
            others = products[1:]
            session.execute(
                update(OrderLine)
                .where(OrderLine.product_id.in_(others), OrderLine.qty_backordered > 0)
                .values(product_id=products[0])
            )
            session.execute(
                update(LineEta).where(LineEta.product_id.in_(others)).values(product_id=products[0])
            )
            recompute_etas(session, products)
        placing.append(_place_one_line(db, products[0], args.reps, figures, "merged queue"))

        if args.profile:
            profiler = cProfile.Profile()
            profiler.enable()
            full()
            profiler.disable()
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(18)
        db.dispose()
    finally:
        remove_copy(copy)

    print()
    print(f"{'measure (median; wall / CPU)':<62} {'wall':>9} {'CPU':>9}")
    for name, values in figures.items():
        wall = median([w for w, _ in values])
        cpu = median([c for _, c in values])
        print(f"{name:<62} {wall * 1000:7.1f} ms {cpu * 1000:7.1f} ms  (n={len(values)})")
    print()
    goal = median([w for w, _ in figures["full recompute, nothing changed"]]) * 1000
    print(goal_line("full ETA recompute (100k lines, 5k POs)", goal, GOAL_MS))
    for label, lines, full_ms, fast_ms in placing:
        print(
            f"place a 1-line order, {label} ({lines:,} waiting): whole queue recomputed "
            f"{full_ms:.1f} ms, new line joins the end {fast_ms:.1f} ms "
            f"({full_ms / fast_ms:.1f}x faster)"
        )
    return 0


def _place_one_line(
    db: Database,
    product_id: int,
    reps: int,
    figures: dict[str, list[tuple[float, float]]],
    label: str,
) -> tuple[str, int, float, float]:
    """Place 1-unit orders for a flash-sale product (nothing in stock: the line waits), in
    ``db.write()`` with commit, alternately the way ``place_order`` did before (recompute the
    product's whole queue) and with the fast path; checks the fast path stored what a full
    recompute would. Returns (label, waiting lines, median wall ms before, after)."""
    with db.read() as session:
        sku = session.get_one(Product, product_id).sku
        customer = session.scalar(
            select(Customer.code).where(Customer.tier == CustomerTier.STANDARD).limit(1)
        )
        assert customer is not None
        queue = session.scalar(
            select(func.count()).where(
                OrderLine.product_id == product_id, OrderLine.qty_backordered > 0
            )
        )
    assert queue is not None
    print(f"{label} {sku}: {queue:,} waiting lines")
    paths: list[NewOrderEtas] = []

    def whole_queue(session: Session, order: SalesOrder) -> None:  # place_order before
        recompute_etas(session, sorted({line.product_id for line in order.lines}))

    def fast(session: Session, order: SalesOrder) -> NewOrderEtas:
        paths.append(store_new_order_etas(session, order))
        return paths[-1]

    def place(store: Callable[[Session, SalesOrder], object]) -> None:
        with (
            mock.patch.object(ordering, "store_new_order_etas", store),
            db.write() as session,
        ):
            ordering.place_order(session, customer, [LineRequest(sku, 1)])

    before = f"place 1-line order, {label}, whole queue recomputed"
    after = f"place 1-line order, {label}, fast path"
    for _ in range(max(reps, 5)):
        wall, cpu, _ = timed_cpu(lambda: place(whole_queue))
        figures[before].append((wall, cpu))
        wall, cpu, _ = timed_cpu(lambda: place(fast))
        figures[after].append((wall, cpu))
    assert all(p.joined == {product_id} and not p.recomputed for p in paths), paths
    with db.write() as session:
        assert recompute_etas(session, [product_id]).updated == 0  # the fast path was exact
    return (
        label,
        queue,
        median([w for w, _ in figures[before]]) * 1000,
        median([w for w, _ in figures[after]]) * 1000,
    )


if __name__ == "__main__":
    raise SystemExit(main())
