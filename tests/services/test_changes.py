"""Every writing service says what it changed (``result.changes``): the areas of the shop a
window must refresh, and which products, orders and purchase orders. The window announces
exactly this; later consumers (notifications, an audit trail) read it too."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from sqlalchemy import delete

from app.db import Database
from app.domain import LineEta
from app.domain.enums import CustomerTier, QueuePolicy, ShipPreference
from app.services import catalog, purchasing, queue, shipping, stock, suggestions
from app.services.cancelling import cancel_line, cancel_order
from app.services.changes import Area, Changes
from app.services.eta import fill_missing_etas
from app.services.freed import confirm_freed_stock, preview_freed_stock
from app.services.importing import import_csv
from app.services.ordering import LineRequest
from tests.services.shop import (
    add_stock,
    confirm,
    line_id,
    make_po,
    order,
    preview,
    product_id,
)

ORDER_AREAS = {Area.ORDERS, Area.STOCK, Area.QUEUE}
INCOMING = {Area.PURCHASE_ORDERS, Area.STOCK, Area.QUEUE}


def ids(db: Database, *skus: str) -> set[int]:
    return {product_id(db, sku) for sku in skus}


def test_placing_an_order_touches_its_products_stock_queue_and_the_order(shop: Database) -> None:
    placed = order(shop, "ANN", ("WIDGET", 2), ("GADGET", 1), ref="SO-1")
    assert placed.changes == Changes.of(
        *ORDER_AREAS, product_ids=ids(shop, "WIDGET", "GADGET"), order_refs=["SO-1"]
    )


def test_a_receipt_touches_stock_queue_the_orders_it_filled_and_its_po(shop: Database) -> None:
    order(shop, "ANN", ("WIDGET", 2), ref="SO-1")
    order(shop, "BOB", ("GADGET", 1), ref="SO-2")  # waits for a product not received
    lines = make_po(shop, ("WIDGET", 5), ref="PO-1")
    result = confirm(shop, preview(shop, ("WIDGET", 5), po_lines=lines, po_ref="PO-1"))
    assert result.changes == Changes.of(
        Area.STOCK,
        Area.QUEUE,
        Area.ORDERS,
        Area.PURCHASE_ORDERS,
        product_ids=ids(shop, "WIDGET"),
        order_refs=["SO-1"],
        purchase_order_refs=["PO-1"],
    )


def test_freed_stock_touches_the_products_and_the_orders_that_got_units(shop: Database) -> None:
    order(shop, "ANN", ("WIDGET", 3), ref="SO-1")
    order(shop, "BOB", ("WIDGET", 2), ref="SO-2")
    add_stock(shop, "WIDGET", 2)  # found: available while customers wait
    with shop.read() as session:
        plan = preview_freed_stock(session, ids(shop, "WIDGET"))
    with shop.write() as session:
        result = confirm_freed_stock(session, plan)
    assert result.changes == Changes.of(
        *ORDER_AREAS, product_ids=ids(shop, "WIDGET"), order_refs=["SO-1"]
    )


def test_a_count_touches_its_product_and_whom_units_were_taken_back_from(shop: Database) -> None:
    add_stock(shop, "WIDGET", 3)
    order(shop, "ANN", ("WIDGET", 3), ref="SO-1")
    with shop.write() as session:
        found = stock.adjust_stock(session, "GADGET", 4, "found")
        lost = stock.adjust_stock(session, "WIDGET", -1, "lost", take_back_promised=True)
    assert found.changes == Changes.of(Area.STOCK, Area.QUEUE, product_ids=ids(shop, "GADGET"))
    assert lost.changes == Changes.of(
        *ORDER_AREAS, product_ids=ids(shop, "WIDGET"), order_refs=["SO-1"]
    )


def test_shipping_and_cancelling_touch_the_order_and_its_products(shop: Database) -> None:
    add_stock(shop, "WIDGET", 2)
    order(shop, "ANN", ("WIDGET", 2), ("GADGET", 1), ref="SO-1")
    order(shop, "BOB", ("GADGET", 2), ref="SO-2")
    order(shop, "CAT", ("GADGET", 1), ref="SO-3")
    with shop.write() as session:
        shipped = shipping.ship_order(session, "SO-1")
        line = cancel_line(session, "SO-1", 2)
        whole = cancel_order(session, "SO-2")
        held = shipping.set_order_ship_preference(session, "SO-3", ShipPreference.COMPLETE)
    assert shipped.changes == Changes.of(
        Area.ORDERS, Area.STOCK, product_ids=ids(shop, "WIDGET"), order_refs=["SO-1"]
    )
    gadget = ids(shop, "GADGET")
    assert line.changes == Changes.of(*ORDER_AREAS, product_ids=gadget, order_refs=["SO-1"])
    assert whole.changes == Changes.of(*ORDER_AREAS, product_ids=gadget, order_refs=["SO-2"])
    assert held.changes == Changes.of(Area.ORDERS, order_refs=["SO-3"])


def test_purchase_orders_say_when_they_change_what_is_incoming(shop: Database) -> None:
    widget = ids(shop, "WIDGET")
    with shop.write() as session:
        opened = purchasing.create_purchase_order(session, "SUP", [LineRequest("WIDGET", 4)])
        draft = purchasing.create_purchase_order(
            session, "SUP", [LineRequest("WIDGET", 1)], draft=True
        )
        edited = purchasing.set_draft_lines(session, draft.ref, [LineRequest("GADGET", 2)])
        redated = purchasing.set_expected_date(session, draft.ref, date(2030, 1, 1))
        sent = purchasing.send_purchase_order(session, draft.ref)
        cancelled = purchasing.cancel_purchase_order(session, opened.ref)
    assert opened.changes == Changes.of(
        *INCOMING, product_ids=widget, purchase_order_refs=[opened.ref]
    )
    assert opened.lines[0].product_id in widget and opened.lines[0].qty_ordered == 4
    # A draft is not incoming: only purchase orders change (and the products on it).
    assert draft.changes == Changes.of(
        Area.PURCHASE_ORDERS, product_ids=widget, purchase_order_refs=[draft.ref]
    )
    assert edited.changes == Changes.of(
        Area.PURCHASE_ORDERS,
        product_ids=ids(shop, "WIDGET", "GADGET"),
        purchase_order_refs=[draft.ref],
    )
    assert redated.changes.areas == {Area.PURCHASE_ORDERS}
    gadget = ids(shop, "GADGET")
    assert sent.changes == Changes.of(*INCOMING, product_ids=gadget, purchase_order_refs=[sent.ref])
    assert cancelled.changes == Changes.of(
        *INCOMING, product_ids=widget, purchase_order_refs=[opened.ref]
    )


def test_suggested_drafts_say_which_purchase_orders_were_created(shop: Database) -> None:
    order(shop, "ANN", ("WIDGET", 3), ref="SO-1")
    with shop.write() as session:
        created = suggestions.create_suggested_purchase_orders(
            session, suggestions.suggest_purchase_orders(session)
        )
        nothing = suggestions.create_suggested_purchase_orders(session, [])
    assert created.refs and created.changes == Changes.of(
        Area.PURCHASE_ORDERS, product_ids=ids(shop, "WIDGET"), purchase_order_refs=created.refs
    )
    assert nothing.refs == () and not nothing.changes


def test_reordering_the_queue_touches_the_products_queue_and_the_lines_order(
    shop: Database,
) -> None:
    order(shop, "ANN", ("WIDGET", 1), ref="SO-1", minute=1)
    order(shop, "BOB", ("WIDGET", 1), ref="SO-2", minute=2)
    expected = Changes.of(
        Area.QUEUE, Area.ORDERS, product_ids=ids(shop, "WIDGET"), order_refs=["SO-2"]
    )
    with shop.write() as session:
        assert queue.pin_line(session, line_id(shop, "SO-2")).changes == expected
        assert queue.unpin_line(session, line_id(shop, "SO-2")).changes == expected
        assert queue.move_line(session, line_id(shop, "SO-2"), "up").changes == expected


def test_a_new_queue_policy_touches_the_setting_and_every_queue(shop: Database) -> None:
    order(shop, "ANN", ("WIDGET", 1), ref="SO-1")
    with shop.write() as session:
        changed = queue.set_queue_policy(session, QueuePolicy.LOYALTY)
        again = queue.set_queue_policy(session, QueuePolicy.LOYALTY)
    assert changed.changes == Changes.of(Area.SETTINGS, Area.QUEUE)
    assert not again.changes  # the policy in force: nothing changed


def test_customers_say_what_else_their_changes_moved(shop: Database) -> None:
    order(shop, "ANN", ("WIDGET", 3), ref="SO-1")
    with shop.write() as session:
        queue.set_queue_policy(session, QueuePolicy.LOYALTY)
    with shop.write() as session:
        added = catalog.create_customer(session, "EVE", "Eve")
        renamed = catalog.update_customer(session, "BOB", name="Bob Jones")
        gold = catalog.update_customer(session, "ANN", tier=CustomerTier.GOLD)
        complete = catalog.update_customer(session, "ANN", ship_preference=ShipPreference.COMPLETE)
    assert added.customer.code == "EVE" and added.changes == Changes.of(Area.CATALOG)
    assert renamed.customer.name == "Bob Jones" and renamed.changes == Changes.of(Area.CATALOG)
    assert gold.changes == Changes.of(Area.CATALOG, Area.QUEUE, product_ids=ids(shop, "WIDGET"))
    assert complete.changes == Changes.of(Area.CATALOG, Area.ORDERS, order_refs=["SO-1"])


def test_an_import_says_what_it_created(shop: Database, tmp_path: Path) -> None:
    orders = tmp_path / "orders.csv"
    orders.write_text(
        "order_ref,customer,placed_at,sku,qty\nSO-9,ANN,2026-01-05T09:00,GADGET,2\n",
        encoding="utf-8",
    )
    empty = tmp_path / "customers.csv"
    empty.write_text("code,name,email,phone,tier\n", encoding="utf-8")
    with shop.write() as session:
        imported = import_csv(session, "orders", orders)
        nothing = import_csv(session, "customers", empty)
    assert imported.changes == Changes.of(
        *ORDER_AREAS, product_ids=ids(shop, "GADGET"), order_refs=["SO-9"]
    )
    assert not nothing.changes


def test_filling_missing_etas_touches_the_queues_only_when_it_wrote(shop: Database) -> None:
    order(shop, "ANN", ("WIDGET", 3), ref="SO-1")  # placing stores its ETA already
    with shop.write() as session:
        assert not fill_missing_etas(session).changes
        session.execute(delete(LineEta))  # as after the upgrade that added ETAs
    with shop.write() as session:
        filled = fill_missing_etas(session)
    assert filled.changes == Changes.of(Area.QUEUE, product_ids=ids(shop, "WIDGET"))


def test_one_area_is_tested_whole_not_letter_by_letter() -> None:
    changes = Changes.of(Area.SETTINGS)
    assert changes.touches(Area.SETTINGS)
    assert not changes.touches(Area.STOCK)
    assert changes.touches([Area.STOCK, Area.SETTINGS])
    assert not Changes.of(Area.STOCK).touches({Area.ORDERS, Area.QUEUE})
