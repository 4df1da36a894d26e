"""Users and sign-in: who may use the tills, with which role, and checking their PINs.

A shop starts with no users and acts as its owner (one person, one computer). The first user
added is always the owner, whatever role was asked for: the shop must never lock out the one
person who may manage it, and later users need the ``MANAGE_USERS`` permission. For the same
reason no change may leave the shop without an active owner.

Wrong PINs are counted on the user's row, so every till sees the same count: after
:data:`LOCK_AFTER_WRONG_TRIES` in a row that user is locked for :data:`LOCK_FOR`. A wrong PIN
and an unknown name give the same message and take the same time. Sign-in never raises for a
wrong PIN: it returns a :class:`SignIn` whose count of wrong tries the caller commits, then
calls :meth:`SignIn.actor_or_raise`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from app.domain.actors import Actor, Role, current_actor, this_till
from app.domain.base import utcnow
from app.domain.errors import Duplicate, InvalidInput, InvalidTransition, NotFound, ShopError
from app.domain.permissions import Permission, require
from app.domain.users import (
    User,
    check_name,
    check_pin,
    dummy_pin_hash,
    hash_pin,
    name_key,
    needs_rehash,
    pin_matches,
)
from app.services.audit import record_event
from app.services.changes import Area, Changes

#: Wrong PINs in a row before the user is locked for a while.
LOCK_AFTER_WRONG_TRIES = 5
#: How long a locked user waits: long enough to stop guessing 10,000 PINs, short enough that a
#: clerk who mistyped does not need the owner.
LOCK_FOR = timedelta(minutes=1)
WRONG_NAME_OR_PIN = "That name and PIN do not match. Try again."
#: The PostgreSQL advisory lock that lets one till at a time add a user ("SH", "US").
_USERS_LOCK = {"space": 0x5348, "key": 0x5553}


class SignInRefused(ShopError):
    """A wrong PIN, an unknown or deactivated name, or a user locked after wrong tries."""


class OwnerJustCreated(InvalidTransition):
    """Two tills added the shop's first user at once: the other one's came first."""

    def __init__(self) -> None:
        super().__init__(
            "An owner was just created on another till: sign in as them (nothing was added "
            "here; they can add you)."
        )


@dataclass(frozen=True, slots=True)
class UserRow:
    """A user as lists show them (plain values, never the ORM object)."""

    id: int
    name: str
    role: Role
    active: bool


@dataclass(frozen=True, slots=True)
class UserSaved:
    """What a change to a user reports to the window."""

    user: UserRow
    changes: Changes


@dataclass(frozen=True, slots=True)
class SignIn:
    """The outcome of a sign-in: who signed in, or why not (the wrong try is stored either
    way, so commit before acting on a refusal)."""

    actor: Actor | None
    refusal: str
    changes: Changes

    def actor_or_raise(self) -> Actor:
        if self.actor is None:
            raise SignInRefused(self.refusal)
        return self.actor


def _row(user: User) -> UserRow:
    return UserRow(user.id, user.name, user.role, user.active)


def _saved(user: User) -> UserSaved:
    return UserSaved(_row(user), Changes.of(Area.SETTINGS))


def shop_has_users(session: Session) -> bool:
    """Whether anyone has been added (until then the shop acts as its owner, no sign-in)."""
    return session.scalar(select(User.id).limit(1)) is not None


def list_users(session: Session, *, include_inactive: bool = True) -> list[UserRow]:
    """Every user by name (deactivated ones too unless asked not to)."""
    query = select(User).order_by(User.name_key)
    if not include_inactive:
        query = query.where(User.active)
    return [_row(user) for user in session.scalars(query)]


def _find(session: Session, name: str) -> User | None:
    return session.scalars(select(User).where(User.name_key == name_key(name))).one_or_none()


def _get(session: Session, name: str) -> User:
    user = _find(session, name)
    if user is None:
        raise NotFound(f"There is no user called {check_name(name)!r}.")
    return user


def _managed(session: Session, name: str) -> User:
    """The user called ``name``, for a change only a manager of users may make."""
    require(session, Permission.MANAGE_USERS)
    return _get(session, name)


def _one_till_at_a_time(session: Session) -> None:
    """Hold off any other till adding a user until this transaction ends, so "no users yet"
    read after it is still true when the first user is written: two tills adding the first
    user at once would both make an owner. PostgreSQL: a transaction-level advisory lock
    (READ COMMITTED, so the read after it sees the other till's committed user). SQLite: the
    app's writes already begin IMMEDIATE, one writer at a time."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:space, :key)"), _USERS_LOCK)


def create_user(
    session: Session, name: str, role: Role, pin: str, *, first_only: bool = False
) -> UserSaved:
    """Add a user. The shop's first user is its owner whatever ``role`` says; later ones may
    only be added by someone who may manage users. ``first_only``: the caller saw no users
    and adds the first (the owner): if another till added one meanwhile, refuse
    (``OwnerJustCreated``) rather than make a second owner nobody asked for."""
    _one_till_at_a_time(session)
    first = not shop_has_users(session)
    if first_only and not first:
        raise OwnerJustCreated
    if not first:
        require(session, Permission.MANAGE_USERS)
    cleaned = check_name(name)
    check_pin(pin)
    if _find(session, cleaned) is not None:
        raise Duplicate(f"There is already a user called {cleaned!r}: choose another name.")
    user = User(
        name=cleaned,
        name_key=name_key(cleaned),
        role=Role.OWNER if first else role,
        pin_hash=hash_pin(pin),
        active=True,
        created_at=utcnow(),
    )
    session.add(user)
    session.flush()
    return _saved(user)


def change_pin(
    session: Session, name: str, new_pin: str, *, current_pin: str | None = None
) -> UserSaved:
    """A user changes their own PIN (giving the current one), or someone who may manage
    users sets anyone's (a forgotten PIN). A new PIN also lifts a lock."""
    user = _get(session, name)
    actor = current_actor(session)
    own = actor.user_id == user.id
    if not own or current_pin is None:
        require(session, Permission.MANAGE_USERS)
    elif not pin_matches(current_pin, user.pin_hash):
        raise SignInRefused("That is not your current PIN: your PIN was not changed.")
    user.pin_hash = hash_pin(check_pin(new_pin))
    user.failed_tries = 0
    user.locked_until = None
    return _saved(user)


def _active_owners(session: Session) -> int:
    query = select(func.count(User.id)).where(User.active, User.role == Role.OWNER)
    return session.scalar(query) or 0


def _keep_an_owner(session: Session, user: User, *, change: str) -> None:
    if user.active and user.role is Role.OWNER and _active_owners(session) <= 1:
        raise InvalidTransition(
            f"{user.name} is the shop's only owner: make someone else the owner before you "
            f"{change}."
        )


def set_role(session: Session, name: str, role: Role) -> UserSaved:
    user = _managed(session, name)
    if role is not Role.OWNER:
        _keep_an_owner(session, user, change=f"make {user.name} a {role.value}")
    user.role = role
    return _saved(user)


def deactivate_user(session: Session, name: str) -> UserSaved:
    """Stop a user signing in (they stay in the history). Never the last active owner."""
    user = _managed(session, name)
    _keep_an_owner(session, user, change=f"deactivate {user.name}")
    user.active = False
    return _saved(user)


def reactivate_user(session: Session, name: str) -> UserSaved:
    user = _managed(session, name)
    user.active = True
    user.failed_tries = 0
    user.locked_until = None
    return _saved(user)


def sign_in(session: Session, name: str, pin: str) -> SignIn:
    """Check a name and PIN; the :class:`Actor` to act as, or the refusal to show.

    Locks the user's row so two tills counting wrong tries at once both count."""
    try:
        key = name_key(name)
    except InvalidInput:
        key = ""
    user = session.scalars(select(User).where(User.name_key == key).with_for_update()).one_or_none()
    now = utcnow()
    if user is None or not user.active:
        pin_matches(pin, dummy_pin_hash())  # the same time as a wrong PIN
        return SignIn(None, WRONG_NAME_OR_PIN, Changes())
    if user.locked_until is not None and user.locked_until > now:
        seconds = max(1, round((user.locked_until - now).total_seconds()))
        return SignIn(
            None,
            f"Too many wrong PINs for {user.name}: try again in {seconds} seconds, or ask the "
            "owner to reset the PIN.",
            Changes(),
        )
    if not pin_matches(pin, user.pin_hash):
        record_event(
            session,
            "sign-in refused",
            f"Wrong PIN for {user.name}",
            entity="shop_user",
            entity_id=user.id,
            actor=Actor(name=user.name, role=user.role, user_id=user.id, till=this_till()),
        )
        user.failed_tries += 1
        if user.failed_tries >= LOCK_AFTER_WRONG_TRIES:
            user.failed_tries = 0
            user.locked_until = now + LOCK_FOR
        return SignIn(None, WRONG_NAME_OR_PIN, Changes())
    user.failed_tries = 0
    user.locked_until = None
    if needs_rehash(user.pin_hash):
        user.pin_hash = hash_pin(pin)
    actor = Actor(name=user.name, role=user.role, user_id=user.id, till=this_till())
    record_event(
        session,
        "signed in",
        f"{user.name} signed in",
        entity="shop_user",
        entity_id=user.id,
        actor=actor,
    )
    return SignIn(actor, "", Changes())
