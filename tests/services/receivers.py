"""Real receivers for the sender's tests: an SMTP server (aiosmtpd) and a webhook endpoint
(``http.server``), both on this computer, recording what arrived.

The webhook endpoint dedupes by ``Idempotency-Key`` as a careful receiver would: ``posts``
keeps every request, ``delivered`` one per key.
"""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session


@dataclass
class Mailbox:
    messages: list[Message] = field(default_factory=list)

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        assert isinstance(envelope.content, bytes)
        self.messages.append(message_from_bytes(envelope.content))
        return "250 Message accepted for delivery"


@contextmanager
def smtp_server() -> Iterator[tuple[Mailbox, int]]:
    """A local SMTP server (no encryption, no login); yields its mailbox and port."""
    mailbox = Mailbox()
    with socket.socket() as probe:  # a free port (the controller checks it by connecting)
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
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
