"""The transports the shop's settings call for, with their secrets from the keyring."""

from __future__ import annotations

from app.domain import NotificationChannel
from app.services.notifications.sender import Transport
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
