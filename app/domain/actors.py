"""Who is doing what: the person a session acts for, so services can check permissions and
the audit trail can say who did it.

The ``Database`` handle puts the current :class:`Actor` on every session it opens
(``session.info["actor"]``); services read it with :func:`current_actor`. A shop that has no
users yet (one person, one computer) acts as its owner, so nothing is refused and the audit
trail still records the till.
"""

from __future__ import annotations

import socket
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy.orm import Session

#: The key of the acting person in ``Session.info``.
ACTOR_KEY = "actor"


class Role(StrEnum):
    """What a person may do in the shop, from least to most (see ``ROLE_RANK``)."""

    CLERK = "clerk"  #: takes orders, receives, ships
    MANAGER = "manager"  #: also cancels, corrects stock, reorders queues, ships incomplete
    OWNER = "owner"  #: also changes settings, users and policies

    @property
    def label(self) -> str:
        return self.value.capitalize()

    def at_least(self, other: Role) -> bool:
        return ROLE_RANK[self] >= ROLE_RANK[other]


ROLE_RANK = {Role.CLERK: 0, Role.MANAGER: 1, Role.OWNER: 2}


def this_till() -> str:
    """The computer's name, which the audit trail records as the till."""
    return socket.gethostname() or "this computer"


@dataclass(frozen=True)
class Actor:
    """A signed-in person (``user_id`` set) or the shop itself before it has users."""

    name: str
    role: Role
    user_id: int | None = None
    till: str = ""

    @classmethod
    def shop_owner(cls) -> Actor:
        """Who acts when the shop has no users: the owner, on this till."""
        return cls(name="Owner", role=Role.OWNER, user_id=None, till=this_till())


def current_actor(session: Session) -> Actor:
    """The person this session acts for (the shop's owner when nobody was set)."""
    actor = session.info.get(ACTOR_KEY)
    return actor if isinstance(actor, Actor) else Actor.shop_owner()
