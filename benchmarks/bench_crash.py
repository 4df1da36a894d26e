"""A till killed with SIGKILL at random moments while it receives, hundreds of times: kills
survived, receipts committed, and anomalies (the goal: 0).

    uv run python -m benchmarks.bench_crash [--kills 200] [--pg-kills 50] [--max-delay 0.3]
                                            [--pg-max-delay 1.0]

A child process places an order for a known pattern of units and receives exactly that
pattern (preview, then confirm; every other receipt against a PO), over and over, reporting
each commit (``tests.services.crashing``). After a random delay (uniform up to
``--max-delay`` seconds after it opened the database; longer on PostgreSQL, where each
transaction is a few network round trips slower) it is killed; the database is then
opened as the app opens it and checked: ``PRAGMA integrity_check`` and
``foreign_key_check`` (SQLite), the ledger and every other shop invariant
(``racing.shop_anomalies``), every receipt wholly applied or absent (its lines, ledger
movements, allocations to customers and PO line all match its pattern), and every receipt
the child saw committed present. PostgreSQL runs when ``--pg-url`` or
SHOPKEEPER_TEST_DATABASE_URL names a server (a private database, dropped at the end).
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

from app.db import open_database
from benchmarks.bench_races import private_postgres
from tests.conftest import reset_postgres
from tests.services.crashing import CrashReport, crash_runs, make_crash_shop


def run(label: str, url: str, kills: int, max_delay: float, folder: Path) -> CrashReport:
    db = open_database(url, backup_dir=folder / "bk", daily_backup=False)
    make_crash_shop(db)
    db.dispose()
    started = time.monotonic()
    report = crash_runs(url, kills, folder / "bk", seed=kills, max_delay=max_delay)
    elapsed = time.monotonic() - started
    print(f"{label}: {report.kills} kills in {elapsed:.0f} s")
    print(f"  receipts the child saw committed  {report.receipts_reported:,}")
    print(f"  receipts in the database          {report.receipts_found:,}")
    print(f"  ... committed, killed before it could say so  {report.committed_unreported}")
    print(f"  check after each kill (open + all checks)   {report.check_seconds / kills:.2f} s")
    for problem in report.anomalies[:10]:
        print(f"  ANOMALY {problem[:2000]}")
    verdict = "met" if not report.anomalies else "MISSED"
    print(f"  anomalies                         {len(report.anomalies)} (goal 0: {verdict})")
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=200)
    parser.add_argument("--pg-kills", type=int, default=50)
    parser.add_argument("--max-delay", type=float, default=0.3)
    parser.add_argument("--pg-max-delay", type=float, default=1.0)
    parser.add_argument("--pg-url", default=os.environ.get("SHOPKEEPER_TEST_DATABASE_URL", ""))
    args = parser.parse_args()
    print(f"{os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}")
    if args.kills:
        with tempfile.TemporaryDirectory() as folder:
            url = f"sqlite:///{Path(folder) / 'crash.sqlite3'}"
            run("SQLite", url, args.kills, args.max_delay, Path(folder))
    if args.pg_url and args.pg_kills:
        with (
            private_postgres(args.pg_url, "bench_crash") as url,
            tempfile.TemporaryDirectory() as f,
        ):
            reset_postgres(url)
            run("PostgreSQL", url, args.pg_kills, args.pg_max_delay, Path(f))
    elif not args.pg_url:
        print("PostgreSQL: skipped (no --pg-url, SHOPKEEPER_TEST_DATABASE_URL unset)")


if __name__ == "__main__":
    main()
