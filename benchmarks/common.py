"""Helpers shared by the benchmarks: the scale database, fresh copies, timing, SQL capture."""

from __future__ import annotations

import argparse
import json
import os
import platform
import sqlite3
import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, event

from benchmarks.generate import DEFAULT_PATH, SMALL_PATH

WORK_DIR = DEFAULT_PATH.parent / "work"


def scale_path(small: bool = False) -> Path:
    path = SMALL_PATH if small else DEFAULT_PATH
    if not path.exists():
        raise SystemExit(
            f"{path} is missing; run: uv run python -m benchmarks.generate{' --small' * small}"
        )
    return path


def scale_meta(path: Path) -> dict[str, Any]:
    meta_path = Path(f"{path}.json")
    return json.loads(meta_path.read_text()) if meta_path.exists() else {}


def scale_parser(doc: str | None, reps: int) -> argparse.ArgumentParser:
    """The options every benchmark on the scale database takes: ``--small`` (the 1/10
    database) and ``--reps``; ``doc``'s first line describes the benchmark."""
    parser = argparse.ArgumentParser(description=(doc or "").splitlines()[0])
    parser.add_argument("--small", action="store_true")
    parser.add_argument("--reps", type=int, default=reps)
    return parser


def flash_po_ref(path: Path) -> str:
    """The scale database's flash purchase order: the one delivery most customers wait for."""
    return str(scale_meta(path).get("flash_po_ref", "PO-05000"))


def fresh_copy(source: Path, name: str) -> Path:
    """A consistent copy of ``source`` made with SQLite's backup API (never a file copy)."""
    WORK_DIR.mkdir(parents=True, exist_ok=True)
    target = WORK_DIR / name
    for suffix in ("", "-wal", "-shm"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    dst = sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()
    # Flush the copy to disk now, so the kernel's write-back of ~250 MB does not land inside
    # the next measurement (a WAL checkpoint's fsync would wait for all of it).
    fd = os.open(target, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
    return target


def remove_copy(path: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def median(values: list[float]) -> float:
    return statistics.median(values)


def medians(figures: dict[str, list[tuple[float, float]]]) -> dict[str, tuple[float, float]]:
    """name -> (median wall, median CPU) of figures gathered as (wall, CPU) pairs."""
    return {
        name: (median([w for w, _ in values]), median([c for _, c in values]))
        for name, values in figures.items()
    }


def ms(seconds: float) -> str:
    return f"{seconds * 1000:8.1f} ms"


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def timed_cpu(fn: Callable[[], Any]) -> tuple[float, float, Any]:
    """(wall seconds, this process's CPU seconds, result): CPU time is what other programs
    on a busy machine cannot inflate (much)."""
    cpu = time.process_time()
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, time.process_time() - cpu, result


def machine() -> str:
    return (
        f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"SQLite {sqlite3.sqlite_version}"
    )


def goal_line(name: str, value: float, goal: float, unit: str = "ms") -> str:
    met = "met" if value <= goal else f"MISSED by {value / goal:.1f}x"
    return f"{name:<44} {value:9.1f} {unit:<3} goal <= {goal:g} {unit}: {met}"


def ratio_line(name: str, ratio: float, goal: float) -> str:
    met = "met" if ratio <= goal else f"MISSED ({ratio / goal:.1f}x over)"
    return f"{name:<44} {ratio:9.2f} x   goal <= {goal:g}x: {met}"


@dataclass
class Captured:
    statement: str
    parameters: Any
    executemany: bool
    seconds: float = 0.0


@dataclass
class SqlLog:
    entries: list[Captured] = field(default_factory=list)

    def summary(self, top: int = 8) -> list[str]:
        by_sql: dict[str, list[Captured]] = {}
        for entry in self.entries:
            by_sql.setdefault(" ".join(entry.statement.split())[:110], []).append(entry)
        ranked = sorted(by_sql.items(), key=lambda kv: -sum(e.seconds for e in kv[1]))
        return [
            f"{sum(e.seconds for e in items) * 1000:8.1f} ms  x{len(items):<5} {sql}"
            for sql, items in ranked[:top]
        ]


@contextmanager
def capture_sql(engine: Engine) -> Iterator[SqlLog]:
    """Record every statement the engine runs (and its driver time) inside the block."""
    log = SqlLog()

    def before(
        conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool
    ) -> None:
        conn.info.setdefault("bench_start", []).append(time.perf_counter())

    def after(
        conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool
    ) -> None:
        started = conn.info["bench_start"].pop()
        log.entries.append(
            Captured(statement, parameters, executemany, time.perf_counter() - started)
        )

    event.listen(engine, "before_cursor_execute", before)
    event.listen(engine, "after_cursor_execute", after)
    try:
        yield log
    finally:
        event.remove(engine, "before_cursor_execute", before)
        event.remove(engine, "after_cursor_execute", after)


def explain(path: Path, statement: str, parameters: Any = ()) -> list[str]:
    """SQLite's EXPLAIN QUERY PLAN for one statement, as indented lines."""
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        rows = con.execute(f"EXPLAIN QUERY PLAN {statement}", parameters or ()).fetchall()
    finally:
        con.close()
    depth: dict[int, int] = {0: 0}
    lines = []
    for node, parent, _unused, detail in rows:
        depth[node] = depth.get(parent, 0) + 1
        lines.append("  " * depth[node] + detail)
    return lines


def raw_connect(path: Path, *, read_only: bool = False) -> sqlite3.Connection:
    """A plain ``sqlite3`` connection set up by the app's own connect hook
    (``app.db.database._sqlite_on_connect``: autocommit driver, busy timeout, foreign keys,
    WAL, ``synchronous = NORMAL``, ``cache_size``), so a raw baseline always runs with exactly
    the app's pragmas."""
    from app.db.database import _sqlite_on_connect

    con = sqlite3.connect(f"file:{path}?mode=ro" if read_only else str(path), uri=read_only)
    _sqlite_on_connect(con, None)
    return con


def pragmas(con: sqlite3.Connection) -> str:
    """The pragmas a connection runs with, for the benchmark's header."""
    names = ("journal_mode", "synchronous", "foreign_keys", "cache_size", "busy_timeout")
    return ", ".join(f"{name}={con.execute(f'PRAGMA {name}').fetchone()[0]}" for name in names)
