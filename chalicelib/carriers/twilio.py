"""Twilio: form-encoded webhooks signed with X-Twilio-Signature, the REST API for sending, TwiML for calls.

The signature is HMAC-SHA1 (auth token) over the URL Twilio called followed by every POST parameter,
sorted, as `name + value`. Behind API Gateway the URL the handler sees is not the one Twilio called,
so the adapter always uses the configured webhook URL of the route (`WEBHOOK_BASE_URL`).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from typing import Any
from urllib.parse import parse_qsl

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
    required,
    signature_header,
    text_node,
    xml_document,
    xml_element,
)
from chalicelib.errors import BadRequest, Forbidden
from chalicelib.phone import to_e164
from chalicelib.settings import get_settings

NAME = "twilio"
STATUS_PATH = "/webhooks/twilio/status"
VOICE_STATUS_PATH = "/webhooks/twilio/voice/status"
RECORDING_PATH = "/webhooks/twilio/recording"
RING_SECONDS = 20
VOICEMAIL_GREETING = "The person you are calling is not available. Please leave a message after the tone."

# Twilio's message statuses onto Keepline's (see messaging.status.RANK).
STATUSES = {
    "accepted": "queued",
    "scheduled": "queued",
    "queued": "queued",
    "sending": "sending",
    "sent": "sent",
    "delivered": "delivered",
    "undelivered": "undelivered",
    "failed": "failed",
    "canceled": "failed",
    "read": "read",
}


def compute_signature(token: str, url: str, params: list[tuple[str, str]] | dict[str, str]) -> str:
    pairs = sorted(params.items() if isinstance(params, dict) else params)
    data = url + "".join(k + v for k, v in pairs)
    return base64.b64encode(hmac.new(token.encode(), data.encode(), hashlib.sha1).digest()).decode()


def twiml(
    action: str, forward_to: str | None, caller_id: str | None, next_url: str, recording_url: str
) -> VoiceResponse:
    """TwiML (and Telnyx's TeXML, which reads the same verbs) for forward, voicemail and hangup."""
    if action == "forward" and forward_to:
        target = xml_element("Sip" if forward_to.startswith("sip:") else "Number", text_node(forward_to))
        dial = xml_element("Dial", target, callerId=caller_id, timeout=RING_SECONDS, action=next_url, method="POST")
        return xml_document(dial)
    if action in ("forward", "voicemail"):
        return xml_document(
            xml_element("Say", text_node(VOICEMAIL_GREETING)),
            xml_element(
                "Record",
                maxLength=120,
                playBeep="true",
                action=next_url,
                recordingStatusCallback=recording_url,
                recordingStatusCallbackMethod="POST",
            ),
        )
    return xml_document(xml_element("Hangup"))


def call_from_params(carrier: str, params: dict[str, str]) -> CallEvent:
    """A TwiML-style call webhook (Twilio, Telnyx TeXML) as a CallEvent."""
    call_id = required(params, "CallSid")
    if params.get("RecordingStatus"):
        if params["RecordingStatus"] != "completed":
            return CallEvent(carrier, call_id, "progress")
        return CallEvent(
            carrier,
            call_id,
            "recording",
            duration=_int(params.get("RecordingDuration")),
            recording_id=required(params, "RecordingSid"),
            recording_url=required(params, "RecordingUrl"),
        )
    if params.get("DialCallStatus"):
        return CallEvent(
            carrier,
            call_id,
            "dial_result",
            answered=params["DialCallStatus"] == "completed",
            duration=_int(params.get("DialCallDuration")),
        )
    if params.get("CallStatus") == "ringing" and not params.get("RecordingUrl"):
        return CallEvent(
            carrier,
            call_id,
            "incoming",
            to=to_e164(required(params, "To"), "To"),
            from_=to_e164(required(params, "From"), "From"),
        )
    return CallEvent(carrier, call_id, "progress")


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except ValueError:
        return None


class Twilio:
    name = NAME

    def _token(self) -> str:
        token = get_settings().secret("TWILIO_AUTH_TOKEN")
        if not token:
            raise Forbidden("TWILIO_AUTH_TOKEN is not configured")
        return token

    def verify(self, request: WebhookRequest) -> None:
        given = signature_header(request, "x-twilio-signature")
        try:
            pairs = parse_qsl(request.raw_body.decode("utf-8"), keep_blank_values=True)
        except UnicodeDecodeError as exc:
            raise Forbidden("the body is not UTF-8 form data") from exc
        expected = compute_signature(self._token(), request.public_url, pairs)
        if not hmac.compare_digest(expected.encode(), given.encode()):
            raise Forbidden("X-Twilio-Signature does not match")

    def parse_inbound(self, request: WebhookRequest) -> list[InboundMessage]:
        params = form_params(request)
        sid = params.get("MessageSid") or params.get("SmsSid")
        if not sid:
            raise BadRequest("body.MessageSid", "is missing")
        try:
            count = int(params.get("NumMedia") or 0)
        except ValueError as exc:
            raise BadRequest("body.NumMedia", "is not a number") from exc
        media = [
            {"url": params[f"MediaUrl{i}"], "content_type": params.get(f"MediaContentType{i}")}
            for i in range(min(count, 10))
            if params.get(f"MediaUrl{i}")
        ]
        return [
            InboundMessage(
                carrier=NAME,
                carrier_message_id=sid,
                to=to_e164(required(params, "To"), "To"),
                from_=to_e164(required(params, "From"), "From"),
                body=params.get("Body", ""),
                media=media,
            )
        ]

    def parse_status(self, request: WebhookRequest) -> list[StatusUpdate]:
        params = form_params(request)
        sid = params.get("MessageSid") or params.get("SmsSid")
        raw = params.get("MessageStatus") or params.get("SmsStatus")
        if not sid or not raw:
            raise BadRequest("body.MessageStatus", "is missing")
        status = STATUSES.get(raw)
        if status is None:
            return []
        return [StatusUpdate(NAME, sid, status, params.get("ErrorCode") or None)]

    def send(
        self, from_: str, to: str, body: str, media_urls: list[str], idempotency_key: str | None = None
    ) -> SendResult:
        settings = get_settings()
        sid = settings.secret("TWILIO_ACCOUNT_SID") or ""
        form: list[tuple[str, Any]] = [("From", from_), ("To", to), ("Body", body)]
        form += [("MediaUrl", url) for url in media_urls]
        form.append(("StatusCallback", settings.webhook_base_url + STATUS_PATH))
        headers = {"I-Twilio-Idempotency-Token": idempotency_key} if idempotency_key else None
        response = http.request(
            "POST",
            f"{settings.twilio_api_base_url}/2010-04-01/Accounts/{sid}/Messages.json",
            form=form,
            auth=(sid, self._token()),
            headers=headers,
        ).json()
        return SendResult(response["sid"], STATUSES.get(response.get("status", ""), "queued"))

    def fetch_media(self, url: str) -> tuple[bytes, str]:
        settings = get_settings()
        trusted = ("twilio.com", host_of(settings.twilio_api_base_url))
        auth = (settings.secret("TWILIO_ACCOUNT_SID") or "", self._token()) if credentials_for(url, trusted) else None
        response = http.request("GET", url, auth=auth)
        return response.data, response.headers.get("Content-Type", "application/octet-stream")

    def parse_call(self, request: WebhookRequest) -> CallEvent:
        return call_from_params(NAME, form_params(request))

    def build_voice_response(
        self, action: str, forward_to: str | None = None, caller_id: str | None = None
    ) -> VoiceResponse:
        base = get_settings().webhook_base_url
        return twiml(action, forward_to, caller_id, base + VOICE_STATUS_PATH, base + RECORDING_PATH)


def adapter() -> Twilio:
    return Twilio()
