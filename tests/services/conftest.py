"""Fixtures of the service tests (a module with a shop of its own defines its own ``shop``)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

import pytest

from app.db import Database
from tests.services.shop import make_shop


@pytest.fixture
def shop(db: Database) -> Database:
    """The standard small shop of :func:`tests.services.shop.make_shop`."""
    make_shop(db)
    return db


@pytest.fixture
def time_zone(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[str], None]]:
    """Set the computer's time zone (``TZ``) for the test: reports count the shop's local
    days by it. UTC until set; the zone before the test is put back after it."""
    if not hasattr(time, "tzset"):
        pytest.skip("the time zone cannot be changed in-process here")

    def set_zone(name: str) -> None:
        monkeypatch.setenv("TZ", name)
        time.tzset()

    set_zone("UTC")
    yield set_zone
    monkeypatch.undo()
    time.tzset()
