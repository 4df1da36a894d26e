"""What checking the signed-in user's row on every write costs, on a hot path: placing an order.

    uv run python -m benchmarks.bench_roles [--orders 300] [--reps 5] [--pg-url URL]

``require`` reads the user's role and active flag (one primary-key SELECT, once per
transaction) so that a role change or a deactivation on another till takes effect at once.
Here a small shop (SQLite file; PostgreSQL too with ``--pg-url``) places ``--orders`` one-line
orders, each in its own transaction as a till does (``Database.run``), signed in as a clerk:
as the app runs, and with that read taken out (the role the user signed in with trusted), in
turns. Prints the median per order both ways, the difference per order and the ratio.
Prints figures; never fails.
"""

from __future__ import annotations

import argparse
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy.orm import Session

from app.db import Database, open_database
from app.domain import permissions
from app.domain.actors import Role, current_actor
from app.domain.enums import BackorderPolicy
from app.services import catalog, users
from app.services.ordering import LineRequest, place_order
from benchmarks.common import machine, median, ratio_line, timed_cpu

#: The most the row check may add to placing an order.
RATIO_GOAL = 1.05


@contextmanager
def unchecked() -> Iterator[None]:
    """``require`` trusting the session's actor, as before (only here, to measure the read)."""
    checked = permissions.checked_actor

    def trusted(session: Session) -> permissions.Actor:
        return current_actor(session)

    permissions.checked_actor = trusted  # type: ignore[assignment]
    try:
        yield
    finally:
        permissions.checked_actor = checked  # type: ignore[assignment]


def make_shop(url: str, folder: Path) -> Database:
    db = open_database(url, backup_dir=folder / "bk")
    with db.write() as session:
        catalog.create_supplier(session, "SUP", "Supplies")
        catalog.create_product(
            session,
            "WIDGET",
            "Widget",
            supplier_code="SUP",
            backorder_policy=BackorderPolicy.BACKORDER,
        )
        catalog.create_customer(session, "ANN", "Ann")
        users.create_user(session, "Olga", Role.OWNER, "1111")
    db.actor = db.run(lambda s: users.sign_in(s, "Olga", "1111")).actor_or_raise()
    with db.write() as session:
        users.create_user(session, "Cleo", Role.CLERK, "3333")
    db.actor = db.run(lambda s: users.sign_in(s, "Cleo", "3333")).actor_or_raise()
    return db


def place(db: Database, count: int) -> tuple[float, float]:
    """(wall, CPU) seconds per order, placing ``count`` orders one transaction each."""

    def run() -> None:
        for _ in range(count):
            db.run(lambda s: place_order(s, "ANN", [LineRequest("WIDGET", 1)]))

    wall, cpu, _ = timed_cpu(run)
    return wall / count, cpu / count


def measure(label: str, db: Database, orders: int, reps: int) -> None:
    place(db, 20)  # warm up: statements compiled and cached
    runs: dict[bool, list[tuple[float, float]]] = {True: [], False: []}
    for _ in range(reps):
        for checked in (False, True):  # alternate, so a busy neighbour hits both alike
            if checked:
                runs[True].append(place(db, orders))
            else:
                with unchecked():
                    runs[False].append(place(db, orders))
    figures = {k: (median([w for w, _ in v]), median([c for _, c in v])) for k, v in runs.items()}
    for checked, name in ((False, "role as signed in (no read)"), (True, "role read per write")):
        wall, cpu = figures[checked]
        print(f"{label} place_order, {name:<30} {wall * 1e3:7.2f} ms wall {cpu * 1e3:7.2f} ms cpu")
    extra_wall = (figures[True][0] - figures[False][0]) * 1e6
    extra_cpu = (figures[True][1] - figures[False][1]) * 1e6
    print(f"{label} the read adds per order: {extra_wall:+.0f} us wall, {extra_cpu:+.0f} us cpu")
    print(
        ratio_line(
            f"{label} read / no read (wall)", figures[True][0] / figures[False][0], RATIO_GOAL
        )
    )
    print(
        ratio_line(
            f"{label} read / no read (cpu)", figures[True][1] / figures[False][1], RATIO_GOAL
        )
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=300)
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--pg-url", default="", help="an empty PostgreSQL database to use too")
    args = parser.parse_args(argv)
    print(f"bench_roles: {args.orders} orders x {args.reps} reps, {machine()}")
    with tempfile.TemporaryDirectory() as folder:
        db = make_shop(f"sqlite:///{Path(folder) / 'shop.sqlite3'}", Path(folder))
        try:
            measure("SQLite", db, args.orders, args.reps)
        finally:
            db.dispose()
        if args.pg_url:
            db = make_shop(args.pg_url, Path(folder))
            try:
                measure("PostgreSQL", db, args.orders, args.reps)
            finally:
                db.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
