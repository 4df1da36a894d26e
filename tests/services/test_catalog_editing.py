"""Changing the catalog from the window: editing and archiving products, suppliers and
customers, a new shop's opening stock, and a policy switched during a promotion."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from app.db import Database
from app.domain import BackorderPolicy, OrderLine, StockMovement
from app.domain.barcodes import InvalidBarcode
from app.domain.enums import MovementKind
from app.domain.errors import Duplicate, InvalidInput, InvalidQuantity, NotEnoughStock
from app.services import catalog, purchasing, stock
from app.services.catalog import KEEP, Archived
from app.services.changes import Area
from app.services.ordering import LineRequest, place_order
from tests.services.shop import add_stock, make_po, order, product_id


def test_editing_a_product_changes_its_details_and_says_the_catalog_changed(shop: Database):
    with shop.write() as s:
        saved = catalog.update_product(
            s,
            "WIDGET",
            name="Widget, large",
            barcode="4006381333931",
            price="12.50",
            cost=Decimal("7.25"),
            reorder_point=4,
            supplier_sku="W-L",
            max_backorder_qty=10,
        )
    assert saved.changes.touches([Area.CATALOG])
    assert saved.changes.product_ids == {product_id(shop, "WIDGET")}
    with shop.read() as s:
        found = catalog.find_product(s, "4006381333931")
        assert (found.sku, found.name, found.price, found.cost) == (
            "WIDGET",
            "Widget, large",
            Decimal("12.50"),
            Decimal("7.25"),
        )
        assert (found.reorder_point, found.supplier_sku, found.max_backorder_qty) == (4, "W-L", 10)
    with shop.write() as s:  # KEEP leaves a field alone; None clears it
        catalog.update_product(s, "WIDGET", barcode=KEEP, max_backorder_qty=None)
    with shop.read() as s:
        found = catalog.find_product(s, "WIDGET")
        assert (found.barcode, found.max_backorder_qty) == ("4006381333931", None)


@pytest.mark.parametrize(
    ("change", "error", "words"),
    [
        ({"price": "-1"}, InvalidInput, "Price cannot be negative"),
        ({"cost": "1.234"}, InvalidInput, "more than two decimals"),
        ({"sku": "GADGET"}, Duplicate, "SKU GADGET already exists"),
        ({"barcode": "4006381333932"}, InvalidBarcode, "check digit"),
        ({"name": "  "}, InvalidInput, "Product name is required"),
        ({"reorder_point": -2}, InvalidInput, "Reorder point cannot be negative"),
        ({"max_backorder_qty": -1}, InvalidQuantity, "Maximum backorder quantity"),
        ({"supplier_code": "NOPE"}, Exception, "No supplier has the code"),
    ],
)
def test_a_bad_product_edit_says_why_and_changes_nothing(shop: Database, change, error, words):
    with shop.read() as s:
        before = catalog.find_product(s, "WIDGET")
        was = (before.sku, before.name, before.price, before.cost, before.reorder_point)
    with pytest.raises(error, match=words), shop.write() as s:
        catalog.update_product(s, "WIDGET", **({"name": "Renamed"} | change))
    with shop.read() as s:
        after = catalog.find_product(s, "WIDGET")
        assert (after.sku, after.name, after.price, after.cost, after.reorder_point) == was


def test_a_duplicate_barcode_is_refused_on_edit(shop: Database):
    with shop.write() as s:
        catalog.update_product(s, "GADGET", barcode="4006381333931")
    with pytest.raises(Duplicate, match="already belongs"), shop.write() as s:
        catalog.update_product(s, "WIDGET", barcode="4006381333931")


def test_switching_to_backorder_during_a_promotion_lets_the_next_order_wait(shop: Database):
    add_stock(shop, "RARE", 2)
    order(shop, "ANN", ("RARE", 2), ref="SO-1")
    with pytest.raises(NotEnoughStock), shop.write() as s:  # out of stock: refused
        place_order(s, "BOB", [LineRequest("RARE", 3)])
    with shop.write() as s:
        catalog.update_product(s, "RARE", backorder_policy=BackorderPolicy.BACKORDER)
    placed = order(shop, "BOB", ("RARE", 3), ref="SO-2", minute=5)
    assert placed.lines[0].backordered == 3  # the customer waits instead of being refused
    with shop.read() as s:
        first = s.scalars(select(OrderLine).where(OrderLine.product_id == product_id(shop, "RARE")))
        lines = {(line.qty_allocated, line.qty_backordered) for line in first}
    assert lines == {(2, 0), (0, 3)}  # the existing line is unchanged


def test_switching_back_to_out_of_stock_refuses_new_orders_and_keeps_waiting_lines(
    shop: Database,
):
    order(shop, "ANN", ("WIDGET", 3), ref="SO-1")
    with shop.write() as s:
        catalog.update_product(s, "WIDGET", backorder_policy=BackorderPolicy.OUT_OF_STOCK)
    with pytest.raises(NotEnoughStock), shop.write() as s:
        place_order(s, "BOB", [LineRequest("WIDGET", 1)])
    with shop.read() as s:
        waiting = s.scalar(select(OrderLine.qty_backordered).where(OrderLine.line_no == 1))
    assert waiting == 3


def test_an_archived_product_cannot_be_ordered_or_bought_but_old_documents_keep_it(
    shop: Database,
):
    order(shop, "ANN", ("WIDGET", 2), ref="SO-1")
    make_po(shop, ("WIDGET", 5), ref="PO-1")
    with shop.write() as s:
        saved = catalog.archive_product(s, "WIDGET")
    assert saved.changes.touches([Area.CATALOG])
    with pytest.raises(Archived, match="Product WIDGET is archived"), shop.write() as s:
        place_order(s, "BOB", [LineRequest("WIDGET", 1)])
    with pytest.raises(Archived, match="Product WIDGET is archived"), shop.write() as s:
        purchasing.create_purchase_order(s, "SUP", [LineRequest("WIDGET", 1)])
    with shop.read() as s:  # the order and the PO still name it
        assert purchasing.get_purchase_order(s, "PO-1").lines[0].product.sku == "WIDGET"
        assert catalog.find_product(s, "WIDGET").archived_at is not None
        assert stock.check_ledger(s) == []
    with shop.write() as s:
        catalog.unarchive_product(s, "WIDGET")
    placed = order(shop, "BOB", ("WIDGET", 1), ref="SO-2", minute=3)
    assert placed.lines[0].backordered == 1


def test_an_archived_supplier_takes_no_new_purchase_orders(shop: Database):
    with shop.write() as s:
        catalog.archive_supplier(s, "SUP")
    with pytest.raises(Archived, match="Supplier SUP is archived"), shop.write() as s:
        purchasing.create_purchase_order(s, "SUP", [LineRequest("WIDGET", 1)])
    with pytest.raises(Archived, match="Supplier SUP"), shop.write() as s:
        catalog.create_product(s, "NEW", "New thing", supplier_code="SUP")
    with shop.write() as s:  # its products keep it as their supplier
        catalog.update_product(s, "WIDGET", name="Widget 2", supplier_code="SUP")
        catalog.unarchive_supplier(s, "SUP")
        purchasing.create_purchase_order(s, "SUP", [LineRequest("WIDGET", 1)])


def test_an_archived_customer_places_no_new_orders_and_is_not_offered(shop: Database):
    order(shop, "ANN", ("WIDGET", 1), ref="SO-1")
    with shop.write() as s:
        catalog.archive_customer(s, "ANN")
    with shop.read() as s:
        assert [row.code for row in catalog.search_customers(s, "ann")] == []
        assert catalog.customer_row(s, "ANN").name == "Ann"  # still there to look at
    with pytest.raises(Archived, match="Customer ANN"), shop.write() as s:
        place_order(s, "ANN", [LineRequest("WIDGET", 1)])
    with shop.write() as s:
        catalog.unarchive_customer(s, "ANN")
    order(shop, "ANN", ("WIDGET", 1), ref="SO-2", minute=1)


def test_editing_a_supplier_keeps_its_code_and_checks_its_details(shop: Database):
    with shop.write() as s:
        saved = catalog.update_supplier(
            s,
            "SUP",
            name="Supplies Ltd (North)",
            lead_time_days=12,
            contact_name="Priya Shah",
            email="orders@supplies.example",
            phone="0161 496 0000",
        )
    assert saved.code == "SUP" and saved.changes.touches([Area.CATALOG])
    with shop.read() as s:
        supplier = catalog.get_supplier(s, "SUP")
        assert (supplier.name, supplier.lead_time_days, supplier.contact_name, supplier.phone) == (
            "Supplies Ltd (North)",
            12,
            "Priya Shah",
            "0161 496 0000",
        )
    with pytest.raises(InvalidInput, match="Lead time"), shop.write() as s:
        catalog.update_supplier(s, "SUP", lead_time_days=-1)
    with pytest.raises(InvalidInput, match="does not look like an address"), shop.write() as s:
        catalog.update_supplier(s, "SUP", email="0161 496 0000")
    with pytest.raises(Duplicate), shop.write() as s:
        catalog.create_supplier(s, "SUP", "Again")


def test_opening_stock_goes_through_the_ledger_and_the_check_stays_happy(db: Database):
    with db.write() as s:
        saved = catalog.create_product(s, "MUG", "Blue mug", opening_stock=12)
        catalog.create_product(s, "CUP", "Cup")
        later = catalog.enter_opening_stock(s, "CUP", 5)
    assert saved.changes.touches([Area.STOCK]) and later.on_hand == 5
    with db.read() as s:
        movements = s.execute(
            select(StockMovement.qty, StockMovement.kind, StockMovement.reason).order_by(
                StockMovement.id
            )
        ).all()
        assert [tuple(m) for m in movements] == [
            (12, MovementKind.ADJUSTMENT, "opening stock"),
            (5, MovementKind.ADJUSTMENT, "opening stock"),
        ]
        assert stock.check_ledger(s) == []
    with pytest.raises(InvalidQuantity, match="Opening stock"), db.write() as s:
        catalog.create_product(s, "BAD", "Bad", opening_stock=-3)
    with pytest.raises(InvalidQuantity, match="Opening stock"), db.write() as s:
        catalog.enter_opening_stock(s, "CUP", 0)


def test_archived_products_and_suppliers_are_not_suggested_for_purchase_orders(
    shop: Database,
):
    from app.services.suggestions import suggest_purchase_orders

    order(shop, "ANN", ("WIDGET", 3), ("GADGET", 2), ref="SO-1")
    with shop.write() as s:
        catalog.archive_product(s, "GADGET")
    with shop.read() as s:
        (po,) = suggest_purchase_orders(s)
        assert (po.supplier_code, [line.sku for line in po.lines]) == ("SUP", ["WIDGET"])
    with shop.write() as s:
        catalog.archive_supplier(s, "SUP")
    with shop.read() as s:
        (po,) = suggest_purchase_orders(s)
        assert (po.supplier_code, [line.sku for line in po.lines]) == (None, ["WIDGET"])


def test_the_catalog_tabs_hide_archived_records_unless_asked_and_search_in_sql(shop: Database):
    from app.services import views
    from app.services.views import CatalogQuery

    with shop.write() as s:
        catalog.update_product(s, "GADGET", barcode="4006381333931", price=Decimal("9.99"))
        catalog.archive_product(s, "RARE")
        catalog.archive_customer(s, "BOB")
        catalog.create_supplier(s, "OLD", "Old Supplies", contact_name="Jo")
        catalog.archive_supplier(s, "OLD")
    with shop.read() as s:
        active = views.products_page(s, CatalogQuery(), 0, 50)
        assert [row.sku for row in active] == ["GADGET", "WIDGET"]
        every = views.products_page(s, CatalogQuery(archived=True), 0, 50)
        assert [(row.sku, row.archived) for row in every] == [
            ("GADGET", False),
            ("RARE", True),
            ("WIDGET", False),
        ]
        assert views.count_catalog_products(s, CatalogQuery()).value == 2
        by_price = views.products_page(s, CatalogQuery(sort="price", descending=True), 0, 50)
        assert by_price[0].sku == "GADGET" and by_price[0].price == Decimal("9.99")
        assert by_price[0].supplier == "SUP"
        found = views.products_page(s, CatalogQuery(search="333931"), 0, 50)
        assert [row.sku for row in found] == ["GADGET"]
        assert [r.code for r in views.customers_page(s, CatalogQuery(), 0, 50)] == [
            "ANN",
            "CAT",
            "DAN",
        ]
        assert [r.code for r in views.suppliers_page(s, CatalogQuery(search="jo"), 0, 50)] == []
        assert [
            (r.code, r.archived)
            for r in views.suppliers_page(s, CatalogQuery(search="jo", archived=True), 0, 50)
        ] == [("OLD", True)]
        assert not views.shop_is_empty(s)
