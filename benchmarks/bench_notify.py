"""The flash-sale receipt with and without customer notifications (the outbox's cost).

    uv run python -m benchmarks.bench_notify [--small] [--reps N] [--pg-url URL]

The flash PO (200 products) fills ~45k waiting lines in one confirm (``--small``: ~4.5k).
Each repetition confirms it twice on fresh copies of the scale database: once with no
message enabled (the outbox costs one small read of the templates), once with every message
enabled and every customer opted in by e-mail, so each order the receipt makes part ready
or ready to ship, and each line whose ETA moves later, writes its outbox row in the same
transaction. Prints the medians, the rows written and the ratio; never fails.

Then the outbox's own write alone, on SQLite and (``--pg-url``: a scratch database, emptied,
given the scale database's customers and orders with COPY) on PostgreSQL: ``enqueue`` of one
"ready to ship" message for as many orders as the flash receipt tells, who hears of each
already known (as the status refresh knows it), rolled back after each run.
"""

from __future__ import annotations

import sys
from collections import defaultdict
from functools import partial

from sqlalchemy import func, select, update

from app.db import Database
from app.domain import Customer, NotificationChannel, NotificationEvent, SalesOrder
from app.domain.notifications import Notification
from app.services.notifications.outbox import Event, enqueue
from app.services.notifications.templates import DEFAULTS, save_template
from benchmarks.bench_receive import CONFIRM_GOAL_MS, planned_receipt, timed_confirm
from benchmarks.common import (
    flash_po_ref,
    fresh_copy,
    goal_line,
    machine,
    medians,
    raw_connect,
    remove_copy,
    scale_parser,
    scale_path,
    timed_cpu,
)


def notify_everyone(db: Database) -> None:
    with db.write() as session:
        for event in NotificationEvent:
            save_template(session, event, *DEFAULTS[event], enabled=True)
        session.execute(
            update(Customer).values(notify_opt_in=True, notify_channel=NotificationChannel.EMAIL)
        )


class _RolledBack(Exception):
    """Raised to leave a timed write uncommitted."""


def outbox_alone(db: Database, count: int, reps: int) -> tuple[float, float]:
    """Median (wall, CPU) seconds of enqueueing one "ready to ship" message for each of
    ``count`` orders (their customers reached by e-mail) in one transaction, rolled back."""
    with db.write() as session:
        save_template(
            session,
            NotificationEvent.READY_TO_SHIP,
            *DEFAULTS[NotificationEvent.READY_TO_SHIP],
            enabled=True,
        )
    with db.read() as session:
        orders = session.execute(
            select(SalesOrder.id, SalesOrder.customer_id).order_by(SalesOrder.id).limit(count)
        ).all()
    reach = {order_id: (customer_id, NotificationChannel.EMAIL) for order_id, customer_id in orders}
    events = [Event(order_id, NotificationEvent.READY_TO_SHIP) for order_id in reach]
    figures: dict[str, list[tuple[float, float]]] = defaultdict(list)
    for _ in range(reps):
        try:
            with db.write() as session:
                session.scalar(select(func.count()).select_from(Notification))  # begin
                wall, cpu, written = timed_cpu(partial(enqueue, session, events, reach=reach))
                assert written == len(events)
                figures["outbox"].append((wall, cpu))
                raise _RolledBack
        except _RolledBack:
            pass
    return medians(figures)["outbox"]


def main(argv: list[str] | None = None) -> int:
    parser = scale_parser(__doc__, reps=3)
    parser.add_argument("--pg-url", default="", help="a scratch PostgreSQL database (emptied)")
    args = parser.parse_args(argv)
    source = scale_path(args.small)
    po_ref = flash_po_ref(source)
    print(f"bench_notify: {source.name}, {machine()}")
    figures: dict[str, list[tuple[float, float]]] = defaultdict(list)
    written_by_flash = 0
    for rep in range(args.reps):
        for label, notify in (("without messages", False), ("with messages", True)):
            copy = fresh_copy(source, "notify.sqlite3")
            db = Database(f"sqlite:///{copy}")
            try:
                if notify:
                    notify_everyone(db)
                plan = planned_receipt(db, po_ref)
                figures[f"confirm the flash receipt, {label}"].append(timed_confirm(db, plan))
                if rep == 0:
                    with db.read() as session:
                        written = session.scalar(select(func.count()).select_from(Notification))
                        written_by_flash = max(written_by_flash, written or 0)
                        kinds = session.execute(
                            select(Notification.event, func.count()).group_by(Notification.event)
                        ).all()
                    given = [a for a in plan.allocations if a.qty > 0]
                    print(
                        f"{label}: {len(given):,} lines filled in "
                        f"{len({a.order_id for a in given}):,} orders; {written:,} messages "
                        f"written ({', '.join(f'{k.value} {n:,}' for k, n in kinds) or 'none'})"
                    )
            finally:
                db.dispose()
                remove_copy(copy)
    print(f"\nmedians over {args.reps} fresh copies ({'wall':>8} {'CPU':>8}):")
    med = medians(figures)
    for name, (wall, cpu) in med.items():
        print(f"  {name:<48}{wall * 1000:8.1f} {cpu * 1000:8.1f} ms")
        print(goal_line(name + " [wall]", wall * 1000, CONFIRM_GOAL_MS))
    without = med["confirm the flash receipt, without messages"]
    with_ = med["confirm the flash receipt, with messages"]
    print(f"{'with / without messages [wall]':<44} {with_[0] / without[0]:9.2f} x")
    print(f"{'with / without messages [CPU]':<44} {with_[1] / without[1]:9.2f} x")
    count = written_by_flash or 1
    print(f"\nthe outbox write alone: {count:,} messages, median of {args.reps} (wall, CPU):")
    copy = fresh_copy(source, "notify.sqlite3")
    db = Database(f"sqlite:///{copy}")
    try:
        wall, cpu = outbox_alone(db, count, args.reps)
    finally:
        db.dispose()
        remove_copy(copy)
    print(f"  {'SQLite':<20}{wall * 1000:8.1f} {cpu * 1000:8.1f} ms")
    print(f"  {'  per message':<20}{wall / count * 1e6:8.1f} {cpu / count * 1e6:8.1f} µs")
    if args.pg_url:
        from benchmarks.bench_reports import copy_to_postgres

        con = raw_connect(source, read_only=True)
        try:
            copy_to_postgres(con, args.pg_url, ("customer", "sales_order"))
        finally:
            con.close()
        db = Database(args.pg_url)
        try:
            wall, cpu = outbox_alone(db, count, args.reps)
        finally:
            db.dispose()
        print(f"  {'PostgreSQL':<20}{wall * 1000:8.1f} {cpu * 1000:8.1f} ms")
        print(f"  {'  per message':<20}{wall / count * 1e6:8.1f} {cpu / count * 1e6:8.1f} µs")
    return 0


if __name__ == "__main__":
    sys.exit(main())
