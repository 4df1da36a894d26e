"""Users: the first is the owner, later ones need an owner, the shop always keeps an active
owner, and sign-in refuses wrong PINs alike and locks a user after a few in a row."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.db import Database
from app.domain.actors import Actor, Role
from app.domain.base import utcnow
from app.domain.errors import Duplicate, InvalidInput, InvalidTransition, NotFound
from app.domain.permissions import NotAllowed
from app.domain.users import User
from app.services.users import (
    LOCK_AFTER_WRONG_TRIES,
    WRONG_NAME_OR_PIN,
    SignInRefused,
    UserRow,
    change_pin,
    create_user,
    deactivate_user,
    list_users,
    reactivate_user,
    set_role,
    shop_has_users,
    sign_in,
)


def _sign_in(db: Database, name: str, pin: str) -> Actor:
    result = db.run(lambda session: sign_in(session, name, pin))
    return result.actor_or_raise()


def _as(db: Database, name: str, pin: str) -> Database:
    db.actor = _sign_in(db, name, pin)
    return db


@pytest.fixture
def staffed(db: Database) -> Database:
    """Owner Olga (PIN 1111), manager Max (2222) and clerk Cleo (3333), acting as Olga."""
    with db.write() as session:
        create_user(session, "Olga", Role.OWNER, "1111")
    _as(db, "Olga", "1111")
    with db.write() as session:
        create_user(session, "Max", Role.MANAGER, "2222")
        create_user(session, "Cleo", Role.CLERK, "3333")
    return db


def _users(db: Database) -> list[UserRow]:
    with db.read() as session:
        return list_users(session)


def test_a_new_shop_has_no_users_and_its_first_user_is_the_owner_whatever_was_asked(
    db: Database,
) -> None:
    with db.read() as session:
        assert not shop_has_users(session)
    with db.write() as session:
        saved = create_user(session, "Cleo", Role.CLERK, "1234")
    assert saved.user.role is Role.OWNER
    with db.read() as session:
        assert shop_has_users(session)
    assert _users(db) == [UserRow(saved.user.id, "Cleo", Role.OWNER, True)]


def test_later_users_are_added_only_by_the_owner(staffed: Database) -> None:
    assert [(u.name, u.role) for u in _users(staffed)] == [
        ("Cleo", Role.CLERK),
        ("Max", Role.MANAGER),
        ("Olga", Role.OWNER),
    ]
    _as(staffed, "Max", "2222")
    with staffed.write() as session, pytest.raises(NotAllowed, match="ask the owner"):
        create_user(session, "Zed", Role.CLERK, "4444")


def test_names_are_unique_whatever_their_case(staffed: Database) -> None:
    with staffed.write() as session, pytest.raises(Duplicate, match="already a user called"):
        create_user(session, " max ", Role.CLERK, "4444")


def test_a_bad_pin_or_name_adds_nobody(staffed: Database) -> None:
    with staffed.write() as session, pytest.raises(InvalidInput, match="4 to 8 digits"):
        create_user(session, "Zed", Role.CLERK, "12")
    with staffed.write() as session, pytest.raises(InvalidInput, match="needs a name"):
        create_user(session, "  ", Role.CLERK, "1234")
    assert len(_users(staffed)) == 3


def test_sign_in_gives_the_users_role_whatever_the_case_of_the_name(staffed: Database) -> None:
    actor = _sign_in(staffed, "cLEO", "3333")
    assert (actor.name, actor.role) == ("Cleo", Role.CLERK)
    assert actor.user_id is not None


@pytest.mark.parametrize(("name", "pin"), [("Cleo", "9999"), ("Nobody", "3333"), ("", "3333")])
def test_a_wrong_pin_and_an_unknown_name_get_the_same_message(
    staffed: Database, name: str, pin: str
) -> None:
    with pytest.raises(SignInRefused) as refused:
        _sign_in(staffed, name, pin)
    assert str(refused.value) == WRONG_NAME_OR_PIN


def test_a_few_wrong_pins_in_a_row_lock_the_user_for_every_till(staffed: Database) -> None:
    for _ in range(LOCK_AFTER_WRONG_TRIES - 1):
        with pytest.raises(SignInRefused, match="do not match"):
            _sign_in(staffed, "Cleo", "0000")
    _sign_in(staffed, "Cleo", "3333")  # a good PIN starts the count again
    for _ in range(LOCK_AFTER_WRONG_TRIES):
        with pytest.raises(SignInRefused, match="do not match"):
            _sign_in(staffed, "Cleo", "0000")
    # Locked: even the right PIN is refused, from this or any other till (the row says so).
    with pytest.raises(SignInRefused, match=r"Too many wrong PINs for Cleo: try again in \d+ s"):
        _sign_in(staffed, "Cleo", "3333")
    _sign_in(staffed, "Max", "2222")  # only Cleo is locked
    with staffed.write() as session:
        cleo = session.scalars(select(User).where(User.name == "Cleo")).one()
        cleo.locked_until = utcnow() - timedelta(seconds=1)  # the minute has passed
    assert _sign_in(staffed, "Cleo", "3333").name == "Cleo"


def test_the_owner_resetting_a_pin_lifts_the_lock(staffed: Database) -> None:
    for _ in range(LOCK_AFTER_WRONG_TRIES):
        with pytest.raises(SignInRefused):
            _sign_in(staffed, "Cleo", "0000")
    with staffed.write() as session:
        change_pin(session, "Cleo", "5555")
    assert _sign_in(staffed, "Cleo", "5555").role is Role.CLERK


def test_a_user_changes_their_own_pin_with_the_current_one(staffed: Database) -> None:
    _as(staffed, "Cleo", "3333")
    with staffed.write() as session, pytest.raises(SignInRefused, match="not your current PIN"):
        change_pin(session, "Cleo", "7777", current_pin="0000")
    with staffed.write() as session:
        change_pin(session, "Cleo", "7777", current_pin="3333")
    assert _sign_in(staffed, "Cleo", "7777").name == "Cleo"
    with pytest.raises(SignInRefused):
        _sign_in(staffed, "Cleo", "3333")


def test_a_clerk_may_not_change_someone_elses_pin(staffed: Database) -> None:
    _as(staffed, "Cleo", "3333")
    with staffed.write() as session, pytest.raises(NotAllowed, match="add and change users"):
        change_pin(session, "Max", "7777", current_pin="2222")


def test_a_deactivated_user_cannot_sign_in_until_reactivated(staffed: Database) -> None:
    with staffed.write() as session:
        deactivate_user(session, "Max")
    with pytest.raises(SignInRefused) as refused:
        _sign_in(staffed, "Max", "2222")
    assert str(refused.value) == WRONG_NAME_OR_PIN
    assert [u.active for u in _users(staffed) if u.name == "Max"] == [False]
    with staffed.write() as session:
        reactivate_user(session, "max")
    assert _sign_in(staffed, "Max", "2222").role is Role.MANAGER


def test_the_shop_never_loses_its_last_active_owner(staffed: Database) -> None:
    with staffed.write() as session, pytest.raises(InvalidTransition, match="only owner"):
        deactivate_user(session, "Olga")
    with staffed.write() as session, pytest.raises(InvalidTransition, match="only owner"):
        set_role(session, "Olga", Role.MANAGER)
    with staffed.write() as session:
        set_role(session, "Max", Role.OWNER)
    with staffed.write() as session:
        deactivate_user(session, "Olga")  # Max owns the shop now
    assert {u.name: (u.role, u.active) for u in _users(staffed)}["Olga"] == (Role.OWNER, False)


def test_only_the_owner_changes_roles_and_deactivates(staffed: Database) -> None:
    _as(staffed, "Max", "2222")
    with staffed.write() as session, pytest.raises(NotAllowed):
        set_role(session, "Cleo", Role.MANAGER)
    with staffed.write() as session, pytest.raises(NotAllowed):
        deactivate_user(session, "Cleo")
    staffed.actor = None  # the owner on this till
    with staffed.write() as session, pytest.raises(NotFound, match="no user called 'Zed'"):
        set_role(session, "Zed", Role.CLERK)
