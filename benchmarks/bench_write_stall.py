"""How long a write stalls the window's event loop: off the GUI thread (``run_write``) vs on it.

    uv run python -m benchmarks.bench_write_stall [--small] [--reps N] [--lock-seconds S]
        [--no-window] [--owner dialog|window]

Runs a QApplication offscreen (QT_QPA_PLATFORM=offscreen) with the main window open on a fresh
copy of the scale database (as a clerk has it: ``MainWindow`` shown, its first tab loaded, a
small dialog on it that saves: the owner ``run_write`` disables; ``--owner window`` disables the
whole main window instead) and a 10 ms ``QTimer`` on the GUI thread; the longest gap between
two of its ticks is the **stall** (how long the window could not repaint or take a key), the
99th percentile gap the typical worst. Cases, each on its own fresh copy, taking turns in every
repetition:

- **flash confirm**: the flash-sale receipt (``PO-05000``, 200 lines filling ~45k waiting lines;
  previewed first, untimed) confirmed with ``confirm_receipt``:
  *old way*, ``Database.run`` on the GUI thread (as every dialog saved before issue 9);
  *new, no GC fix*, through ``app.ui.writing.run_write`` with the collector left alone;
  *new + freeze*, the same after ``app.collector.freeze_start_up()`` (what the window does
  after its first paint); *new + pause*, with the collector paused around the write
  (``app.collector.paused``, what ``run_write`` does); *new (app)*, both, as the app runs now.
- **locked file**: another ``sqlite3`` connection holds ``BEGIN IMMEDIATE`` for
  ``--lock-seconds`` (2 s) while a one-line stock adjustment waits for it (SQLite's busy
  timeout), old way and new way.

Also printed: the cycle collector's passes during each write (count, longest, and in which
thread), and the peak RSS of each case (Linux: ``VmHWM`` reset through ``/proc/self/clear_refs``
before it). Prints figures and ratios (old / new); never fails. Stalls on this machine include
waiting for a core: compare the ratios inside one run.
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import contextlib
import gc
import resource
import sqlite3
import sys
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PySide6.QtCore import QEventLoop, Qt, QTimer
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QFormLayout,
    QLineEdit,
    QPushButton,
    QWidget,
)
from sqlalchemy import select
from sqlalchemy.orm import Session

from app import collector
from app.db import Database
from app.domain import Product
from app.services import stock
from app.services.changes import NO_CHANGES
from app.services.receiving import confirm_receipt
from app.ui import writing
from app.ui.background import reads_under_way
from benchmarks.bench_receive import planned_receipt
from benchmarks.common import (
    flash_po_ref,
    fresh_copy,
    goal_line,
    machine,
    median,
    remove_copy,
    scale_parser,
    scale_path,
)

TICK_MS = 10
STALL_GOAL_MS = 100
#: Ticks recorded before the write starts and after it is done (the quiet baseline).
MARGIN_MS = 150


@dataclass
class Collections:
    """The cycle collector's passes while a case ran (gc.callbacks)."""

    started: dict[int, float] = field(default_factory=dict)
    passes: list[tuple[int, float, str]] = field(default_factory=list)  # (gen, s, thread)

    def __call__(self, phase: str, info: dict[str, int]) -> None:
        ident = threading.get_ident()
        if phase == "start":
            self.started[ident] = time.perf_counter()
        elif ident in self.started:
            seconds = time.perf_counter() - self.started.pop(ident)
            self.passes.append((info["generation"], seconds, threading.current_thread().name))

    def summary(self) -> str:
        if not self.passes:
            return "no collections"
        full = [p for p in self.passes if p[0] == 2]
        longest = max(self.passes, key=lambda p: p[1])
        threads = sorted({"GUI" if t == "MainThread" else "writer" for _g, _s, t in self.passes})
        return (
            f"{len(self.passes)} passes ({len(full)} full), longest {longest[1] * 1000:.0f} ms "
            f"(gen {longest[0]}, {'GUI' if longest[2] == 'MainThread' else 'writer'}); "
            f"in {'+'.join(threads)}"
        )


class StallMonitor:
    """A 10 ms timer on the GUI thread; every gap between two ticks is recorded."""

    def __init__(self) -> None:
        self.gaps: list[float] = []
        self.ends: list[float] = []  # when each gap ended (perf_counter)
        self._last = 0.0
        self._timer = QTimer(interval=TICK_MS)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.timeout.connect(self._tick)

    def start(self) -> None:
        self._last = time.perf_counter()
        self._timer.start()

    def stop(self) -> None:
        self._timer.stop()
        self._tick()

    def _tick(self) -> None:
        now = time.perf_counter()
        self.gaps.append(now - self._last)
        self.ends.append(now)
        self._last = now

    @property
    def worst(self) -> float:
        return max(self.gaps)

    @property
    def worst_began(self) -> float:
        """When the worst gap began (perf_counter)."""
        index = max(range(len(self.gaps)), key=self.gaps.__getitem__)
        return self.ends[index] - self.gaps[index]

    @property
    def p99(self) -> float:
        ordered = sorted(self.gaps)
        return ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]


@dataclass
class Outcome:
    worst: float
    p99: float
    write: float  # seconds from start to the outcome back on the GUI thread
    worst_at: float  # when the worst gap began, seconds after the write started
    ticks: int
    gc: str
    peak_rss_mb: float
    rss_before_mb: float


def reset_peak_rss() -> bool:
    """Reset this process's VmHWM (Linux >= 4.0); False where that is not possible."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def peak_rss_mb(reset_worked: bool) -> float:
    if reset_worked:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # since start (KB)


def settle(app: QApplication, seconds: float = 0.3) -> None:
    """Let the window finish what it started (tab loads in background reads)."""
    deadline = time.perf_counter() + 10
    end = time.perf_counter() + seconds
    while time.perf_counter() < end or (reads_under_way() and time.perf_counter() < deadline):
        app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 20)
        time.sleep(0.005)


def measure(
    app: QApplication,
    db: Database,
    owner: QWidget,
    write: Callable[[Session], Any],
    *,
    on_gui_thread: bool,
    before: Callable[[], None] | None = None,
) -> Outcome:
    """Run ``write`` once (on the GUI thread, or through ``run_write``) inside an event loop
    that a 10 ms timer ticks in; ``before()`` runs just before the write starts."""
    loop = QEventLoop()
    monitor = StallMonitor()
    collections = Collections()
    times: dict[str, float] = {}
    errors: list[BaseException] = []

    def finished(_result: object = None) -> None:
        times["done"] = time.perf_counter()
        QTimer.singleShot(MARGIN_MS, loop.quit)

    def failed(error: Exception) -> None:
        errors.append(error)
        finished()

    def start() -> None:
        if before is not None:
            before()
        times["start"] = time.perf_counter()
        if on_gui_thread:
            try:
                db.run(write)
            except Exception as error:
                errors.append(error)
            finished()
        else:
            writing.run_write(
                owner,
                db,
                write,
                label="Benchmark write…",
                done=finished,
                failed=failed,
                changes=lambda _result: NO_CHANGES,  # the write alone, no tab reloads
            )

    reset = reset_peak_rss()
    rss_before = peak_rss_mb(reset)
    gc.callbacks.append(collections)
    try:
        monitor.start()
        QTimer.singleShot(MARGIN_MS, start)
        loop.exec()
        monitor.stop()
    finally:
        gc.callbacks.remove(collections)
    if errors:
        raise RuntimeError(f"the write failed: {errors[0]!r}") from errors[0]
    return Outcome(
        worst=monitor.worst,
        p99=monitor.p99,
        write=times["done"] - times["start"],
        worst_at=monitor.worst_began - times["start"],
        ticks=len(monitor.gaps),
        gc=collections.summary(),
        peak_rss_mb=peak_rss_mb(reset),
        rss_before_mb=rss_before,
    )


@dataclass(frozen=True)
class Variant:
    name: str
    on_gui_thread: bool
    freeze: bool
    pause: bool


FLASH_VARIANTS = (
    Variant("old way (GUI thread)", True, False, False),
    Variant("new, no GC fix", False, False, False),
    Variant("new + freeze", False, True, False),
    Variant("new + pause", False, False, True),
    Variant("new (app: freeze + pause)", False, True, True),
)
LOCK_VARIANTS = (
    Variant("old way (GUI thread)", True, False, False),
    Variant("new, no GC fix", False, False, False),
    Variant("new (app: freeze + pause)", False, True, True),
)


@contextlib.contextmanager
def as_variant(variant: Variant) -> Any:
    """The app's collector handling switched on or off for one case."""
    saved = writing.write_collector
    writing.write_collector = collector.paused if variant.pause else contextlib.nullcontext
    try:
        if variant.freeze:
            collector.freeze_start_up()
        yield
    finally:
        collector.unfreeze()
        writing.write_collector = saved


def open_window(app: QApplication, db: Database, with_window: bool) -> tuple[QWidget, QWidget]:
    """The clerk's screen: the main window (its first tab loaded), or a bare widget, and on
    it a small dialog that saves (the owner ``run_write`` disables while the write runs)."""
    if with_window:
        from app.ui.main_window import MainWindow

        window: QWidget = MainWindow(db)
        window.resize(1200, 760)
    else:
        window = QWidget()
    window.show()
    dialog = QDialog(window)
    layout = QFormLayout(dialog)
    for label in ("Purchase order", "Note", "Received by"):
        layout.addRow(label, QLineEdit())
    layout.addRow(QPushButton("Confirm"))
    dialog.show()
    settle(app)
    return window, dialog


def close_window(app: QApplication, window: QWidget) -> None:
    window.close()
    window.deleteLater()
    settle(app, 0.05)


def flash_case(
    app: QApplication, source: Path, po_ref: str, variant: Variant, with_window: bool, owner: str
) -> Outcome:
    copy = fresh_copy(source, "stall.sqlite3")
    db = Database(f"sqlite:///{copy}")
    try:
        window, dialog = open_window(app, db, with_window)
        with as_variant(variant):
            # As in the app: frozen after the window's first paint, then the receive dialog
            # previews (its plan stays alive while the confirm runs).
            plan = planned_receipt(db, po_ref)
            outcome = measure(
                app,
                db,
                window if owner == "window" else dialog,
                lambda session: confirm_receipt(session, plan, note="stall benchmark"),
                on_gui_thread=variant.on_gui_thread,
            )
        close_window(app, window)
        return outcome
    finally:
        db.dispose()
        remove_copy(copy)


def locked_case(
    app: QApplication,
    db: Database,
    sku: str,
    variant: Variant,
    with_window: bool,
    hold: float,
    owner: str,
) -> Outcome:
    path = db.url.removeprefix("sqlite:///")
    window, dialog = open_window(app, db, with_window)
    other = sqlite3.connect(path, isolation_level=None, check_same_thread=False)

    def take_lock() -> None:
        other.execute("BEGIN IMMEDIATE")
        threading.Timer(hold, other.rollback).start()

    try:
        with as_variant(variant):
            outcome = measure(
                app,
                db,
                window if owner == "window" else dialog,
                lambda session: stock.adjust_stock(session, sku, 1, "stall benchmark"),
                on_gui_thread=variant.on_gui_thread,
                before=take_lock,
            )
    finally:
        other.close()
    close_window(app, window)
    return outcome


def main(argv: list[str] | None = None) -> int:
    parser = scale_parser(__doc__, reps=3)
    parser.add_argument("--lock-seconds", type=float, default=2.0)
    parser.add_argument(
        "--no-window", action="store_true", help="a bare widget instead of the main window"
    )
    parser.add_argument(
        "--owner",
        choices=("dialog", "window"),
        default="dialog",
        help="what run_write disables: a small dialog (as a save) or the whole window",
    )
    args = parser.parse_args(argv)
    source = scale_path(args.small)
    po_ref = flash_po_ref(source)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    with_window = not args.no_window
    print(
        f"bench_write_stall: {source.name}, {machine()}, {TICK_MS} ms ticks, "
        f"{'main window open' if with_window else 'bare widget'}, owner: {args.owner}, "
        f"gc thresholds {gc.get_threshold()}, GIL switch interval "
        f"{sys.getswitchinterval() * 1000:g} ms"
    )
    flash: dict[str, list[Outcome]] = defaultdict(list)
    locked: dict[str, list[Outcome]] = defaultdict(list)
    lock_copy = fresh_copy(source, "stall-lock.sqlite3")
    lock_db = Database(f"sqlite:///{lock_copy}")
    with lock_db.read() as session:
        sku = session.scalar(select(Product.sku).order_by(Product.id).limit(1))
    assert sku is not None
    try:
        for rep in range(args.reps):
            for variant in FLASH_VARIANTS:
                outcome = flash_case(app, source, po_ref, variant, with_window, args.owner)
                flash[variant.name].append(outcome)
                print(f"  rep {rep + 1} flash confirm, {variant.name:<26} {show(outcome)}")
            for variant in LOCK_VARIANTS:
                outcome = locked_case(
                    app, lock_db, sku, variant, with_window, args.lock_seconds, args.owner
                )
                locked[variant.name].append(outcome)
                print(f"  rep {rep + 1} locked file,   {variant.name:<26} {show(outcome)}")
    finally:
        lock_db.dispose()
        remove_copy(lock_copy)
    print(f"\nover {args.reps} repetitions: median (max) of each run's worst gap; median p99 gap")
    report("flash-sale confirm (45k lines)", flash)
    report(f"write waiting {args.lock_seconds:g} s on a locked file", locked)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\npeak RSS of the whole run: {peak:.0f} MB")
    return 0


def show(outcome: Outcome) -> str:
    return (
        f"worst {outcome.worst * 1000:7.1f} ms, p99 {outcome.p99 * 1000:6.1f} ms, write "
        f"{outcome.write * 1000:7.1f} ms (worst gap began at {outcome.worst_at * 1000:+.0f} ms), "
        f"{outcome.ticks:4d} ticks, peak RSS {outcome.peak_rss_mb:4.0f} MB "
        f"({outcome.peak_rss_mb - outcome.rss_before_mb:+.0f}); gc: {outcome.gc}"
    )


def report(title: str, figures: dict[str, list[Outcome]]) -> None:
    print(f"\n{title}:")
    medians: dict[str, float] = {}
    for name, outcomes in figures.items():
        worst = [o.worst * 1000 for o in outcomes]
        p99 = [o.p99 * 1000 for o in outcomes]
        write = [o.write * 1000 for o in outcomes]
        rss = [o.peak_rss_mb for o in outcomes]
        grew = [o.peak_rss_mb - o.rss_before_mb for o in outcomes]
        medians[name] = median(worst)
        print(
            f"  {name:<28} worst {median(worst):7.1f} ({max(worst):7.1f}) ms, p99 "
            f"{median(p99):6.1f} ms, write {median(write):7.1f} ms, peak RSS {max(rss):4.0f} MB "
            f"(+{max(grew):.0f} in the case)"
        )
    old = medians.pop("old way (GUI thread)")
    for name, value in medians.items():
        print(f"  {'stall old / ' + name:<44} {old / value:9.1f} x")
    for name, value in medians.items():
        print("  " + goal_line(f"worst stall, {name}", value, STALL_GOAL_MS))


if __name__ == "__main__":
    sys.exit(main())
