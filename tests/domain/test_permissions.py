"""Each permission belongs to its least role and every role above it; a refusal says who may."""

from __future__ import annotations

import pytest

from app.db import Database
from app.domain.actors import Actor, Role
from app.domain.permissions import LEAST_ROLE, NotAllowed, Permission, allows, require


def test_every_permission_has_a_least_role_and_a_label() -> None:
    assert set(LEAST_ROLE) == set(Permission)
    assert all(permission.label for permission in Permission)


@pytest.mark.parametrize("permission", list(Permission))
@pytest.mark.parametrize("role", list(Role))
def test_a_role_holds_a_permission_from_its_least_role_up(
    role: Role, permission: Permission
) -> None:
    assert allows(role, permission) == role.at_least(permission.least_role)


def test_clerks_sell_receive_and_ship_but_may_not_cancel_or_change_settings() -> None:
    assert allows(Role.CLERK, Permission.PLACE_ORDER)
    assert allows(Role.CLERK, Permission.RECEIVE_STOCK)
    assert not allows(Role.CLERK, Permission.CANCEL)
    assert not allows(Role.MANAGER, Permission.CHANGE_SETTINGS)
    assert allows(Role.OWNER, Permission.MANAGE_USERS)


def test_a_refusal_names_who_may_do_it(db: Database) -> None:
    db.actor = Actor(name="Ann", role=Role.CLERK, user_id=1)
    with db.read() as session, pytest.raises(NotAllowed) as refused:
        require(session, Permission.CANCEL)
    assert str(refused.value) == (
        "Ann (clerk) may not cancel orders and purchase orders:"
        " ask a manager or the owner to do it."
    )
    with db.read() as session:
        assert require(session, Permission.PLACE_ORDER).name == "Ann"


def test_a_clerk_may_retry_customer_messages_but_only_the_owner_edits_their_wording() -> None:
    assert allows(Role.CLERK, Permission.NOTIFY_CUSTOMERS)
    assert not allows(Role.MANAGER, Permission.CHANGE_SETTINGS)
