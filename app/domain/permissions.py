"""Who may do what: each permission names the least role that holds it.

Services check a permission with :func:`require` before they change anything, so a refused
action is refused the same way from the window, the CLI or a script, and the message says who
may do it. Hiding a button is only a courtesy on top.
"""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy.orm import Session

from app.domain.actors import Actor, Role, current_actor
from app.domain.errors import ShopError


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


def allows(role: Role, permission: Permission) -> bool:
    return role.at_least(LEAST_ROLE[permission])


def require(session: Session, permission: Permission) -> Actor:
    """Refuse (``NotAllowed``) unless the session's person may do this; returns who it is."""
    actor = current_actor(session)
    if not allows(actor.role, permission):
        raise NotAllowed(actor, permission)
    return actor
