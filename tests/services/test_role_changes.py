"""A change of role or a deactivation takes effect at every till at once: the next service call
checks the user's row as it is now, not the role they signed in with.

Two ``Database`` handles on one database are two tills: the owner changes a user on one, the
user's own till obeys at its next write.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest
from sqlalchemy import event, select
from sqlalchemy.engine import Connection

from app.db import Database
from app.domain import SalesOrder
from app.domain.actors import Role, current_actor
from app.domain.audit import AuditEvent
from app.domain.permissions import NotAllowed, Permission, SignedOut, require
from app.services import cancelling, users
from tests.services.shop import make_shop, order


@pytest.fixture
def tills(db: Database) -> Iterator[tuple[Database, Database]]:
    """(the owner's till, signed in as Olga; Max's till, signed in as Max, a manager), on a
    shop where ANN waits for a WIDGET (SO-1) and BOB for a GADGET (SO-2)."""
    make_shop(db)
    order(db, "ANN", ("WIDGET", 1), ref="SO-1")
    order(db, "BOB", ("GADGET", 1), ref="SO-2")
    with db.write() as session:
        users.create_user(session, "Olga", Role.OWNER, "1111")
    db.actor = db.run(lambda s: users.sign_in(s, "Olga", "1111")).actor_or_raise()
    with db.write() as session:
        users.create_user(session, "Max", Role.MANAGER, "2222")
    other = Database(db.url)
    other.actor = other.run(lambda s: users.sign_in(s, "Max", "2222")).actor_or_raise()
    yield db, other
    other.dispose()


def _status(db: Database, ref: str) -> str:
    with db.read() as session:
        status = session.scalar(select(SalesOrder.status).where(SalesOrder.ref == ref))
    assert status is not None
    return status.value


def test_a_manager_demoted_on_another_till_is_refused_at_the_next_call(
    tills: tuple[Database, Database],
) -> None:
    owner, max_till = tills
    with max_till.write() as session:
        cancelling.cancel_order(session, "SO-1")  # a manager's, while Max is one
    with owner.write() as session:
        users.set_role(session, "Max", Role.CLERK)
    assert max_till.actor is not None and max_till.actor.role is Role.MANAGER  # as signed in
    with max_till.write() as session, pytest.raises(NotAllowed) as refused:
        cancelling.cancel_order(session, "SO-2")
    assert str(refused.value).startswith("Max (clerk) may not cancel orders")
    assert refused.value.actor.role is Role.CLERK  # the window regreys its menus from this
    assert _status(owner, "SO-2") == "backordered"  # nothing was done


def test_a_clerk_promoted_on_another_till_may_act_at_once(
    tills: tuple[Database, Database],
) -> None:
    owner, max_till = tills
    with owner.write() as session:
        users.set_role(session, "Max", Role.CLERK)
    with max_till.write() as session, pytest.raises(NotAllowed):
        cancelling.cancel_order(session, "SO-2")
    with owner.write() as session:
        users.set_role(session, "Max", Role.MANAGER)
    with max_till.write() as session:
        cancelling.cancel_order(session, "SO-2")
    assert _status(owner, "SO-2") == "cancelled"


def test_a_deactivated_user_is_signed_out_at_the_next_call_and_nothing_is_saved(
    tills: tuple[Database, Database],
) -> None:
    owner, max_till = tills
    with owner.write() as session:
        users.deactivate_user(session, "Max")
    with max_till.write() as session, pytest.raises(SignedOut) as refused:
        cancelling.cancel_order(session, "SO-2")
    assert str(refused.value) == (
        "Max can no longer use the tills (deactivated by the owner): nothing was saved. "
        "Sign in again."
    )
    assert _status(owner, "SO-2") == "backordered"
    # Even what a clerk may do: a deactivated user does nothing at all.
    with pytest.raises(SignedOut):
        order(max_till, "ANN", ("WIDGET", 1), ref="SO-9")


def test_the_audit_trail_names_the_role_in_force(tills: tuple[Database, Database]) -> None:
    owner, max_till = tills
    with owner.write() as session:
        users.set_role(session, "Max", Role.CLERK)
    order(max_till, "ANN", ("WIDGET", 1), ref="SO-9")
    with owner.read() as session:
        roles = session.scalars(select(AuditEvent.role).where(AuditEvent.order_ref == "SO-9")).all()
    assert roles and set(roles) == {"clerk"}


def test_the_row_is_read_once_per_transaction(tills: tuple[Database, Database]) -> None:
    _owner, max_till = tills
    reads: list[str] = []

    def count(_conn: Connection, _cursor: object, statement: str, *_args: object) -> None:
        if "FROM shop_user" in statement:
            reads.append(statement)

    event.listen(max_till.engine, "before_cursor_execute", count)
    try:
        with max_till.write() as session:
            require(session, Permission.CANCEL)
            require(session, Permission.SHIP_INCOMPLETE)
            assert current_actor(session).role is Role.MANAGER
        assert len(reads) == 1
        with max_till.write() as session:
            require(session, Permission.CANCEL)
        assert len(reads) == 2  # a new transaction reads it again
    finally:
        event.remove(max_till.engine, "before_cursor_execute", count)


def test_a_shop_without_users_reads_nothing(db: Database) -> None:
    reads: list[str] = []

    def count(_conn: Connection, _cursor: object, statement: str, *_args: object) -> None:
        reads.append(statement)

    with db.write() as session:
        event.listen(db.engine, "before_cursor_execute", count)
        try:
            assert require(session, Permission.CHANGE_SETTINGS).role is Role.OWNER
        finally:
            event.remove(db.engine, "before_cursor_execute", count)
    assert reads == []


def test_two_tills_adding_the_first_user_at_once_make_one_owner(db: Database) -> None:
    """Till A adds Olga as the first user and holds its transaction open; till B, which also
    saw no users, adds Bea meanwhile: B waits for A (PostgreSQL: the advisory lock; SQLite:
    one writer at a time), then sees Olga and is refused with a message saying so."""
    a, b = db, Database(db.url)
    b_started = threading.Event()
    outcome: list[BaseException | users.UserSaved] = []

    def till_b() -> None:
        b_started.set()
        try:
            outcome.append(
                b.run(lambda s: users.create_user(s, "Bea", Role.OWNER, "2222", first_only=True))
            )
        except BaseException as error:
            outcome.append(error)

    thread = threading.Thread(target=till_b)
    try:
        with a.write() as session:
            users.create_user(session, "Olga", Role.OWNER, "1111", first_only=True)
            thread.start()
            b_started.wait()
            time.sleep(0.3)  # B's own read would now see no users, were it not held off
        thread.join()
    finally:
        b.dispose()
    assert len(outcome) == 1 and isinstance(outcome[0], users.OwnerJustCreated)
    assert str(outcome[0]).startswith("An owner was just created on another till: sign in")
    with db.read() as session:
        assert [(u.name, u.role) for u in users.list_users(session)] == [("Olga", Role.OWNER)]


def test_the_first_user_without_a_race_is_the_owner_and_later_ones_need_one(
    db: Database,
) -> None:
    with db.write() as session:
        users.create_user(session, "Olga", Role.CLERK, "1111", first_only=True)
    with db.write() as session, pytest.raises(users.OwnerJustCreated):
        users.create_user(session, "Bea", Role.OWNER, "2222", first_only=True)
    with db.read() as session:
        assert [(u.name, u.role) for u in users.list_users(session)] == [("Olga", Role.OWNER)]
