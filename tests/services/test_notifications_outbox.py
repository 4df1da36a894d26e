"""The outbox: a customer's notification is written in the transaction of the change that
causes it, only for events the shop enabled and customers who opted in."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

import pytest

from app.db import Database
from app.domain import LineEta, NotificationChannel, NotificationEvent
from app.services import formatting, purchasing, shop_settings
from app.services.cancelling import cancel_order
from app.services.eta import recompute_etas
from app.services.notifications.sender import claim_due
from app.services.notifications.settings import (
    get_notification_settings,
    save_notification_settings,
)
from app.services.notifications.templates import get_template, preview, render
from app.services.shipping import ship_order
from tests.services.notify_shop import enable_all, events, opt_in, outbox
from tests.services.shop import add_stock, make_po, order, receive


@pytest.fixture
def notifying(shop: Database) -> Database:
    enable_all(shop)
    opt_in(shop, "ANN", "BOB")
    return shop


def test_a_backordered_order_writes_one_backordered_message(notifying: Database) -> None:
    order(notifying, "ANN", ("WIDGET", 2), ref="SO-1")
    assert events(notifying) == [("SO-1", "backordered")]


def test_a_sale_from_the_shelf_says_nothing(notifying: Database) -> None:
    add_stock(notifying, "WIDGET", 5)
    order(notifying, "ANN", ("WIDGET", 2), ref="SO-1")
    assert events(notifying) == []


def test_customers_who_did_not_opt_in_or_chose_no_channel_get_nothing(
    notifying: Database,
) -> None:
    opt_in(notifying, "BOB", channel=NotificationChannel.NONE)
    order(notifying, "CAT", ("WIDGET", 1), ref="SO-CAT")
    order(notifying, "BOB", ("WIDGET", 1), ref="SO-BOB")
    assert events(notifying) == []


def test_an_event_the_shop_did_not_enable_writes_nothing(shop: Database) -> None:
    enable_all(shop, NotificationEvent.READY_TO_SHIP)
    opt_in(shop, "ANN")
    order(shop, "ANN", ("WIDGET", 1), ref="SO-1")
    assert events(shop) == []
    receive(shop, ("WIDGET", 1))
    assert events(shop) == [("SO-1", "ready_to_ship")]


def test_a_change_that_rolls_back_leaves_no_message(notifying: Database) -> None:
    with pytest.raises(RuntimeError), notifying.write() as session:
        from app.services.ordering import LineRequest, place_order

        place_order(session, "ANN", [LineRequest("WIDGET", 3)], ref="SO-GONE")
        raise RuntimeError("the till lost power")
    assert events(notifying) == []


def test_a_receipt_tells_each_filled_order_it_is_ready_or_part_ready(
    notifying: Database,
) -> None:
    order(notifying, "ANN", ("WIDGET", 2), ref="SO-1")
    order(notifying, "BOB", ("WIDGET", 1), ("GADGET", 1), ref="SO-2", minute=1)
    receive(notifying, ("WIDGET", 3))
    assert events(notifying)[2:] == [("SO-1", "ready_to_ship"), ("SO-2", "part_ready")]
    receive(notifying, ("GADGET", 1))
    assert events(notifying)[4:] == [("SO-2", "ready_to_ship")]


def test_shipping_and_cancelling_tell_the_customer(notifying: Database) -> None:
    add_stock(notifying, "WIDGET", 2)
    order(notifying, "ANN", ("WIDGET", 2), ref="SO-1")
    order(notifying, "BOB", ("GADGET", 1), ref="SO-2")
    with notifying.write() as session:
        ship_order(session, "SO-1")
        cancel_order(session, "SO-2", "changed their mind")
    assert events(notifying) == [
        ("SO-2", "backordered"),
        ("SO-1", "shipped"),
        ("SO-2", "cancelled"),
    ]


def test_an_eta_moving_later_is_told_once_per_move_not_per_recompute(
    notifying: Database,
) -> None:
    make_po(notifying, ("WIDGET", 5), ref="PO-1")
    order(notifying, "ANN", ("WIDGET", 2), ref="SO-1")
    later = date.today() + timedelta(days=30)
    with notifying.write() as session:
        purchasing.set_expected_date(session, "PO-1", later)
    with notifying.write() as session:
        recompute_etas(session)  # nothing moved: nothing more to say
    assert events(notifying) == [("SO-1", "backordered"), ("SO-1", "eta_later")]
    with notifying.write() as session:
        purchasing.set_expected_date(session, "PO-1", later + timedelta(days=7))
    assert events(notifying)[2:] == [("SO-1", "eta_later")]


def test_the_backordered_message_gives_each_waiting_line_its_eta_range(
    notifying: Database,
) -> None:
    add_stock(notifying, "GADGET", 1)
    make_po(notifying, ("WIDGET", 5), ref="PO-1")
    placed = order(notifying, "ANN", ("WIDGET", 2), ("GADGET", 1), ref="SO-1")
    assert placed.status.value == "part_ready"
    with notifying.read() as session:
        template = get_template(session, NotificationEvent.BACKORDERED)
        from app.domain import SalesOrder

        order_id = session.query(SalesOrder.id).filter(SalesOrder.ref == "SO-1").scalar()
        message = render(session, template, order_id, shop_name="Corner Shop")
    assert message.subject == "Your order SO-1 is on backorder"
    assert "Dear Ann," in message.body
    with notifying.read() as session:
        eta = session.query(LineEta).one()
        expected = formatting.day_range(eta.likely, eta.late)
    times = "\N{MULTIPLICATION SIGN}"
    assert f"- 2 {times} Widget (WIDGET): 2 waiting, expected {expected}\n" in message.body
    assert f"- 1 {times} Gadget (GADGET): 1 ready\n" in message.body
    assert f"We expect them {expected}:" in message.body
    assert message.body.endswith("Corner Shop")


def test_messages_sign_with_the_printed_name_when_none_is_given_for_messages(
    notifying: Database,
) -> None:
    order(notifying, "ANN", ("WIDGET", 1), ref="SO-1")
    with notifying.write() as session:
        shop_settings.set_shop_identity(session, "Bits & Bobs", "", "", None)
        given = replace(get_notification_settings(session), shop_name="Corner Shop")
        save_notification_settings(session, given)
    with notifying.write() as session:
        settings = get_notification_settings(session)
        assert settings.signature_name == "Corner Shop"  # the one given for messages wins
        save_notification_settings(session, replace(settings, shop_name=""))
    with notifying.read() as session:
        settings = get_notification_settings(session)
        assert (settings.shop_name, settings.signature_name) == ("", "Bits & Bobs")
        shown = preview(
            session, NotificationEvent.BACKORDERED, "{shop_name}", "{shop_name}", "SO-1"
        )
    assert (shown.subject, shown.body) == ("Bits & Bobs", "Bits & Bobs")


def test_the_preview_names_the_status_sheet_the_e_mail_attaches(notifying: Database) -> None:
    order(notifying, "ANN", ("WIDGET", 1), ref="SO-1")

    def shown() -> str:
        with notifying.read() as session:
            return preview(session, NotificationEvent.BACKORDERED, "s", "b", " SO-1 ").attachment

    assert shown() == ""  # attaching is off by default
    with notifying.write() as session:
        settings = get_notification_settings(session)
        save_notification_settings(session, replace(settings, attach_status_sheet=True))
    assert shown() == "order-status-SO-1.html"


def test_the_later_date_message_says_what_each_line_showed_before(notifying: Database) -> None:
    make_po(notifying, ("WIDGET", 5), ref="PO-1")
    order(notifying, "ANN", ("WIDGET", 2), ref="SO-1")
    with notifying.read() as session:
        before = session.query(LineEta).one().likely
    with notifying.write() as session:
        purchasing.set_expected_date(session, "PO-1", date.today() + timedelta(days=30))
    with notifying.write() as session:
        claimed = claim_due(session)
    later = next(m for m in claimed if m.event is NotificationEvent.ETA_LATER)
    assert later.subject == "Your order SO-1 will arrive later than we said"
    assert f"(was {formatting.day(before)})" in later.body


def shipped_message(db: Database) -> str:
    """The body of the shipped message, written as the sender writes it when it claims it."""
    with db.write() as session:
        claim_due(session)
    body = next(m.body for m in outbox(db) if m.event == "shipped")
    assert body is not None
    return body


def test_the_shipped_message_gives_the_goodwill_coupon_the_long_wait_earned(
    notifying: Database,
) -> None:
    with notifying.write() as session:
        shop_settings.set_goodwill_rule(session, enabled=True, days=14, amount="5.00")
    order(notifying, "ANN", ("WIDGET", 2), ref="SO-1")  # placed in January: a long wait
    receive(notifying, ("WIDGET", 2))
    with notifying.write() as session:
        code = ship_order(session, "SO-1").coupon
    assert code is not None
    euros = formatting.money(Decimal("5.00"), "EUR")
    times = "\N{MULTIPLICATION SIGN}"
    assert (
        f"- 2 {times} Widget (WIDGET)\n\nThank you for waiting: your coupon {code[:4]}-{code[4:]}"
        f" takes {euros} off your next order. Give the code when you order.\n\n"
        "Thank you for your patience,"
    ) in shipped_message(notifying)


def test_a_shipped_message_without_a_coupon_reads_as_before(notifying: Database) -> None:
    add_stock(notifying, "WIDGET", 2)
    order(notifying, "ANN", ("WIDGET", 2), ref="SO-1")
    with notifying.write() as session:
        ship_order(session, "SO-1")
    times = "\N{MULTIPLICATION SIGN}"
    assert f"- 2 {times} Widget (WIDGET)\n\nThank you for your patience," in shipped_message(
        notifying
    )
