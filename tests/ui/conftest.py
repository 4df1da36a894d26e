"""Shared by the window tests: no background read or write outlives its test."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator

import pytest

from app.db import Database
from app.db.opening import sqlite_path
from app.ui.background import reads_under_way
from app.ui.gui_collector import GuiThreadCollector
from app.ui.writing import writes_under_way
from tests.ui.shop_data import Shop, build_shop


def wait_for_saves(qtbot) -> None:
    """Let every write under way (``app.ui.writing``) finish and deliver its outcome: a
    dialog's save runs off the GUI thread, so a test waits before looking at the result."""
    qtbot.waitUntil(lambda: writes_under_way() == 0, timeout=15000)


def hold_write_lock(database: Database) -> sqlite3.Connection:
    """Another program takes the shop file's write lock (and keeps it until closed)."""
    path = sqlite_path(database.url)
    assert path is not None
    other = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")
    return other


@pytest.fixture
def gui_thread_collector(qapp) -> Iterator[GuiThreadCollector]:
    """Cycles are collected on the GUI thread only, as in the app (``app.ui.gui_collector``):
    a background read's thread must never finalise a test's Qt objects."""
    collector = GuiThreadCollector(qapp)
    yield collector
    collector.stop()
    collector.deleteLater()


@pytest.fixture(autouse=True)
def background_work_ends(qtbot, gui_thread_collector: GuiThreadCollector) -> Iterator[None]:
    """A dialog reads who waits and saves off the GUI thread; let anything still running
    report back before the next test, so tests stay independent."""
    yield
    wait_for_saves(qtbot)
    qtbot.waitUntil(lambda: reads_under_way() == 0, timeout=5000)


@pytest.fixture
def shop(sqlite_db: Database) -> Shop:
    """The small shop of ``shop_data.build_shop`` (a test module may build its own)."""
    return build_shop(sqlite_db)
