"""Receiving the flash-sale restock: preview and confirm at scale, against raw sqlite3.

    uv run python -m benchmarks.bench_receive [--small] [--reps N] [--profile]

A 200-line receipt (the flash PO: the 200 popular products) fills ~90% of the 50k lines
waiting for them. Each repetition works on a fresh copy of the scale database (SQLite backup
API), previews three times (the first on a new connection), times ``plan.adjusted()`` for
single edited cells (what the receive dialog runs on each edit) and confirms once, in
``db.read()`` / ``db.write()`` exactly as the receive dialog does. The baselines do the same
reads and fill (tuples) and the same writes with the plain ``sqlite3`` module, on connections
set up by the app's own connect hook (same pragmas, incl. ``cache_size``). Prints figures and
ratios; never fails. Each repetition also receives two ordinary POs of the flash PO's
supplier on another fresh copy, one early and one late: a late delivery moves the supplier's
usual delay, so its confirm recomputes the ETAs of everything on order from that supplier.
"""

from __future__ import annotations

import cProfile
import pstats
import sqlite3
import sys
import time
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select

from app.db import Database
from app.domain import OrderLine, PurchaseOrder, SalesOrder
from app.domain.orders import OrderTotals, derive_order_status
from app.services.eta import products_on_order_from
from app.services.purchasing import receivable_purchase_order
from app.services.receiving import AllocationPlan, ReceiptInput, confirm_receipt, preview_receipt
from app.services.stock import check_ledger
from benchmarks.common import (
    capture_sql,
    explain,
    flash_po_ref,
    fresh_copy,
    goal_line,
    machine,
    medians,
    pragmas,
    ratio_line,
    raw_connect,
    remove_copy,
    scale_parser,
    scale_path,
    timed,
    timed_cpu,
)

PREVIEW_GOAL_MS = 150
CONFIRM_GOAL_MS = 400
RAW_RATIO_GOAL = 3.0


def receipt_inputs(db: Database, po_ref: str) -> tuple[float, list[ReceiptInput]]:
    def load() -> list[ReceiptInput]:
        with db.read() as session:
            po = receivable_purchase_order(session, po_ref)
        return [
            ReceiptInput(line.product_id, line.qty_outstanding, line.po_line_id)
            for line in po.lines
            if line.qty_outstanding > 0
        ]

    return timed(load)


def preview(db: Database, receipts: list[ReceiptInput], po_ref: str) -> AllocationPlan:
    with db.read() as session:
        return preview_receipt(session, receipts, purchase_order_ref=po_ref)


def confirm(db: Database, plan: AllocationPlan) -> None:
    with db.write() as session:
        confirm_receipt(session, plan, note="benchmark")


def planned_receipt(db: Database, po_ref: str) -> AllocationPlan:
    """The plan receiving all that is outstanding on ``po_ref``: a confirm benchmark's set-up,
    not timed."""
    _, receipts = receipt_inputs(db, po_ref)
    return preview(db, receipts, po_ref)


def timed_confirm(db: Database, plan: AllocationPlan) -> tuple[float, float]:
    """(wall, CPU) seconds of confirming ``plan``, commit included."""
    wall, cpu, _ = timed_cpu(lambda: confirm(db, plan))
    return wall, cpu


def raw_confirm(path: Path, plan: AllocationPlan, laps: dict[str, float] | None = None) -> float:
    """The same writes as confirm_receipt, with the plain sqlite3 module and the app's
    pragmas. Returns seconds. ``laps`` (if given) receives the seconds spent per step.
    """
    con = raw_connect(path)
    now = datetime.now(UTC).replace(tzinfo=None).isoformat(" ")
    given = [a for a in plan.allocations if a.qty > 0]
    reasons = [a.reason for a in given]  # the same text the app stores (built untimed here)
    to_customers: dict[int, int] = defaultdict(int)
    for a in given:
        to_customers[a.product_id] += a.qty
    start = time.perf_counter()
    mark = start

    def lap(name: str) -> None:
        nonlocal mark
        now_ = time.perf_counter()
        if laps is not None:
            laps[name] = laps.get(name, 0.0) + now_ - mark
        mark = now_

    cur = con.cursor()
    cur.execute("BEGIN IMMEDIATE")
    ids = sorted(plan.versions)
    marks = ",".join("?" * len(ids))
    versions = dict(
        cur.execute(
            f"SELECT product_id, version FROM stock_balance WHERE location_id = 1 "
            f"AND product_id IN ({marks}) ORDER BY product_id",
            ids,
        ).fetchall()
    )
    assert all(versions[pid] == v for pid, v in plan.versions.items())
    po_id = cur.execute(
        "SELECT id FROM purchase_order WHERE ref = ?", (plan.purchase_order_ref,)
    ).fetchone()[0]
    cur.execute(
        "INSERT INTO receipt (purchase_order_id, received_at, note) VALUES (?, ?, ?)",
        (po_id, now, "raw"),
    )
    receipt_id = cur.lastrowid
    cur.executemany(
        "INSERT INTO receipt_line (receipt_id, purchase_order_line_id, product_id, qty, "
        "qty_over) VALUES (?, ?, ?, ?, 0)",
        [(receipt_id, r.po_line_id, r.product_id, r.qty) for r in plan.receipts],
    )
    cur.executemany(
        "INSERT INTO stock_movement (product_id, location_id, qty, kind, reason, document, "
        "receipt_id, order_line_id, created_at) VALUES (?, 1, ?, 'receipt', '', ?, ?, NULL, ?)",
        [(r.product_id, r.qty, plan.purchase_order_ref, receipt_id, now) for r in plan.receipts],
    )
    cur.executemany(
        "UPDATE stock_balance SET on_hand = on_hand + ?, allocated = allocated + ?, "
        "version = version + 1 WHERE product_id = ? AND location_id = 1",
        [(r.qty, to_customers.get(r.product_id, 0), r.product_id) for r in plan.receipts],
    )
    cur.executemany(
        "UPDATE order_line SET qty_allocated = qty_allocated + ?, "
        "qty_backordered = qty_backordered - ? WHERE id = ?",
        [(a.qty, a.qty, a.order_line_id) for a in given],
    )
    lap("header, receipt lines, movements, balances + UPDATE order_line")
    cur.executemany(
        "INSERT INTO allocation_event (order_line_id, product_id, qty, source, reason, "
        "receipt_id, created_at) VALUES (?, ?, ?, 'receipt', ?, ?, ?)",
        [
            (a.order_line_id, a.product_id, a.qty, reason, receipt_id, now)
            for a, reason in zip(given, reasons, strict=True)
        ],
    )
    lap("INSERT allocation_event")
    cur.executemany(
        "UPDATE purchase_order_line SET qty_received = qty_received + ? WHERE id = ?",
        [(r.qty, r.po_line_id) for r in plan.receipts],
    )
    order_ids = sorted({a.order_id for a in given})
    updates = []
    for chunk_start in range(0, len(order_ids), 2000):
        chunk = order_ids[chunk_start : chunk_start + 2000]
        rows = cur.execute(
            "SELECT order_id, sum(qty_ordered), sum(qty_cancelled), sum(qty_shipped), "
            "sum(qty_allocated), sum(qty_backordered) FROM order_line "
            f"WHERE order_id IN ({','.join('?' * len(chunk))}) GROUP BY order_id",
            chunk,
        ).fetchall()
        for order_id, *totals in rows:
            updates.append((derive_order_status(OrderTotals(*totals)).value, order_id))
    lap("order totals (SELECT ... GROUP BY)")
    cur.executemany("UPDATE sales_order SET status = ? WHERE id = ?", updates)
    lap("UPDATE sales_order status")
    ordered, received = cur.execute(
        "SELECT sum(qty_ordered), sum(min(qty_received, qty_ordered)) FROM purchase_order_line "
        "WHERE purchase_order_id = ?",
        (po_id,),
    ).fetchone()
    status = "received" if received >= ordered else "partially_received"
    cur.execute("UPDATE purchase_order SET status = ? WHERE id = ?", (status, po_id))
    lap("PO status")
    cur.execute("COMMIT")
    lap("COMMIT (incl. WAL auto-checkpoint)")
    elapsed = time.perf_counter() - start
    con.close()
    return elapsed


RAW_QUEUE_SQL = (
    "SELECT order_line.id, order_line.order_id, sales_order.ref, order_line.line_no, "
    "customer.name, order_line.queued_at, order_line.qty_backordered FROM order_line "
    "JOIN sales_order ON sales_order.id = order_line.order_id "
    "JOIN customer ON customer.id = sales_order.customer_id "
    "WHERE order_line.product_id = ? AND order_line.qty_backordered > 0 "
    "ORDER BY order_line.queued_at, sales_order.ref, order_line.line_no"
)


def raw_preview(con: sqlite3.Connection, receipts: list[ReceiptInput]) -> tuple[int, int]:
    """The preview's reads and fill with plain sqlite3 and tuples, in one read transaction
    (as ``db.read()``): the floor for a preview that materialises every planned line.
    Returns (planned lines, units given), to check it planned what the app planned."""
    received: dict[int, int] = defaultdict(int)
    for item in receipts:
        received[item.product_id] += item.qty
    con.execute("BEGIN")
    skus = dict(
        con.execute(
            f"SELECT id, sku FROM product WHERE id IN ({','.join('?' * len(received))})",
            list(received),
        ).fetchall()
    )
    con.execute(
        "SELECT product_id, version FROM stock_balance WHERE location_id = 1 "
        f"AND product_id IN ({','.join('?' * len(received))})",
        list(received),
    ).fetchall()
    planned: list[tuple] = []
    for product_id in sorted(received, key=skus.__getitem__):
        remaining, lookahead = received[product_id], 3
        rows = con.execute(RAW_QUEUE_SQL, (product_id,))
        for line_id, order_id, ref, line_no, customer, queued, waiting in rows:
            give = min(remaining, waiting)
            if give == 0:
                if lookahead == 0:
                    break
                lookahead -= 1
            remaining -= give
            planned.append(
                (
                    line_id,
                    order_id,
                    ref,
                    line_no,
                    customer,
                    product_id,
                    skus[product_id],
                    datetime.fromisoformat(queued).replace(tzinfo=UTC),
                    waiting,
                    give,
                )
            )
        rows.close()
    order_ids = sorted({row[1] for row in planned})
    waiting_per_order: dict[int, int] = {}
    for start in range(0, len(order_ids), 2000):
        chunk = order_ids[start : start + 2000]
        waiting_per_order.update(
            con.execute(
                "SELECT order_id, sum(qty_backordered) FROM order_line "
                f"WHERE order_id IN ({','.join('?' * len(chunk))}) GROUP BY order_id",
                chunk,
            ).fetchall()
        )
    con.execute("COMMIT")
    return len(planned), sum(row[9] for row in planned)


def adjusted_probes(plan: AllocationPlan, count: int = 5) -> list[tuple[int, int, int]]:
    """(index, order line id, new qty) for ``count`` lines spread over the plan, each lowered
    by one unit (so the clerk's edit also un-completes the line's order, if it completed)."""
    given = [i for i, a in enumerate(plan.allocations) if a.qty > 0]
    picks = [given[len(given) * k // (count + 1)] for k in range(1, count + 1)]
    return [(i, plan.allocations[i].order_line_id, plan.allocations[i].qty - 1) for i in picks]


def queue_query_plan(db: Database, path: Path, receipts: list[ReceiptInput], po_ref: str) -> None:
    with capture_sql(db.engine) as log:
        preview(db, receipts[:1], po_ref)
    queue = next(e for e in log.entries if "qty_backordered >" in e.statement)
    print("\nEXPLAIN QUERY PLAN, the preview's queue query (one product):")
    print("  " + " ".join(queue.statement.split())[:300])
    for line in explain(path, queue.statement, queue.parameters):
        print("  " + line)


def supplier_receipts(
    source: Path, po_ref: str, figures: dict[str, list[tuple[float, float]]]
) -> str:
    """Receive two ordinary POs of the flash PO's supplier on a fresh copy, as the receive
    dialog does (read, preview, confirm; the confirm timed): first one due later (an early
    delivery: the supplier's usual delay stays, only its own products' ETAs are recomputed),
    then one due before today (a late delivery moves the supplier's late case: the ETAs of
    everything on order from it are recomputed in the confirm, the flash PO's ~45k waiting
    lines among them). Returns a description of the two."""
    copy = fresh_copy(source, "receive-supplier.sqlite3")
    db = Database(f"sqlite:///{copy}")
    try:
        today = datetime.now(UTC).date()
        with db.read() as session:
            supplier = session.scalar(
                select(PurchaseOrder.supplier_id).where(PurchaseOrder.ref == po_ref)
            )
            ordinary = select(PurchaseOrder.ref).where(
                PurchaseOrder.supplier_id == supplier, PurchaseOrder.ref != po_ref
            )
            early = session.scalar(ordinary.where(PurchaseOrder.expected_date > today).limit(1))
            late = session.scalar(ordinary.where(PurchaseOrder.expected_date < today).limit(1))
            on_order = len(products_on_order_from(session, {supplier}))
        for label, ref in (("early", early), ("late", late)):
            assert ref is not None
            plan = planned_receipt(db, ref)
            figures[f"confirm a {len(plan.receipts)}-line PO of its supplier, {label}"].append(
                timed_confirm(db, plan)
            )
        return f"{early} (early), then {late} (late); {on_order:,} products on order from it"
    finally:
        db.dispose()
        remove_copy(copy)


def main(argv: list[str] | None = None) -> int:
    parser = scale_parser(__doc__, reps=5)
    parser.add_argument("--profile", action="store_true", help="cProfile one preview + confirm")
    args = parser.parse_args(argv)
    source = scale_path(args.small)
    po_ref = flash_po_ref(source)
    print(f"bench_receive: {source.name}, {machine()}")
    raw_laps: dict[str, float] = {}
    # name -> list of (wall, cpu)
    figures: dict[str, list[tuple[float, float]]] = defaultdict(list)
    plan: AllocationPlan | None = None
    for rep in range(args.reps):
        copy = fresh_copy(source, "receive.sqlite3")
        db = Database(f"sqlite:///{copy}")
        seconds, receipts = receipt_inputs(db, po_ref)
        figures["receivable_purchase_order (200 lines)"].append((seconds, seconds))
        wall, cpu, plan = timed_cpu(lambda: preview(db, receipts, po_ref))  # noqa: B023
        figures["preview, first on a new connection"].append((wall, cpu))
        for _ in range(2):
            wall, cpu, plan = timed_cpu(lambda: preview(db, receipts, po_ref))  # noqa: B023
            figures["preview, repeated"].append((wall, cpu))
        assert plan is not None
        # The receive dialog runs plan.adjusted(all adjustments so far) on every edited cell.
        probes = adjusted_probes(plan)
        for index, line_id, qty in probes:
            wall, cpu, edited = timed_cpu(lambda: plan.adjusted({line_id: qty}))  # noqa: B023
            figures["plan.adjusted({line: qty}), one edited cell"].append((wall, cpu))
            assert edited.allocations[index].qty == qty
            assert edited.units_to_customers == plan.units_to_customers - 1
        many = {a.order_line_id: a.qty - 1 for a in plan.allocations[::2000] if a.qty > 0}
        wall, cpu, _ = timed_cpu(lambda: plan.adjusted(many))  # noqa: B023
        figures[f"plan.adjusted(), {len(many)} cells edited"].append((wall, cpu))

        cpu = time.process_time()
        start = time.perf_counter()
        con = raw_connect(copy, read_only=True)
        raw_planned = raw_preview(con, receipts)
        figures["raw sqlite3 preview, first on a new connection"].append(
            (time.perf_counter() - start, time.process_time() - cpu)
        )
        for _ in range(2):
            wall, cpu, raw_planned = timed_cpu(lambda: raw_preview(con, receipts))  # noqa: B023
            figures["raw sqlite3 preview, repeated"].append((wall, cpu))
        if rep == 0:
            raw_pragmas = pragmas(con)
        con.close()
        if rep == 0:
            with db.engine.connect() as connection:
                app_con: Any = connection.connection.dbapi_connection
                app_pragmas = pragmas(app_con)
            given = [a for a in plan.allocations if a.qty > 0]
            same = raw_planned == (len(plan.allocations), plan.units_to_customers)
            print(f"app pragmas: {app_pragmas}")
            print(f"raw pragmas: {raw_pragmas}{'' if raw_pragmas == app_pragmas else ' (DIFFER)'}")
            print(
                f"receipt: {len(receipts)} lines, {plan.units_received:,} units; plan gives "
                f"{plan.units_to_customers:,} units to {len(given):,} waiting lines "
                f"({len({a.order_id for a in given}):,} orders; {len(plan.orders_ready):,} "
                f"become ready), {len(plan.allocations):,} lines shown; raw sqlite3 fill "
                f"{'plans the same lines and units' if same else f'DIFFERS: {raw_planned}'}"
            )
        if args.profile and rep == 0:
            profiler = cProfile.Profile()
            profiler.enable()
            preview(db, receipts, po_ref)
            profiler.disable()
            print("\n--- cProfile: preview_receipt (top 25 by cumulative time) ---")
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)
            profiler = cProfile.Profile()
            with capture_sql(db.engine) as log:
                profiler.enable()
                confirm(db, plan)
                profiler.disable()
            print("\n--- cProfile: confirm_receipt (top 25 by cumulative time) ---")
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)
            print("--- SQL time by statement (confirm; SELECTs exclude fetching) ---")
            print("\n".join(log.summary(12)))
        else:
            figures["confirm (incl. commit)"].append(timed_confirm(db, plan))
        if rep == args.reps - 1:
            with db.read() as session:
                problems = check_ledger(session)
                ready = session.scalar(
                    select(SalesOrder.status).where(SalesOrder.id == plan.allocations[0].order_id)
                )
                left = session.scalar(
                    select(OrderLine.qty_backordered).where(
                        OrderLine.id == plan.allocations[0].order_line_id
                    )
                )
            print(
                f"after confirm: check_ledger {'OK' if not problems else problems[:3]}; first "
                f"line waits {left}, its order is {ready}"
            )
            queue_query_plan(db, copy, receipts, po_ref)
        db.dispose()
        remove_copy(copy)

        copy = fresh_copy(source, "receive-raw.sqlite3")
        cpu = time.process_time()
        wall = raw_confirm(copy, plan, raw_laps)
        figures["raw sqlite3, same writes"].append((wall, time.process_time() - cpu))
        remove_copy(copy)
        supplier = supplier_receipts(source, po_ref, figures)
        if rep == 0:
            print(f"the flash PO's supplier: {supplier}")

    print(f"\nmedians over {args.reps} fresh copies ({'wall':>8} {'CPU':>8}):")
    med = medians(figures)
    for name, (wall, cpu) in med.items():
        print(f"  {name:<48}{wall * 1000:8.1f} {cpu * 1000:8.1f} ms")
        if name == "raw sqlite3, same writes":
            for step, seconds in raw_laps.items():
                print(f"      {step[:44]:<44}{seconds / args.reps * 1000:8.1f} ms (mean wall)")
    print()
    for name, goal in (
        ("preview, first on a new connection", PREVIEW_GOAL_MS),
        ("preview, repeated", PREVIEW_GOAL_MS),
        ("raw sqlite3 preview, repeated", PREVIEW_GOAL_MS),
        ("confirm (incl. commit)", CONFIRM_GOAL_MS),
        ("raw sqlite3, same writes", CONFIRM_GOAL_MS),
    ):
        if name in med:
            print(goal_line(name + " [wall]", med[name][0] * 1000, goal))
            print(goal_line(name + " [CPU]", med[name][1] * 1000, goal))
    app, raw = med["preview, repeated"], med["raw sqlite3 preview, repeated"]
    print(f"{'preview / raw sqlite3 preview [wall]':<44} {app[0] / raw[0]:9.2f} x   (context)")
    print(f"{'preview / raw sqlite3 preview [CPU]':<44} {app[1] / raw[1]:9.2f} x   (context)")
    if "confirm (incl. commit)" in med:
        app, raw = med["confirm (incl. commit)"], med["raw sqlite3, same writes"]
        print(ratio_line("confirm / raw sqlite3 [wall]", app[0] / raw[0], RAW_RATIO_GOAL))
        print(ratio_line("confirm / raw sqlite3 [CPU]", app[1] / raw[1], RAW_RATIO_GOAL))
    return 0


if __name__ == "__main__":
    sys.exit(main())
