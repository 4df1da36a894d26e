"""Several tills at once, for longer than the test suite can afford: races run, operations,
what the clerks were told, retries, and anomalies (the goal: 0).

    uv run python -m benchmarks.bench_races [--races 5] [--seconds 20] [--pg-url URL]

Each race: a fresh shop (``tests.services.racing.make_race_shop``: three contested products,
eight customers, an open PO), then tills in separate processes, started together, placing
orders, receiving (preview then confirm; a stale preview is looked at again), shipping,
cancelling, adjusting and ordering from / cancelling with the supplier, for ``--seconds``;
then every invariant is checked (``racing.shop_anomalies``: the ledger, no unit allocated
or shipped twice, receipts whole, statuses, ETAs current). PostgreSQL (8 tills) runs when
``--pg-url`` or SHOPKEEPER_TEST_DATABASE_URL names a server (the race works in a private
database, dropped at the end); SQLite (2 tills on one file) always.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import make_url

from app.db import open_database
from app.db.database import make_engine
from tests.conftest import reset_postgres
from tests.services.racing import TillReport, make_race_shop, shop_anomalies
from tests.services.test_races import run_tills


@contextmanager
def private_postgres(server_url: str, name: str) -> Iterator[str]:
    """A new, empty database on the server at ``server_url`` for one run; dropped after."""
    server = make_url(server_url)
    private = f"{server.database or 'postgres'}_{name}{os.getpid()}"
    admin = make_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{private}"'))
        connection.execute(text(f'CREATE DATABASE "{private}"'))
    try:
        yield server.set(database=private).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{private}" WITH (FORCE)'))
        admin.dispose()


def race(
    url: str, tills: int, seconds: float, seed: int, backups: Path
) -> tuple[list[TillReport], list[str], float]:
    db = open_database(url, backup_dir=backups, daily_backup=False)
    try:
        make_race_shop(db)
        started = time.monotonic()
        reports = run_tills(url, tills, operations=10**9, seconds=seconds, seed=seed)
        elapsed = time.monotonic() - started
        return reports, shop_anomalies(db), elapsed
    finally:
        db.dispose()


def run_backend(label: str, urls: Iterator[str], tills: int, races: int, seconds: float) -> int:
    """Run ``races`` races on fresh databases; print figures; return the anomalies found."""
    done: Counter[str] = Counter()
    refused: Counter[str] = Counter()
    stale = retries = operations = anomalies = 0
    busy = 0.0
    with tempfile.TemporaryDirectory() as folder:
        for number in range(races):
            url = next(urls)
            reports, problems, elapsed = race(url, tills, seconds, number + 1, Path(folder))
            for report in reports:
                done.update(report.done)
                refused.update(report.refused)
                stale += report.stale_previews
                retries += report.retries
                operations += report.operations
            found = problems + [a for r in reports for a in r.anomalies]
            anomalies += len(found)
            busy += elapsed
            print(
                f"  race {number + 1}: {sum(r.operations for r in reports):,} operations by "
                f"{tills} tills in {elapsed:.1f} s, anomalies {len(found)}"
            )
            for problem in found[:5]:
                print(f"    ANOMALY {problem[:2000]}")
    print(f"{label}: {races} races x {tills} tills x {seconds:g} s")
    rate = operations / (races * seconds)
    print(f"  operations             {operations:,} ({rate:.0f}/s over all tills)")
    print(f"  wall time              {busy:.0f} s (incl. starting the tills)")
    print("  done                   " + ", ".join(f"{k} {v}" for k, v in done.most_common()))
    print("  refused (plain words)  " + ", ".join(f"{k} {v}" for k, v in refused.most_common()))
    print(f"  stale previews looked at again  {stale:,}")
    print(f"  transactions retried by Database.run  {retries:,}")
    verdict = "met" if anomalies == 0 else "MISSED"
    print(f"  anomalies              {anomalies} (goal 0: {verdict})")
    return anomalies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--races", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--pg-url", default=os.environ.get("SHOPKEEPER_TEST_DATABASE_URL", ""))
    args = parser.parse_args()
    print(f"{os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}")
    if args.pg_url:
        with private_postgres(args.pg_url, "bench_races") as url:

            def fresh_pg() -> Iterator[str]:
                while True:
                    reset_postgres(url)
                    yield url

            run_backend("PostgreSQL", fresh_pg(), 8, args.races, args.seconds)
    else:
        print("PostgreSQL: skipped (no --pg-url, SHOPKEEPER_TEST_DATABASE_URL unset)")
    with tempfile.TemporaryDirectory() as folder:

        def fresh_sqlite() -> Iterator[str]:
            for number in range(10**6):
                yield f"sqlite:///{Path(folder) / f'race{number}.sqlite3'}"

        run_backend("SQLite, one file", fresh_sqlite(), 2, args.races, args.seconds)


if __name__ == "__main__":
    main()
