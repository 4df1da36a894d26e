"""Fixtures of the service tests (a module with a shop of its own defines its own ``shop``)."""

from __future__ import annotations

import pytest

from app.db import Database
from tests.services.shop import make_shop


@pytest.fixture
def shop(db: Database) -> Database:
    """The standard small shop of :func:`tests.services.shop.make_shop`."""
    make_shop(db)
    return db
