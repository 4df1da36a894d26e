"""Who may do what: each permission names the least role that holds it.

Services check a permission with :func:`require` before they change anything, so a refused
action is refused the same way from the window, the CLI or a script, and the message says who
may do it. Hiding a button is only a courtesy on top.

The role checked is the user's role *now*, read from their row in the same transaction, not
the one they signed in with: an owner who demotes or deactivates someone on one till is obeyed
by every other till at its next write, not at its next sign-in. That read is one primary-key
SELECT of two columns, made once per transaction (the answer is kept for the transaction's
other checks); ``benchmarks/bench_roles.py`` measures it on ``place_order``.
"""

from __future__ import annotations

from dataclasses import replace
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain.actors import ACTOR_KEY, Actor, Role, current_actor
from app.domain.errors import ShopError
from app.domain.users import User

#: Where a session keeps (its transaction, the actor as checked in it): one read per transaction.
_CHECKED_KEY = "actor_checked"


class Permission(StrEnum):
    """An action a role may or may not take (values are stable: the audit trail stores them)."""

    PLACE_ORDER = "place_order"
    RECEIVE_STOCK = "receive_stock"
    SHIP_ORDER = "ship_order"
    EDIT_PURCHASE_ORDER = "edit_purchase_order"
    EDIT_CATALOG = "edit_catalog"
    CANCEL = "cancel"
    ADJUST_STOCK = "adjust_stock"
    REORDER_QUEUE = "reorder_queue"
    SHIP_INCOMPLETE = "ship_incomplete"
    OVERRIDE = "override"
    UNDO_RECEIPT = "undo_receipt"
    IMPORT_DATA = "import_data"
    CHANGE_SETTINGS = "change_settings"
    NOTIFY_CUSTOMERS = "notify_customers"
    MANAGE_USERS = "manage_users"

    @property
    def label(self) -> str:
        return _LABELS[self]

    @property
    def least_role(self) -> Role:
        return LEAST_ROLE[self]

    @property
    def who_may(self) -> str:
        """Who to ask, in words: "the owner", "a manager or the owner"."""
        least = self.least_role
        return "the owner" if least is Role.OWNER else f"a {least.value} or the owner"


#: The least role holding each permission (a higher role holds everything a lower one does).
LEAST_ROLE: dict[Permission, Role] = {
    Permission.PLACE_ORDER: Role.CLERK,
    Permission.RECEIVE_STOCK: Role.CLERK,
    Permission.SHIP_ORDER: Role.CLERK,
    Permission.EDIT_PURCHASE_ORDER: Role.CLERK,
    Permission.EDIT_CATALOG: Role.MANAGER,
    Permission.CANCEL: Role.MANAGER,
    Permission.ADJUST_STOCK: Role.MANAGER,
    Permission.REORDER_QUEUE: Role.MANAGER,
    Permission.SHIP_INCOMPLETE: Role.MANAGER,
    Permission.OVERRIDE: Role.MANAGER,
    Permission.UNDO_RECEIPT: Role.MANAGER,
    Permission.IMPORT_DATA: Role.MANAGER,
    Permission.CHANGE_SETTINGS: Role.OWNER,
    Permission.NOTIFY_CUSTOMERS: Role.CLERK,
    Permission.MANAGE_USERS: Role.OWNER,
}

_LABELS: dict[Permission, str] = {
    Permission.PLACE_ORDER: "take orders",
    Permission.RECEIVE_STOCK: "receive stock",
    Permission.SHIP_ORDER: "ship orders",
    Permission.EDIT_PURCHASE_ORDER: "write purchase orders",
    Permission.EDIT_CATALOG: "change products, prices, suppliers and customers",
    Permission.CANCEL: "cancel orders and purchase orders",
    Permission.ADJUST_STOCK: "correct stock",
    Permission.REORDER_QUEUE: "pin or move customers in a queue",
    Permission.SHIP_INCOMPLETE: "ship an incomplete order",
    Permission.OVERRIDE: "override a rule",
    Permission.UNDO_RECEIPT: "undo a receipt",
    Permission.IMPORT_DATA: "import data",
    Permission.CHANGE_SETTINGS: "change the shop's settings and policies",
    Permission.NOTIFY_CUSTOMERS: "send and retry messages to customers",
    Permission.MANAGE_USERS: "add and change users",
}


class NotAllowed(ShopError):
    """The signed-in person's role does not hold the permission an action needs."""

    def __init__(self, actor: Actor, permission: Permission) -> None:
        self.actor = actor
        self.permission = permission
        super().__init__(
            f"{actor.name} ({actor.role.label.lower()}) may not {permission.label}: "
            f"ask {permission.who_may} to do it."
        )


class SignedOut(ShopError):
    """The signed-in person was deactivated (on another till, say) since they signed in: the
    till must ask who is there before anything else is done."""

    def __init__(self, actor: Actor) -> None:
        self.actor = actor
        super().__init__(f"{self.who}: nothing was saved. Sign in again.")

    @property
    def who(self) -> str:
        """Who was signed out and why, without what became of a write."""
        return f"{self.actor.name} can no longer use the tills (deactivated by the owner)"


def allows(role: Role, permission: Permission) -> bool:
    return role.at_least(LEAST_ROLE[permission])


def checked_actor(session: Session) -> Actor:
    """The session's person with their role as their row says now, in this transaction.

    Raises :class:`SignedOut` if they were deactivated. A shop without users (``user_id``
    None) acts as its owner and reads nothing. An id with no row (users are never deleted, so
    only a made-up person in a test or a script has one) is taken as given. The checked actor
    replaces the session's, so the audit rows of this transaction name the role in force.
    """
    actor = current_actor(session)
    if actor.user_id is None:
        return actor
    transaction = session.get_transaction()
    kept = session.info.get(_CHECKED_KEY)
    if transaction is not None and isinstance(kept, tuple) and kept[0] is transaction:
        checked: Actor = kept[1]
        return checked
    query = select(User.role, User.active).where(User.id == actor.user_id)
    now = session.execute(query).one_or_none()
    if now is not None:
        if not now.active:
            raise SignedOut(actor)
        if now.role is not actor.role:
            actor = replace(actor, role=now.role)
            session.info[ACTOR_KEY] = actor
    session.info[_CHECKED_KEY] = (session.get_transaction(), actor)
    return actor


def require(session: Session, permission: Permission) -> Actor:
    """Refuse (``NotAllowed``, or ``SignedOut`` for a deactivated user) unless the session's
    person may do this, with the role they hold now; returns who it is."""
    actor = checked_actor(session)
    if not allows(actor.role, permission):
        raise NotAllowed(actor, permission)
    return actor
