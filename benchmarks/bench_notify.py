"""The flash-sale receipt with and without customer notifications (the outbox's cost).

    uv run python -m benchmarks.bench_notify [--small] [--reps N]

The flash PO (200 products) fills ~45k waiting lines in one confirm (``--small``: ~4.5k).
Each repetition confirms it twice on fresh copies of the scale database: once with no
message enabled (the outbox costs one small read of the templates), once with every message
enabled and every customer opted in by e-mail, so each order the receipt makes part ready
or ready to ship, and each line whose ETA moves later, writes its outbox row in the same
transaction. Prints the medians, the rows written and the ratio; never fails.
"""

from __future__ import annotations

import sys
from collections import defaultdict

from sqlalchemy import func, select, update

from app.db import Database
from app.domain import Customer, NotificationChannel, NotificationEvent
from app.domain.notifications import Notification
from app.services.notifications.templates import DEFAULTS, save_template
from benchmarks.bench_receive import CONFIRM_GOAL_MS, planned_receipt, timed_confirm
from benchmarks.common import (
    flash_po_ref,
    fresh_copy,
    goal_line,
    machine,
    medians,
    remove_copy,
    scale_parser,
    scale_path,
)


def notify_everyone(db: Database) -> None:
    with db.write() as session:
        for event in NotificationEvent:
            save_template(session, event, *DEFAULTS[event], enabled=True)
        session.execute(
            update(Customer).values(notify_opt_in=True, notify_channel=NotificationChannel.EMAIL)
        )


def main(argv: list[str] | None = None) -> int:
    parser = scale_parser(__doc__, reps=3)
    args = parser.parse_args(argv)
    source = scale_path(args.small)
    po_ref = flash_po_ref(source)
    print(f"bench_notify: {source.name}, {machine()}")
    figures: dict[str, list[tuple[float, float]]] = defaultdict(list)
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
    return 0


if __name__ == "__main__":
    sys.exit(main())
