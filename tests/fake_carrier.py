"""A loopback stand-in for the four carriers' send APIs and media hosts, recording every request."""

from __future__ import annotations

import base64
import json
import re
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl

import pytest

MEDIA = b"\x89PNG\r\n\x1a\nfake image bytes"


@dataclass
class Received:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def form(self) -> list[tuple[str, str]]:
        return parse_qsl(self.body.decode())

    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def basic_auth(self) -> tuple[str, str] | None:
        scheme, _, value = self.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "basic":
            return None
        user, _, password = base64.b64decode(value).decode().partition(":")
        return user, password


def _answer(method: str, path: str) -> tuple[int, Any]:
    if method == "GET" and path.startswith("/media/"):
        return 200, MEDIA
    if re.fullmatch(r"/2010-04-01/Accounts/[^/]+/Messages\.json", path):
        return 201, {"sid": "SM" + uuid.uuid4().hex, "status": "queued"}
    if path == "/v2/messages":
        return 200, {"data": {"id": str(uuid.uuid4()), "to": [{"status": "queued"}]}}
    if re.fullmatch(r"/api/v2/users/[^/]+/messages", path):
        return 202, {"id": uuid.uuid4().hex}
    if path == "/v1/messages":
        return 202, {"message_uuid": str(uuid.uuid4())}
    return 404, {"error": "not found"}


class FakeCarrier:
    """Answers like the carriers do; `fail_next(n, status)` makes the next n sends fail."""

    def __init__(self) -> None:
        self.received: list[Received] = []
        self._failures: list[int] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                fake.received.append(
                    Received(self.command, self.path, {k.lower(): v for k, v in self.headers.items()}, body)
                )
                status, answer = (fake._failures.pop(0), {"error": "try later"}) if fake._failures else (None, None)
                if status is None:
                    status, answer = _answer(self.command, self.path)
                data = answer if isinstance(answer, bytes) else json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "image/png" if isinstance(answer, bytes) else "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = _handle

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def fail_next(self, count: int, status: int = 503) -> None:
        self._failures.extend([status] * count)

    def sends(self) -> list[Received]:
        return [r for r in self.received if r.method == "POST"]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@contextmanager
def serving(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeCarrier]:
    """A fake carrier with every carrier's API base URL and API credentials pointed at it."""
    fake = FakeCarrier()
    for name in ("TWILIO", "TELNYX", "BANDWIDTH", "VONAGE"):
        monkeypatch.setenv(f"{name}_API_BASE_URL", fake.url)
    for key, value in {
        "TELNYX_API_KEY": "test-telnyx-api-key",
        "BANDWIDTH_ACCOUNT_ID": "9900000",
        "BANDWIDTH_APPLICATION_ID": "app-1",
        "BANDWIDTH_API_USERNAME": "api-user",
        "BANDWIDTH_API_PASSWORD": "api-password",
        "VONAGE_API_KEY": "vonage-key",
        "VONAGE_API_SECRET": "vonage-secret",
    }.items():
        monkeypatch.setenv(key, value)
    try:
        yield fake
    finally:
        fake.close()


# --- posting signed webhooks through the Chalice test client ---------------------------------


def telnyx_keys(monkeypatch: pytest.MonkeyPatch) -> str:
    """A fresh Ed25519 key pair: the public half configured, the private half returned (base64)."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    key = Ed25519PrivateKey.generate()
    raw = serialization.Encoding.Raw
    public = key.public_key().public_bytes(raw, serialization.PublicFormat.Raw)
    private = key.private_bytes(raw, serialization.PrivateFormat.Raw, serialization.NoEncryption())
    monkeypatch.setenv("TELNYX_PUBLIC_KEY", base64.b64encode(public).decode())
    monkeypatch.setenv("TELNYX_SIMULATOR_PRIVATE_KEY", base64.b64encode(private).decode())
    return base64.b64encode(private).decode()


def secrets() -> dict[str, str]:
    import os

    return {k: v for k, v in os.environ.items() if k.startswith(("TWILIO_", "TELNYX_", "BANDWIDTH_", "VONAGE_"))}


def post_signed(client: Any, carrier: str, path: str, document: Any) -> Any:
    from chalicelib.settings import get_settings
    from devstack.commands.simulate import signed

    headers, body = signed(carrier, document, path, secrets(), get_settings().public_base_url)
    return client.http.post(path, headers=headers, body=body)


def text_in(
    client: Any,
    carrier: str,
    to: str,
    from_: str,
    text: str = "Hello",
    message_id: str | None = None,
    media: tuple[str, ...] = (),
) -> Any:
    """A customer texts `to`: the carrier's own payload, signed, posted to its route."""
    from devstack.commands.simulate import PATHS, inbound_document, new_message_id

    document = inbound_document(carrier, to, from_, text, message_id or new_message_id(carrier), list(media))
    return post_signed(client, carrier, PATHS[carrier], document)
