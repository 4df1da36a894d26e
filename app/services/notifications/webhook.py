"""Posting a message as JSON to the shop's webhook (Zapier, Make, or its own server).

The body is one flat JSON object an automation tool maps field by field. Two headers let the
receiver trust and dedupe it: ``Idempotency-Key`` (the same on every resend of one message)
and ``X-Shopkeeper-Signature: sha256=<hex>``, the HMAC-SHA256 of the exact body bytes with
the shop's signing secret. Anything but a 2xx answer is a failed try. No Qt.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import urllib.error
import urllib.request
from typing import Any

from app.services.notifications.sender import OutgoingMessage, SendFailed

SIGNATURE_HEADER = "X-Shopkeeper-Signature"
IDEMPOTENCY_HEADER = "Idempotency-Key"
TIMEOUT_SECONDS = 20


def payload(message: OutgoingMessage) -> dict[str, Any]:
    """The JSON posted; ``order_status`` (the order status sheet's lines, statuses and ETA
    ranges, see ``status_sheet``) only when the shop attaches the sheet."""
    found: dict[str, Any] = {
        "id": message.idempotency_key,
        "event": message.event.value if message.event is not None else "test",
        "order_ref": message.order_ref,
        "customer_code": message.customer_code,
        "customer_name": message.customer_name,
        "customer_email": message.email,
        "subject": message.subject,
        "body": message.body,
        "created_at": message.created_at.isoformat(),
    }
    if message.status_sheet is not None:
        found["order_status"] = dict(message.status_sheet)
    return found


def signature(secret: str, body: bytes) -> str:
    """The signature header's value for ``body``: ``sha256=`` and the hex HMAC."""
    digest = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


class WebhookTransport:
    def __init__(self, url: str, secret: str | None) -> None:
        self.url = url
        self.secret = secret or ""

    def send(self, message: OutgoingMessage) -> None:
        body = json.dumps(payload(message), ensure_ascii=False).encode()
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": "Shopkeeper",
            IDEMPOTENCY_HEADER: message.idempotency_key,
        }
        if self.secret:
            headers[SIGNATURE_HEADER] = signature(self.secret, body)
        request = urllib.request.Request(self.url, data=body, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as answer:
                answer.read()
        except urllib.error.HTTPError as error:
            raise SendFailed(f"The webhook answered {error.code} {error.reason}") from error
        except (urllib.error.URLError, OSError) as error:
            reason = getattr(error, "reason", error)
            raise SendFailed(f"The webhook could not be reached: {reason}") from error
