"""The window on the scale database: start-up, the Orders tab's first paint and search, RSS.

    uv run python -m benchmarks.bench_gui [--small] [--reps N] [--no-bytecode-cache]

Each run is a fresh child process (QT_QPA_PLATFORM=offscreen) that starts the window the way
the ``shopkeeper`` command does: it imports ``app.cli`` first (the console script's
``from app.cli import main``), makes the QApplication, then calls
``app.cli.main(["--db", url, "--smoke-test"])``; an application event filter notes the main
window's first paint and then, inside the child:

- switches to the Orders tab (``ordersTab``) and times it until its table has painted,
- types into ``ordersSearch`` (the search is applied directly, without the typing delay) and
  times the re-query plus repaint, for a customer name, an order ref and a miss,
- times each tab's model reload (first page + count), and records every SQL statement.

The parent measures wall time from spawn to the child's first paint, the same for a bare
``python -c "import PySide6.QtWidgets, sqlalchemy"``, and the child's peak RSS (os.wait4).
It also starts the window on a fresh demo shop (``app.services.demo``), whose start-up is the
app's own cost without a big database. Bare imports and the two windows take turns, so a busy
neighbour slows all of them alike; compare the ratios.

Python bytecode: every child (and the bare import) reads and writes its compiled modules in
``data/work/pycache`` (PYTHONPYCACHEPREFIX), as an installed app or a bundle has them, even
where PYTHONDONTWRITEBYTECODE is set (it is on the benchmark machine, which made every start
compile ~350 modules from source: ~0.7 s more, for the bare import too). ``--no-bytecode-cache``
measures that way again, for comparison with figures before 2026-11-28 05:30.
The first run of the day on a database makes the window take its daily backup (in a thread,
once it has shown itself); that run is reported separately, with how long after the first
paint the backup was done. The child waits for it before measuring (and before ``os._exit``),
so later runs find today's backup and the measurements never compete with one.
Prints figures and ratios; never fails.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from benchmarks.common import (
    WORK_DIR,
    explain,
    fresh_copy,
    goal_line,
    machine,
    median,
    ms,
    remove_copy,
    scale_parser,
    scale_path,
)

START_GOAL_MS = 1000
PAINT_GOAL_MS = 50
SEARCH_GOAL_MS = 100
RSS_GOAL_MB = 250
MARK = "BENCH_GUI_RESULT "


# --- the child -------------------------------------------------------------------------------


def child(url: str, spawned_at: float) -> None:  # pragma: no cover - runs in a subprocess
    # As the console script: ``from app.cli import main`` (it imports SQLAlchemy and the
    # domain before Qt), then the window.
    from app.cli import main as shopkeeper

    # isort: split
    from PySide6.QtCore import QEvent, QObject, QTimer
    from PySide6.QtWidgets import QApplication, QTabWidget
    from sqlalchemy import Engine, event

    from app.db.backup import backed_up_today
    from app.db.opening import sqlite_path

    db_path = sqlite_path(url)
    assert db_path is not None
    result: dict[str, Any] = {"imported_at": time.time() - spawned_at}
    statements: list[tuple[str, Any, float, str]] = []
    phase = ["startup"]
    starts: list[float] = []

    def before(*_args: Any) -> None:
        starts.append(time.perf_counter())

    def after(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_rest: Any) -> None:
        statements.append((statement, parameters, time.perf_counter() - starts.pop(), phase[0]))

    event.listen(Engine, "before_cursor_execute", before)
    event.listen(Engine, "after_cursor_execute", after)

    app = QApplication(sys.argv[:1])

    def window() -> Any:
        for widget in QApplication.topLevelWidgets():
            if widget.objectName() == "mainWindow":
                return widget
        return None

    def paint_now(widget: Any) -> None:
        widget.repaint()
        app.processEvents()

    def wait_for_backup() -> float:
        """Seconds until today's backup exists (~0 when it already did). No events are
        processed meanwhile, so the smoke test's quit timer cannot close the window."""
        t = time.perf_counter()
        while not backed_up_today(db_path.parent / "backups", db_path.stem):
            if time.perf_counter() - t > 120:
                break
            time.sleep(0.005)
        return time.perf_counter() - t

    def measure() -> None:
        result["backup_wait"] = wait_for_backup()
        if result["backup_wait"] > 0.05:
            # The first run of the day: only its start-up and backup figures are used (the
            # smoke test's 1.5 s quit timer would fire during the rest).
            print(MARK + json.dumps(result, default=str), flush=True)
            os._exit(0)
        main = window()
        tabs = main.findChild(QTabWidget, "mainTabs")
        orders = main.findChild(QObject, "ordersTab")
        search = orders.findChild(QObject, "ordersSearch")
        phase[0] = "orders tab"
        t = time.perf_counter()
        tabs.setCurrentWidget(orders)
        paint_now(orders.table.viewport())
        result["orders_first_paint"] = time.perf_counter() - t
        # A customer name, an order ref (from the first row) and a string nothing matches.
        first = orders.model.row_at(0)
        customer = first.customer.split()[1] if first else "Smith"
        probes = {"customer": customer, "ref": first.ref if first else "SO-0", "miss": "zzqx"}
        result["search"] = {}
        for name, text in probes.items():
            phase[0] = f"search {name}"
            t = time.perf_counter()
            search.setText(text)
            orders.apply_search()
            paint_now(orders.table.viewport())
            result["search"][name] = (time.perf_counter() - t, text, orders.model.rowCount())
        phase[0] = "clear search"
        t = time.perf_counter()
        search.setText("")
        orders.apply_search()
        paint_now(orders.table.viewport())
        result["search"]["clear"] = (time.perf_counter() - t, "", orders.model.rowCount())
        result["reload"] = {}
        for index in range(tabs.count()):
            tab = tabs.widget(index)
            phase[0] = f"reload {tab.objectName()}"
            t = time.perf_counter()
            tab.model.reload()
            result["reload"][tab.objectName()] = time.perf_counter() - t
        result["statements"] = [
            (
                " ".join(sql.split()),
                list(params) if isinstance(params, tuple) else None,
                seconds,
                where,
            )
            for sql, params, seconds, where in statements
        ]
        print(MARK + json.dumps(result, default=str), flush=True)
        os._exit(0)  # skip the smoke test's wait

    class FirstPaint(QObject):
        def eventFilter(self, watched: QObject, ev: QEvent) -> bool:
            if "shown" not in result and ev.type() == QEvent.Type.Paint:
                main = window()
                if main is not None and main.isVisible():
                    result["shown"] = time.time() - spawned_at
                    result["shown_cpu"] = time.process_time()
                    phase[0] = "after start"
                    QTimer.singleShot(0, measure)
            return False

    painted = FirstPaint()
    app.installEventFilter(painted)
    result["qapp_at"] = time.time() - spawned_at
    shopkeeper(["--db", url, "--smoke-test"])
    print(MARK + json.dumps({"error": "window closed before it painted", **result}), flush=True)


# --- the queries behind the tabs, in-process (CPU time is robust on a busy machine) -------

#: Proposed SQL (see README): the Orders search matching the ref by prefix (a range on its
#: unique index) or the customer's name (10k customers scanned once), so SQLite answers with
#: a MULTI-INDEX OR instead of scanning 400k orders; and the default Backorders page with
#: position = offset + n and units ahead for the page's rows only.
_PROPOSED_ORDER_WHERE = (
    "FROM sales_order WHERE (sales_order.ref >= :lo AND sales_order.ref < :hi) OR "
    "sales_order.customer_id IN (SELECT id FROM customer WHERE name LIKE :p ESCAPE '/')"
)
PROPOSED_ORDER_SEARCH = (
    f"SELECT count(*) FROM (SELECT sales_order.id {_PROPOSED_ORDER_WHERE} LIMIT 100001)"
)
PROPOSED_ORDER_SEARCH_PAGE = (
    f"SELECT sales_order.id {_PROPOSED_ORDER_WHERE} "
    "ORDER BY sales_order.placed_at DESC, sales_order.id DESC LIMIT 201"
)
PROPOSED_BACKORDERS_PAGE = (
    "SELECT p.*, (SELECT coalesce(sum(x.qty_backordered), 0) FROM order_line x "
    "JOIN sales_order xs ON xs.id = x.order_id WHERE x.product_id = p.product_id "
    "AND x.qty_backordered > 0 AND x.queued_at <= p.queued_at AND (x.queued_at < p.queued_at "
    "OR xs.ref < p.ref OR (xs.ref = p.ref AND x.line_no < p.line_no))) AS units_ahead "
    "FROM (SELECT ol.id, so.ref, ol.line_no, ol.product_id, ol.qty_backordered, ol.queued_at "
    "FROM order_line ol JOIN sales_order so ON so.id = ol.order_id "
    "WHERE ol.qty_backordered > 0 ORDER BY ol.queued_at, so.ref, ol.line_no "
    "LIMIT 201 OFFSET :offset) AS p"
)


def _search(text: str) -> dict[str, str]:
    return {"lo": text.upper(), "hi": text.upper() + "\U0010ffff", "p": f"%{text}%"}


def views_section(path: Path) -> dict[str, tuple[float, float]]:
    """Wall and CPU ms of each tab's page and count query (app.services.views), warm."""
    import sqlite3

    from app.db import Database
    from app.services import views
    from benchmarks.common import timed_cpu

    db = Database(f"sqlite:///{path}")
    cases: list[tuple[str, Any]] = [
        ("stock page", lambda s: views.stock_page(s, views.StockQuery(), 0, 201)),
        ("stock count", lambda s: views.count_products(s, views.StockQuery())),
        ("orders page", lambda s: views.orders_page(s, views.OrderQuery(), 0, 201)),
        ("orders count", lambda s: views.count_orders(s, views.OrderQuery())),
        ("po page", lambda s: views.purchase_orders_page(s, views.PurchaseOrderQuery(), 0, 201)),
        ("backorders page", lambda s: views.backorders_page(s, views.BackorderQuery(), 0, 201)),
        ("backorders count", lambda s: views.count_backorders(s, views.BackorderQuery())),
        ("backorders units_waiting", lambda s: views.units_waiting(s)),
    ]
    for text in ("Walker", "zzqx"):
        query = views.OrderQuery(search=text)
        cases.append(
            (f"orders search page {text!r}", lambda s, q=query: views.orders_page(s, q, 0, 201))
        )
        cases.append((f"orders search count {text!r}", lambda s, q=query: views.count_orders(s, q)))
    out: dict[str, tuple[float, float]] = {}
    for name, fn in cases:
        runs = []
        for _ in range(3):

            def read(fn: Any = fn) -> Any:
                with db.read() as session:
                    return fn(session)

            wall, cpu, _ = timed_cpu(read)
            runs.append((wall, cpu))
        out[name] = (median([w for w, _ in runs]), median([c for _, c in runs]))
    db.dispose()
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    proposed: list[tuple[str, str, dict[str, Any]]] = [
        ("PROPOSED orders search count 'Walker'", PROPOSED_ORDER_SEARCH, _search("Walker")),
        ("PROPOSED orders search page 'Walker'", PROPOSED_ORDER_SEARCH_PAGE, _search("Walker")),
        ("PROPOSED orders search count 'zzqx'", PROPOSED_ORDER_SEARCH, _search("zzqx")),
        ("PROPOSED orders search page 'zzqx'", PROPOSED_ORDER_SEARCH_PAGE, _search("zzqx")),
        ("PROPOSED orders search page 'SO-4000'", PROPOSED_ORDER_SEARCH_PAGE, _search("SO-4000")),
        ("PROPOSED backorders page (offset 0)", PROPOSED_BACKORDERS_PAGE, {"offset": 0}),
        ("PROPOSED backorders page (offset 99k)", PROPOSED_BACKORDERS_PAGE, {"offset": 99_000}),
    ]
    for name, sql, params in proposed:
        runs = []
        for _ in range(3):
            wall, cpu, _ = timed_cpu(
                lambda sql=sql, params=params: con.execute(sql, params).fetchall()
            )
            runs.append((wall, cpu))
        out[name] = (median([w for w, _ in runs]), median([c for _, c in runs]))
    con.close()
    return out


# --- the parent ------------------------------------------------------------------------------


#: Compiled modules of the children (see the module docstring); None: compile from source.
PYCACHE: Path | None = WORK_DIR / "pycache"


def spawn(args: list[str]) -> tuple[float, dict[str, Any], float, str]:
    """Run a child; return (wall seconds, its result, peak RSS in MB, stderr tail).

    The result gets "cpu": the child's user + system CPU seconds (whole run)."""
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    if PYCACHE is not None:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(PYCACHE)
    else:
        env["PYTHONDONTWRITEBYTECODE"] = "1"
    started = time.time()
    process = subprocess.Popen(
        [sys.executable, *args, str(started)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        cwd=Path(__file__).resolve().parent.parent,
    )
    assert process.stdout is not None and process.stderr is not None
    out = process.stdout.read().decode()
    err = process.stderr.read().decode()
    _pid, _status, usage = os.wait4(process.pid, 0)
    process.returncode = 0
    wall = time.time() - started
    result: dict[str, Any] = {}
    for line in out.splitlines():
        if line.startswith(MARK):
            result = json.loads(line[len(MARK) :])
    result["cpu"] = usage.ru_utime + usage.ru_stime
    return wall, result, usage.ru_maxrss / 1024, err[-2000:]


BARE_IMPORT = ["-c", "import PySide6.QtWidgets, sqlalchemy, sys"]


def demo_shop() -> Path:
    """A fresh demo shop (what ``shopkeeper --demo`` opens) in data/work, not yet backed up."""
    from app.db import open_database
    from app.services.demo import build_demo_shop

    path = WORK_DIR / "gui-demo.sqlite3"
    remove_copy(path)
    database = open_database(f"sqlite:///{path}", daily_backup=False)
    try:
        with database.write() as session:
            build_demo_shop(session)
    finally:
        database.dispose()
    return path


def main(argv: list[str] | None = None) -> int:
    parser = scale_parser(__doc__, reps=3)
    parser.add_argument(
        "--no-bytecode-cache",
        action="store_true",
        help="every child compiles its modules from source (the figures before 2026-11-28)",
    )
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args, rest = parser.parse_known_args(argv)
    if args.child:
        child(args.child, float(rest[0]))
        return 0
    global PYCACHE
    if args.no_bytecode_cache:
        PYCACHE = None
    source = scale_path(args.small)
    bytecode = f"bytecode cached in {PYCACHE}" if PYCACHE else "no bytecode cache"
    print(f"bench_gui: {source.name}, {machine()}, QT_QPA_PLATFORM=offscreen, {bytecode}")
    copy = fresh_copy(source, "gui.sqlite3")
    backups = WORK_DIR / "backups"
    for old in backups.glob("gui-*"):  # incl. an interrupted backup's .partial
        old.unlink()
    url = f"sqlite:///{copy}"
    child_args = ["-m", "benchmarks.bench_gui", "--child", url]

    print("\nqueries behind the tabs, in-process, warm (median of 3):      wall      CPU")
    for name, (wall, cpu) in views_section(copy).items():
        print(f"  {name:<56}{wall * 1000:8.1f} {cpu * 1000:8.1f} ms")
    demo = demo_shop()
    demo_args = ["-m", "benchmarks.bench_gui", "--child", f"sqlite:///{demo}"]
    spawn(BARE_IMPORT)  # fills the bytecode cache (Qt, SQLAlchemy)
    _wall, warm, _rss, err = spawn(demo_args)  # the app's modules; the demo's daily backup
    if "shown" not in warm:
        print("the window did not start:\n" + err)
        return 0
    _first_wall, first, first_rss, err = spawn(child_args)  # takes the daily backup
    if "shown" not in first:
        print("the window did not start:\n" + err)
        return 0
    bares, runs, demos = [], [], []
    for _ in range(args.reps):  # taking turns, so a busy neighbour slows all alike
        bares.append(spawn(BARE_IMPORT))
        runs.append(spawn(child_args))
        demos.append(spawn(demo_args))
    bare = median([r[0] for r in bares])
    bare_cpu = median([r[1]["cpu"] for r in bares])
    shown = median([r[1]["shown"] for r in runs])
    shown_cpu = median([r[1]["shown_cpu"] for r in runs])
    demo_shown = median([r[1]["shown"] for r in demos])
    demo_cpu = median([r[1]["shown_cpu"] for r in demos])
    rss = max(r[2] for r in runs)
    paint = median([r[1]["orders_first_paint"] for r in runs])
    searches = {
        name: median([r[1]["search"][name][0] for r in runs]) for name in runs[0][1]["search"]
    }
    last = runs[-1][1]

    print(f"\n{'':<46}{'wall':>8}     {'CPU':>8}")
    print(f"{'bare import PySide6.QtWidgets + sqlalchemy':<46}{ms(bare)}{ms(bare_cpu)}")
    print(
        f"{'start-up to first paint, 1st run of the day':<46}{ms(first['shown'])}"
        f"   (daily backup of {copy.stat().st_size / 1e6:.0f} MB done "
        f"{first['backup_wait']:.2f} s after the paint, in a thread)"
    )
    print(
        f"{'start-up to first paint (median)':<46}{ms(shown)}{ms(shown_cpu)}"
        f"   (imports done at {ms(median([r[1]['qapp_at'] for r in runs])).strip()})"
    )
    print(
        f"{'start-up to first paint, demo shop (median)':<46}{ms(demo_shown)}{ms(demo_cpu)}"
        f"   (imports done at {ms(median([r[1]['qapp_at'] for r in demos])).strip()})"
    )
    print(f"{'Orders tab: switch + first paint':<46}{ms(paint)}")
    for name, seconds in searches.items():
        _t, text, count = last["search"][name]
        print(
            f"{'Orders search ' + name + ' ' + repr(text)[:18]:<46}{ms(seconds)}   "
            f"({count} rows loaded)"
        )
    for tab, seconds in last["reload"].items():
        print(f"{'reload ' + tab + ' (page + count)':<46}{ms(seconds)}")
    print(f"{'peak RSS (max over runs)':<46}{rss:8.1f} MB   (first run {first_rss:.0f} MB)")

    print("\nSQL by phase (last run), slowest statements:")
    by_phase: dict[str, list[tuple[str, Any, float]]] = {}
    for sql, params, seconds, where in last["statements"]:
        by_phase.setdefault(where, []).append((sql, params, seconds))
    for where, items in by_phase.items():
        total = sum(s for _, _, s in items)
        print(f"  {where}: {len(items)} statements, {total * 1000:.1f} ms in SQLite")
        for sql, _params, seconds in sorted(items, key=lambda x: -x[2])[:3]:
            print(f"    {seconds * 1000:8.1f} ms  {sql[:150]}")
    print("\nEXPLAIN QUERY PLAN of the slowest page queries:")
    seen = set()
    for sql, params, seconds in sorted(
        ((s, p, t) for s, p, t, _w in last["statements"] if s.startswith("SELECT")),
        key=lambda x: -x[2],
    )[:6]:
        if sql in seen or seconds < 0.005:
            continue
        seen.add(sql)
        print(f"  {seconds * 1000:.1f} ms: {sql[:220]}")
        try:
            for line in explain(copy, sql, params or ()):
                print("    " + line)
        except Exception as error:  # a statement we cannot replay as captured
            print(f"    (cannot explain: {error})")

    print()
    print(goal_line("start-up to first paint (median)", shown * 1000, START_GOAL_MS))
    print(f"{'start-up / bare import [wall]':<44} {shown / bare:9.2f} x   (context; no goal)")
    print(f"{'start-up / bare import [CPU]':<44} {shown_cpu / bare_cpu:9.2f} x   (context)")
    print(f"{'demo shop start-up / bare import [wall]':<44} {demo_shown / bare:9.2f} x")
    print(f"{'demo shop start-up / bare import [CPU]':<44} {demo_cpu / bare_cpu:9.2f} x")
    print(goal_line("start-up to first paint [child CPU]", shown_cpu * 1000, START_GOAL_MS))
    print(goal_line("Orders tab first paint", paint * 1000, PAINT_GOAL_MS))
    for name, seconds in searches.items():
        if name != "clear":
            print(goal_line(f"Orders search ({name})", seconds * 1000, SEARCH_GOAL_MS))
    print(goal_line("peak RSS", rss, RSS_GOAL_MB, "MB"))
    remove_copy(copy)
    remove_copy(demo)
    return 0


if __name__ == "__main__":
    sys.exit(main())
