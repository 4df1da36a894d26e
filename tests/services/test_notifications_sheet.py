"""The order status sheet attached to customer messages (issue 11, part 5): the e-mail
carries it as an HTML page, the webhook's JSON as structured lines, statuses and ETA ranges,
taken with the message's text at the first try and the same on every retry."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from email import message_from_bytes, policy
from email.message import EmailMessage, Message
from html.parser import HTMLParser

import pytest

from app.db import Database
from app.domain import LineEta, NotificationChannel
from app.domain.notifications import Notification
from app.services import formatting
from app.services.notifications.sender import SendReport, retry, send_due
from app.services.notifications.settings import get_notification_settings
from app.services.notifications.status_sheet import SHEET_KEY
from app.services.notifications.transports import build_transports
from app.services.shipping import ship_order
from tests.keyrings import MemoryKeyring
from tests.services.notify_shop import configure, enable_all, opt_in, outbox
from tests.services.receivers import Endpoint, Mailbox, smtp_server, webhook_server
from tests.services.shop import add_stock, make_po, order, receive


def send(db: Database) -> SendReport:
    with db.read() as session:
        transports = build_transports(get_notification_settings(session))
    return send_due(db, transports)


@pytest.fixture
def channel() -> NotificationChannel:
    """How Ann hears from the shop (a test parametrizes it to the webhook)."""
    return NotificationChannel.EMAIL


@pytest.fixture
def waiting_order(shop: Database, channel: NotificationChannel) -> Database:
    """SO-1 for Ann: 3 widgets (1 from the shelf, 2 waiting on PO-1) and a gadget from stock."""
    enable_all(shop)
    opt_in(shop, "ANN", channel=channel)
    add_stock(shop, "WIDGET", 1)
    add_stock(shop, "GADGET", 1)
    make_po(shop, ("WIDGET", 5), ref="PO-1")
    order(shop, "ANN", ("WIDGET", 3), ("GADGET", 1), ref="SO-1")
    return shop


def widget_eta(db: Database) -> tuple[date, date]:
    with db.read() as session:
        eta = session.query(LineEta).one()
        return eta.likely, eta.late or eta.likely


def table_rows(page: str) -> list[list[str]]:
    """The text of each table row's cells in an HTML page."""

    class Rows(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.rows: list[list[str]] = []
            self.cell: list[str] | None = None

        def handle_starttag(self, tag: str, attrs: object) -> None:
            if tag == "tr":
                self.rows.append([])
            elif tag == "td":
                self.cell = []

        def handle_endtag(self, tag: str) -> None:
            if tag == "td" and self.cell is not None:
                self.rows[-1].append("".join(self.cell).strip())
                self.cell = None

        def handle_data(self, data: str) -> None:
            if self.cell is not None:
                self.cell.append(data)

    parser = Rows()
    parser.feed(page)
    return parser.rows


def parsed(mail: Message) -> EmailMessage:
    """The received message read with the modern e-mail API (parts, attachments)."""
    found = message_from_bytes(mail.as_bytes(), policy=policy.default)
    assert isinstance(found, EmailMessage)
    return found


def attachments(mail: Message) -> list[EmailMessage]:
    return list(parsed(mail).iter_attachments())


@pytest.fixture
def mailbox(waiting_order: Database) -> Iterator[Mailbox]:
    with smtp_server() as (box, port):
        configure(waiting_order, smtp_port=port, attach_status_sheet=True)
        yield box


def test_the_email_carries_the_order_status_sheet_with_each_line_as_it_stood(
    waiting_order: Database, mailbox: Mailbox
) -> None:
    assert send(waiting_order).sent == 1
    [mail] = mailbox.messages
    [sheet] = attachments(mail)
    assert sheet.get_content_type() == "text/html"
    assert sheet.get_filename() == "order-status-SO-1.html"
    page = sheet.get_payload(decode=True).decode()
    likely, late = widget_eta(waiting_order)
    assert "Order status SO-1" in page
    rows = {row[1]: row for row in table_rows(page) if len(row) == 8}
    assert rows["WIDGET"][1:7] == [
        "WIDGET",
        "Widget",
        "3",
        "0",
        "2 waiting, 1 ready",
        formatting.day_range(likely, late),
    ]
    assert rows["GADGET"][1:7] == ["GADGET", "Gadget", "1", "0", "Ready to ship", ""]
    # The message's own text is still the body, beside the page.
    body = parsed(mail).get_body(("plain",))
    assert body is not None and "2 waiting, expected" in body.get_content()


def test_without_the_setting_the_email_has_no_attachment(waiting_order: Database) -> None:
    with smtp_server() as (box, port):
        configure(waiting_order, smtp_port=port)
        assert send(waiting_order).sent == 1
    [mail] = box.messages
    assert attachments(mail) == []


@pytest.fixture
def endpoint(waiting_order: Database, memory_keyring: MemoryKeyring) -> Iterator[Endpoint]:
    with webhook_server() as found:
        configure(waiting_order, webhook_url=found.url, attach_status_sheet=True)
        yield found


@pytest.mark.parametrize("channel", [NotificationChannel.WEBHOOK])
def test_the_webhook_json_carries_the_lines_statuses_and_eta_ranges(
    waiting_order: Database, endpoint: Endpoint
) -> None:
    assert send(waiting_order).sent == 1
    [post] = endpoint.posts
    status = post.json["order_status"]
    likely, late = widget_eta(waiting_order)
    assert (status["order_ref"], status["status"]) == ("SO-1", "part_ready")
    widget, gadget = status["lines"]
    assert (widget["sku"], widget["ordered"], widget["ready"], widget["waiting"]) == (
        "WIDGET",
        3,
        1,
        2,
    )
    assert (widget["eta_from"], widget["eta_to"]) == (likely.isoformat(), late.isoformat())
    assert widget["status_text"] == "2 waiting, 1 ready"
    assert (gadget["sku"], gadget["ready"], gadget["waiting"]) == ("GADGET", 1, 0)
    assert (gadget["eta_from"], gadget["eta_to"], gadget["status_text"]) == (
        None,
        None,
        "Ready to ship",
    )


@pytest.mark.parametrize("channel", [NotificationChannel.WEBHOOK])
def test_a_retry_carries_the_sheet_of_the_first_try_not_a_later_state(
    waiting_order: Database, endpoint: Endpoint
) -> None:
    """The sheet describes the moment the message's text does: a receipt between a failed
    try and its retry changes neither."""
    endpoint.answers = [500]
    assert send(waiting_order).retrying == 1
    receive(waiting_order, ("WIDGET", 2))
    with waiting_order.write() as session:
        ship_order(session, "SO-1")
    [first, *_] = outbox(waiting_order)
    with waiting_order.write() as session:
        ids = [n.id for n in session.query(Notification).filter_by(idempotency_key=first.key)]
        retry(session, ids)
    send(waiting_order)
    failed, again = (p for p in endpoint.posts if p.headers["Idempotency-Key"] == first.key)
    assert again.body == failed.body
    assert again.json["order_status"]["lines"][0]["waiting"] == 2


def test_an_unreadable_sheet_fails_its_own_message_not_the_whole_batch(
    waiting_order: Database, mailbox: Mailbox
) -> None:
    """A sheet kept by the first try that cannot be read back (written by another version,
    say) fails that message, in words; the others of the batch still go."""
    order(waiting_order, "ANN", ("WIDGET", 1), ref="SO-2")
    with waiting_order.write() as session:
        first = session.query(Notification).order_by(Notification.id).first()
        assert first is not None
        first.subject, first.body = "Your order SO-1", "Dear Ann, ..."  # as after a first try
        first.data = json.dumps({SHEET_KEY: {"order_ref": "SO-1"}})
    assert send(waiting_order).sent == 1
    broken, sent = outbox(waiting_order)
    assert (broken.order_ref, broken.status) == ("SO-1", "failed")
    assert broken.last_error.startswith("The order status sheet could not be written")
    assert (sent.order_ref, sent.status) == ("SO-2", "sent")
    [mail] = mailbox.messages
    assert "SO-2" in mail["Subject"]
