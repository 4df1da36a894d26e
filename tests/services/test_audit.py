"""The audit trail records who did what, on which till, when, and before/after, for every
kind of action; nothing when the transaction rolls back."""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select

from app.db import Database
from app.domain import QueuePolicy
from app.domain.actors import Actor, Role
from app.domain.audit import AuditEvent
from app.services import catalog, queue, shop_settings
from app.services.cancelling import cancel_line
from app.services.freed import confirm_freed_stock, preview_freed_stock
from app.services.importing import import_csv
from app.services.shipping import ship_order
from app.services.stock import adjust_stock
from app.services.users import create_user, sign_in
from tests.services.shop import (
    add_stock,
    confirm,
    line_id,
    make_po,
    order,
    preview,
    product_id,
)

#: An owner, since some rows change the shop's settings (owner only, ``app.domain.permissions``).
SAM = Actor(name="Sam", role=Role.OWNER, user_id=7, till="TILL-2")


@dataclass(frozen=True)
class Row:
    at: datetime
    user_id: int | None
    user_name: str
    role: str
    till: str
    action: str
    entity: str
    entity_id: str | None
    order_ref: str | None
    po_ref: str | None
    product_id: int | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    summary: str


def rows_since(db: Database, after_id: int = 0, **where: object) -> list[Row]:
    with db.read() as session:
        stmt = select(AuditEvent).where(AuditEvent.id > after_id).order_by(AuditEvent.id)
        for name, value in where.items():
            stmt = stmt.where(getattr(AuditEvent, name) == value)
        return [
            Row(
                e.at,
                e.user_id,
                e.user_name,
                e.role,
                e.till,
                e.action,
                e.entity,
                e.entity_id,
                e.order_ref,
                e.po_ref,
                e.product_id,
                json.loads(e.before) if e.before else None,
                json.loads(e.after) if e.after else None,
                e.summary,
            )
            for e in session.scalars(stmt)
        ]


def last_id(db: Database) -> int:
    with db.read() as session:
        return session.scalar(select(AuditEvent.id).order_by(AuditEvent.id.desc()).limit(1)) or 0


@pytest.fixture
def shop_as_sam(shop: Database) -> Database:
    shop.actor = SAM
    return shop


def one(rows: list[Row]) -> Row:
    assert len(rows) == 1, rows
    return rows[0]


def assert_by_sam_just_now(row: Row) -> None:
    assert (row.user_id, row.user_name, row.role, row.till) == (7, "Sam", "owner", "TILL-2")
    assert abs(datetime.now(UTC) - row.at) < timedelta(minutes=1)


def test_placing_an_order_records_the_order_and_its_lines(shop_as_sam: Database) -> None:
    start = last_id(shop_as_sam)
    order(shop_as_sam, "ANN", ("WIDGET", 2), ("GADGET", 1), ref="SO-9")
    rows = rows_since(shop_as_sam, start, order_ref="SO-9", action="added")
    assert {r.entity for r in rows} == {"sales_order", "order_line"}
    lines = [r for r in rows if r.entity == "order_line"]
    assert sorted((r.product_id, r.after["qty_ordered"]) for r in lines if r.after) == sorted(
        [(product_id(shop_as_sam, "WIDGET"), 2), (product_id(shop_as_sam, "GADGET"), 1)]
    )
    for row in rows:
        assert_by_sam_just_now(row)
        assert row.before is None


def test_receiving_against_a_po_records_the_receipt_and_its_bulk_writes(
    shop_as_sam: Database,
) -> None:
    order(shop_as_sam, "ANN", ("WIDGET", 3), ref="SO-1")
    lines = make_po(shop_as_sam, ("WIDGET", 5), ref="PO-7")
    start = last_id(shop_as_sam)
    confirm(shop_as_sam, preview(shop_as_sam, ("WIDGET", 5), po_lines=lines, po_ref="PO-7"))
    rows = rows_since(shop_as_sam, start, po_ref="PO-7")
    received = one([r for r in rows if r.action == "received"])
    assert received.after == {"units_received": 5, "units_to_customers": 3, "units_to_stock": 2}
    assert received.summary.startswith("Received PO-7: 5 units, 3 to 1 waiting lines")
    # The allocations are one bulk statement: one summary row, not one per line.
    allocations = one([r for r in rows if r.entity == "allocation_event"])
    assert allocations.action == "bulk added" and allocations.after
    assert allocations.after["rows"] == 1
    movement = one([r for r in rows if r.entity == "stock_movement"])
    assert movement.after and movement.after["qty"] == 5
    assert movement.product_id == product_id(shop_as_sam, "WIDGET")
    for row in rows:
        assert_by_sam_just_now(row)


def test_offering_freed_stock_records_the_allocation(shop_as_sam: Database) -> None:
    order(shop_as_sam, "ANN", ("WIDGET", 2), ref="SO-1")
    add_stock(shop_as_sam, "WIDGET", 2)
    start = last_id(shop_as_sam)
    with shop_as_sam.write() as session:
        plan = preview_freed_stock(session, [product_id(shop_as_sam, "WIDGET")])
        confirm_freed_stock(session, plan)
    rows = rows_since(shop_as_sam, start)
    allocation = one([r for r in rows if r.entity == "allocation_event"])
    assert allocation.after == {"rows": 1, "columns": allocation.after["columns"]}
    lines = one([r for r in rows if r.entity == "order_line" and r.action == "bulk changed"])
    assert lines.summary == "Order line: 1 row changed in one statement"
    assert_by_sam_just_now(allocation)


def test_shipping_records_the_lines_shipped_and_the_movement(shop_as_sam: Database) -> None:
    add_stock(shop_as_sam, "WIDGET", 5)
    order(shop_as_sam, "ANN", ("WIDGET", 2), ref="SO-1")
    start = last_id(shop_as_sam)
    with shop_as_sam.write() as session:
        ship_order(session, "SO-1")
    rows = rows_since(shop_as_sam, start, order_ref="SO-1")
    line = one([r for r in rows if r.entity == "order_line"])
    assert (line.before, line.after) == (
        {"qty_allocated": 2, "qty_shipped": 0},
        {"qty_allocated": 0, "qty_shipped": 2},
    )
    assert "allocated 2 → 0" in line.summary and "shipped 0 → 2" in line.summary
    movement = one([r for r in rows if r.entity == "stock_movement"])
    assert movement.after and movement.after["qty"] == -2
    assert_by_sam_just_now(line)


def test_cancelling_a_line_records_before_and_after(shop_as_sam: Database) -> None:
    order(shop_as_sam, "ANN", ("WIDGET", 3), ref="SO-1")
    start = last_id(shop_as_sam)
    with shop_as_sam.write() as session:
        cancel_line(session, "SO-1", 1, "changed her mind")
    line = one(rows_since(shop_as_sam, start, order_ref="SO-1", entity="order_line"))
    assert line.before and line.after
    assert (line.before["qty_backordered"], line.after["qty_backordered"]) == (3, 0)
    assert (line.before["qty_cancelled"], line.after["qty_cancelled"]) == (0, 3)
    assert line.after["cancel_reason"] == "changed her mind"
    assert_by_sam_just_now(line)


def test_adjusting_stock_records_the_movement(shop_as_sam: Database) -> None:
    start = last_id(shop_as_sam)
    with shop_as_sam.write() as session:
        adjust_stock(session, "WIDGET", 4, "found a box")
    movement = one(rows_since(shop_as_sam, start, entity="stock_movement"))
    assert movement.action == "added" and movement.after
    assert (movement.after["qty"], movement.after["reason"]) == (4, "found a box")
    assert movement.product_id == product_id(shop_as_sam, "WIDGET")
    assert_by_sam_just_now(movement)


def test_pinning_and_moving_a_line_record_the_queue_change(shop_as_sam: Database) -> None:
    order(shop_as_sam, "ANN", ("WIDGET", 1), ref="SO-1", minute=0)
    order(shop_as_sam, "BOB", ("WIDGET", 1), ref="SO-2", minute=1)
    start = last_id(shop_as_sam)
    with shop_as_sam.write() as session:
        queue.pin_line(session, line_id(shop_as_sam, "SO-2"))
    pinned = one(rows_since(shop_as_sam, start, order_ref="SO-2", entity="order_line"))
    assert pinned.before and pinned.after
    assert (pinned.before["pinned"], pinned.after["pinned"]) == (False, True)
    assert "pinned to the front no → yes" in pinned.summary
    with shop_as_sam.write() as session:
        queue.unpin_line(session, line_id(shop_as_sam, "SO-2"))
    start = last_id(shop_as_sam)
    with shop_as_sam.write() as session:
        queue.move_line(session, line_id(shop_as_sam, "SO-2"), "up")
    moved = one(rows_since(shop_as_sam, start, order_ref="SO-2", entity="order_line"))
    assert moved.before and moved.after and "queued_at" in moved.after
    assert_by_sam_just_now(moved)


def test_changing_the_queue_policy_records_the_setting(shop_as_sam: Database) -> None:
    start = last_id(shop_as_sam)
    with shop_as_sam.write() as session:
        queue.set_queue_policy(session, QueuePolicy.LOYALTY)
    setting = one(rows_since(shop_as_sam, start, entity="shop_setting"))
    assert setting.entity_id == "queue_policy"
    assert setting.after and setting.after["value"] == "loyalty"
    assert_by_sam_just_now(setting)


def test_changing_a_shop_setting_records_before_and_after(shop_as_sam: Database) -> None:
    with shop_as_sam.write() as session:
        shop_settings.set_long_wait_days(session, 14)
    start = last_id(shop_as_sam)
    with shop_as_sam.write() as session:
        shop_settings.set_long_wait_days(session, 21)
    setting = one(rows_since(shop_as_sam, start, entity="shop_setting"))
    assert (setting.action, setting.before, setting.after) == (
        "changed",
        {"value": "14"},
        {"value": "21"},
    )
    assert_by_sam_just_now(setting)


def test_a_price_edit_records_the_old_and_new_price(shop_as_sam: Database) -> None:
    with shop_as_sam.write() as session:
        catalog.update_product(session, "WIDGET", price=Decimal("9.50"))
    start = last_id(shop_as_sam)
    with shop_as_sam.write() as session:
        catalog.update_product(session, "WIDGET", price=Decimal("10.25"), name="Blue widget")
    product = one(rows_since(shop_as_sam, start, entity="product"))
    assert product.before == {"price": "9.50", "name": "Widget"}
    assert product.after == {"price": "10.25", "name": "Blue widget"}
    assert product.product_id == product_id(shop_as_sam, "WIDGET")
    assert_by_sam_just_now(product)


def test_a_catalog_import_records_the_file_and_its_bulk_insert(shop_as_sam: Database) -> None:
    start = last_id(shop_as_sam)
    with shop_as_sam.write() as session:
        import_csv(
            session,
            "customers",
            io.StringIO("code,name,email,phone,tier\nZED,Zed,,,standard\nYVO,Yvonne,,,gold\n"),
            name="c.csv",
        )
    rows = rows_since(shop_as_sam, start)
    assert [(r.action, r.entity) for r in rows] == [
        ("bulk added", "customer"),
        ("imported", "customers"),
    ]
    assert rows[0].after and rows[0].after["rows"] == 2
    assert rows[1].summary.endswith("from c.csv")


def test_signing_in_records_the_person_signing_in(shop: Database) -> None:
    with shop.write() as session:
        create_user(session, "Olga", Role.CLERK, "1234")
    start = last_id(shop)
    with shop.write() as session:
        sign_in(session, "olga", "9999")
    with shop.write() as session:
        sign_in(session, "olga", "1234")
    refused, signed_in = rows_since(shop, start)
    assert (refused.action, refused.user_name) == ("sign-in refused", "Olga")
    assert (signed_in.action, signed_in.user_name, signed_in.role) == ("signed in", "Olga", "owner")
    # The PIN's hash and the wrong-try count are never recorded.
    assert all("pin" not in json.dumps(r.after or {}) for r in rows_since(shop))


def test_nothing_is_recorded_when_the_transaction_rolls_back(shop_as_sam: Database) -> None:
    start = last_id(shop_as_sam)
    with pytest.raises(RuntimeError), shop_as_sam.write() as session:
        catalog.update_product(session, "WIDGET", price=Decimal("99.00"))
        session.flush()
        shop_settings.set_long_wait_days(session, 30)
        session.flush()
        raise RuntimeError("the clerk's computer lost power")
    assert rows_since(shop_as_sam, start) == []


def test_undoing_a_receipt_records_it_for_the_po_and_each_order(shop_as_sam: Database) -> None:
    from app.services.undo_receipt import preview_undo_receipt, undo_receipt

    shop_as_sam.actor = Actor(name="Sam", role=Role.OWNER, user_id=7, till="TILL-2")
    lines = make_po(shop_as_sam, ("WIDGET", 5), ref="PO-1")
    order(shop_as_sam, "ANN", ("WIDGET", 3), ref="SO-1")
    received = confirm(
        shop_as_sam, preview(shop_as_sam, ("WIDGET", 5), po_lines=lines, po_ref="PO-1")
    )
    start = last_id(shop_as_sam)
    with shop_as_sam.write() as session:
        plan = preview_undo_receipt(session, received.receipt_id)
        undo_receipt(session, plan.token, "wrong PO")
    undone = rows_since(shop_as_sam, start, action="undid a receipt")
    assert [(r.po_ref, r.order_ref) for r in undone] == [("PO-1", None), (None, "SO-1")]
    assert (
        undone[0].summary
        == f"Undid RCPT-{received.receipt_id} (PO-1): 5 units out of stock; wrong PO"
    )
    assert undone[1].after == {"taken_back": 3}
    for row in undone:
        assert row.user_name == "Sam" and row.till == "TILL-2"
    # The statements the undo ran are on the PO's history too.
    assert {r.entity for r in rows_since(shop_as_sam, start, po_ref="PO-1")} >= {
        "receipt",
        "stock_movement",
    }


def test_a_goodwill_coupon_given_and_used_is_recorded_with_its_orders(
    shop_as_sam: Database,
) -> None:
    with shop_as_sam.write() as session:
        shop_settings.set_goodwill_rule(session, enabled=True, days=14, amount="5.00")
    order(shop_as_sam, "ANN", ("WIDGET", 1), ref="SO-7")  # placed in January: a long wait
    confirm(shop_as_sam, preview(shop_as_sam, ("WIDGET", 1)))  # a delivery serves SO-7
    start = last_id(shop_as_sam)
    with shop_as_sam.write() as session:
        code = ship_order(session, "SO-7").coupon
    given = one(rows_since(shop_as_sam, start, entity="coupon"))
    assert (given.action, given.order_ref, given.after and given.after["code"]) == (
        "added",
        "SO-7",
        code,
    )
    assert_by_sam_just_now(given)
    start = last_id(shop_as_sam)
    with shop_as_sam.write() as session:
        from app.services.ordering import LineRequest, place_order

        place_order(
            session, "ANN", [LineRequest("GADGET", 1, Decimal(12))], ref="SO-8", coupon=code
        )
    used = one(rows_since(shop_as_sam, start, entity="coupon"))
    assert (used.action, used.order_ref) == ("changed", "SO-8")
    assert used.after is not None and Decimal(str(used.after["discount"])) == Decimal("5.00")


def test_a_bin_edit_records_the_old_and_new_bin(shop_as_sam: Database) -> None:
    start = last_id(shop_as_sam)
    with shop_as_sam.write() as session:
        catalog.update_product(session, "WIDGET", bin="A3-02")
    product = one(rows_since(shop_as_sam, start, entity="product"))
    assert (product.before, product.after) == ({"bin": ""}, {"bin": "A3-02"})
    assert product.product_id == product_id(shop_as_sam, "WIDGET")
