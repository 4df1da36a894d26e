"""Another till's (or program's) changes are noticed, so the window can refresh by itself."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from app.db import Database, open_database
from app.db.changes import ChangeWatcher, token_of
from app.services.catalog import create_customer
from tests.conftest import reset_postgres

#: Generous: the watcher looks every 0.1 s here; a slow CI machine still sees it in time.
SEEN_WITHIN = 5.0


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'shop.sqlite3'}"
    server: str = request.getfixturevalue("postgres_url")
    reset_postgres(server)
    return server


@pytest.fixture
def two_tills(url: str, tmp_path: Path) -> Iterator[tuple[Database, Database]]:
    first = open_database(url, backup_dir=tmp_path / "bk")
    second = open_database(url, backup_dir=tmp_path / "bk")
    yield first, second
    first.dispose()
    second.dispose()


@pytest.fixture
def watcher(two_tills: tuple[Database, Database]) -> Iterator[ChangeWatcher]:
    mine = two_tills[0]
    watching = ChangeWatcher(mine.url, ignore=token_of(mine.engine), interval=0.1)
    watching.start()
    yield watching
    watching.stop()


def test_a_write_by_another_till_is_noticed(
    two_tills: tuple[Database, Database], watcher: ChangeWatcher
) -> None:
    _mine, other = two_tills
    assert not watcher.wait(0.5)  # nothing happened yet
    with other.write() as session:
        create_customer(session, "ANN", "Ann")
    assert watcher.wait(SEEN_WITHIN)
    assert not watcher.take()  # seen once, then forgotten


def test_a_write_that_rolls_back_is_not_news(
    two_tills: tuple[Database, Database], watcher: ChangeWatcher
) -> None:
    _mine, other = two_tills
    with pytest.raises(RuntimeError), other.write() as session:
        create_customer(session, "ANN", "Ann")
        raise RuntimeError("the clerk's till crashed halfway")
    assert not watcher.wait(1.0)


@pytest.mark.postgres
def test_a_server_till_does_not_refresh_for_its_own_writes(
    postgres_url: str, tmp_path: Path
) -> None:
    reset_postgres(postgres_url)
    mine = open_database(postgres_url, backup_dir=tmp_path / "bk")
    watching = ChangeWatcher(mine.url, ignore=token_of(mine.engine), interval=0.1)
    watching.start()
    try:
        with mine.write() as session:
            create_customer(session, "ANN", "Ann")
        assert not watching.wait(1.0)
    finally:
        watching.stop()
        mine.dispose()


def test_an_in_memory_database_has_nothing_to_watch() -> None:
    watching = ChangeWatcher("sqlite://")
    assert not watching.supported
    watching.start()  # does nothing
    watching.stop()


@pytest.fixture
def own_watcher(two_tills: tuple[Database, Database]) -> Iterator[ChangeWatcher]:
    """A watcher that, like the window's, knows which writes are its own till's."""
    watching = ChangeWatcher.for_database(two_tills[0], interval=0.1)
    watching.start()
    yield watching
    watching.stop()


def test_a_till_s_own_writes_are_not_news_but_another_till_s_still_are(
    two_tills: tuple[Database, Database], own_watcher: ChangeWatcher
) -> None:
    mine, other = two_tills
    assert not own_watcher.wait(0.5)
    with mine.write() as session:
        create_customer(session, "ANN", "Ann")
    mine.run(lambda session: create_customer(session, "BOB", "Bob"))
    assert not own_watcher.wait(1.0)  # the window announced these itself
    with other.write() as session:
        create_customer(session, "CY", "Cy")
    assert own_watcher.wait(SEEN_WITHIN)


def test_another_till_s_write_just_before_one_s_own_is_not_lost(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'shop.sqlite3'}"
    mine, other = (open_database(url, backup_dir=tmp_path / "bk") for _ in range(2))
    # The watcher looks only every 30 s: both writes fall between two of its looks.
    watching = ChangeWatcher.for_database(mine, interval=30)
    watching.start()
    try:
        assert not watching.wait(0.5)
        with other.write() as session:
            create_customer(session, "CY", "Cy")
        with mine.write() as session:
            create_customer(session, "ANN", "Ann")
        assert watching.wait(SEEN_WITHIN)
    finally:
        watching.stop()
        mine.dispose()
        other.dispose()
