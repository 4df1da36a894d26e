"""The printed documents as data and HTML: what a packing slip, order status sheet, purchase
order and pick list say, read from a real shop on both engines."""

from __future__ import annotations

import base64
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select, update

from app.db import Database
from app.domain import Location, Product, StockBalance, StockMovement
from app.domain.enums import MovementKind
from app.domain.errors import InvalidInput, NotFound
from app.services import catalog, shop_settings
from app.services.documents import (
    order_status_sheet,
    packing_slip,
    pick_list,
    purchase_order_document,
)
from app.services.documents.html import render_html
from app.services.documents.orders import NO_DATE_YET
from app.services.ordering import LineRequest, place_order
from app.services.shipping import ship_order
from tests.services.shop import add_stock, make_po, order, receive

#: The smallest PNG there is (one transparent pixel).
PIXEL_PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII="
)
TODAY = date(2026, 12, 5)


@pytest.fixture
def shop(db: Database) -> Database:
    """Widgets (3 on hand, 2.50 each) and gadgets (none), from SUP; Ann orders 5 widgets and
    2 gadgets (3 widgets ready, the rest waiting); 10 widgets are on order (PO-1)."""
    with db.write() as session:
        catalog.create_supplier(session, "SUP", "Supplies Ltd")
        catalog.create_product(
            session, "WIDGET", "Widget", price=Decimal("2.50"), cost=Decimal("1.20"),
            supplier_code="SUP", supplier_sku="W-77",
        )  # fmt: skip
        catalog.create_product(session, "GADGET", "Gadget", price=Decimal("10"))
        catalog.create_customer(session, "ANN", "Ann Archer")
        shop_settings.set_shop_identity(
            session, "Bits & <Bobs>", "1 High Street\n Market Town ", "0123 456", PIXEL_PNG
        )
    add_stock(db, "WIDGET", 3)
    order(db, "ANN", ("WIDGET", 5), ("GADGET", 2), ref="SO-1")
    make_po(db, ("WIDGET", 10), ref="PO-1")
    return db


def test_the_packing_slip_lists_the_parcel_and_what_is_still_to_come_with_its_eta(
    shop: Database,
) -> None:
    with shop.read() as session:
        slip = packing_slip(session, "SO-1", today=TODAY)
    assert [(line.sku, line.qty) for line in slip.shipping_now] == [("WIDGET", 3)]
    waiting = {line.sku: line for line in slip.waiting}
    assert waiting["WIDGET"].qty == 2 and waiting["WIDGET"].eta not in ("", NO_DATE_YET)
    assert waiting["GADGET"].qty == 2 and waiting["GADGET"].eta == NO_DATE_YET
    assert slip.shipped_before == () and not slip.held
    assert slip.shop.name == "Bits & <Bobs>"
    assert slip.shop.address == "1 High Street\nMarket Town"


def test_a_slip_printed_just_after_shipping_describes_the_parcel_that_left(
    shop: Database,
) -> None:
    with shop.write() as session:
        ship_order(session, "SO-1")
    with shop.read() as session:
        slip = packing_slip(session, "SO-1", today=TODAY)
    assert [(line.sku, line.qty) for line in slip.shipping_now] == [("WIDGET", 3)]
    assert slip.shipped_before == ()
    assert {line.sku: line.qty for line in slip.waiting} == {"WIDGET": 2, "GADGET": 2}
    assert slip.shipped_at is not None  # it says when the parcel left, not "packed" today
    page = render_html(slip)
    assert "<b>Shipped</b>" in page and "<b>Packed</b>" not in page


def test_a_later_parcel_lists_only_its_own_units_and_the_first_as_sent_earlier(
    shop: Database,
) -> None:
    with shop.write() as session:
        ship_order(session, "SO-1", {1: 2})
    with shop.write() as session:  # the first parcel left a while ago
        for movement in session.scalars(
            select(StockMovement).where(StockMovement.kind == MovementKind.SHIPMENT)
        ):
            movement.created_at -= timedelta(hours=2)
    with shop.write() as session:
        ship_order(session, "SO-1")
    with shop.read() as session:
        slip = packing_slip(session, "SO-1", today=TODAY)
    assert [(line.sku, line.qty) for line in slip.shipping_now] == [("WIDGET", 1)]
    assert [(line.sku, line.qty) for line in slip.shipped_before] == [("WIDGET", 2)]
    receive(shop, ("WIDGET", 2))
    with shop.read() as session:
        packed = packing_slip(session, "SO-1", today=TODAY)
    # units allocated again: the slip is for the next parcel, everything shipped is earlier
    assert [(line.sku, line.qty) for line in packed.shipping_now] == [("WIDGET", 2)]
    assert [(line.sku, line.qty) for line in packed.shipped_before] == [("WIDGET", 3)]


def test_the_packing_slip_html_escapes_the_shop_and_carries_the_logo(shop: Database) -> None:
    with shop.read() as session:
        page = render_html(packing_slip(session, "SO-1", today=TODAY))
    assert "Bits &amp; &lt;Bobs&gt;" in page and "<Bobs>" not in page
    assert "1 High Street<br>Market Town" in page
    assert "data:image/png;base64," in page
    assert "In this parcel" in page and "Still to come" in page and NO_DATE_YET in page
    assert "<b>Packed</b>" in page  # not shipped yet: packed today
    with shop.read() as session:
        printed = render_html(packing_slip(session, "SO-1"), logo_src="logo-resource")
    assert 'src="logo-resource"' in printed and "data:image" not in printed


def test_the_order_status_sheet_gives_each_line_its_state_eta_and_amount(
    shop: Database,
) -> None:
    with shop.read() as session:
        sheet = order_status_sheet(session, "SO-1", today=TODAY)
    widget, gadget = sheet.lines
    assert (widget.ready, widget.waiting, widget.status) == (3, 2, "2 waiting, 3 ready")
    assert widget.eta not in ("", NO_DATE_YET)
    assert (gadget.status, gadget.eta) == ("2 waiting", NO_DATE_YET)
    assert widget.amount == Decimal("12.50") and sheet.total == Decimal("32.50")
    page = render_html(sheet)
    assert "Order status SO-1" in page and "€32.50" in page and "Part ready to ship" in page


def test_the_purchase_order_document_names_the_suppliers_codes_and_the_total(
    shop: Database,
) -> None:
    with shop.read() as session:
        po = purchase_order_document(session, "PO-1", today=TODAY)
    assert po.supplier_name == "Supplies Ltd"
    assert [(line.supplier_sku, line.sku, line.qty) for line in po.lines] == [
        ("W-77", "WIDGET", 10)
    ]
    assert po.total == Decimal("12.00")
    page = render_html(po)
    assert "Purchase order PO-1" in page and "W-77" in page and "€12.00" in page


def test_the_pick_list_walks_location_then_product_and_only_holds_ready_orders(
    shop: Database,
) -> None:
    add_stock(shop, "GADGET", 1)  # a second order, ready: Bob's gadget
    with shop.write() as session:
        catalog.create_customer(session, "BOB", "Bob Baker")
    order(shop, "BOB", ("GADGET", 1), ("WIDGET", 5), ref="SO-2", minute=5)
    with shop.write() as session:
        # Gadgets live in the back room, which sorts before the shop.
        back = Location(code="BACK", name="Back room")
        session.add(back)
        session.flush()
        gadget = session.query(Product).filter_by(sku="GADGET").one()
        session.execute(
            update(StockBalance)
            .where(StockBalance.product_id == gadget.id)
            .values(location_id=back.id)
        )
    with shop.read() as session:
        picks = pick_list(session, today=TODAY)
        only_bob = pick_list(session, ["SO-2"], today=TODAY)
    assert [(r.location, r.sku, r.qty, r.order_ref) for r in picks.rows] == [
        ("BACK", "GADGET", 1, "SO-2"),
        ("SHOP", "WIDGET", 3, "SO-1"),
    ]
    assert (picks.orders, picks.units) == (2, 4)
    assert [r.order_ref for r in only_bob.rows] == ["SO-2"]
    assert "4 units for 2 orders ready to ship" in render_html(picks)


def test_the_pick_list_walks_each_location_bin_by_bin_in_natural_order_unbinned_last(
    shop: Database,
) -> None:
    """Within a location: bins in natural order ("A2" before "A10", case aside), then SKU
    within a bin, then the products with no bin (here WIDGET, never given one)."""
    bins = {"BOLT": "A10", "NUT": "a2", "CLIP": "A2", "PIN": "B1", "TACK": "", "ZIP": "A2"}
    with shop.write() as session:
        catalog.create_customer(session, "BOB", "Bob Baker")
        for sku, bin_ in bins.items():
            catalog.create_product(session, sku, sku.title(), bin=f"  {bin_} ")
    for sku in bins:
        add_stock(shop, sku, 1)
    order(shop, "BOB", *((sku, 1) for sku in reversed(bins)), ref="SO-2", minute=5)
    with shop.read() as session:
        picks = pick_list(session, today=TODAY)
    assert [(r.bin, r.sku) for r in picks.rows] == [
        ("A2", "CLIP"),
        ("a2", "NUT"),
        ("A2", "ZIP"),
        ("A10", "BOLT"),
        ("B1", "PIN"),
        ("", "TACK"),
        ("", "WIDGET"),
    ]
    page = render_html(picks)
    assert ">Bin</th>" in page and "<td>A10</td>" in page


def test_an_unknown_reference_is_refused_in_plain_words(shop: Database) -> None:
    with shop.read() as session, pytest.raises(NotFound, match="no order 'SO-9'"):
        packing_slip(session, "SO-9")
    with shop.read() as session, pytest.raises(NotFound, match="no purchase order 'PO-9'"):
        purchase_order_document(session, "PO-9")


def test_a_logo_must_be_a_small_image_and_can_be_removed(db: Database) -> None:
    with db.write() as session:
        with pytest.raises(InvalidInput, match="PNG, JPEG or GIF"):
            shop_settings.set_shop_identity(session, "Shop", "", "", b"%PDF-1.4 not an image")
        too_big = PIXEL_PNG + b"\0" * shop_settings.MAX_LOGO_BYTES
        with pytest.raises(InvalidInput, match="at most 512 KB"):
            shop_settings.set_shop_identity(session, "Shop", "", "", too_big)
        with pytest.raises(InvalidInput, match="one line"):
            shop_settings.set_shop_identity(session, "Shop\nLtd", "", "", None)
        assert shop_settings.get_shop_identity(session).name == ""
        shop_settings.set_shop_identity(session, "Shop", "", "", PIXEL_PNG)
        assert shop_settings.get_shop_identity(session).logo == PIXEL_PNG
        saved = shop_settings.set_shop_identity(session, "Shop", "", "", None)
    assert saved.logo is None
    with db.read() as session:
        assert shop_settings.get_shop_identity(session).logo is None


def test_a_damaged_stored_logo_is_left_off_rather_than_stopping_the_print(db: Database) -> None:
    with db.write() as session:
        session.add(shop_settings.ShopSetting(key=shop_settings.SHOP_LOGO_KEY, value="not base64!"))
    with db.read() as session:
        assert shop_settings.get_shop_identity(session).logo is None


def test_the_slip_of_an_order_that_earned_a_coupon_gives_the_code_and_the_sheet_of_the_order_using_it_the_discount(  # noqa: E501
    shop: Database,
) -> None:
    with shop.write() as session:
        shop_settings.set_goodwill_rule(session, enabled=True, days=14, amount="5.00")
    receive(shop, ("WIDGET", 2), ("GADGET", 2))  # months after SO-1 was placed
    with shop.write() as session:
        code = ship_order(session, "SO-1").coupon
    assert code is not None
    shown = f"{code[:4]}-{code[4:]}"
    with shop.read() as session:
        slip = packing_slip(session, "SO-1", today=TODAY)
    assert slip.coupon is not None and (slip.coupon.code, slip.coupon.value) == (shown, "€5.00")
    page = render_html(slip)
    assert "Thank you for waiting" in page and f"<b>{shown}</b> takes €5.00 off" in page
    with shop.write() as session:
        place_order(session, "ANN", [LineRequest("GADGET", 1)], ref="SO-2", coupon=code)
    with shop.read() as session:
        sheet = order_status_sheet(session, "SO-2", today=TODAY)
        assert packing_slip(session, "SO-2", today=TODAY).coupon is None
    assert sheet.total == Decimal("5.00")  # 10.00 less the coupon
    page = render_html(sheet)
    assert f"Coupon {shown}: -€5.00" in page and "Total €5.00" in page


def test_a_parcel_of_several_lines_is_listed_whole_after_shipping(shop: Database) -> None:
    """One shipment's lines share its time: the slip printed after it lists all of them."""
    add_stock(shop, "WIDGET", 2)
    add_stock(shop, "GADGET", 1)
    order(shop, "ANN", ("WIDGET", 2), ("GADGET", 1), ref="SO-2")
    with shop.write() as session:
        ship_order(session, "SO-2")
    with shop.read() as session:
        slip = packing_slip(session, "SO-2", today=TODAY)
    assert [(line.sku, line.qty) for line in slip.shipping_now] == [("WIDGET", 2), ("GADGET", 1)]
    assert slip.shipped_before == () and slip.waiting == ()
