"""How the shop sends its messages: SMTP server, webhook, the shop's name, automatic sending.

Shared by every till (rows of ``ShopSetting``), so whichever till sends does it the same way.
The secrets (the SMTP password, the webhook's signing secret) never go into the database:
they live in the operating system's keyring of each computer that sends, as the server
password does (``app.db.config``). No Qt.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from enum import StrEnum
from urllib.parse import urlsplit

from sqlalchemy.orm import Session

from app.domain.errors import InvalidInput
from app.domain.permissions import Permission, require
from app.domain.settings import ShopSetting
from app.keychain import KeyringSecrets, keyring_available
from app.services.changes import Area, Changes
from app.services.shop_settings import SHOP_NAME_KEY

log = logging.getLogger(__name__)

_PREFIX = "notify_"


class SmtpSecurity(StrEnum):
    STARTTLS = "starttls"  #: plain connection upgraded with STARTTLS (port 587)
    SSL = "ssl"  #: TLS from the first byte (port 465)
    NONE = "none"  #: no encryption: only for a server on this computer or the shop's network

    @property
    def label(self) -> str:
        return {"starttls": "STARTTLS", "ssl": "SSL/TLS", "none": "None (local server only)"}[
            self.value
        ]


@dataclass(frozen=True, slots=True)
class NotificationSettings:
    shop_name: str = ""
    smtp_host: str = ""
    smtp_port: int = 587
    smtp_security: SmtpSecurity = SmtpSecurity.STARTTLS
    smtp_user: str = ""
    from_address: str = ""
    webhook_url: str = ""
    #: Whether an open window sends due messages by itself (else only on demand or by the CLI).
    send_automatically: bool = True
    #: Whether each message about an order carries its order status sheet (the e-mail as an
    #: HTML attachment, the webhook as structured JSON): see ``status_sheet``.
    attach_status_sheet: bool = False
    #: The name on the shop's printed documents (Settings > Shop); read, never saved here.
    printed_name: str = field(default="", compare=False)
    changes: Changes = field(default_factory=lambda: Changes.of(Area.SETTINGS), compare=False)

    @property
    def signature_name(self) -> str:
        """The name messages sign with and send from: the one given for messages, else the
        one on printed documents (a shop should not have to type its name twice)."""
        return self.shop_name or self.printed_name

    @property
    def smtp_key(self) -> str:
        """The keyring entry of the SMTP password: ``smtp:user@host:port``."""
        return f"smtp:{self.smtp_user}@{self.smtp_host}:{self.smtp_port}"

    @property
    def webhook_key(self) -> str:
        """The keyring entry of the webhook's signing secret: ``webhook:<url>``."""
        return f"webhook:{self.webhook_url}"


def get_notification_settings(session: Session) -> NotificationSettings:
    """The shop's sending settings (defaults for anything not saved, or unreadable)."""
    values = {
        row.key[len(_PREFIX) :]: row.value
        for row in session.query(ShopSetting).filter(ShopSetting.key.startswith(_PREFIX))
    }
    defaults = NotificationSettings()
    try:
        port = int(values.get("smtp_port", defaults.smtp_port))
        security = SmtpSecurity(values.get("smtp_security", defaults.smtp_security))
    except ValueError:
        log.warning("unreadable SMTP settings %r; using the defaults", values)
        port, security = defaults.smtp_port, defaults.smtp_security
    printed = session.get(ShopSetting, SHOP_NAME_KEY)
    return NotificationSettings(
        shop_name=values.get("shop_name", ""),
        smtp_host=values.get("smtp_host", ""),
        smtp_port=port,
        smtp_security=security,
        smtp_user=values.get("smtp_user", ""),
        from_address=values.get("from_address", ""),
        webhook_url=values.get("webhook_url", ""),
        send_automatically=values.get("send_automatically", "1") == "1",
        attach_status_sheet=values.get("attach_status_sheet", "0") == "1",
        printed_name=printed.value if printed is not None else "",
    )


def check_notification_settings(settings: NotificationSettings) -> NotificationSettings:
    """The settings cleaned, or a refusal saying what is wrong."""
    host = settings.smtp_host.strip()
    if not 1 <= settings.smtp_port <= 65535:
        raise InvalidInput(f"The SMTP port must be between 1 and 65535, not {settings.smtp_port}.")
    sender = settings.from_address.strip()
    if host and "@" not in sender:
        raise InvalidInput("Give the address messages come from (for example shop@example.com).")
    url = settings.webhook_url.strip()
    if url:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise InvalidInput(f"{url!r} is not a web address: it starts with https://")
    return NotificationSettings(
        shop_name=settings.shop_name.strip()[:200],
        smtp_host=host,
        smtp_port=settings.smtp_port,
        smtp_security=SmtpSecurity(settings.smtp_security),
        smtp_user=settings.smtp_user.strip(),
        from_address=sender,
        webhook_url=url,
        send_automatically=settings.send_automatically,
        attach_status_sheet=settings.attach_status_sheet,
    )


def save_notification_settings(
    session: Session, settings: NotificationSettings
) -> NotificationSettings:
    """Save the sending settings (checked first: nothing is written if refused)."""
    require(session, Permission.CHANGE_SETTINGS)
    clean = check_notification_settings(settings)
    values = {
        "shop_name": clean.shop_name,
        "smtp_host": clean.smtp_host,
        "smtp_port": str(clean.smtp_port),
        "smtp_security": clean.smtp_security.value,
        "smtp_user": clean.smtp_user,
        "from_address": clean.from_address,
        "webhook_url": clean.webhook_url,
        "send_automatically": "1" if clean.send_automatically else "0",
        "attach_status_sheet": "1" if clean.attach_status_sheet else "0",
    }
    for key, value in values.items():
        row = session.get(ShopSetting, _PREFIX + key)
        if row is None:
            session.add(ShopSetting(key=_PREFIX + key, value=value))
        else:
            row.value = value
    session.flush()
    return clean


class SecretStore:
    """The SMTP password and the webhook secret, in the operating system's keyring.

    Without a keyring (a bare Linux box) a secret typed this session is kept in memory only,
    for this process, as the server password is (``app.db.config.PasswordStore``).
    """

    _session: dict[str, str] = {}  # shared by every store in this process

    def __init__(self) -> None:
        self._secrets = KeyringSecrets("secret", self._session)

    def available(self) -> bool:
        """Whether a real keyring is there to keep a secret between starts."""
        return keyring_available()

    def get(self, key: str) -> str | None:
        return self._secrets.get(key)

    def set(self, key: str, secret: str) -> None:
        """Keep ``secret`` (empty: forget it). Raises InvalidInput if the keyring refuses."""
        self._secrets.set(key, secret)
