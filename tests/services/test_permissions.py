"""The permission matrix: every writing service, run as each role, is allowed from its least
role up and refused below it with a message naming who may do it.

Each row is one service call on a small shop that has something for every service to do (a
waiting queue, a held order, a sent and a draft purchase order, freed stock). Each call runs in
a transaction that is rolled back, so the rows do not see each other. Which role may do what
does not depend on the engine, so the matrix runs on SQLite; the services themselves are
tested on both engines in their own files.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.db import Database, open_database
from app.domain import OrderLine, Product, PurchaseOrder, SalesOrder
from app.domain.actors import Actor, Role
from app.domain.allocation import ReceiptInput
from app.domain.enums import CustomerTier, QueuePolicy, ShipPreference
from app.domain.permissions import NotAllowed
from app.services import (
    cancelling,
    catalog,
    freed,
    purchasing,
    queue,
    shipping,
    shop_settings,
    stock,
    suggestions,
    users,
)
from app.services.importing import import_csv
from app.services.ordering import LineRequest, place_order
from app.services.receiving import confirm_receipt, preview_receipt
from tests.services.shop import add_staff, add_stock, make_po, make_shop, order

Call = Callable[[Session], object]


@dataclass(frozen=True)
class Row:
    """A service call and the least role that may make it."""

    name: str
    least: Role
    call: Call


def _line_id(session: Session, ref: str, line_no: int) -> int:
    query = (
        select(OrderLine.id)
        .join(SalesOrder, SalesOrder.id == OrderLine.order_id)
        .where(SalesOrder.ref == ref, OrderLine.line_no == line_no)
    )
    found = session.scalar(query)
    assert found is not None
    return found


def _product_id(session: Session, sku: str) -> int:
    found = session.scalar(select(Product.id).where(Product.sku == sku))
    assert found is not None
    return found


def _receive(session: Session) -> object:
    po = session.scalars(select(PurchaseOrder).where(PurchaseOrder.ref == "PO-1")).one()
    line = po.lines[0]
    plan = preview_receipt(
        session, [ReceiptInput(line.product_id, 2, line.id)], purchase_order_ref="PO-1"
    )
    return confirm_receipt(session, plan)


def _offer_freed_stock(session: Session) -> object:
    plan = freed.preview_freed_stock(session, [_product_id(session, "GADGET")])
    assert plan.products, "the shop has freed GADGET units for BOB"
    return freed.confirm_freed_stock(session, plan)


def _suggest(session: Session) -> object:
    suggested = suggestions.suggest_purchase_orders(session)
    assert suggested, "RARE is below its reorder point"
    return suggestions.create_suggested_purchase_orders(session, suggested)


def _customers_csv() -> io.StringIO:
    return io.StringIO("code,name,email,phone,tier\nEVE,Eve,,,standard\n")


CLERK, MANAGER, OWNER = Role.CLERK, Role.MANAGER, Role.OWNER
MATRIX = [
    # Taking orders, receiving, shipping: every clerk.
    Row("place_order", CLERK, lambda s: place_order(s, "DAN", [LineRequest("WIDGET", 1)])),
    Row("create_customer", CLERK, lambda s: catalog.create_customer(s, "EVE", "Eve")),
    Row("ship_order", CLERK, lambda s: shipping.ship_order(s, "SO-1")),
    Row("confirm_receipt", CLERK, _receive),
    Row("confirm_freed_stock", CLERK, _offer_freed_stock),
    Row(
        "create_purchase_order",
        CLERK,
        lambda s: purchasing.create_purchase_order(s, "SUP", [LineRequest("WIDGET", 4)]),
    ),
    Row("send_purchase_order", CLERK, lambda s: purchasing.send_purchase_order(s, "PO-D")),
    Row(
        "set_expected_date",
        CLERK,
        lambda s: purchasing.set_expected_date(
            s, "PO-1", purchasing.get_purchase_order(s, "PO-1").expected_date
        ),
    ),
    Row("add_draft_line", CLERK, lambda s: purchasing.add_draft_line(s, "PO-D", "GADGET", 2)),
    Row("set_draft_line_qty", CLERK, lambda s: purchasing.set_draft_line_qty(s, "PO-D", 1, 5)),
    Row("remove_draft_line", CLERK, lambda s: purchasing.remove_draft_line(s, "PO-D", 1)),
    Row(
        "set_draft_lines",
        CLERK,
        lambda s: purchasing.set_draft_lines(s, "PO-D", [LineRequest("GADGET", 1)]),
    ),
    Row("create_suggested_purchase_orders", CLERK, _suggest),
    # Cancelling, correcting stock, the queue, overrides, the catalog, imports: managers.
    Row("cancel_order", MANAGER, lambda s: cancelling.cancel_order(s, "SO-2")),
    Row("cancel_line", MANAGER, lambda s: cancelling.cancel_line(s, "SO-3", 2)),
    Row("cancel_purchase_order", MANAGER, lambda s: purchasing.cancel_purchase_order(s, "PO-1")),
    Row(
        "ship_order incomplete",
        MANAGER,
        lambda s: shipping.ship_order(s, "SO-3", override_complete=True),
    ),
    Row(
        "set_order_ship_preference",
        MANAGER,
        lambda s: shipping.set_order_ship_preference(s, "SO-3", ShipPreference.PARTIAL),
    ),
    Row("adjust_stock", MANAGER, lambda s: stock.adjust_stock(s, "WIDGET", -1, "broken")),
    Row("pin_line", MANAGER, lambda s: queue.pin_line(s, _line_id(s, "SO-2", 1))),
    Row("unpin_line", MANAGER, lambda s: queue.unpin_line(s, _line_id(s, "SO-4", 1))),
    Row("move_line", MANAGER, lambda s: queue.move_line(s, _line_id(s, "SO-3", 2), "up")),
    Row("create_product", MANAGER, lambda s: catalog.create_product(s, "LAMP", "Lamp")),
    Row("update_product", MANAGER, lambda s: catalog.update_product(s, "WIDGET", name="W")),
    Row("archive_product", MANAGER, lambda s: catalog.archive_product(s, "RARE")),
    Row("set_max_backorder_qty", MANAGER, lambda s: catalog.set_max_backorder_qty(s, "WIDGET", 9)),
    Row("enter_opening_stock", MANAGER, lambda s: catalog.enter_opening_stock(s, "RARE", 3)),
    Row("create_supplier", MANAGER, lambda s: catalog.create_supplier(s, "NEW", "New Ltd")),
    Row("update_supplier", MANAGER, lambda s: catalog.update_supplier(s, "SUP", phone="123")),
    Row("archive_supplier", MANAGER, lambda s: catalog.archive_supplier(s, "OLD")),
    Row(
        "update_customer",
        MANAGER,
        lambda s: catalog.update_customer(s, "ANN", tier=CustomerTier.GOLD),
    ),
    Row("archive_customer", MANAGER, lambda s: catalog.archive_customer(s, "DAN")),
    Row("import_csv", MANAGER, lambda s: import_csv(s, "customers", _customers_csv())),
    # Settings, policies and users: the owner.
    Row("set_queue_policy", OWNER, lambda s: queue.set_queue_policy(s, QueuePolicy.LOYALTY)),
    Row("set_currency", OWNER, lambda s: shop_settings.set_currency(s, "GBP")),
    Row("set_long_wait_days", OWNER, lambda s: shop_settings.set_long_wait_days(s, 10)),
    Row("set_shop_settings", OWNER, lambda s: shop_settings.set_shop_settings(s, "USD", 7)),
    Row(
        "set_goodwill_rule",
        OWNER,
        lambda s: shop_settings.set_goodwill_rule(s, enabled=True, days=14, percent="10"),
    ),
    Row(
        "set_shop_identity",
        OWNER,
        lambda s: shop_settings.set_shop_identity(s, "Corner Shop", "1 High St", "0123", None),
    ),
    Row("create_user", OWNER, lambda s: users.create_user(s, "Zoe", Role.CLERK, "1234")),
    Row("set_role", OWNER, lambda s: users.set_role(s, "Cleo", Role.MANAGER)),
    Row("deactivate_user", OWNER, lambda s: users.deactivate_user(s, "Cleo")),
    Row("reactivate_user", OWNER, lambda s: users.reactivate_user(s, "Cleo")),
    Row("change_pin of another user", OWNER, lambda s: users.change_pin(s, "Cleo", "9876")),
]


@pytest.fixture(scope="module")
def staffed_shop(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    """WIDGET in stock for SO-1 (ANN) and SO-3 (CAT, ships complete, also waits for GADGET);
    BOB (SO-2) and DAN (SO-4, pinned) wait for GADGET, one of which is on the shelf (freed);
    PO-1 (sent, GADGET) and PO-D (draft, WIDGET and RARE); RARE below its reorder point;
    supplier OLD; users Olga (owner) and Cleo (clerk)."""
    folder: Path = tmp_path_factory.mktemp("matrix")
    db = open_database(f"sqlite:///{folder / 'shop.sqlite3'}", backup_dir=folder / "bk")
    make_shop(db)
    with db.write() as session:
        catalog.create_supplier(session, "OLD", "Old Supplies")
        catalog.update_customer(session, "CAT", ship_preference=ShipPreference.COMPLETE)
        catalog.update_product(session, "RARE", reorder_point=5)
    add_stock(db, "WIDGET", 5)
    order(db, "ANN", ("WIDGET", 2), ref="SO-1", minute=1)
    order(db, "BOB", ("GADGET", 3), ref="SO-2", minute=2)
    order(db, "CAT", ("WIDGET", 2), ("GADGET", 1), ref="SO-3", minute=3)
    order(db, "DAN", ("GADGET", 1), ref="SO-4", minute=4)
    add_stock(db, "GADGET", 1)  # a count: offered to the queue only when someone confirms
    make_po(db, ("GADGET", 10), ref="PO-1")
    make_po(db, ("WIDGET", 3), ("RARE", 2), ref="PO-D", draft=True)
    with db.write() as session:
        queue.pin_line(session, _line_id(session, "SO-4", 1))
    add_staff(db)
    yield db
    db.dispose()


class _RollBack(Exception):
    """Raised after a row's call so its transaction is rolled back."""


def _run_as(db: Database, role: Role, call: Call) -> None:
    db.actor = Actor(name="Pat", role=role, user_id=99)
    try:
        with db.write() as session:
            call(session)
            raise _RollBack
    except _RollBack:
        pass
    finally:
        db.actor = None


@pytest.mark.parametrize("role", list(Role), ids=lambda role: role.value)
@pytest.mark.parametrize("row", MATRIX, ids=lambda row: row.name)
def test_each_service_is_allowed_from_its_least_role_and_refused_below_it(
    staffed_shop: Database, row: Row, role: Role
) -> None:
    if role.at_least(row.least):
        _run_as(staffed_shop, role, row.call)  # done, no refusal
        return
    with pytest.raises(NotAllowed) as refused:
        _run_as(staffed_shop, role, row.call)
    who = "the owner" if row.least is Role.OWNER else "a manager or the owner"
    assert str(refused.value).startswith(f"Pat ({role.value}) may not ")
    assert str(refused.value).endswith(f": ask {who} to do it.")


def test_a_refused_service_changed_nothing(staffed_shop: Database) -> None:
    with pytest.raises(NotAllowed, match="may not cancel orders"):
        _run_as(staffed_shop, Role.CLERK, lambda s: cancelling.cancel_order(s, "SO-2"))
    with staffed_shop.read() as session:
        status = session.scalar(select(SalesOrder.status).where(SalesOrder.ref == "SO-2"))
    assert status is not None and status.value == "backordered"


def test_reading_stays_open_to_every_role(staffed_shop: Database) -> None:
    """Previews and lists are not writes: a clerk sees what a receipt or a suggestion would
    do, and who the users are."""
    staffed_shop.actor = Actor(name="Pat", role=Role.CLERK, user_id=99)
    try:
        with staffed_shop.read() as session:
            assert suggestions.suggest_purchase_orders(session)
            assert freed.preview_freed_stock(session, [_product_id(session, "GADGET")]).products
            assert [user.name for user in users.list_users(session)] == ["Cleo", "Olga"]
    finally:
        staffed_shop.actor = None
