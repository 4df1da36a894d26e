"""Users on the command line: who a command acts as, and ``shopkeeper users ...``.

A command acts as the user named by ``--user NAME`` (the PIN from ``SHOPKEEPER_PIN``, or asked
for without echo), with that user's permissions, as in the window. Without ``--user``, a shop
that has no users acts as its owner, as before; a shop that has users lets a command change
something only on a SQLite file on this computer (whoever can open that file could change it
anyway, so the command acts as the owner and says so); on a shared server it is refused.
Commands that only read never ask, not even with ``--user``: looking is open to every role.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from collections.abc import Callable

from sqlalchemy.orm import Session

from app.db import Database
from app.domain.actors import Role
from app.domain.errors import InvalidInput
from app.services import users

#: The signing-in user's PIN, for scripts (otherwise it is asked for).
PIN_VARIABLE = "SHOPKEEPER_PIN"
#: The PIN to give a user being added or changed, for scripts (otherwise asked twice).
NEW_PIN_VARIABLE = "SHOPKEEPER_NEW_PIN"
USER_ACTIONS = ("add", "list", "set-role", "deactivate", "reactivate", "set-pin")
ROLES = [role.value for role in Role]


def add_user_option(parent: argparse.ArgumentParser, *, top_level: bool) -> None:
    parent.add_argument(
        "--user",
        metavar="NAME",
        default=None if top_level else argparse.SUPPRESS,
        help=f"act as this user (PIN from ${PIN_VARIABLE}, or asked for)",
    )


def add_users_command(
    commands: argparse._SubParsersAction[argparse.ArgumentParser],
    common: list[argparse.ArgumentParser],
) -> None:
    parser = commands.add_parser(
        "users",
        parents=common,
        help="add, list and change the people who use the tills",
        description="The shop's users. The first user added is the owner; after that only "
        f"the owner adds and changes users (--user). A new PIN comes from ${NEW_PIN_VARIABLE} "
        "or is asked for twice; a PIN is 4 to 8 digits.",
    )
    parser.add_argument("action", choices=USER_ACTIONS)
    parser.add_argument("name", nargs="?", metavar="NAME", help="the user (not for list)")
    parser.add_argument("role", nargs="?", choices=ROLES, help="for set-role")
    parser.add_argument(
        "--role",
        dest="new_role",
        choices=ROLES,
        default=Role.CLERK.value,
        help="for add: the new user's role (default clerk; the first user is always the owner)",
    )


def user_command_writes(args: argparse.Namespace) -> bool:
    return bool(args.action != "list")


def read_pin(prompt: str) -> str:
    pin = os.environ.get(PIN_VARIABLE)
    return pin if pin is not None else getpass.getpass(prompt)


def read_new_pin(name: str) -> str:
    pin = os.environ.get(NEW_PIN_VARIABLE)
    if pin is not None:
        return pin
    first = getpass.getpass(f"New PIN for {name}: ")
    if getpass.getpass("The same PIN again: ") != first:
        raise InvalidInput("The two PINs differ; nothing was changed.")
    return first


def act_as(database: Database, user: str | None, *, writes: bool, local_file: bool) -> str:
    """Set who the command acts for (``database.actor``), or refuse before anything runs.
    Returns the PIN the user signed in with ("" without ``--user``)."""
    if not writes:
        return ""  # looking is open to everyone (and the file may be open read-only)
    if user is not None:
        pin = read_pin(f"PIN for {user}: ")
        signed_in = database.run(lambda session: users.sign_in(session, user, pin))
        database.actor = signed_in.actor_or_raise()  # the wrong try was saved first
        return pin
    with database.read() as session:
        has_users = users.shop_has_users(session)
    if not has_users:
        return ""
    if not local_file:
        raise users.SignInRefused(
            "This shop has users and a shared database: give --user NAME (the PIN from "
            f"${PIN_VARIABLE}, or asked for) to change anything. Nothing was changed."
        )
    print(
        "shopkeeper: this shop has users; acting as its owner on this computer's file "
        "(give --user NAME to act as one of them).",
        file=sys.stderr,
    )
    return ""


def cmd_users(database: Database, args: argparse.Namespace, signed_in_pin: str = "") -> int:
    """``shopkeeper users ACTION [NAME] [ROLE]``."""
    if args.action == "list":
        with database.read() as session:
            rows = users.list_users(session)
        if not rows:
            print("No users: the shop acts as its owner. Add the first with 'users add NAME'.")
        for row in rows:
            state = "" if row.active else "  (deactivated)"
            print(f"{row.name}\t{row.role.label}{state}")
        return 0
    name = args.name
    if not name:
        raise InvalidInput(f"'users {args.action}' needs the user's NAME.")
    write = _user_write(args, name, database, signed_in_pin)
    saved = database.run(write)
    user = saved.user
    done = {
        "add": f"Added {user.name} ({user.role.label.lower()}).",
        "set-role": f"{user.name} is now a {user.role.value}.",
        "deactivate": f"{user.name} can no longer sign in.",
        "reactivate": f"{user.name} can sign in again.",
        "set-pin": f"{user.name}'s PIN was changed.",
    }[args.action]
    print(done)
    return 0


def _user_write(
    args: argparse.Namespace, name: str, database: Database, signed_in_pin: str
) -> Callable[[Session], users.UserSaved]:
    """The service call for one action, with every PIN read before the write starts."""
    if args.action == "add":
        pin, role = read_new_pin(name), Role(args.new_role)
        with database.read() as session:
            first = not users.shop_has_users(session)  # then refused if another till was first
        return lambda session: users.create_user(session, name, role, pin, first_only=first)
    if args.action == "set-role":
        if args.role is None:
            raise InvalidInput(f"'users set-role {name}' needs a role: {', '.join(ROLES)}.")
        role = Role(args.role)
        return lambda session: users.set_role(session, name, role)
    if args.action == "deactivate":
        return lambda session: users.deactivate_user(session, name)
    if args.action == "reactivate":
        return lambda session: users.reactivate_user(session, name)
    own = database.actor is not None and database.actor.name.casefold() == name.casefold()
    current = signed_in_pin if own else None  # your own PIN: the one you signed in with
    new_pin = read_new_pin(name)
    return lambda session: users.change_pin(session, name, new_pin, current_pin=current)
