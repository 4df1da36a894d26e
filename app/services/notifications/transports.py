"""The transports the shop's settings call for, with their secrets from the keyring."""

from __future__ import annotations

import uuid

from app.domain import NotificationChannel
from app.domain.base import utcnow
from app.services.notifications.sender import OutgoingMessage, SendFailed, Transport
from app.services.notifications.settings import NotificationSettings, SecretStore
from app.services.notifications.smtp import SmtpTransport
from app.services.notifications.webhook import WebhookTransport


def build_transports(
    settings: NotificationSettings, secrets: SecretStore | None = None
) -> dict[NotificationChannel, Transport]:
    """E-mail if an SMTP server is set, the webhook if its address is (a channel left out
    fails its messages with a reason saying what to set)."""
    secrets = secrets or SecretStore()
    found: dict[NotificationChannel, Transport] = {}
    if settings.smtp_host:
        password = secrets.get(settings.smtp_key) if settings.smtp_user else None
        found[NotificationChannel.EMAIL] = SmtpTransport(settings, password)
    if settings.webhook_url:
        found[NotificationChannel.WEBHOOK] = WebhookTransport(
            settings.webhook_url, secrets.get(settings.webhook_key)
        )
    return found


def send_test_message(
    settings: NotificationSettings,
    channel: NotificationChannel,
    to: str = "",
    secrets: SecretStore | None = None,
) -> str:
    """Send a test message through ``channel`` with these settings (not yet saved, perhaps),
    e-mail to ``to``; returns what to tell the owner, or raises SendFailed saying why not."""
    transport = build_transports(settings, secrets).get(channel)
    if transport is None:
        what = "an SMTP server" if channel is NotificationChannel.EMAIL else "a webhook address"
        raise SendFailed(f"Set {what} first.")
    if channel is NotificationChannel.EMAIL and "@" not in to:
        raise SendFailed("Give an e-mail address to send the test message to.")
    shop = settings.shop_name or "Shopkeeper"
    transport.send(
        OutgoingMessage(
            notification_id=0,
            idempotency_key=uuid.uuid4().hex,
            channel=channel,
            event=None,
            order_ref="",
            customer_code="",
            customer_name=shop,
            email=to,
            subject=f"Test message from {shop}",
            body="This is a test: customer messages from this shop will arrive like this.",
            created_at=utcnow(),
            attempt=1,
        )
    )
    if channel is NotificationChannel.EMAIL:
        return f"Test message sent to {to}"
    return "Test message posted to the webhook"
