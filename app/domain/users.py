"""The people who use the shop's tills: a name, a role and a PIN kept as a slow salted hash.

A PIN is short (a till is signed in to many times a day), so what protects it is the hash's
cost and the lock after a few wrong tries (``app.services.users``). The hash is
``hashlib.scrypt`` with a salt of its own per user; its cost parameters are stored with it, so
a later version can raise them and still check the PINs already stored.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime
from functools import cache

from sqlalchemy import Enum, String
from sqlalchemy.orm import Mapped, mapped_column

from app.domain.actors import Role
from app.domain.base import Base, utcnow
from app.domain.errors import InvalidInput

#: PINs are digits only, so any till's number pad types them.
PIN_MIN_DIGITS = 4
PIN_MAX_DIGITS = 8
NAME_MAX_LENGTH = 40


@dataclass(frozen=True, slots=True)
class ScryptCost:
    """scrypt's cost: ``n`` (CPU and memory, a power of two), ``r`` (block size), ``p``."""

    n: int = 2**14
    r: int = 8
    p: int = 1

    @property
    def maxmem(self) -> int:
        # scrypt needs 128 * n * r bytes; leave room above it (OpenSSL refuses at its limit).
        return 2 * 128 * self.n * self.r * self.p + 1024 * 1024


#: What new PINs are hashed with: about 16 MB and a few tens of milliseconds per check.
PIN_COST = ScryptCost()
_SCHEME = "scrypt"


def check_pin(pin: str) -> str:
    """``pin`` if it is 4 to 8 digits, or a refusal saying so plainly."""
    if not (PIN_MIN_DIGITS <= len(pin) <= PIN_MAX_DIGITS) or not pin.isascii() or not pin.isdigit():
        raise InvalidInput(
            f"A PIN is {PIN_MIN_DIGITS} to {PIN_MAX_DIGITS} digits (0-9), nothing else."
        )
    return pin


def check_name(name: str) -> str:
    """The name as it will show (spaces around it taken off), or a plain refusal."""
    cleaned = " ".join(name.split())
    if not cleaned:
        raise InvalidInput("A user needs a name.")
    if len(cleaned) > NAME_MAX_LENGTH:
        raise InvalidInput(f"A user's name is at most {NAME_MAX_LENGTH} characters.")
    return cleaned


def name_key(name: str) -> str:
    """What makes two names the same user: "ann", "Ann" and " ANN " are one person."""
    return check_name(name).casefold()


def _derive(pin: str, salt: bytes, cost: ScryptCost) -> bytes:
    return hashlib.scrypt(
        pin.encode("ascii"), salt=salt, n=cost.n, r=cost.r, p=cost.p, maxmem=cost.maxmem, dklen=32
    )


def hash_pin(pin: str, *, cost: ScryptCost = PIN_COST) -> str:
    """``scrypt$n=..,r=..,p=..$salt$hash`` (hex) for a checked PIN, with a new random salt."""
    salt = secrets.token_bytes(16)
    digest = _derive(check_pin(pin), salt, cost)
    return f"{_SCHEME}$n={cost.n},r={cost.r},p={cost.p}${salt.hex()}${digest.hex()}"


def _parse(stored: str) -> tuple[ScryptCost, bytes, bytes]:
    scheme, params, salt, digest = stored.split("$")
    if scheme != _SCHEME:
        raise ValueError(f"unknown PIN hash scheme {scheme!r}")
    values = dict(part.split("=") for part in params.split(","))
    cost = ScryptCost(n=int(values["n"]), r=int(values["r"]), p=int(values["p"]))
    return cost, bytes.fromhex(salt), bytes.fromhex(digest)


def pin_matches(pin: str, stored: str) -> bool:
    """Whether ``pin`` is the one ``stored`` was made from (a constant-time comparison)."""
    cost, salt, digest = _parse(stored)
    candidate = pin if pin.isascii() else ""
    return hmac.compare_digest(_derive(candidate, salt, cost), digest)


def needs_rehash(stored: str, cost: ScryptCost = PIN_COST) -> bool:
    """Whether a stored hash was made with less than today's cost (rehash on sign-in)."""
    return _parse(stored)[0] != cost


@cache
def dummy_pin_hash() -> str:
    """Checked against when the name is unknown, so an unknown name takes as long as a wrong
    PIN (made once, on the first sign-in, not at import: it costs as much as a check)."""
    return hash_pin("0000")


def _role_enum() -> Enum:
    return Enum(
        Role,
        name="user_role",
        native_enum=False,
        validate_strings=True,
        length=20,
        values_callable=lambda e: [m.value for m in e],
    )


class User(Base):
    """A person who signs in at the tills. Never deleted: the audit trail names them."""

    __tablename__ = "shop_user"  # "user" is a reserved word in PostgreSQL

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(NAME_MAX_LENGTH))
    #: ``name_key(name)``: unique, so two users never differ by case alone.
    name_key: Mapped[str] = mapped_column(String(NAME_MAX_LENGTH), unique=True)
    role: Mapped[Role] = mapped_column(_role_enum())
    pin_hash: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: Wrong PINs in a row since the last good one; stored so every till counts the same.
    failed_tries: Mapped[int] = mapped_column(default=0)
    #: Until when sign-in is refused after too many wrong PINs (None: not locked).
    locked_until: Mapped[datetime | None] = mapped_column(default=None)
