"""Vonage: Messages API webhooks signed with a JWT, the Messages API for sending, NCCO for calls.

The `Authorization: Bearer` JWT is HS256 with the account's signature secret; its `payload_hash`
is the SHA-256 of the exact body and `iat` must be recent. Vonage drops the leading `+` of every
number, so the adapter normalises to E.164.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
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
    host_of,
    json_payload,
    required,
    signature_header,
)
from chalicelib.carriers.twilio import RING_SECONDS, VOICEMAIL_GREETING
from chalicelib.errors import BadRequest, Forbidden
from chalicelib.phone import to_e164
from chalicelib.settings import get_settings

NAME = "vonage"
STATUS_PATH = "/webhooks/vonage/status"
VOICE_PATH = "/webhooks/vonage/voice"
STATUSES = {
    "submitted": "sent",
    "delivered": "delivered",
    "rejected": "failed",
    "undeliverable": "undelivered",
    "read": "read",
}
MEDIA_TYPES = ("image", "video", "audio", "file", "vcard")
UNANSWERED = {"timeout", "unanswered", "busy", "failed", "rejected", "cancelled"}


def decode_claims(token: str, secret: str) -> dict[str, Any]:
    """The JWT's claims when its HS256 signature is valid for `secret` (no freshness checks here)."""
    import jwt

    try:
        return jwt.decode(token, secret, algorithms=["HS256"], options={"verify_aud": False, "verify_exp": False})
    except jwt.PyJWTError as exc:
        raise Forbidden(f"the Vonage JWT is not valid ({type(exc).__name__})") from exc


def _digits(e164: str) -> str:
    return e164.lstrip("+")


class Vonage:
    name = NAME

    def verify(self, request: WebhookRequest) -> None:
        settings = get_settings()
        secret = settings.secret("VONAGE_SIGNATURE_SECRET")
        if not secret:
            raise Forbidden("VONAGE_SIGNATURE_SECRET is not configured")
        scheme, _, token = signature_header(request, "authorization").partition(" ")
        if scheme.lower() != "bearer" or not token:
            raise Forbidden("the Authorization header is not a bearer JWT")
        claims = decode_claims(token, secret)
        issued = claims.get("iat")
        if not isinstance(issued, int | float) or abs(time.time() - issued) > settings.webhook_max_age_seconds:
            raise Forbidden("the Vonage JWT is stale or has no iat")
        expected = hashlib.sha256(request.raw_body).hexdigest()
        if not hmac.compare_digest(str(claims.get("payload_hash", "")).encode(), expected.encode()):
            raise Forbidden("payload_hash does not match the body")

    def _object(self, request: WebhookRequest) -> dict[str, Any]:
        document = json_payload(request)
        if not isinstance(document, dict):
            raise BadRequest("body", "must be a JSON object")
        return document

    def parse_inbound(self, request: WebhookRequest) -> list[InboundMessage]:
        event = self._object(request)
        kind = event.get("message_type", "text")
        media = []
        body = event.get("text") or ""
        if kind in MEDIA_TYPES and isinstance(event.get(kind), dict) and event[kind].get("url"):
            media = [{"url": event[kind]["url"], "content_type": None}]
            body = body or event[kind].get("caption") or ""
        return [
            InboundMessage(
                carrier=NAME,
                carrier_message_id=str(required(event, "message_uuid")),
                to=to_e164(str(required(event, "to")), "to"),
                from_=to_e164(str(required(event, "from")), "from"),
                body=body,
                media=media,
            )
        ]

    def parse_status(self, request: WebhookRequest) -> list[StatusUpdate]:
        event = self._object(request)
        status = STATUSES.get(str(required(event, "status")))
        if status is None:
            return []
        error = event.get("error") if isinstance(event.get("error"), dict) else {}
        code = error.get("title") or error.get("type")
        return [StatusUpdate(NAME, str(required(event, "message_uuid")), status, str(code) if code else None)]

    def _api_auth(self) -> tuple[str, str]:
        settings = get_settings()
        return settings.secret("VONAGE_API_KEY") or "", settings.secret("VONAGE_API_SECRET") or ""

    def send(
        self, from_: str, to: str, body: str, media_urls: list[str], idempotency_key: str | None = None
    ) -> SendResult:
        settings = get_settings()
        document: dict[str, Any] = {"from": _digits(from_), "to": _digits(to), "channel": "sms"}
        if media_urls:
            document.update(channel="mms", message_type="image", image={"url": media_urls[0], "caption": body})
        else:
            document.update(message_type="text", text=body)
        if idempotency_key:
            document["client_ref"] = idempotency_key[:100]
        document["webhook_url"] = settings.webhook_base_url + STATUS_PATH
        data = http.request(
            "POST", f"{settings.vonage_api_base_url}/v1/messages", json_body=document, auth=self._api_auth()
        ).json()
        return SendResult(str(data["message_uuid"]), "queued")

    def fetch_media(self, url: str) -> tuple[bytes, str]:
        trusted = ("nexmo.com", "vonage.com", host_of(get_settings().vonage_api_base_url))
        auth = self._api_auth() if credentials_for(url, trusted) else None
        response = http.request("GET", url, auth=auth)
        return response.data, response.headers.get("Content-Type", "application/octet-stream")

    def parse_call(self, request: WebhookRequest) -> CallEvent:
        event = self._object(request)
        call_id = str(event.get("conversation_uuid") or required(event, "uuid"))
        if event.get("recording_url"):
            return CallEvent(
                NAME,
                call_id,
                "recording",
                recording_id=str(event.get("recording_uuid") or call_id),
                recording_url=str(event["recording_url"]),
            )
        status = event.get("status")
        if status in UNANSWERED:
            return CallEvent(NAME, call_id, "dial_result", answered=False)
        if status is None and event.get("from") and event.get("to"):
            return CallEvent(
                NAME, call_id, "incoming", to=to_e164(str(event["to"]), "to"), from_=to_e164(str(event["from"]), "from")
            )
        return CallEvent(NAME, call_id, "progress")

    def build_voice_response(
        self, action: str, forward_to: str | None = None, caller_id: str | None = None
    ) -> VoiceResponse:
        url = get_settings().webhook_base_url + VOICE_PATH
        ncco: list[dict[str, Any]] = []
        if action == "forward" and forward_to:
            endpoint = (
                {"type": "sip", "uri": forward_to}
                if forward_to.startswith("sip:")
                else {"type": "phone", "number": _digits(forward_to)}
            )
            ncco = [
                {
                    "action": "connect",
                    "from": _digits(caller_id or ""),
                    "timeout": RING_SECONDS,
                    "eventType": "synchronous",
                    "eventUrl": [url],
                    "endpoint": [endpoint],
                }
            ]
        elif action in ("forward", "voicemail"):
            ncco = [
                {"action": "talk", "text": VOICEMAIL_GREETING},
                {"action": "record", "beepStart": True, "endOnSilence": 3, "eventUrl": [url], "eventMethod": "POST"},
            ]
        return VoiceResponse(json.dumps(ncco), "application/json")


def adapter() -> Vonage:
    return Vonage()
