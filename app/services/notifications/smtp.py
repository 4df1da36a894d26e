"""Sending a message by e-mail through the shop's SMTP server.

The idempotency key becomes the message's ``Message-ID`` (and an ``X-Idempotency-Key``
header): a resend after a crash between sending and marking is the same message to every
mail system that dedupes by Message-ID, and recognisably so to a person. No Qt.
"""

from __future__ import annotations

import re
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import format_datetime, formataddr

from app.services.notifications.sender import OutgoingMessage, SendFailed
from app.services.notifications.settings import NotificationSettings, SmtpSecurity

TIMEOUT_SECONDS = 30


def message_id(key: str, from_address: str) -> str:
    domain = from_address.rpartition("@")[2] or "shopkeeper.invalid"
    return f"<{key}@{domain}>"


def email_of(message: OutgoingMessage, settings: NotificationSettings) -> EmailMessage:
    mail = EmailMessage()
    mail["From"] = formataddr((settings.signature_name, settings.from_address))
    mail["To"] = formataddr((message.customer_name, message.email))
    mail["Subject"] = message.subject
    mail["Date"] = format_datetime(message.created_at)
    mail["Message-ID"] = message_id(message.idempotency_key, settings.from_address)
    mail["X-Idempotency-Key"] = message.idempotency_key
    mail.set_content(message.body)
    if message.status_sheet_html:
        mail.add_attachment(
            message.status_sheet_html,
            subtype="html",
            filename=sheet_file_name(message.order_ref),
        )
    return mail


def sheet_file_name(order_ref: str) -> str:
    """The attached sheet's file name: ``order-status-SO-1.html`` (a reference's characters
    a file name cannot hold become ``_``)."""
    return "order-status-" + re.sub(r"[^A-Za-z0-9._-]", "_", order_ref) + ".html"


class SmtpTransport:
    def __init__(self, settings: NotificationSettings, password: str | None) -> None:
        self.settings = settings
        self.password = password

    def send(self, message: OutgoingMessage) -> None:
        s = self.settings
        mail = email_of(message, s)
        try:
            if s.smtp_security is SmtpSecurity.SSL:
                server: smtplib.SMTP = smtplib.SMTP_SSL(
                    s.smtp_host,
                    s.smtp_port,
                    timeout=TIMEOUT_SECONDS,
                    context=ssl.create_default_context(),
                )
            else:
                server = smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=TIMEOUT_SECONDS)
            with server:
                if s.smtp_security is SmtpSecurity.STARTTLS:
                    server.starttls(context=ssl.create_default_context())
                if s.smtp_user:
                    server.login(s.smtp_user, self.password or "")
                server.send_message(mail)
        except smtplib.SMTPAuthenticationError as error:
            raise SendFailed("The SMTP server refused the user name or password") from error
        except smtplib.SMTPRecipientsRefused as error:
            raise SendFailed(f"The SMTP server refused the address {message.email}") from error
        except smtplib.SMTPNotSupportedError as error:
            raise SendFailed(_not_offered(str(error))) from error
        except ssl.SSLCertVerificationError as error:
            raise SendFailed(
                "The SMTP server's certificate is not trusted by this computer "
                f"({error.verify_message}): check the server's name, or have this computer "
                "trust the certificate of the shop's mail server"
            ) from error
        except ssl.SSLError as error:
            raise SendFailed(_tls_failed(s, error)) from error
        except (smtplib.SMTPException, OSError) as error:
            raise SendFailed(f"The SMTP server could not take the message: {error}") from error


def _not_offered(error: str) -> str:
    """What to do about a server that lacks what the settings ask of it (smtplib says
    "STARTTLS extension not supported by server." or "SMTP AUTH extension ...")."""
    if "STARTTLS" in error:
        # Never fall back to sending the password and the message in clear.
        return (
            "The SMTP server does not offer STARTTLS: choose SSL/TLS, or None only for a "
            "server on this computer or the shop's own network"
        )
    if "AUTH" in error:
        return (
            "The SMTP server offers no login on this connection: choose STARTTLS or SSL/TLS, "
            "or leave the user empty if the server needs no login"
        )
    return f"The SMTP server could not take the message: {error}"


def _tls_failed(settings: NotificationSettings, error: ssl.SSLError) -> str:
    """A TLS handshake that failed for another reason than the certificate: most often
    SSL/TLS chosen for a port that starts in plain text (587, 25), which OpenSSL reports as
    a "wrong version number"."""
    reason = error.reason or str(error)
    if settings.smtp_security is SmtpSecurity.SSL:
        return (
            f"No SSL/TLS connection with the SMTP server on port {settings.smtp_port} "
            f"({reason}): a server that starts in plain text wants STARTTLS (usually port "
            "587); SSL/TLS is usually port 465"
        )
    return f"TLS with the SMTP server failed ({reason})"
