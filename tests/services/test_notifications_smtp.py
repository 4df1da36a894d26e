"""E-mail through a real SMTP server (aiosmtpd) in each security mode the settings offer:
STARTTLS and SSL/TLS with a certificate made in the test, logins by PLAIN and LOGIN with the
password from the keyring, and the failures a shop meets (a wrong password, a certificate
the computer does not trust, a mode the server does not speak): each shown on the message,
in plain words, and tried again with backoff."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

from app.db import Database
from app.domain.base import utcnow
from app.services.notifications.listing import NotificationFilter, list_notifications
from app.services.notifications.sender import SendReport, backoff, send_due
from app.services.notifications.settings import (
    SecretStore,
    SmtpSecurity,
    get_notification_settings,
)
from app.services.notifications.transports import build_transports
from tests.keyrings import MemoryKeyring
from tests.services.certificates import Certificate, self_signed
from tests.services.notify_shop import configure, enable_all, opt_in, outbox
from tests.services.receivers import smtp_server
from tests.services.shop import order

USER = "shop@example.com"
PASSWORD = "mail-pass"


def send(db: Database, at: datetime | None = None) -> SendReport:
    with db.read() as session:
        transports = build_transports(get_notification_settings(session))
    return send_due(db, transports, now=(lambda: at) if at else utcnow)


@pytest.fixture
def certificate(tmp_path: Path) -> Certificate:
    return self_signed(tmp_path / "tls")


@pytest.fixture
def trusted(certificate: Certificate, monkeypatch: pytest.MonkeyPatch) -> Certificate:
    """The test's certificate trusted by this computer, as an internal mail server's CA
    would be (OpenSSL reads ``SSL_CERT_FILE`` for its default trust)."""
    monkeypatch.setenv("SSL_CERT_FILE", str(certificate.cert))
    return certificate


@pytest.fixture
def waiting(shop: Database, memory_keyring: MemoryKeyring) -> Iterator[Database]:
    """Ann's backordered order, its message waiting to go by e-mail."""
    enable_all(shop)
    opt_in(shop, "ANN")
    order(shop, "ANN", ("WIDGET", 2), ref="SO-1")
    yield shop


def set_mail(db: Database, port: int, security: SmtpSecurity, password: str = PASSWORD) -> None:
    """The shop's SMTP settings, the password in the keyring (never the database)."""
    configure(db, smtp_port=port, security=security, smtp_user=USER)
    with db.read() as session:
        key = get_notification_settings(session).smtp_key
    SecretStore().set(key, password)


def shown_error(db: Database) -> str:
    """The reason the Notifications view shows on the (only) message."""
    with db.read() as session:
        [row] = list_notifications(session, NotificationFilter())
    return row.last_error


@pytest.mark.parametrize("mechanism", ["PLAIN", "LOGIN"])
@pytest.mark.parametrize(
    ("security", "server_mode"), [(SmtpSecurity.STARTTLS, "starttls"), (SmtpSecurity.SSL, "ssl")]
)
def test_an_email_goes_encrypted_with_a_login_from_the_keyring(
    waiting: Database,
    trusted: Certificate,
    security: SmtpSecurity,
    server_mode: str,
    mechanism: str,
) -> None:
    with smtp_server(
        security=server_mode,
        certificate=trusted,
        accounts={USER: PASSWORD},
        mechanisms=(mechanism,),
    ) as (box, port):
        set_mail(waiting, port, security)
        assert send(waiting).sent == 1
    [mail] = box.messages
    assert mail["Subject"] == "Your order SO-1 is on backorder"
    assert box.encrypted == [True]
    assert box.logins == [(mechanism, USER, True)]
    assert [row.status for row in outbox(waiting)] == ["sent"]


def test_a_wrong_password_shows_on_the_message_and_is_tried_again_with_backoff(
    waiting: Database, trusted: Certificate
) -> None:
    with smtp_server(security="starttls", certificate=trusted, accounts={USER: PASSWORD}) as (
        box,
        port,
    ):
        set_mail(waiting, port, SmtpSecurity.STARTTLS, password="wrong")
        now = utcnow()
        assert send(waiting, now).retrying == 1
        assert box.messages == []
        assert box.logins and not box.logins[0][2]
        error = "The SMTP server refused the user name or password"
        assert shown_error(waiting) == error
        [row] = outbox(waiting)
        assert (row.status, row.attempts) == ("pending", 1)
        with waiting.read() as session:
            [listed] = list_notifications(session, NotificationFilter())
        assert listed.next_attempt_at == now + backoff(1)
        assert send(waiting, now + backoff(1) / 2).attempted == 0  # not due yet
        # The owner types the right password: the next try goes through.
        set_mail(waiting, port, SmtpSecurity.STARTTLS)
        assert send(waiting, now + backoff(1)).sent == 1
    assert len(box.messages) == 1


@pytest.mark.parametrize(
    ("security", "server_mode"), [(SmtpSecurity.STARTTLS, "starttls"), (SmtpSecurity.SSL, "ssl")]
)
def test_a_certificate_this_computer_does_not_trust_is_refused_in_plain_words(
    waiting: Database, certificate: Certificate, security: SmtpSecurity, server_mode: str
) -> None:
    with smtp_server(security=server_mode, certificate=certificate, accounts={USER: PASSWORD}) as (
        box,
        port,
    ):
        set_mail(waiting, port, security)
        now = utcnow()
        assert send(waiting, now).retrying == 1
    assert box.messages == [] and box.logins == []  # the password never left
    error = shown_error(waiting)
    assert error.startswith("The SMTP server's certificate is not trusted by this computer")
    with waiting.read() as session:
        [listed] = list_notifications(session, NotificationFilter())
    assert (listed.attempts, listed.next_attempt_at) == (1, now + backoff(1))


def test_ssl_against_a_server_that_starts_in_plain_text_says_to_check_the_setting(
    waiting: Database, trusted: Certificate
) -> None:
    with smtp_server(security="starttls", certificate=trusted) as (box, port):
        set_mail(waiting, port, SmtpSecurity.SSL)
        assert send(waiting).retrying == 1
    assert box.messages == []
    error = shown_error(waiting)
    assert error.startswith(f"No SSL/TLS connection with the SMTP server on port {port}")
    assert "STARTTLS" in error


def test_starttls_with_a_server_that_offers_none_is_refused_not_sent_in_clear(
    waiting: Database,
) -> None:
    with smtp_server() as (box, port):
        set_mail(waiting, port, SmtpSecurity.STARTTLS)
        assert send(waiting).retrying == 1
    assert box.messages == []
    assert shown_error(waiting) == (
        "The SMTP server does not offer STARTTLS: choose SSL/TLS, or None only for a server "
        "on this computer or the shop's own network"
    )
