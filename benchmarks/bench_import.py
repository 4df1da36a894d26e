"""Bulk import of 100k order lines (CSV) into the scale database, against raw sqlite3.

    uv run python -m benchmarks.bench_import [--small] [--lines N] [--reps N] [--profile]

Writes a CSV of new orders (``order_ref,customer,placed_at,sku,qty``; ~2.5 lines per order,
existing customers and SKUs, some popular products so part of it backorders), then imports it
with ``app.services.importing.import_csv(session, "orders", path)`` inside ``db.write()`` on a
fresh copy of the scale database. The baseline inserts exactly the rows the import wrote
(read back from that copy: orders, lines, balance updates) into another fresh copy with the
plain ``sqlite3`` module's executemany, in one transaction, with the app's pragmas (its
connect hook, incl. ``cache_size``). Prints figures and the ratio.
"""

from __future__ import annotations

import cProfile
import csv
import pstats
import random
import sqlite3
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from app.db import Database
from app.services.importing import import_csv
from benchmarks.common import (
    WORK_DIR,
    fresh_copy,
    machine,
    median,
    ratio_line,
    raw_connect,
    remove_copy,
    scale_meta,
    scale_parser,
    scale_path,
    timed_cpu,
)
from benchmarks.generate import ORDER_LINE_FIELDS, insert_order_lines

RATIO_GOAL = 3.0


def write_csv(path: Path, source: Path, lines: int, seed: int = 7) -> int:
    """A CSV of new orders; returns the number of orders."""
    meta = scale_meta(source)
    scale = meta.get("scale", {})
    products = int(scale.get("products", 100_000))
    customers = int(scale.get("customers", 10_000))
    popular = int(scale.get("popular", 200))
    rng = random.Random(seed)
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(hours=1)
    written = orders = 0
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle)
        out.writerow(["order_ref", "customer", "placed_at", "sku", "qty"])
        while written < lines:
            orders += 1
            ref = f"IMP-{orders:07d}"
            customer = f"C{rng.randint(1, customers):06d}"
            placed = (start + timedelta(seconds=orders * 7)).isoformat()
            for _ in range(min(rng.choice((1, 2, 2, 3, 4)), lines - written)):
                pid = rng.randint(1, popular) if rng.random() < 0.1 else rng.randint(1, products)
                out.writerow([ref, customer, placed, f"SKU-{pid:06d}", rng.randint(1, 4)])
                written += 1
    return orders


def import_file(db: Database, csv_path: Path) -> object:
    with db.write() as session:
        return import_csv(session, "orders", csv_path)


def imported_rows(path: Path) -> tuple[list[tuple], list[tuple], list[tuple]]:
    """The rows the import wrote: orders, lines and the balances it changed."""
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        orders = con.execute(
            "SELECT id, ref, customer_id, placed_at, status, note FROM sales_order "
            "WHERE ref LIKE 'IMP-%' ORDER BY id"
        ).fetchall()
        first = orders[0][0]
        lines = con.execute(
            f"SELECT {', '.join(ORDER_LINE_FIELDS)} FROM order_line "
            "WHERE order_id >= ? ORDER BY id",
            (first,),
        ).fetchall()
        touched = con.execute(
            "SELECT product_id, sum(qty_allocated), count(*) FROM order_line WHERE order_id >= ? "
            "GROUP BY product_id",
            (first,),
        ).fetchall()
    finally:
        con.close()
    return orders, lines, touched


def raw_insert(path: Path, orders: list[tuple], lines: list[tuple], touched: list[tuple]) -> float:
    con = raw_connect(path)  # the app's pragmas
    start = time.perf_counter()
    cur = con.cursor()
    cur.execute("BEGIN IMMEDIATE")
    cur.executemany(
        "INSERT INTO sales_order (id, ref, customer_id, placed_at, status, note) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        orders,
    )
    insert_order_lines(cur, lines)
    cur.executemany(
        "UPDATE stock_balance SET allocated = allocated + ?, version = version + ? "
        "WHERE product_id = ? AND location_id = 1",
        [(alloc, count, pid) for pid, alloc, count in touched],
    )
    cur.execute("COMMIT")
    elapsed = time.perf_counter() - start
    con.close()
    return elapsed


def main(argv: list[str] | None = None) -> int:
    parser = scale_parser(__doc__, reps=3)
    parser.add_argument("--lines", type=int, default=100_000)
    parser.add_argument("--profile", action="store_true", help="cProfile the first import")
    args = parser.parse_args(argv)
    source = scale_path(args.small)
    print(f"bench_import: {args.lines:,} order lines into {source.name}, {machine()}")
    csv_path = WORK_DIR / "import-orders.csv"
    orders = write_csv(csv_path, source, args.lines)
    print(f"CSV: {csv_path.stat().st_size / 1e6:.1f} MB, {orders:,} orders")

    app_s: list[float] = []
    raw_s: list[float] = []
    app_cpu: list[float] = []
    raw_cpu: list[float] = []
    result = None
    for rep in range(args.reps):
        copy = fresh_copy(source, "import.sqlite3")
        db = Database(f"sqlite:///{copy}")
        if args.profile and rep == 0:
            profiler = cProfile.Profile()
            profiler.enable()
            seconds, cpu, result = timed_cpu(lambda: import_file(db, csv_path))  # noqa: B023
            profiler.disable()
            print("\n--- cProfile: import_csv orders (top 25 by cumulative time) ---")
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)
        else:
            seconds, cpu, result = timed_cpu(lambda: import_file(db, csv_path))  # noqa: B023
        app_s.append(seconds)
        app_cpu.append(cpu)
        db.dispose()
        rows = imported_rows(copy)
        remove_copy(copy)
        copy = fresh_copy(source, "import-raw.sqlite3")
        cpu = time.process_time()
        raw_s.append(raw_insert(copy, *rows))
        raw_cpu.append(time.process_time() - cpu)
        remove_copy(copy)
    print(f"result: {getattr(result, 'summary', lambda: result)()}")
    app, raw = median(app_s), median(raw_s)
    print(f"\nmedians over {args.reps} fresh copies ({'wall':>8} {'CPU':>8}):")
    print(
        f"  {'import_csv(orders), incl. parse + commit':<42}{app * 1000:8.0f} "
        f"{median(app_cpu) * 1000:8.0f} ms  ({args.lines / app:,.0f} lines/s wall)"
    )
    print(
        f"  {'raw sqlite3 executemany, same rows':<42}{raw * 1000:8.0f} "
        f"{median(raw_cpu) * 1000:8.0f} ms  ({args.lines / raw:,.0f} lines/s wall)"
    )
    print()
    print(ratio_line("import / raw sqlite3 [wall]", app / raw, RATIO_GOAL))
    print(ratio_line("import / raw sqlite3 [CPU]", median(app_cpu) / median(raw_cpu), RATIO_GOAL))
    return 0


if __name__ == "__main__":
    sys.exit(main())
