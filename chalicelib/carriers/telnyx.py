"""Telnyx: JSON v2 messaging events and TeXML calls, both signed with Ed25519.

The signature (header `telnyx-signature-ed25519`, base64) covers `f"{telnyx-timestamp}|{raw body}"`;
the timestamp must be within the replay window. `TELNYX_PUBLIC_KEY` is the portal's base64 key.
"""

from __future__ import annotations

import base64
import binascii
import time
from functools import lru_cache
from typing import Any

from chalicelib.carriers import http
from chalicelib.carriers.base import (
    CallEvent,
    InboundMessage,
    SendResult,
    StatusUpdate,
    VoiceResponse,
    WebhookRequest,
    credentials_for,
    form_params,
    host_of,
    json_payload,
    required,
    signature_header,
)
from chalicelib.carriers.twilio import call_from_params, twiml
from chalicelib.errors import BadRequest, Forbidden
from chalicelib.phone import to_e164
from chalicelib.settings import get_settings

NAME = "telnyx"
EVENTS_PATH = "/webhooks/telnyx"
VOICE_PATH = "/webhooks/telnyx/voice"

# message.finalized carries the recipient's final status.
FINAL_STATUSES = {
    "delivered": "delivered",
    "sent": "sent",
    "delivery_failed": "undelivered",
    "sending_failed": "failed",
    "delivery_unconfirmed": "sent",
}


@lru_cache(maxsize=4)
def _public_key(encoded: str) -> Any:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    try:
        return Ed25519PublicKey.from_public_bytes(base64.b64decode(encoded))
    except (ValueError, binascii.Error) as exc:
        raise Forbidden("TELNYX_PUBLIC_KEY is not a base64 Ed25519 key") from exc


def _event(request: WebhookRequest) -> tuple[str, dict[str, Any]]:
    document = json_payload(request)
    data = document.get("data") if isinstance(document, dict) else None
    if not isinstance(data, dict):
        raise BadRequest("body.data", "is missing")
    payload = data.get("payload")
    if not isinstance(payload, dict):
        raise BadRequest("body.data.payload", "is missing")
    return str(data.get("event_type", "")), payload


def _first_recipient(payload: dict[str, Any]) -> dict[str, Any]:
    recipients = payload.get("to")
    if isinstance(recipients, list) and recipients and isinstance(recipients[0], dict):
        return recipients[0]
    raise BadRequest("body.data.payload.to", "is missing")


class Telnyx:
    name = NAME

    def verify(self, request: WebhookRequest) -> None:
        from cryptography.exceptions import InvalidSignature

        signature = signature_header(request, "telnyx-signature-ed25519")
        stamp = signature_header(request, "telnyx-timestamp")
        settings = get_settings()
        key = settings.secret("TELNYX_PUBLIC_KEY")
        if not key:
            raise Forbidden("TELNYX_PUBLIC_KEY is not configured")
        try:
            sent_at = int(stamp)
        except ValueError as exc:
            raise Forbidden("telnyx-timestamp is not a number") from exc
        if abs(time.time() - sent_at) > settings.webhook_max_age_seconds:
            raise Forbidden("telnyx-timestamp is outside the replay window")
        try:
            raw_signature = base64.b64decode(signature, validate=True)
            _public_key(key).verify(raw_signature, stamp.encode() + b"|" + request.raw_body)
        except (InvalidSignature, ValueError, binascii.Error) as exc:
            raise Forbidden("telnyx-signature-ed25519 does not match") from exc

    def parse_inbound(self, request: WebhookRequest) -> list[InboundMessage]:
        event_type, payload = _event(request)
        if event_type != "message.received":
            return []
        sender = payload.get("from") or {}
        media = [
            {"url": m["url"], "content_type": m.get("content_type")}
            for m in payload.get("media") or []
            if isinstance(m, dict) and m.get("url")
        ]
        return [
            InboundMessage(
                carrier=NAME,
                carrier_message_id=str(required(payload, "id", "body.data.payload")),
                to=to_e164(_first_recipient(payload).get("phone_number"), "data.payload.to"),
                from_=to_e164(sender.get("phone_number") if isinstance(sender, dict) else None, "data.payload.from"),
                body=payload.get("text") or "",
                media=media,
            )
        ]

    def parse_status(self, request: WebhookRequest) -> list[StatusUpdate]:
        event_type, payload = _event(request)
        if event_type not in ("message.sent", "message.finalized"):
            return []
        message_id = str(required(payload, "id", "body.data.payload"))
        if event_type == "message.sent":
            return [StatusUpdate(NAME, message_id, "sent")]
        status = FINAL_STATUSES.get(str(_first_recipient(payload).get("status")))
        if status is None:
            return []
        errors = payload.get("errors") or []
        code = str(errors[0].get("code")) if errors and isinstance(errors[0], dict) else None
        return [StatusUpdate(NAME, message_id, status, code)]

    def send(
        self, from_: str, to: str, body: str, media_urls: list[str], idempotency_key: str | None = None
    ) -> SendResult:
        settings = get_settings()
        document: dict[str, Any] = {
            "from": from_,
            "to": to,
            "text": body,
            "webhook_url": settings.webhook_base_url + EVENTS_PATH,
        }
        if media_urls:
            document["media_urls"] = media_urls
        headers = {"Authorization": f"Bearer {settings.secret('TELNYX_API_KEY') or ''}"}
        if idempotency_key:
            headers["Idempotency-Key"] = idempotency_key
        data = http.request("POST", f"{settings.telnyx_api_base_url}/v2/messages", json_body=document, headers=headers)
        payload = data.json()["data"]
        recipients = payload.get("to") or [{}]
        status = {"queued": "queued", "sending": "sending", "sent": "sent"}.get(recipients[0].get("status"), "queued")
        return SendResult(payload["id"], status)

    def fetch_media(self, url: str) -> tuple[bytes, str]:
        settings = get_settings()
        headers = None
        if credentials_for(url, ("telnyx.com", host_of(settings.telnyx_api_base_url))):
            headers = {"Authorization": f"Bearer {settings.secret('TELNYX_API_KEY') or ''}"}
        response = http.request("GET", url, headers=headers)
        return response.data, response.headers.get("Content-Type", "application/octet-stream")

    def parse_call(self, request: WebhookRequest) -> CallEvent:
        return call_from_params(NAME, form_params(request))

    def build_voice_response(
        self, action: str, forward_to: str | None = None, caller_id: str | None = None
    ) -> VoiceResponse:
        url = get_settings().webhook_base_url + VOICE_PATH
        return twiml(action, forward_to, caller_id, url, url)


def adapter() -> Telnyx:
    return Telnyx()
