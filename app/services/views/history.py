"""The History view's read queries: the audit trail, filtered, sorted and paged in SQL.

Filters: who (the person's name, any case), a document (an order or purchase order ref), a
product (its code or barcode), what was done, and a range of the shop's local days. Newest
first by default. Each row carries the changed columns as words a shop owner reads
("backordered 3 → 0"), from the JSON the audit trail stores. No Qt.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, cast

from sqlalchemy import ColumnElement, Select, func, or_, select
from sqlalchemy.orm import Session

from app.domain import Product
from app.domain.audit import AuditEvent
from app.services import formatting
from app.services.audit import column_word, entity_label
from app.services.reports.periods import day_start
from app.services.views.common import COUNT_CAP, Count, _capped_count, _ordered
from app.services.views.order_receipts import RECEIVED, ReceiptGift, receipt_allocations


@dataclass(frozen=True, slots=True)
class FieldChange:
    """One column of a record: its name in words and its value before and after (as text;
    empty when the record was added or removed)."""

    field: str
    before: str
    after: str


@dataclass(frozen=True, slots=True)
class HistoryRow:
    event_id: int
    at: datetime
    user: str
    role: str
    till: str
    action: str
    what: str  #: the kind of record, in words ("Order line")
    document: str  #: the order or PO ref, or ""
    product: str  #: the product's code, or ""
    summary: str
    changes: tuple[FieldChange, ...]

    def changes_text(self) -> str:
        """ "backordered 3 → 0; allocated 0 → 3" (added records: "price 9.50; ...")."""
        return "; ".join(_change_text(change) for change in self.changes)


@dataclass(frozen=True, slots=True)
class HistoryQuery:
    user: str = ""  #: the person's name (any case); "" for everyone
    document: str = ""  #: an order or purchase order ref
    product: str = ""  #: a product's code or barcode
    action: str = ""  #: e.g. "changed", "signed in"; "" for all
    since: date | None = None  #: first local day shown
    until: date | None = None  #: last local day shown (included)
    sort: str = "at"
    descending: bool = True


def _sorts() -> dict[str, Any]:
    return {
        "at": AuditEvent.at,
        "user": AuditEvent.user_name,
        "action": AuditEvent.action,
        "what": AuditEvent.entity,
        "document": func.coalesce(AuditEvent.order_ref, AuditEvent.po_ref),
    }


HISTORY_SORTS = frozenset(_sorts())


def _conditions(session: Session, query: HistoryQuery) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if query.user.strip():
        conditions.append(func.lower(AuditEvent.user_name) == query.user.strip().lower())
    if query.document.strip():
        ref = query.document.strip().upper()
        conditions.append(or_(AuditEvent.order_ref == ref, AuditEvent.po_ref == ref))
    if query.product.strip():
        code = query.product.strip()
        product_ids = select(Product.id).where(or_(Product.sku == code, Product.barcode == code))
        conditions.append(AuditEvent.product_id.in_(product_ids.scalar_subquery()))
    if query.action.strip():
        conditions.append(AuditEvent.action == query.action.strip())
    if query.since is not None:
        conditions.append(AuditEvent.at >= day_start(query.since))
    if query.until is not None:
        conditions.append(AuditEvent.at < day_start(date.fromordinal(query.until.toordinal() + 1)))
    return conditions


def _ids(session: Session, query: HistoryQuery) -> Select[Any]:
    return select(AuditEvent.id).where(*_conditions(session, query))


def history_page(
    session: Session, query: HistoryQuery, offset: int, limit: int
) -> list[HistoryRow]:
    """One page of the History view."""
    rows = cast(
        "Select[Any]",  # two columns; _ordered only adds ORDER BY
        select(AuditEvent, Product.sku)
        .outerjoin(Product, Product.id == AuditEvent.product_id)
        .where(*_conditions(session, query)),
    )
    stmt = _ordered(
        rows,
        _sorts(),
        query.sort,
        query.descending,
        AuditEvent.id,
    )
    return [_row(event, sku) for event, sku in session.execute(stmt.offset(offset).limit(limit))]


def count_history(session: Session, query: HistoryQuery, cap: int = COUNT_CAP) -> Count:
    return _capped_count(session, _ids(session, query), cap)


def history_actions(session: Session) -> list[str]:
    """The kinds of action the trail holds, for the History view's filter."""
    return list(session.scalars(select(AuditEvent.action).distinct().order_by(AuditEvent.action)))


def history_users(session: Session) -> list[str]:
    """Everyone the trail names, for the History view's filter."""
    return list(
        session.scalars(select(AuditEvent.user_name).distinct().order_by(AuditEvent.user_name))
    )


def order_history(session: Session, ref: str, limit: int = 500) -> list[HistoryRow]:
    """What was done to one order, oldest first (the order detail view's History), with what
    each receipt gave its lines and who confirmed it (``views.order_receipts``: a receipt's
    bulk allocations leave no audit row per line)."""
    rows = history_page(session, HistoryQuery(document=ref, descending=False), 0, limit)
    rows += [_gift_row(gift) for gift in receipt_allocations(session, ref)]
    rows.sort(key=lambda row: (row.at.replace(tzinfo=None), row.event_id))
    return rows[:limit]


def _gift_row(gift: ReceiptGift) -> HistoryRow:
    event = gift.event
    return HistoryRow(
        event_id=event.id if event else 0,
        at=event.at if event else gift.at,
        user=event.user_name if event else "",
        role=event.role if event else "",
        till=event.till if event else "",
        action=RECEIVED,
        what=entity_label("allocation_event"),
        document=gift.po_ref,
        product=gift.lines[0][1] if len({sku for _, sku, _ in gift.lines}) == 1 else "",
        summary=gift.summary,
        changes=(),
    )


def _row(event: AuditEvent, sku: str | None) -> HistoryRow:
    return HistoryRow(
        event_id=event.id,
        at=event.at,
        user=event.user_name,
        role=event.role,
        till=event.till,
        action=event.action,
        what=entity_label(event.entity),
        document=event.order_ref or event.po_ref or "",
        product=sku or "",
        summary=event.summary,
        changes=readable_changes(event.before, event.after),
    )


def readable_changes(before: str | None, after: str | None) -> tuple[FieldChange, ...]:
    """The stored before/after JSON as fields in words, in a stable order."""
    old = _loads(before)
    new = _loads(after)
    whole = not old or not new  # a record added or removed: its fields, not a change
    return tuple(
        FieldChange(column_word(name), _text(old.get(name)), _text(new.get(name)))
        for name in sorted(set(old) | set(new))
        if not (whole and _unremarkable(name, old.get(name, new.get(name))))
    )


def _unremarkable(name: str, value: object) -> bool:
    """What an added or removed record's fields leave out: its keys (the record, document
    and product have their own columns) and empty values ("", none, no, 0)."""
    return name == "id" or name.endswith("_id") or value in (None, "", False, 0)


def _loads(value: str | None) -> dict[str, Any]:
    if not value:
        return {}
    loaded = json.loads(value)
    return loaded if isinstance(loaded, dict) else {}


def _text(value: object) -> str:
    if value is None:
        return ""
    if value is True:
        return "yes"
    if value is False:
        return "no"
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    if isinstance(value, str):
        return _readable_text(value)
    return str(value)


def _readable_text(value: str) -> str:
    """Stored times as the shop reads them; enum values ("part_ready") as words."""
    if _ENUM_VALUE.fullmatch(value):
        return value.replace("_", " ")
    if _ISO_DAY.fullmatch(value):
        return formatting.day(date.fromisoformat(value))
    if _ISO_MOMENT.fullmatch(value):
        moment = datetime.fromisoformat(value)
        return formatting.moment(moment) if moment.tzinfo else value
    return value


_ISO_DAY = re.compile(r"\d{4}-\d\d-\d\d")
_ENUM_VALUE = re.compile(r"[a-z]+(_[a-z]+)+")
_ISO_MOMENT = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?[+-]\d\d:\d\d")


def _change_text(change: FieldChange) -> str:
    if change.before and change.after:
        return f"{change.field} {change.before} → {change.after}"
    if change.after:
        return f"{change.field} {change.after}"
    return f"{change.field} was {change.before}" if change.before else change.field
