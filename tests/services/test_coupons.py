"""Goodwill coupons: the rule in the shop's settings, a coupon earned when a long-waiting order
ships (and only then, once), and redeemed once by its own customer on a new order."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select, update

from app.db import Database
from app.domain import AllocationEvent, OrderLine, SalesOrder
from app.domain.actors import Actor, Role
from app.domain.coupons import Coupon, CouponRefused, shown_code
from app.domain.errors import InvalidInput
from app.domain.permissions import NotAllowed
from app.domain.settings import ShopSetting
from app.services import shop_settings
from app.services.cancelling import cancel_line, cancel_order
from app.services.changes import Area, Changes
from app.services.coupons import quote_coupon
from app.services.ordering import LineRequest, PlacedOrder, place_order
from app.services.shipping import ship_order
from app.services.views.coupons import coupons_list, order_coupons
from app.services.views.history import order_history
from app.services.views.order_detail import order_detail
from app.services.views.orders import OrderQuery, orders_page
from tests.services.shop import T0, add_stock, order, receive

DAY = timedelta(days=1)


def goodwill(db: Database, *, days: int = 14, **value: object) -> None:
    """Turn the goodwill rule on (10 % unless a percent or amount is given)."""
    with db.write() as session:
        shop_settings.set_goodwill_rule(
            session,
            enabled=True,
            days=days,
            **(value or {"percent": "10"}),  # type: ignore[arg-type]
        )


def waiting_order_allocated_after(db: Database, ref: str, wait: timedelta) -> None:
    """ANN orders 2 WIDGET at T0 with none in stock; a delivery allocates them ``wait``
    after the order (the receipt's allocation is dated so)."""
    order(db, "ANN", ("WIDGET", 2), ref=ref)
    receive(db, ("WIDGET", 2))
    with db.write() as session:
        lines = select(OrderLine.id).join(SalesOrder).where(SalesOrder.ref == ref)
        session.execute(
            update(AllocationEvent)
            .where(AllocationEvent.order_line_id.in_(lines))
            .values(created_at=T0 + wait)
        )


def ship(db: Database, ref: str) -> str | None:
    with db.write() as session:
        return ship_order(session, ref).coupon


def coupons(db: Database) -> list[tuple[str, str, str | None, Decimal | None]]:
    """(customer, earning order, redeeming order, discount) of every coupon."""
    with db.read() as session:
        found = session.scalars(select(Coupon).order_by(Coupon.id))
        return [
            (
                c.customer.code,
                c.earned_order.ref,
                c.redeemed_order.ref if c.redeemed_order else None,
                c.discount,
            )
            for c in found
        ]


def buy(
    db: Database, customer: str, code: str | None, *, price: str = "40.00", qty: int = 2
) -> PlacedOrder:
    with db.write() as session:
        return place_order(
            session, customer, [LineRequest("GADGET", qty, Decimal(price))], coupon=code
        )


# -- the rule ---------------------------------------------------------------------------


def test_a_new_shop_gives_no_coupons(shop: Database) -> None:
    with shop.read() as session:
        assert shop_settings.get_goodwill_rule(session).enabled is False
    waiting_order_allocated_after(shop, "SO-1", 40 * DAY)
    assert ship(shop, "SO-1") is None
    assert coupons(shop) == []


def test_the_rule_is_saved_and_read_back_as_typed(shop: Database) -> None:
    with shop.write() as session:
        saved = shop_settings.set_goodwill_rule(
            session, enabled=True, days=" 21 ", amount="5.50", valid_days="90"
        )
        assert saved.changes.touches(Area.SETTINGS)
    with shop.read() as session:
        rule = shop_settings.get_goodwill_rule(session)
    assert (rule.enabled, rule.days, rule.percent, rule.amount, rule.valid_days) == (
        True,
        21,
        None,
        Decimal("5.50"),
        90,
    )


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ({"percent": "0"}, "above 0 and at most 100"),
        ({"percent": "120"}, "above 0 and at most 100"),
        ({"percent": "ten"}, "is not a percentage"),
        ({"amount": "0"}, "more than zero"),
        ({"amount": "-5"}, "cannot be negative"),
        ({"amount": "2.555"}, "more than two decimals"),
        ({"percent": "10", "amount": "5"}, "either a percentage or an amount"),
        ({}, "either a percentage or an amount"),
        ({"percent": "10", "valid_days": "0"}, "valid for 1 to"),
    ],
)
def test_a_rule_that_makes_no_sense_is_refused_in_plain_words(
    shop: Database, value: dict[str, str], message: str
) -> None:
    with shop.write() as session, pytest.raises(InvalidInput, match=message):
        shop_settings.set_goodwill_rule(session, enabled=True, days=14, **value)  # type: ignore[arg-type]


def test_only_the_owner_changes_the_rule(shop: Database) -> None:
    shop.actor = Actor(name="Max", role=Role.MANAGER, user_id=2)
    with shop.write() as session, pytest.raises(NotAllowed, match="ask the owner"):
        shop_settings.set_goodwill_rule(session, enabled=True, days=14, percent="10")


def test_a_rule_written_by_hand_is_read_as_off_instead_of_failing(shop: Database) -> None:
    with shop.write() as session:
        session.add(ShopSetting(key=shop_settings.GOODWILL_KEY, value="on|soon|percent|10|"))
    with shop.read() as session:
        assert shop_settings.get_goodwill_rule(session).enabled is False


# -- earning ------------------------------------------------------------------------------


def test_an_order_allocated_exactly_n_days_after_it_was_placed_earns_nothing(
    shop: Database,
) -> None:
    goodwill(shop, days=14)
    waiting_order_allocated_after(shop, "SO-1", 14 * DAY)
    assert ship(shop, "SO-1") is None
    assert coupons(shop) == []


def test_an_order_that_waited_a_moment_longer_than_n_days_earns_one_coupon(
    shop: Database,
) -> None:
    goodwill(shop, days=14)
    waiting_order_allocated_after(shop, "SO-1", 14 * DAY + timedelta(seconds=1))
    with shop.write() as session:
        shipped = ship_order(session, "SO-1")
    assert shipped.coupon is not None
    assert shipped.changes.touches(Area.COUPONS)
    assert coupons(shop) == [("ANN", "SO-1", None, None)]
    with shop.read() as session:
        coupon = session.scalars(select(Coupon)).one()
        assert (coupon.code, coupon.percent, coupon.amount) == (
            shipped.coupon,
            Decimal("10.00"),
            None,
        )
        assert coupon.expires_at is None


def test_an_order_served_from_stock_earns_nothing_however_late_it_ships(
    shop: Database,
) -> None:
    goodwill(shop, days=14)
    add_stock(shop, "WIDGET", 2)
    order(shop, "ANN", ("WIDGET", 2), ref="SO-1")  # placed at T0, months before it ships
    assert ship(shop, "SO-1") is None


def test_an_order_earns_one_coupon_even_when_it_ships_in_parts(shop: Database) -> None:
    goodwill(shop, days=14)
    waiting_order_allocated_after(shop, "SO-1", 20 * DAY)
    with shop.write() as session:
        first = ship_order(session, "SO-1", {1: 1})
        second = ship_order(session, "SO-1", {1: 1})
    assert first.coupon is not None and second.coupon is None
    assert len(coupons(shop)) == 1


def test_a_coupon_with_a_validity_expires_that_many_days_after_the_shipment(
    shop: Database,
) -> None:
    goodwill(shop, days=14, amount="5.00", valid_days=30)
    waiting_order_allocated_after(shop, "SO-1", 15 * DAY)
    ship(shop, "SO-1")
    with shop.read() as session:
        coupon = session.scalars(select(Coupon)).one()
        assert coupon.expires_at == coupon.created_at + 30 * DAY


# -- redeeming ----------------------------------------------------------------------------


def earned(db: Database, **value: object) -> str:
    """ANN's coupon from a 20-day wait for SO-1, under a rule of ``value`` (10 % default)."""
    goodwill(db, days=14, **value)
    waiting_order_allocated_after(db, "SO-1", 20 * DAY)
    code = ship(db, "SO-1")
    assert code is not None
    return code


def test_a_percent_coupon_takes_its_share_of_the_line_total_off_once(shop: Database) -> None:
    code = earned(shop)
    placed = buy(shop, "ANN", code, price="40.00", qty=2)
    assert placed.discount == Decimal("8.00")
    assert placed.changes.touches(Area.COUPONS)
    assert coupons(shop) == [("ANN", "SO-1", placed.ref, Decimal("8.00"))]


def test_an_amount_coupon_never_takes_an_order_below_zero(shop: Database) -> None:
    code = earned(shop, amount="50.00")
    placed = buy(shop, "ANN", code, price="12.50", qty=2)
    assert placed.discount == Decimal("25.00")


def test_a_code_typed_in_small_letters_with_a_dash_is_accepted(shop: Database) -> None:
    code = earned(shop)
    placed = buy(shop, "ANN", f"  {shown_code(code).lower()} ")
    assert placed.discount == Decimal("8.00")


def test_the_preview_shows_the_discount_and_new_total_and_writes_nothing(
    shop: Database,
) -> None:
    code = earned(shop, amount="5.00")
    with shop.read() as session:
        quote = quote_coupon(session, "ANN", code, Decimal("30.00"))
    assert (quote.code, quote.value, quote.discount, quote.total) == (
        shown_code(code),
        "€5.00",
        Decimal("5.00"),
        Decimal("25.00"),
    )
    assert coupons(shop)[0][2] is None


def _orders(db: Database) -> int:
    with db.read() as session:
        return len(session.scalars(select(SalesOrder.id)).all())


@pytest.mark.parametrize(
    ("customer", "code", "message"),
    [
        ("ANN", "ZZZZ-ZZZZ", "No coupon has the code 'ZZZZ-ZZZZ'."),
        ("BOB", None, "Coupon {shown} belongs to another customer."),
        ("ANN", "", "Type or scan a coupon code."),
    ],
)
def test_an_unknown_or_someone_else_s_coupon_is_refused_and_no_order_is_written(
    shop: Database, customer: str, code: str | None, message: str
) -> None:
    earned_code = earned(shop)
    before = _orders(shop)
    with pytest.raises(CouponRefused) as refused:
        buy(shop, customer, earned_code if code is None else code)
    assert str(refused.value) == message.format(shown=shown_code(earned_code))
    assert _orders(shop) == before


def test_a_used_coupon_is_refused_naming_the_order_it_was_used_on(shop: Database) -> None:
    code = earned(shop)
    first = buy(shop, "ANN", code)
    with pytest.raises(CouponRefused) as refused:
        buy(shop, "ANN", code)
    assert str(refused.value) == f"Coupon {shown_code(code)} was already used on order {first.ref}."
    with shop.read() as session, pytest.raises(CouponRefused, match="already used"):
        quote_coupon(session, "ANN", code, Decimal("10.00"))


def test_an_expired_coupon_is_refused(shop: Database) -> None:
    code = earned(shop, percent="10", valid_days=30)
    with shop.write() as session:
        session.execute(update(Coupon).values(expires_at=datetime(2026, 2, 1, 12, 0, tzinfo=UTC)))
    with pytest.raises(CouponRefused, match=f"Coupon {shown_code(code)} expired on"):
        buy(shop, "ANN", code)
    assert coupons(shop)[0][2] is None


# -- listing ------------------------------------------------------------------------------


def test_a_customer_s_coupons_are_listed_with_the_orders_that_earned_and_used_them(
    shop: Database,
) -> None:
    code = earned(shop, amount="5.00", valid_days=30)
    placed = buy(shop, "ANN", code)
    with shop.read() as session:
        (row,) = coupons_list(session, "ANN")
        assert coupons_list(session, "BOB") == []
        assert coupons_list(session) == [row]
        assert order_coupons(session, placed.ref) == [row]
        assert order_coupons(session, "SO-1") == [row]
    assert (row.code, row.customer_code, row.value, row.earned_by) == (
        shown_code(code),
        "ANN",
        "€5.00",
        "SO-1",
    )
    assert (row.redeemed_on, row.discount, row.state()) == (placed.ref, Decimal("5.00"), "used")


def test_an_unused_coupon_is_open_until_it_expires(shop: Database) -> None:
    earned(shop, percent="12.5", valid_days=30)
    with shop.read() as session:
        (row,) = coupons_list(session, "ANN")
    assert row.value == "12.5%"
    assert row.expires_at is not None
    assert row.state(row.expires_at) == "open"
    assert row.state(row.expires_at + timedelta(seconds=1)) == "expired"


def test_the_order_detail_and_the_orders_tab_show_the_coupon_and_the_total_less_it(
    shop: Database,
) -> None:
    code = earned(shop, amount="5.00")
    placed = buy(shop, "ANN", code, price="40.00", qty=2)
    with shop.read() as session:
        earning = order_detail(session, "SO-1")
        using = order_detail(session, placed.ref)
        (row,) = [r for r in orders_page(session, OrderQuery(), 0, 50) if r.ref == placed.ref]
    assert earning.coupon_earned is not None and earning.coupon_used is None
    assert earning.coupon_earned.code == shown_code(code)
    assert any(
        e.kind == "coupon" and shown_code(code) in e.text and "€5.00" in e.text
        for e in earning.events
    )
    assert using.coupon_used is not None and using.coupon_earned is None
    assert (using.line_total, using.discount, using.total) == (
        Decimal("80.00"),
        Decimal("5.00"),
        Decimal("75.00"),
    )
    assert row.total == Decimal("75.00")


# -- a later cancel on the order that used a coupon ---------------------------------------


def cancel_units(db: Database, ref: str, qty: int, line_no: int = 1) -> Changes:
    with db.write() as session:
        return cancel_line(session, ref, line_no, "changed their mind", qty=qty).changes


def totals(db: Database, ref: str) -> tuple[Decimal, Decimal | None, Decimal]:
    """(what the lines left come to, the coupon's discount, the total), as the order detail
    and the Orders tab show them."""
    with db.read() as session:
        detail = order_detail(session, ref)
        (row,) = [r for r in orders_page(session, OrderQuery(), 0, 50) if r.ref == ref]
    assert row.total == detail.total
    return detail.line_total, detail.discount, detail.total


def test_a_percent_coupon_s_discount_follows_the_lines_left_after_a_cancel(
    shop: Database,
) -> None:
    code = earned(shop)  # 10 %
    placed = buy(shop, "ANN", code, price="40.00", qty=2)
    assert totals(shop, placed.ref) == (Decimal("80.00"), Decimal("8.00"), Decimal("72.00"))
    changes = cancel_units(shop, placed.ref, 1)
    assert changes.touches(Area.COUPONS)
    assert totals(shop, placed.ref) == (Decimal("40.00"), Decimal("4.00"), Decimal("36.00"))
    assert coupons(shop) == [("ANN", "SO-1", placed.ref, Decimal("4.00"))]


def test_a_fixed_coupon_stays_whole_while_the_lines_left_cover_it(shop: Database) -> None:
    code = earned(shop, amount="5.00")
    placed = buy(shop, "ANN", code, price="40.00", qty=2)
    cancel_units(shop, placed.ref, 1)
    assert totals(shop, placed.ref) == (Decimal("40.00"), Decimal("5.00"), Decimal("35.00"))


def test_a_fixed_coupon_is_capped_at_what_is_left_never_below_zero(shop: Database) -> None:
    code = earned(shop, amount="10.00")
    placed = buy(shop, "ANN", code, price="8.00", qty=2)
    assert totals(shop, placed.ref) == (Decimal("16.00"), Decimal("10.00"), Decimal("6.00"))
    cancel_units(shop, placed.ref, 1)
    assert totals(shop, placed.ref) == (Decimal("8.00"), Decimal("8.00"), Decimal("0.00"))


def test_shipped_units_still_count_when_the_rest_is_cancelled(shop: Database) -> None:
    code = earned(shop)  # 10 %
    add_stock(shop, "GADGET", 1)
    placed = buy(shop, "ANN", code, price="40.00", qty=3)
    ship(shop, placed.ref)  # the one in stock
    with shop.write() as session:
        cancel_order(session, placed.ref, "no longer needed")
    assert totals(shop, placed.ref) == (Decimal("40.00"), Decimal("4.00"), Decimal("36.00"))


def test_an_order_cancelled_entirely_gives_its_coupon_back_for_a_next_order(
    shop: Database,
) -> None:
    code = earned(shop)
    placed = buy(shop, "ANN", code, price="40.00", qty=2)
    with shop.write() as session:
        changes = cancel_order(session, placed.ref, "found it elsewhere").changes
    assert changes.touches(Area.COUPONS)
    assert coupons(shop) == [("ANN", "SO-1", None, None)]
    assert totals(shop, placed.ref) == (Decimal("0.00"), Decimal("0.00"), Decimal("0.00"))
    with shop.read() as session:  # the cancelled order's history says the coupon went back
        given_back = order_history(session, placed.ref)[-1]
    assert (given_back.what, given_back.action) == ("Goodwill coupon", "changed")
    assert "used on order was" in given_back.changes_text()
    again = buy(shop, "ANN", code, price="20.00", qty=1)
    assert again.discount == Decimal("2.00")
    assert coupons(shop) == [("ANN", "SO-1", again.ref, Decimal("2.00"))]


def test_a_cancel_on_an_order_without_a_coupon_touches_no_coupon(shop: Database) -> None:
    code = earned(shop)
    placed = buy(shop, "ANN", None, price="40.00", qty=2)
    changes = cancel_units(shop, placed.ref, 1)
    assert not changes.touches(Area.COUPONS)
    assert coupons(shop) == [("ANN", "SO-1", None, None)]
    assert buy(shop, "ANN", code, price="40.00", qty=1).discount == Decimal("4.00")


def test_a_free_line_that_shipped_keeps_the_coupon_used_when_the_rest_is_cancelled(
    shop: Database,
) -> None:
    """The coupon goes back only when nothing of the order is left, counted in units: a free
    sample that shipped is part of the order the coupon was used on."""
    code = earned(shop)
    add_stock(shop, "WIDGET", 1)
    with shop.write() as session:
        placed = place_order(
            session,
            "ANN",
            [LineRequest("WIDGET", 1, Decimal("0.00")), LineRequest("GADGET", 2, Decimal("40"))],
            coupon=code,
        )
    ship(shop, placed.ref)  # the free widget, from the shelf
    with shop.write() as session:
        cancel_order(session, placed.ref, "no longer needed")
    assert coupons(shop) == [("ANN", "SO-1", placed.ref, Decimal("0.00"))]
