"""The one small interface every carrier adapter implements.

Adapters turn a carrier's webhook into plain events and plain requests into the carrier's API
calls; nothing outside `chalicelib/carriers/` knows a carrier's payload shapes or signatures.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass(frozen=True)
class WebhookRequest:
    """What a carrier sent: the exact bytes, headers (lower-cased names), and the public URL it called."""

    raw_body: bytes
    headers: dict[str, str]
    public_url: str
    query: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class InboundMessage:
    carrier: str
    carrier_message_id: str
    to: str  # E.164, the business number
    from_: str  # E.164, the customer
    body: str
    media: list[dict[str, Any]] = field(default_factory=list)  # [{"url", "content_type"}]


@dataclass(frozen=True)
class StatusUpdate:
    carrier: str
    carrier_message_id: str
    status: str  # queued | sent | delivered | undelivered | failed | read
    error_code: str | None = None


@dataclass(frozen=True)
class SendResult:
    carrier_message_id: str
    status: str


class Carrier(Protocol):
    name: str

    def verify(self, request: WebhookRequest) -> None:
        """Raise `errors.Forbidden` unless the request was signed by the carrier (and is fresh)."""

    def parse_inbound(self, request: WebhookRequest) -> list[InboundMessage]: ...

    def parse_status(self, request: WebhookRequest) -> list[StatusUpdate]: ...

    def send(self, from_: str, to: str, body: str, media_urls: list[str]) -> SendResult: ...

    def fetch_media(self, url: str) -> tuple[bytes, str]:
        """Download inbound media with the carrier's credentials: (bytes, content type)."""
