"""The one small interface every carrier adapter implements.

Adapters turn a carrier's webhook into plain events and plain requests into the carrier's API
calls; nothing outside `chalicelib/carriers/` knows a carrier's payload shapes or signatures.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import parse_qsl, urlparse
from xml.sax.saxutils import escape, quoteattr

from chalicelib.errors import BadRequest, Forbidden


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


@dataclass(frozen=True)
class CallEvent:
    """A voice webhook. event: incoming | dial_result | recording | progress."""

    carrier: str
    call_id: str
    event: str
    to: str | None = None  # E.164, the business number (incoming calls)
    from_: str | None = None  # E.164, the customer (incoming calls)
    answered: bool = False  # dial_result: did the forwarded leg answer
    duration: int | None = None  # seconds
    recording_id: str | None = None
    recording_url: str | None = None


@dataclass(frozen=True)
class VoiceResponse:
    """What the carrier's call-control webhook expects back: TwiML, TeXML, BXML or an NCCO."""

    body: str
    content_type: str


class Carrier(Protocol):
    name: str

    def verify(self, request: WebhookRequest) -> None:
        """Raise `errors.Forbidden` unless the request was signed by the carrier (and is fresh)."""

    def parse_inbound(self, request: WebhookRequest) -> list[InboundMessage]: ...

    def parse_status(self, request: WebhookRequest) -> list[StatusUpdate]: ...

    def send(
        self, from_: str, to: str, body: str, media_urls: list[str], idempotency_key: str | None = None
    ) -> SendResult: ...

    def fetch_media(self, url: str) -> tuple[bytes, str]:
        """Download inbound media with the carrier's credentials: (bytes, content type)."""

    def parse_call(self, request: WebhookRequest) -> CallEvent: ...

    def build_voice_response(
        self, action: str, forward_to: str | None = None, caller_id: str | None = None
    ) -> VoiceResponse:
        """action: forward (ring `forward_to` showing `caller_id`) | voicemail (record) | hangup."""


# --- helpers the adapters share -------------------------------------------------------------


def form_params(request: WebhookRequest) -> dict[str, str]:
    """A form-encoded body as a dict (carriers never repeat a field we read)."""
    try:
        text = request.raw_body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BadRequest("body", "is not UTF-8") from exc
    return dict(parse_qsl(text, keep_blank_values=True))


def json_payload(request: WebhookRequest) -> Any:
    try:
        return json.loads(request.raw_body or b"")
    except (ValueError, UnicodeDecodeError) as exc:
        raise BadRequest("body", "is not valid JSON") from exc


def required(mapping: Any, key: str, where: str = "body") -> Any:
    """A field the carrier always sends; its absence means a malformed request (400)."""
    value = mapping.get(key) if isinstance(mapping, dict) else None
    if value in (None, ""):
        raise BadRequest(f"{where}.{key}", "is missing")
    return value


def signature_header(request: WebhookRequest, name: str) -> str:
    value = request.headers.get(name, "")
    if not value:
        raise Forbidden(f"the {name} header is missing")
    return value


def xml_document(*elements: str) -> VoiceResponse:
    return VoiceResponse(
        '<?xml version="1.0" encoding="UTF-8"?><Response>' + "".join(elements) + "</Response>", "text/xml"
    )


def xml_element(tag: str, text: str | None = None, **attributes: Any) -> str:
    attrs = "".join(f" {k}={quoteattr(str(v))}" for k, v in attributes.items() if v is not None)
    if text is None:
        return f"<{tag}{attrs}/>"
    return f"<{tag}{attrs}>{text}</{tag}>"


def text_node(value: str) -> str:
    return escape(value)


def credentials_for(url: str, trusted_hosts: tuple[str, ...]) -> bool:
    """Send carrier credentials only to the carrier's own hosts, never to whatever URL a payload names."""
    host = (urlparse(url).hostname or "").lower()
    return any(host == h or host.endswith("." + h) for h in trusted_hosts if h)


def host_of(url: str) -> str:
    return (urlparse(url).hostname or "").lower()
