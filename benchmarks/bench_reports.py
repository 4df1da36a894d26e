"""Report figures at scale (issue 12): every report's SQL on the scale database.

    uv run python -m benchmarks.bench_reports [--small] [--reps N] [--pg-url URL]

Reads the scale database in place (``db.read()``; nothing is written). Every report of
``app.services.reports.tables.REPORTS`` (what the Reports tab and ``shopkeeper report`` run,
table and chart included) over the last 30, 90 and 365 days: the median of ``--reps`` runs,
against the goal of 1 s each. Where a report is one query, a raw ``sqlite3`` run of the same
shape (literal bounds; the floor the ORM and Python add to) gives the ratio. Prints figures;
never fails.

``--pg-url`` also times them on PostgreSQL: the database at URL is emptied (its schema
dropped, as the tests do) and given the tables the reports read, copied from the scale
database with COPY. Give it a scratch database only.
"""

from __future__ import annotations

import argparse
import tempfile
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from app.db import Database, open_database
from app.db.database import make_engine
from app.domain import Base, SalesOrder
from app.services.reports.tables import REPORTS, run_report
from benchmarks.common import goal_line, machine, median, raw_connect, scale_path, timed
from tests.conftest import reset_postgres

#: Raw sqlite3 statements of the same shape as a report's main query, bound by (start, end)
#: as ISO days: the floor under the service's time.
FLOORS: dict[str, str] = {
    "aging": (
        "SELECT CASE WHEN o.placed_at < date(:end, '-30 day') THEN '>30' "
        "WHEN o.placed_at < date(:end, '-14 day') THEN '15-30' "
        "WHEN o.placed_at < date(:end, '-7 day') THEN '8-14' "
        "WHEN o.placed_at < date(:end, '-3 day') THEN '4-7' ELSE '0-3' END AS b, "
        "sum(l.qty_backordered), count(l.id), count(DISTINCT l.order_id) "
        "FROM order_line l JOIN sales_order o ON o.id = l.order_id "
        "WHERE l.qty_backordered > 0 GROUP BY b"
    ),
    "fill-rate": (
        "SELECT substr(o.placed_at, 1, 13) AS b, count(l.qty_backordered_at_order), "
        "sum(CASE WHEN l.qty_backordered_at_order IS NOT NULL THEN l.qty_ordered ELSE 0 END), "
        "sum(CASE WHEN l.qty_backordered_at_order > 0 THEN 1 ELSE 0 END), "
        "sum(l.qty_backordered_at_order), "
        "sum(CASE WHEN l.qty_backordered_at_order IS NULL THEN 1 ELSE 0 END) "
        "FROM order_line l JOIN sales_order o ON o.id = l.order_id "
        "WHERE o.placed_at >= :start AND o.placed_at < date(:end, '+1 day') GROUP BY b"
    ),
    "top-skus": (
        "SELECT l.product_id, sum(l.qty_backordered_at_order) AS u, count(l.id) "
        "FROM order_line l JOIN sales_order o ON o.id = l.order_id "
        "WHERE o.placed_at >= :start AND o.placed_at < date(:end, '+1 day') "
        "AND l.qty_backordered_at_order > 0 GROUP BY l.product_id ORDER BY u DESC LIMIT 15"
    ),
    "lost-demand": (
        "SELECT p.sku, p.name, l.cancel_reason, sum(l.qty_cancelled) AS u, count(l.id) "
        "FROM order_line l JOIN product p ON p.id = l.product_id "
        "WHERE l.qty_cancelled > 0 AND l.cancelled_at >= :start "
        "AND l.cancelled_at < date(:end, '+1 day') "
        "GROUP BY p.sku, p.name, l.cancel_reason ORDER BY u DESC, p.sku"
    ),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--small", action="store_true")
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--pg-url", default="", help="a scratch PostgreSQL database (emptied)")
    args = parser.parse_args()
    path = scale_path(args.small)
    print(machine())
    con = raw_connect(path, read_only=True)
    print("\nSQLite")
    run_all(Database(f"sqlite:///{path}"), args.reps, con)
    if args.pg_url:
        seconds = timed(lambda: copy_to_postgres(con, args.pg_url))[0]
        print(f"\nPostgreSQL (tables the reports read copied in {seconds:.0f} s)")
        run_all(Database(args.pg_url), args.reps, None)
    con.close()


def run_all(db: Database, reps: int, con: Any) -> None:
    """Every report over the last 30, 90 and 365 days up to the newest order."""
    with db.read() as session:
        latest = session.scalar(select(func.max(SalesOrder.placed_at)))
    assert latest is not None
    end = latest.date()
    for days in (30, 90, 365):
        start = end - timedelta(days=days - 1)
        print(f"\n{start} .. {end} ({days} days)")
        for name in REPORTS:
            times = []
            for _ in range(reps):
                with db.read() as session:
                    seconds, report = timed(
                        lambda name=name, session=session, start=start: run_report(
                            session, name, start, end
                        )
                    )
                times.append(seconds)
            service = median(times)
            line = goal_line(f"{name}", service * 1000, 1000) + f"  {len(report.rows)} rows"
            if con is not None and name in FLOORS:
                floor = median([_raw(con, FLOORS[name], start, end) for _ in range(reps)])
                line += f"; raw sqlite3 {floor * 1000:.0f} ms, ratio {service / floor:.2f}"
            print(line)
            print(f"    {report.summary}")
    db.dispose()


#: What the reports read, in an order that keeps every foreign key satisfied.
COPIED_TABLES = (
    "supplier",
    "product",
    "customer",
    "sales_order",
    "order_line",
    "purchase_order",
    "receipt",
    "allocation_event",
)


def copy_to_postgres(con: Any, url: str, tables: tuple[str, ...] = COPIED_TABLES) -> None:
    """Empty the database at ``url``, build the app's schema, and COPY ``tables`` (by
    default those the reports read) from the scale database (``con``), then ANALYZE."""
    reset_postgres(url)
    with tempfile.TemporaryDirectory() as folder:
        open_database(url, backup_dir=Path(folder), daily_backup=False).dispose()
    engine = make_engine(url)
    with engine.connect() as connection:
        raw = connection.connection.driver_connection
        assert raw is not None
        with raw.cursor() as cursor:
            for table in tables:
                columns = [column.name for column in Base.metadata.tables[table].columns]
                names = ", ".join(columns)
                rows = con.execute(f"SELECT {names} FROM {table}")
                with cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
        raw.commit()
        raw.autocommit = True
        with raw.cursor() as cursor:
            cursor.execute("ANALYZE")
    engine.dispose()


def _raw(con: object, sql: str, start: date, end: date) -> float:
    execute = con.execute  # type: ignore[attr-defined]
    return timed(
        lambda: execute(sql, {"start": start.isoformat(), "end": end.isoformat()}).fetchall()
    )[0]


if __name__ == "__main__":
    main()
