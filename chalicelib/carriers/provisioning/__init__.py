"""Carrier account provisioning: list the numbers on an account, point a number's webhooks here.

One module per carrier, each with two functions over `chalicelib.carriers.http`:
`list_numbers(settings) -> list[CarrierNumber]` and
`point_webhooks(settings, e164, carrier_ref, urls) -> str | None` (returns the carrier's id for
the number when it had to look it up). API base URLs come from the settings, so tests (and
anyone) can point them at a loopback fake; the local stack never calls a real carrier.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

from chalicelib.carriers.http import CarrierError
from chalicelib.errors import BadRequest
from chalicelib.settings import Settings, get_settings

# The webhook routes (README, issue 3) each carrier is told to call, by purpose.
WEBHOOK_PATHS: dict[str, dict[str, str]] = {
    "twilio": {
        "messages": "/webhooks/twilio/messages",
        "voice": "/webhooks/twilio/voice",
        "voice_status": "/webhooks/twilio/voice/status",
    },
    "telnyx": {"messages": "/webhooks/telnyx", "voice": "/webhooks/telnyx/voice"},
    # Bandwidth: the messaging application's inbound and status callbacks (its callback array).
    "bandwidth": {"messages": "/webhooks/bandwidth/messages"},
    # Vonage: the number's inbound SMS URL; voice URLs live on the Vonage Application.
    "vonage": {"messages": "/webhooks/vonage/inbound"},
}


@dataclass(frozen=True)
class CarrierNumber:
    e164: str
    carrier_ref: str | None = None
    capabilities: frozenset[str] = frozenset({"sms", "mms", "voice"})


@dataclass(frozen=True)
class Outcome:
    """What happened when we pointed a number's webhooks here: configured, skipped: ... or failed: ..."""

    status: str
    urls: dict[str, str] = field(default_factory=dict)
    carrier_ref: str | None = None

    def record(self, at: str) -> dict[str, Any]:
        return {"status": self.status, "urls": self.urls, "at": at}


LOCAL_ONLY = "is not called by the local stack: set its *_API_URL to a loopback fake to try it"


class NotConfigured(Exception):
    """The carrier's API credentials are not configured, so nothing was called."""


def webhook_urls(carrier: str, settings: Settings | None = None) -> dict[str, str]:
    base = (settings or get_settings()).webhook_base_url
    return {purpose: base + path for purpose, path in WEBHOOK_PATHS[carrier].items()}


def list_numbers(carrier: str) -> list[CarrierNumber]:
    """The numbers on the company's account with `carrier` (every page)."""
    settings = get_settings()
    module = _module(carrier)
    if not settings.calls_carrier(module.api_url(settings)):
        raise BadRequest("carrier", f"{LOCAL_ONLY} ({module.api_url(settings)})")
    try:
        return module.list_numbers(settings)
    except NotConfigured as exc:
        raise BadRequest("carrier", f"{carrier} API credentials are missing: {exc}") from exc


def point_webhooks(carrier: str, e164: str, carrier_ref: str | None) -> Outcome:
    """Tell the carrier to deliver this number's messages and calls here. Never raises for the carrier."""
    settings = get_settings()
    module = _module(carrier)
    if not settings.calls_carrier(module.api_url(settings)):
        return Outcome(f"skipped: {carrier} {LOCAL_ONLY} ({module.api_url(settings)})")
    urls = webhook_urls(carrier, settings)
    try:
        found = module.point_webhooks(settings, e164, carrier_ref, urls)
    except NotConfigured as exc:
        return Outcome(f"skipped: {carrier} API credentials are missing: {exc}")
    except CarrierError as exc:
        return Outcome(f"failed: {exc.message}")
    return Outcome("configured", urls, found or carrier_ref)


def _module(carrier: str) -> ModuleType:
    if carrier not in WEBHOOK_PATHS:
        raise BadRequest("carrier", f"must be one of {', '.join(WEBHOOK_PATHS)}")
    return importlib.import_module(f"{__name__}.{carrier}")


def credential(settings: Settings, *keys: str) -> list[str]:
    """The named carrier secrets, or NotConfigured naming the missing ones."""
    values = [settings.secret(key) or "" for key in keys]
    missing = [key for key, value in zip(keys, values, strict=True) if not value]
    if missing:
        raise NotConfigured(", ".join(missing))
    return values
