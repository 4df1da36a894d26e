"""Document references: checking one given, or the next free one with a prefix (SO-000001)."""

from __future__ import annotations

import zlib

from sqlalchemy import func, select, text
from sqlalchemy.orm import InstrumentedAttribute, Session

from app.domain.errors import Duplicate, InvalidInput

#: First key of the advisory locks that serialize document numbering ("SH" for Shopkeeper).
_REF_LOCK_SPACE = 0x5348


def next_free_ref(
    session: Session,
    id_column: InstrumentedAttribute[int],
    ref_column: InstrumentedAttribute[str],
    prefix: str,
    digits: int,
) -> str:
    """The next free reference `prefix` + a zero-padded number, starting after the highest id.

    On PostgreSQL, numbering with a prefix is first locked for the rest of the transaction
    (an advisory lock), so two tills creating documents at once number them one after the
    other instead of both taking the same number (held to the end of the transaction: an
    order numbers after locking its balances, a purchase order before locking them, and no
    service numbers a PO while holding balances, so this adds no deadlock). ``Database.run``
    still retries a collision with a number given by hand or taken outside this function.
    """
    if session.get_bind().dialect.name == "postgresql":
        key = zlib.crc32(prefix.encode()) - 2**31  # a signed 32-bit key per prefix
        session.execute(
            text("SELECT pg_advisory_xact_lock(:space, :key)"),
            {"space": _REF_LOCK_SPACE, "key": key},
        )
    highest = session.scalar(select(func.max(id_column))) or 0
    ref = f"{prefix}{highest + 1:0{digits}d}"
    while session.scalar(select(id_column).where(ref_column == ref)) is not None:
        highest += 1
        ref = f"{prefix}{highest + 1:0{digits}d}"
    return ref


def checked_ref(
    session: Session,
    ref: str,
    ref_column: InstrumentedAttribute[str],
    document: str,
    *,
    max_length: int | None = None,
) -> str:
    """A reference given for a new ``document`` ("order"), stripped; refused when empty,
    longer than ``max_length`` (if given) or already used."""
    ref = ref.strip()
    what = document.capitalize()
    if not ref:
        raise InvalidInput(f"{what} reference is empty")
    if max_length is not None and len(ref) > max_length:
        raise InvalidInput(f"{what} reference is longer than {max_length} characters")
    if session.scalar(select(ref_column).where(ref_column == ref)) is not None:
        article = "An" if document[0] in "aeiou" else "A"
        raise Duplicate(f"{article} {document} with reference {ref} already exists")
    return ref
