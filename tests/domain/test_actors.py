"""The acting person travels on the session, and a shop without users acts as its owner."""

from __future__ import annotations

from app.db import Database
from app.domain.actors import Actor, Role, current_actor


def test_a_session_without_an_actor_acts_as_the_owner(db: Database) -> None:
    with db.read() as session:
        actor = current_actor(session)
    assert actor.role is Role.OWNER and actor.user_id is None and actor.till


def test_the_database_puts_its_actor_on_every_session(db: Database) -> None:
    db.actor = Actor(name="Ann", role=Role.CLERK, user_id=3, till="till-1")
    with db.write() as session:
        assert current_actor(session) == db.actor
    assert db.run(current_actor) == db.actor
    with db.read() as session:
        assert current_actor(session).name == "Ann"


def test_roles_are_ranked() -> None:
    assert Role.OWNER.at_least(Role.MANAGER) and Role.MANAGER.at_least(Role.CLERK)
    assert not Role.CLERK.at_least(Role.MANAGER)
