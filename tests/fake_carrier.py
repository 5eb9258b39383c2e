"""The fake carrier for tests: the loopback carrier API, credentials pointed at it, and signed webhook posts."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from devstack.commands.simulate import LoopbackCarrier

FakeCarrier = LoopbackCarrier


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


@pytest.fixture
def carrier_api(demo: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeCarrier]:
    """The demo company with every carrier's API on a loopback fake (and a Telnyx key pair configured).

    Test modules adopt it with `carrier_api = fake_carrier.carrier_api`.
    """
    telnyx_keys(monkeypatch)
    with serving(monkeypatch) as fake:
        yield fake


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

    headers, body = signed(carrier, document, path, secrets(), get_settings().webhook_base_url)
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
