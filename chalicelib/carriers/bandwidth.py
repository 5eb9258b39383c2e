"""Bandwidth: messaging callbacks arrive as a JSON array, calls as JSON events answered with BXML.

Bandwidth authenticates its callbacks with the HTTP Basic credentials configured on the
application (`BANDWIDTH_WEBHOOK_USERNAME` / `BANDWIDTH_WEBHOOK_PASSWORD`), compared in constant time.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import re
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
    text_node,
    xml_document,
    xml_element,
)
from chalicelib.carriers.twilio import RING_SECONDS, VOICEMAIL_GREETING
from chalicelib.errors import BadRequest, Forbidden
from chalicelib.phone import to_e164
from chalicelib.settings import get_settings

NAME = "bandwidth"
MESSAGES_PATH = "/webhooks/bandwidth/messages"
VOICE_PATH = "/webhooks/bandwidth/voice"
STATUSES = {"message-sending": "sending", "message-delivered": "delivered", "message-failed": "failed"}
# transferComplete `cause` when the forwarded leg was answered and later hung up.
ANSWERED_CAUSES = {"hangup"}


def _events(request: WebhookRequest) -> list[dict[str, Any]]:
    document = json_payload(request)
    if isinstance(document, dict):
        document = [document]
    if not isinstance(document, list) or not all(isinstance(e, dict) for e in document):
        raise BadRequest("body", "must be a JSON array of callbacks")
    return document


def _message(event: dict[str, Any]) -> dict[str, Any]:
    message = event.get("message")
    if not isinstance(message, dict):
        raise BadRequest("body[].message", "is missing")
    return message


def _seconds(iso_duration: Any) -> int | None:
    match = re.fullmatch(r"PT(?:(\d+)M)?(?:([\d.]+)S)?", str(iso_duration or ""))
    if not match or not any(match.groups()):
        return None
    return int(int(match.group(1) or 0) * 60 + float(match.group(2) or 0))


class Bandwidth:
    name = NAME

    def verify(self, request: WebhookRequest) -> None:
        settings = get_settings()
        user = settings.secret("BANDWIDTH_WEBHOOK_USERNAME")
        password = settings.secret("BANDWIDTH_WEBHOOK_PASSWORD")
        if not user or not password:
            raise Forbidden("BANDWIDTH_WEBHOOK_USERNAME / BANDWIDTH_WEBHOOK_PASSWORD are not configured")
        scheme, _, encoded = signature_header(request, "authorization").partition(" ")
        try:
            given = base64.b64decode(encoded, validate=True)
        except (ValueError, binascii.Error) as exc:
            raise Forbidden("the Basic credentials are malformed") from exc
        expected = f"{user}:{password}".encode()
        if scheme.lower() != "basic" or not hmac.compare_digest(given, expected):
            raise Forbidden("the Basic credentials do not match")

    def parse_inbound(self, request: WebhookRequest) -> list[InboundMessage]:
        found = []
        for event in _events(request):
            if event.get("type") != "message-received":
                continue
            message = _message(event)
            media = [{"url": url, "content_type": None} for url in message.get("media") or [] if isinstance(url, str)]
            found.append(
                InboundMessage(
                    carrier=NAME,
                    carrier_message_id=str(required(message, "id", "body[].message")),
                    to=to_e164(event.get("to") or (message.get("to") or [None])[0], "to"),
                    from_=to_e164(message.get("from"), "message.from"),
                    body=message.get("text") or "",
                    media=media,
                )
            )
        return found

    def parse_status(self, request: WebhookRequest) -> list[StatusUpdate]:
        found = []
        for event in _events(request):
            status = STATUSES.get(str(event.get("type")))
            if status is None:
                continue
            message = _message(event)
            code = event.get("errorCode")
            found.append(
                StatusUpdate(NAME, str(required(message, "id", "body[].message")), status, str(code) if code else None)
            )
        return found

    def send(
        self, from_: str, to: str, body: str, media_urls: list[str], idempotency_key: str | None = None
    ) -> SendResult:
        settings = get_settings()
        document: dict[str, Any] = {
            "applicationId": settings.secret("BANDWIDTH_APPLICATION_ID") or "",
            "from": from_,
            "to": [to],
            "text": body,
        }
        if media_urls:
            document["media"] = media_urls
        if idempotency_key:
            document["tag"] = idempotency_key[:256]
        account = settings.secret("BANDWIDTH_ACCOUNT_ID") or ""
        data = http.request(
            "POST",
            f"{settings.bandwidth_api_base_url}/api/v2/users/{account}/messages",
            json_body=document,
            auth=self._api_auth(),
        ).json()
        return SendResult(str(data["id"]), "queued")

    def _api_auth(self) -> tuple[str, str]:
        settings = get_settings()
        return settings.secret("BANDWIDTH_API_USERNAME") or "", settings.secret("BANDWIDTH_API_PASSWORD") or ""

    def fetch_media(self, url: str) -> tuple[bytes, str]:
        trusted = ("bandwidth.com", host_of(get_settings().bandwidth_api_base_url))
        auth = self._api_auth() if credentials_for(url, trusted) else None
        response = http.request("GET", url, auth=auth)
        return response.data, response.headers.get("Content-Type", "application/octet-stream")

    def parse_call(self, request: WebhookRequest) -> CallEvent:
        event = json_payload(request)
        if not isinstance(event, dict):
            raise BadRequest("body", "must be a JSON object")
        call_id = str(required(event, "callId"))
        kind = event.get("eventType")
        if kind == "initiate":
            return CallEvent(
                NAME, call_id, "incoming", to=to_e164(event.get("to"), "to"), from_=to_e164(event.get("from"), "from")
            )
        if kind == "transferComplete":
            answered = event.get("cause") in ANSWERED_CAUSES
            return CallEvent(NAME, call_id, "dial_result", answered=answered)
        if kind == "recordingAvailable" and event.get("status", "complete") == "complete":
            return CallEvent(
                NAME,
                call_id,
                "recording",
                duration=_seconds(event.get("duration")),
                recording_id=str(required(event, "recordingId")),
                recording_url=str(required(event, "mediaUrl")),
            )
        return CallEvent(NAME, call_id, "progress")

    def build_voice_response(
        self, action: str, forward_to: str | None = None, caller_id: str | None = None
    ) -> VoiceResponse:
        url = get_settings().webhook_base_url + VOICE_PATH
        if action == "forward" and forward_to:
            target = xml_element("SipUri" if forward_to.startswith("sip:") else "PhoneNumber", text_node(forward_to))
            return xml_document(
                xml_element(
                    "Transfer", target, transferCallerId=caller_id, callTimeout=RING_SECONDS, transferCompleteUrl=url
                )
            )
        if action in ("forward", "voicemail"):
            return xml_document(
                xml_element("SpeakSentence", text_node(VOICEMAIL_GREETING)),
                xml_element("Record", maxDuration=120, recordingAvailableUrl=url),
            )
        return xml_document(xml_element("Hangup"))


def adapter() -> Bandwidth:
    return Bandwidth()
