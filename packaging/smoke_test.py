"""Smoke-test a PyInstaller build of Shopkeeper (run by build.sh; works on Windows/macOS/Linux).

1. Checks the bundle holds the data files the app loads from disk at run time: the Alembic
   migrations (env.py, script.py.mako, the revision files), resources/ and Babel's CLDR data.
2. Starts the built app offscreen with ``--demo --smoke-test`` (it opens its main window and
   quits after ~1.5 s) and requires exit code 0 within the timeout. The app runs with a
   throw-away home/data folder, so the demo never touches the real user's files.

    python packaging/smoke_test.py [--dist dist/shopkeeper] [--timeout 60]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXE_NAME = "shopkeeper"
APP_ARGS = ["--demo", "--smoke-test"]


def contents_dir(dist: Path) -> Path:
    """Where PyInstaller put the data files (``_internal`` since PyInstaller 6)."""
    internal = dist / "_internal"
    return internal if internal.is_dir() else dist


def executable(dist: Path) -> Path:
    return dist / (f"{EXE_NAME}.exe" if sys.platform == "win32" else EXE_NAME)


def check_contents(dist: Path) -> list[str]:
    base = contents_dir(dist)
    problems = []
    migrations = base / "app" / "db" / "migrations"
    for name in ("env.py", "script.py.mako"):
        if not (migrations / name).is_file():
            problems.append(f"missing {migrations / name}")
    source_versions = sorted(
        p.name
        for p in (ROOT / "app" / "db" / "migrations" / "versions").glob("*.py")
        if p.name != "__init__.py"
    )
    for name in source_versions:
        if not (migrations / "versions" / name).is_file():
            problems.append(f"missing migration {migrations / 'versions' / name}")
    if not source_versions:
        problems.append("no migration revisions found in app/db/migrations/versions")
    for name in ("icon.png", "icon.svg"):
        if not (base / "resources" / name).is_file():
            problems.append(f"missing {base / 'resources' / name}")
    # Babel's CLDR data (amounts and dates are formatted with it).
    for name in ("global.dat", "locale-data/root.dat", "locale-data/en.dat"):
        if not (base / "babel" / name).is_file():
            problems.append(f"missing {base / 'babel' / name}")
    return problems


def scratch_env(home: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["QT_QPA_PLATFORM"] = "offscreen"
    env["HOME"] = str(home)
    env["USERPROFILE"] = str(home)
    for var, sub in (
        ("XDG_DATA_HOME", "data"),
        ("XDG_CONFIG_HOME", "config"),
        ("XDG_STATE_HOME", "state"),
        ("XDG_CACHE_HOME", "cache"),
        ("LOCALAPPDATA", "localappdata"),
        ("APPDATA", "appdata"),
    ):
        env[var] = str(home / sub)
        (home / sub).mkdir(parents=True, exist_ok=True)
    tmp = home / "tmp"  # the demo shop's temporary folder goes here too, and is removed
    tmp.mkdir(exist_ok=True)
    for var in ("TMPDIR", "TEMP", "TMP"):
        env[var] = str(tmp)
    runtime = home / "runtime"
    runtime.mkdir(mode=0o700, exist_ok=True)
    env["XDG_RUNTIME_DIR"] = str(runtime)
    return env


def run_app(exe: Path, timeout: float) -> int:
    with tempfile.TemporaryDirectory(prefix="shopkeeper-smoke-") as tmp:
        command = [str(exe), *APP_ARGS]
        print(f"smoke test: QT_QPA_PLATFORM=offscreen {' '.join(command)}", flush=True)
        started = time.monotonic()
        try:
            result = subprocess.run(
                command,
                env=scratch_env(Path(tmp)),
                stdin=subprocess.DEVNULL,
                capture_output=True,
                text=True,
                errors="replace",
                timeout=timeout,
            )
        except subprocess.TimeoutExpired as expired:
            print(f"FAIL: still running after {timeout:.0f} s (killed)", file=sys.stderr)
            for label, data in (("stdout", expired.stdout), ("stderr", expired.stderr)):
                if data:
                    text = data.decode(errors="replace") if isinstance(data, bytes) else data
                    print(f"--- {label} ---\n{text}", file=sys.stderr)
            return 1
        elapsed = time.monotonic() - started
        for label, text in (("stdout", result.stdout), ("stderr", result.stderr)):
            if text.strip():
                print(f"--- app {label} ---\n{text.rstrip()}")
        if result.returncode != 0:
            print(f"FAIL: exit code {result.returncode} after {elapsed:.1f} s", file=sys.stderr)
            return 1
        print(f"smoke test: exit code 0 after {elapsed:.1f} s")
        return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dist", type=Path, default=ROOT / "dist" / EXE_NAME)
    parser.add_argument("--timeout", type=float, default=60.0)
    args = parser.parse_args(argv)
    dist = args.dist.resolve()
    exe = executable(dist)
    if not exe.is_file():
        print(f"FAIL: no built app at {exe} (run packaging/build.sh)", file=sys.stderr)
        return 1
    problems = check_contents(dist)
    for problem in problems:
        print(f"FAIL: {problem}", file=sys.stderr)
    if problems:
        return 1
    print(f"bundle contents OK: migrations, resources, Babel data in {contents_dir(dist)}")
    return run_app(exe, args.timeout)


if __name__ == "__main__":
    raise SystemExit(main())
