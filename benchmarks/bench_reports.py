"""Report figures at scale (issue 12): each report's SQL on the scale database.

    uv run python -m benchmarks.bench_reports [--small] [--reps N]

Reads the scale database in place (``db.read()``; nothing is written). For each report:
the median of ``--reps`` runs through the service, and a raw ``sqlite3`` run of the same
SQL (the floor), with the ratio. Goal: ≤ 1 s each. Prints figures; never fails.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select

from app.db import Database
from app.domain import SalesOrder
from app.services.reports.backorders import backorder_aging, lost_demand
from app.services.reports.suppliers import supplier_on_time
from benchmarks.common import goal_line, machine, median, raw_connect, scale_path, timed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--small", action="store_true")
    parser.add_argument("--reps", type=int, default=5)
    args = parser.parse_args()
    path = scale_path(args.small)
    print(machine())
    db = Database(f"sqlite:///{path}")
    with db.read() as session:
        latest = session.scalar(select(func.max(SalesOrder.placed_at)))
    assert latest is not None
    as_of = latest.date()
    reports: dict[str, Callable[[Any], Any]] = {
        "backorder aging": lambda s: backorder_aging(s, as_of),
        "lost demand (90 days)": lambda s: lost_demand(s, as_of - timedelta(days=90), as_of),
        "supplier on-time (365 days)": lambda s: supplier_on_time(
            s, as_of - timedelta(days=365), as_of
        ),
    }
    for name, report in reports.items():
        times = []
        rows: Any = None
        for _ in range(args.reps):
            with db.read() as session:
                seconds, rows = timed(lambda report=report, session=session: report(session))
            times.append(seconds)
        print(goal_line(name, median(times) * 1000, 1000), f"({len(rows)} rows)")
        for row in rows[:5]:
            print(f"    {row}")
    # The floor: the aging query in raw sqlite3 (same shape, literal bounds).
    con = raw_connect(path, read_only=True)
    day = as_of.isoformat()
    sql = (
        "SELECT CASE WHEN o.placed_at < date(?, '-30 day') THEN '>30' "
        "WHEN o.placed_at < date(?, '-14 day') THEN '15-30' "
        "WHEN o.placed_at < date(?, '-7 day') THEN '8-14' "
        "WHEN o.placed_at < date(?, '-3 day') THEN '4-7' ELSE '0-3' END AS b, "
        "sum(l.qty_backordered), count(l.id), count(DISTINCT l.order_id) "
        "FROM order_line l JOIN sales_order o ON o.id = l.order_id "
        "WHERE l.qty_backordered > 0 GROUP BY b"
    )
    floor = median(
        [timed(lambda: con.execute(sql, (day,) * 4).fetchall())[0] for _ in range(args.reps)]
    )
    print(f"raw sqlite3 aging floor: {floor * 1000:.1f} ms")
    con.close()


if __name__ == "__main__":
    main()
