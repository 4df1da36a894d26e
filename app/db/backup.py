"""Backups of a SQLite shop database with SQLite's online backup API (never a raw file copy)."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

#: How many automatic backups to keep per database.
KEEP_BACKUPS = 10


def backup_sqlite(source: Path, backup_dir: Path, *, label: str) -> Path:
    """Copy a live database consistently into ``backup_dir`` and prune old copies."""
    backup_dir.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S-%f")
    target = backup_dir / f"{source.stem}-{stamp}-{label}.sqlite3"
    # Written under a temporary name and renamed when complete, so an interrupted backup
    # (the app closed, the power cut) never passes for a good one or pushes one out.
    partial = target.with_name(target.name + ".partial")
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    try:
        dst = sqlite3.connect(partial)
        try:
            src.backup(dst)
        finally:
            dst.close()
    finally:
        src.close()
    partial.replace(target)
    prune_backups(backup_dir, source.stem)
    return target


def prune_backups(backup_dir: Path, stem: str, keep: int = KEEP_BACKUPS) -> None:
    backups = sorted(backup_dir.glob(f"{stem}-*.sqlite3"))
    for old in backups[:-keep]:
        old.unlink(missing_ok=True)


def backed_up_today(backup_dir: Path, stem: str) -> bool:
    today = datetime.now(UTC).strftime("%Y%m%d")
    return any(backup_dir.glob(f"{stem}-{today}-*.sqlite3"))
