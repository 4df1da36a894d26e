"""The sender: real SMTP and webhook receivers, retries with backoff, failures shown, and a
crash between sending and marking resends with the same key (the receiver drops it)."""

from __future__ import annotations

import hmac
from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest

from app.db import Database
from app.domain import NotificationChannel
from app.domain.base import utcnow
from app.services.notifications import sender
from app.services.notifications.sender import (
    LEASE,
    MAX_ATTEMPTS,
    SendReport,
    backoff,
    claim_due,
    retry,
    send_due,
)
from app.services.notifications.settings import SecretStore, get_notification_settings
from app.services.notifications.transports import build_transports
from app.services.notifications.webhook import signature
from tests.keyrings import MemoryKeyring
from tests.services.notify_shop import configure, enable_all, opt_in, outbox
from tests.services.receivers import Endpoint, Mailbox, smtp_server, webhook_server
from tests.services.shop import order


@pytest.fixture
def mailbox(shop: Database) -> Iterator[Mailbox]:
    with smtp_server() as (box, port):
        configure(shop, smtp_port=port)
        yield box


@pytest.fixture
def endpoint(shop: Database, memory_keyring: MemoryKeyring) -> Iterator[Endpoint]:
    with webhook_server() as found:
        configure(shop, webhook_url=found.url)
        with shop.read() as session:
            key = get_notification_settings(session).webhook_key
        SecretStore().set(key, "s3cret")
        yield found


def send(db: Database, at: datetime | None = None) -> SendReport:
    with db.read() as session:
        transports = build_transports(get_notification_settings(session))
    return send_due(db, transports, now=(lambda: at) if at else utcnow)


def test_an_email_reaches_the_smtp_server_with_its_key_as_message_id(
    shop: Database, mailbox: Mailbox
) -> None:
    enable_all(shop)
    opt_in(shop, "ANN")
    order(shop, "ANN", ("WIDGET", 2), ref="SO-1")
    assert send(shop).sent == 1
    [mail] = mailbox.messages
    [row] = outbox(shop)
    assert mail["To"] == "Ann <ann@example.com>"
    assert mail["From"] == "Corner Shop <shop@example.com>"
    assert mail["Subject"] == "Your order SO-1 is on backorder"
    assert mail["Message-ID"] == f"<{row.key}@example.com>"
    assert mail["X-Idempotency-Key"] == row.key
    assert "2 waiting, expected" in mail.get_payload(decode=True).decode()
    assert (row.status, row.attempts, row.subject) == ("sent", 1, mail["Subject"])


def test_a_webhook_post_is_signed_and_carries_its_idempotency_key(
    shop: Database, endpoint: Endpoint
) -> None:
    enable_all(shop)
    opt_in(shop, "ANN", channel=NotificationChannel.WEBHOOK)
    order(shop, "ANN", ("WIDGET", 2), ref="SO-1")
    assert send(shop).sent == 1
    [post] = endpoint.posts
    [row] = outbox(shop)
    assert post.headers["Idempotency-Key"] == row.key
    assert hmac.compare_digest(
        post.headers["X-Shopkeeper-Signature"], signature("s3cret", post.body)
    )
    assert post.json["event"] == "backordered"
    assert post.json["order_ref"] == "SO-1"
    assert post.json["customer_email"] == "ann@example.com"
    assert post.json["body"] == row.body
    assert row.status == "sent"


def test_a_refused_post_is_tried_again_with_backoff_then_marked_failed(
    shop: Database, endpoint: Endpoint
) -> None:
    enable_all(shop)
    opt_in(shop, "ANN", channel=NotificationChannel.WEBHOOK)
    order(shop, "ANN", ("WIDGET", 1), ref="SO-1")
    endpoint.answers = [500] * MAX_ATTEMPTS
    now = utcnow()
    assert send(shop, now).retrying == 1
    assert send(shop, now + backoff(1) - timedelta(seconds=1)).attempted == 0  # not due yet
    for attempt in range(2, MAX_ATTEMPTS):
        now += backoff(attempt - 1)
        assert send(shop, now).retrying == 1
    now += backoff(MAX_ATTEMPTS - 1)
    assert send(shop, now).failed == 1
    [row] = outbox(shop)
    assert (row.status, row.attempts) == ("failed", MAX_ATTEMPTS)
    assert row.last_error == "The webhook answered 500 Internal Server Error"
    assert send(shop, now + timedelta(days=1)).attempted == 0  # failed stays failed
    with shop.write() as session:
        retry(session, [1])
    assert send(shop).sent == 1
    assert [r.status for r in outbox(shop)] == ["sent"]
    assert len(endpoint.delivered) == 1


def test_backoff_doubles_from_one_minute() -> None:
    assert [backoff(n).total_seconds() / 60 for n in range(1, 6)] == [1, 2, 4, 8, 16]


def test_without_an_smtp_server_the_message_fails_with_what_to_set(shop: Database) -> None:
    enable_all(shop)
    opt_in(shop, "ANN")
    order(shop, "ANN", ("WIDGET", 1), ref="SO-1")
    report = send_due(shop, {}, max_attempts=1)
    assert report.failed == 1
    assert outbox(shop)[0].last_error == "No SMTP server is set (Settings > Notifications)"


def _crash_after_sending(monkeypatch: pytest.MonkeyPatch) -> None:
    def power_cut(*args: object, **kwargs: object) -> None:
        raise SystemExit("the till lost power after sending")

    monkeypatch.setattr(sender, "mark_sent", power_cut)


def test_a_crash_between_sending_and_marking_resends_with_the_same_key(
    shop: Database, endpoint: Endpoint, monkeypatch: pytest.MonkeyPatch
) -> None:
    enable_all(shop)
    opt_in(shop, "ANN", channel=NotificationChannel.WEBHOOK)
    order(shop, "ANN", ("WIDGET", 1), ref="SO-1")
    with monkeypatch.context() as patched:
        _crash_after_sending(patched)
        with pytest.raises(SystemExit):
            send(shop)
    assert outbox(shop)[0].status == "pending"
    assert send(shop).attempted == 0  # the claim's lease holds until the dead sender's time is up
    assert send(shop, utcnow() + LEASE + timedelta(seconds=1)).sent == 1
    first, second = endpoint.posts
    assert first.headers["Idempotency-Key"] == second.headers["Idempotency-Key"]
    assert first.body == second.body  # the same message, not rendered again
    assert len(endpoint.delivered) == 1  # the receiver dropped the duplicate
    assert outbox(shop)[0].status == "sent"


def test_a_crash_after_an_email_resends_the_same_message_id(
    shop: Database, mailbox: Mailbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    enable_all(shop)
    opt_in(shop, "ANN")
    order(shop, "ANN", ("WIDGET", 1), ref="SO-1")
    with monkeypatch.context() as patched:
        _crash_after_sending(patched)
        with pytest.raises(SystemExit):
            send(shop)
    assert send(shop, utcnow() + LEASE + timedelta(seconds=1)).sent == 1
    first, second = mailbox.messages
    assert first["Message-ID"] == second["Message-ID"]
    assert first.get_payload() == second.get_payload()


def test_two_tills_sending_at_once_never_claim_the_same_message(shop: Database) -> None:
    if shop.engine.dialect.name != "postgresql":
        pytest.skip("SQLite has one writer: a second claim waits for the first")
    enable_all(shop)
    opt_in(shop, "ANN", "BOB")
    order(shop, "ANN", ("WIDGET", 1), ref="SO-1")
    order(shop, "BOB", ("WIDGET", 1), ref="SO-2")
    with shop.write() as first:
        mine = claim_due(first, limit=1)
        with shop.write() as second:
            theirs = claim_due(second, limit=5)
    assert [m.order_ref for m in mine] == ["SO-1"]
    assert [m.order_ref for m in theirs] == ["SO-2"]
