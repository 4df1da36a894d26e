"""Real receivers for the sender's tests: an SMTP server (aiosmtpd) and a webhook endpoint
(``http.server``), both on this computer, recording what arrived.

The webhook endpoint dedupes by ``Idempotency-Key`` as a careful receiver would: ``posts``
keeps every request, ``delivered`` one per key.
"""

from __future__ import annotations

import json
import socket
import ssl
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

from tests.services.certificates import Certificate


@dataclass
class Mailbox:
    messages: list[Message] = field(default_factory=list)
    #: Whether each message came over TLS (STARTTLS or SSL/TLS), in the order received.
    encrypted: list[bool] = field(default_factory=list)
    #: The logins tried: (mechanism, user name, accepted).
    logins: list[tuple[str, str, bool]] = field(default_factory=list)
    #: user name -> password the server accepts (no login at all when empty).
    accounts: dict[str, str] = field(default_factory=dict)

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        assert isinstance(envelope.content, bytes)
        self.messages.append(message_from_bytes(envelope.content))
        self.encrypted.append(server.transport.get_extra_info("ssl_object") is not None)
        return "250 Message accepted for delivery"

    def authenticate(
        self, server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any
    ) -> AuthResult:
        assert isinstance(data, LoginPassword)
        user, password = data.login.decode(), data.password.decode()
        accepted = self.accounts.get(user) == password
        self.logins.append((mechanism, user, accepted))
        return AuthResult(success=accepted, handled=False)


@contextmanager
def smtp_server(
    *,
    security: str = "none",
    certificate: Certificate | None = None,
    accounts: dict[str, str] | None = None,
    mechanisms: tuple[str, ...] = ("LOGIN", "PLAIN"),
) -> Iterator[tuple[Mailbox, int]]:
    """A local SMTP server; yields its mailbox and port. ``security``: "none", "starttls"
    (offered and required before anything is sent) or "ssl" (TLS from the first byte), with
    ``certificate``; ``accounts``: the user names and passwords it requires a login with,
    by one of ``mechanisms``."""
    mailbox = Mailbox(accounts=dict(accounts or {}))
    with socket.socket() as probe:  # a free port (the controller checks it by connecting)
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    options: dict[str, Any] = {}
    if security != "none":
        assert certificate is not None
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(certificate.cert, certificate.key)
        if security == "starttls":
            options.update(tls_context=context, require_starttls=True)
        else:
            # TLS from the first byte: a login needs no STARTTLS first.
            options.update(ssl_context=context, auth_require_tls=False)
    if accounts:
        excluded = [m for m in ("LOGIN", "PLAIN") if m not in mechanisms]
        options.update(authenticator=mailbox.authenticate, auth_exclude_mechanism=excluded)
        # Mail only after a login, where the login itself is only over TLS (aiosmtpd warns
        # of the other combination; with SSL/TLS everything is encrypted anyway).
        options["auth_required"] = options.get("auth_require_tls", True)
    controller = Controller(mailbox, hostname="127.0.0.1", port=port, **options)
    controller.start()
    try:
        yield mailbox, port
    finally:
        controller.stop()


@dataclass
class Post:
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> dict[str, Any]:
        loaded = json.loads(self.body)
        assert isinstance(loaded, dict)
        return loaded


@dataclass
class Endpoint:
    url: str
    posts: list[Post] = field(default_factory=list)
    #: The status codes to answer, in turn (then 200).
    answers: list[int] = field(default_factory=list)
    delivered: dict[str, Post] = field(default_factory=dict)


@contextmanager
def webhook_server() -> Iterator[Endpoint]:
    endpoint = Endpoint("")
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            post = Post(dict(self.headers.items()), body)
            with lock:
                endpoint.posts.append(post)
                code = endpoint.answers.pop(0) if endpoint.answers else 200
                if code == 200:
                    endpoint.delivered.setdefault(self.headers["Idempotency-Key"], post)
            self.send_response(code)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    endpoint.url = f"http://127.0.0.1:{server.server_address[1]}/hooks/shop"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield endpoint
    finally:
        server.shutdown()
        server.server_close()
