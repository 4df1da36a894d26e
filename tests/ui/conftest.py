"""Shared by the window tests: no background read outlives its test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from app.ui.background import reads_under_way


@pytest.fixture(autouse=True)
def background_reads_end(qtbot) -> Iterator[None]:
    """A dialog reads who waits off the GUI thread; let any read still running report back
    (and be dropped) before the next test, so tests stay independent."""
    yield
    qtbot.waitUntil(lambda: reads_under_way() == 0, timeout=5000)
