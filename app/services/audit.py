"""Recording the audit trail: every write to the shop's records leaves a row saying who, on
which till, when, and what the changed columns were before and after.

Recording is automatic, so no service can forget it:

* ORM changes: an ``after_flush`` listener on every ``Session`` reads the flushed objects of
  the audited tables (added, changed, removed) and their attribute history, and writes one
  row per object, all in one multi-row INSERT on the flush's own connection. The rows are
  part of the same transaction: a rollback leaves none.
* Bulk statements: services that write many rows with one Core statement (a big receipt's
  allocations, imports, queue nudges) bypass the flush; a ``do_orm_execute`` listener writes
  one summary row per such statement (table, how many rows), not one per row, so a receipt of
  50k allocations costs one extra single-row INSERT per statement.
* Named actions (sign-in, undo, an import of a file, a receipt as a whole):
  :func:`record_event`, which also tags the rows with the document they concern.

Derived data (stock balances, ETAs) is not audited: it follows from what is.
The rows are never changed or deleted here, and the database refuses it (``app.domain.audit``).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from sqlalchemy import Table, event, insert, inspect, select
from sqlalchemy.orm import ORMExecuteState, Session, UOWTransaction

from app.domain import (
    AllocationEvent,
    Customer,
    OrderLine,
    Product,
    PurchaseOrder,
    PurchaseOrderLine,
    Receipt,
    ReceiptLine,
    SalesOrder,
    ShopSetting,
    StockMovement,
    Supplier,
)
from app.domain.actors import Actor, current_actor
from app.domain.audit import AuditEvent
from app.domain.base import utcnow
from app.domain.coupons import Coupon
from app.domain.users import User

#: The audited tables and what a shop owner calls a record of each.
ENTITY_LABELS: dict[str, str] = {
    "stock_movement": "Stock movement",
    "allocation_event": "Allocation",
    "sales_order": "Order",
    "order_line": "Order line",
    "purchase_order": "Purchase order",
    "purchase_order_line": "Purchase order line",
    "receipt": "Receipt",
    "receipt_line": "Receipt line",
    "shop_setting": "Setting",
    "product": "Product",
    "supplier": "Supplier",
    "customer": "Customer",
    "shop_user": "User",
    "coupon": "Goodwill coupon",
}

#: Columns never recorded: secrets, and bookkeeping no owner needs to see.
_NOT_RECORDED = {"pin_hash", "failed_tries", "locked_until", "name_key"}

#: Column names as a shop owner reads them (others: underscores become spaces).
COLUMN_WORDS: dict[str, str] = {
    "qty": "units",
    "qty_ordered": "ordered",
    "qty_allocated": "allocated",
    "qty_shipped": "shipped",
    "qty_cancelled": "cancelled",
    "qty_backordered": "backordered",
    "qty_backordered_at_order": "backordered when ordered",
    "qty_received": "received",
    "qty_over": "accepted over-receipt",
    "unit_price": "price",
    "unit_cost": "cost",
    "queued_at": "in the queue since",
    "queue_nudge": "queue nudge",
    "pinned": "pinned to the front",
    "cancel_reason": "cancel reason",
    "cancelled_at": "cancelled at",
    "placed_at": "placed at",
    "ordered_at": "ordered at",
    "expected_date": "expected",
    "received_at": "received at",
    "created_at": "at",
    "archived_at": "archived",
    "backorder_policy": "backorder policy",
    "reorder_point": "reorder point",
    "max_backorder_qty": "most units to backorder",
    "supplier_sku": "supplier's code",
    "sku": "code",
    "lead_time_days": "lead time (days)",
    "contact_name": "contact",
    "ship_preference": "ships",
    "product_id": "product",
    "order_id": "order",
    "order_line_id": "order line",
    "customer_id": "customer",
    "supplier_id": "supplier",
    "location_id": "location",
    "receipt_id": "receipt",
    "purchase_order_id": "purchase order",
    "purchase_order_line_id": "purchase order line",
    "line_no": "line",
    "kind": "kind",
    "earned_order_id": "earned by order",
    "redeemed_order_id": "used on order",
    "redeemed_at": "used at",
    "expires_at": "expires",
}

#: Where a ``session.info`` holds the document refs of the action under way.
_CONTEXT_KEY = "audit_refs"


def column_word(name: str) -> str:
    """A column's name as the History view shows it."""
    return COLUMN_WORDS.get(name, name.replace("_", " "))


def entity_label(entity: str) -> str:
    return ENTITY_LABELS.get(entity, entity.replace("_", " ").capitalize())


@dataclass(frozen=True)
class Refs:
    """The documents and product a row concerns, where known."""

    order_ref: str | None = None
    po_ref: str | None = None
    product_id: int | None = None


def record_event(
    session: Session,
    action: str,
    summary: str,
    *,
    entity: str = "shop",
    entity_id: object = None,
    order_ref: str | None = None,
    po_ref: str | None = None,
    product_id: int | None = None,
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None,
    actor: Actor | None = None,
) -> None:
    """Record a named action (``signed in``, ``undid a receipt``, ``imported``...) in the
    session's transaction. ``actor``: who did it when it is not the session's person (a
    sign-in records the person signing in)."""
    row = _row(
        actor or current_actor(session),
        utcnow(),
        action,
        entity,
        entity_id,
        Refs(order_ref, po_ref, product_id),
        before,
        after,
        summary,
    )
    session.connection().execute(insert(_audit_table()), [row])


def tag_document(
    session: Session, *, order_ref: str | None = None, po_ref: str | None = None
) -> None:
    """Tag the bulk statements that follow in this transaction with a document (a receipt
    against PO-12), so their summary rows show in that document's history."""
    session.info[_CONTEXT_KEY] = Refs(order_ref=order_ref, po_ref=po_ref)


def _audit_table() -> Table:
    table = AuditEvent.__table__
    assert isinstance(table, Table)
    return table


def _json(values: Mapping[str, Any] | None) -> str | None:
    if values is None:
        return None
    return json.dumps(values, default=_plain, ensure_ascii=False, sort_keys=True)


def _plain(value: object) -> object:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return str(value)


def _row(
    actor: Actor,
    at: datetime,
    action: str,
    entity: str,
    entity_id: object,
    refs: Refs,
    before: Mapping[str, Any] | None,
    after: Mapping[str, Any] | None,
    summary: str,
) -> dict[str, Any]:
    return {
        "at": at,
        "user_id": actor.user_id,
        "user_name": actor.name[:100],
        "role": str(actor.role.value),
        "till": (actor.till or "")[:100],
        "action": action[:40],
        "entity": entity[:40],
        "entity_id": None if entity_id is None else str(entity_id)[:60],
        "order_ref": refs.order_ref,
        "po_ref": refs.po_ref,
        "product_id": refs.product_id,
        "before": _json(before),
        "after": _json(after),
        "summary": summary[:300],
    }


def _shown(value: object) -> str:
    plain = _plain(value) if value is not None else "—"
    return "yes" if value is True else "no" if value is False else str(plain)


def describe_change(before: Mapping[str, Any], after: Mapping[str, Any]) -> str:
    """``backordered 3 → 0, allocated 0 → 3``: the changed columns in words."""
    return ", ".join(
        f"{column_word(name)} {_shown(before.get(name))} → {_shown(after.get(name))}"
        for name in sorted(set(before) | set(after))
    )


# --- ORM changes ---------------------------------------------------------------------------


def _columns(obj: object) -> list[str]:
    return [attr.key for attr in inspect(obj).mapper.column_attrs if attr.key not in _NOT_RECORDED]


def _values(obj: object) -> dict[str, Any]:
    state = inspect(obj)
    loaded = state.dict
    return {name: loaded[name] for name in _columns(obj) if name in loaded}


def _changed(obj: object) -> tuple[dict[str, Any], dict[str, Any]]:
    state = inspect(obj)
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    for name in _columns(obj):
        history = state.attrs[name].history
        if not history.has_changes():
            continue
        old = history.deleted[0] if history.deleted else None
        new = history.added[0] if history.added else None
        if old == new:
            continue
        before[name] = old
        after[name] = new
    return before, after


def _key(obj: object) -> object:
    # Read from the object (an added one has no identity until the flush is finished).
    identity = inspect(obj).mapper.primary_key_from_instance(obj)
    if any(part is None for part in identity):
        return None
    return identity[0] if len(identity) == 1 else "/".join(str(part) for part in identity)


class _RefFinder:
    """Finds the order / PO ref and product of flushed objects: from the identity map where
    the parent is loaded, otherwise with one query per kind of parent for the whole flush."""

    def __init__(self, session: Session, objects: Iterable[object]) -> None:
        self.session = session
        objects = list(objects)
        line_ids = {
            o.order_line_id
            for o in objects
            if isinstance(o, (AllocationEvent, StockMovement)) and o.order_line_id
        }
        self.line_orders = self._pairs(OrderLine.id, OrderLine.order_id, line_ids)
        order_ids = (
            {o.order_id for o in objects if isinstance(o, OrderLine)}
            | {_coupon_order(o) for o in objects if isinstance(o, Coupon)}
            | set(self.line_orders.values())
        )
        self.order_refs = self._pairs(SalesOrder.id, SalesOrder.ref, order_ids)
        receipt_ids = {
            o.receipt_id
            for o in objects
            if isinstance(o, (ReceiptLine, StockMovement, AllocationEvent)) and o.receipt_id
        }
        self.receipt_pos = self._pairs(Receipt.id, Receipt.purchase_order_id, receipt_ids)
        po_ids = (
            {o.purchase_order_id for o in objects if isinstance(o, (PurchaseOrderLine, Receipt))}
            | set(self.receipt_pos.values())
        ) - {None}
        self.po_refs = self._pairs(PurchaseOrder.id, PurchaseOrder.ref, po_ids)

    def _pairs(self, key: Any, value: Any, ids: set[Any]) -> dict[Any, Any]:
        ids = {i for i in ids if i is not None}
        if not ids:
            return {}
        rows = self.session.connection().execute(select(key, value).where(key.in_(sorted(ids))))
        return {k: v for k, v in rows}

    def refs(self, obj: object) -> Refs:
        order_id: int | None = None
        po_id: int | None = None
        order_ref: str | None = None
        po_ref: str | None = None
        if isinstance(obj, SalesOrder):
            order_ref = obj.ref
        elif isinstance(obj, PurchaseOrder):
            po_ref = obj.ref
        elif isinstance(obj, OrderLine):
            order_id = obj.order_id
        elif isinstance(obj, Coupon):
            order_id = _coupon_order(obj)
        elif isinstance(obj, (PurchaseOrderLine, Receipt)):
            po_id = obj.purchase_order_id
        if isinstance(obj, (AllocationEvent, StockMovement)) and obj.order_line_id:
            order_id = self.line_orders.get(obj.order_line_id)
        if isinstance(obj, (ReceiptLine, StockMovement, AllocationEvent)) and obj.receipt_id:
            po_id = self.receipt_pos.get(obj.receipt_id)
        if order_id is not None:
            order_ref = self.order_refs.get(order_id)
        if po_id is not None:
            po_ref = self.po_refs.get(po_id)
        product_id = obj.id if isinstance(obj, Product) else getattr(obj, "product_id", None)
        return Refs(order_ref, po_ref, product_id if isinstance(product_id, int) else None)


def _coupon_order(coupon: Coupon) -> int:
    """The order a coupon's change concerns: the one it was used on, else the one earning it.

    A coupon given back by a cancel no longer names the cancelled order; the change is filed
    under that order all the same (it is where the shop looks for what the cancel did)."""
    if coupon.redeemed_order_id:
        return coupon.redeemed_order_id
    given_back = [old for old in inspect(coupon).attrs.redeemed_order_id.history.deleted if old]
    return given_back[0] if given_back else coupon.earned_order_id


_AUDITED = (
    Coupon,
    StockMovement,
    AllocationEvent,
    SalesOrder,
    OrderLine,
    PurchaseOrder,
    PurchaseOrderLine,
    Receipt,
    ReceiptLine,
    ShopSetting,
    Product,
    Supplier,
    Customer,
    User,
)


def _name(obj: object, values: Mapping[str, Any]) -> str:
    """How the summary names a record: its ref, code or name where it has one."""
    for attr in ("ref", "sku", "code", "key", "name"):
        value = values.get(attr, getattr(obj, attr, None))
        if isinstance(value, str) and value:
            return value
    return f"#{_key(obj)}"


def _record_flush(session: Session, _flush_context: UOWTransaction) -> None:
    found = [
        *(("added", o) for o in session.new if isinstance(o, _AUDITED)),
        *(("changed", o) for o in session.dirty if isinstance(o, _AUDITED)),
        *(("removed", o) for o in session.deleted if isinstance(o, _AUDITED)),
    ]
    if not found:
        return
    finder = _RefFinder(session, [obj for _verb, obj in found])
    actor = current_actor(session)
    now = utcnow()
    rows: list[dict[str, Any]] = []
    for verb, obj in found:
        entity = inspect(obj).mapper.local_table.name  # type: ignore[attr-defined]
        before: dict[str, Any] | None = None
        after: dict[str, Any] | None = None
        if verb == "changed":
            before, after = _changed(obj)
            if not after:
                continue
            what = f"{_name(obj, {})}: {describe_change(before, after)}"
        elif verb == "added":
            after = _values(obj)
            what = f"{_name(obj, after)} added"
        else:
            before = _values(obj)
            what = f"{_name(obj, before)} removed"
        summary = f"{entity_label(entity)} {what}"
        rows.append(
            _row(actor, now, verb, entity, _key(obj), finder.refs(obj), before, after, summary)
        )
    if rows:
        session.connection().execute(insert(_audit_table()), rows)


# --- bulk statements -----------------------------------------------------------------------


def _record_bulk(state: ORMExecuteState) -> Any:
    if not (state.is_insert or state.is_update or state.is_delete):
        return None
    table = getattr(state.statement, "table", None)
    name = getattr(table, "name", None)
    if name not in ENTITY_LABELS:
        return None
    params = state.parameters
    many = isinstance(params, list)
    result = None
    if many:
        count = len(params)  # type: ignore[arg-type]
    else:
        result = state.invoke_statement()
        count = int(getattr(result, "rowcount", -1) or 0)
    verb = "added" if state.is_insert else "changed" if state.is_update else "removed"
    session = state.session
    refs = session.info.get(_CONTEXT_KEY) or Refs()
    columns = sorted(
        str(getattr(key, "key", key))
        for key in (params[0] if many and params else {})  # type: ignore[index]
    )
    rows = "row" if count == 1 else "rows"
    summary = f"{entity_label(name)}: {count:,} {rows} {verb} in one statement"
    row = _row(
        current_actor(session),
        utcnow(),
        f"bulk {verb}",
        name,
        None,
        refs,
        None,
        {"rows": count, "columns": [column_word(c) for c in columns]},
        summary,
    )
    session.connection().execute(insert(_audit_table()), [row])
    return result


def _clear_context(session: Session, *_args: object) -> None:
    session.info.pop(_CONTEXT_KEY, None)


event.listen(Session, "after_flush", _record_flush)
event.listen(Session, "do_orm_execute", _record_bulk)
event.listen(Session, "after_commit", _clear_context)
event.listen(Session, "after_rollback", _clear_context)
