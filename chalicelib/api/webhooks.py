"""Carrier webhooks: the URLs an admin pastes into each carrier's console (listed in the README).

Each route hands the exact bytes, the headers and the configured webhook URL of the route to the
domain, which verifies the carrier's signature before anything is written.
"""

from __future__ import annotations

from typing import Any

from chalice import Response

from chalicelib.api.routing import JSON, Api
from chalicelib.carriers.base import VoiceResponse, WebhookRequest
from chalicelib.messaging import voice, webhooks
from chalicelib.settings import get_settings

bp = Api(__name__)

FORM = ["application/x-www-form-urlencoded"]
FORM_OR_JSON = ["application/x-www-form-urlencoded", "application/json"]
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'


def _called_base_url(request: Any) -> str:
    """The base of the URL the carrier called, which is what it signed.

    Carriers call the webhooks' HTTP API (its `$default` stage); a number pointed here before
    that API existed still calls the REST API, and keeps working there until it is re-pointed.
    """
    settings = get_settings()
    through_http_api = (request.context or {}).get("stage") == "$default"
    return settings.webhook_base_url if through_http_api else settings.public_base_url


def _request(path: str) -> WebhookRequest:
    request = bp.current_request
    return WebhookRequest(
        raw_body=request.raw_body or b"",
        headers={k.lower(): v for k, v in (request.headers or {}).items()},
        public_url=_called_base_url(request) + path,
        query=dict(request.query_params or {}),
    )


def _messaging(carrier: str, path: str, inbound: bool = True, status: bool = True, twiml: bool = False) -> Any:
    webhooks.messaging(carrier, _request(path), inbound, status)
    if twiml:
        return Response(body=EMPTY_TWIML, status_code=200, headers={"Content-Type": "text/xml"})
    return Response(body={"ok": True}, status_code=200, headers=JSON)


def _voice(carrier: str, path: str) -> Response:
    answer: VoiceResponse = voice.handle(carrier, _request(path))
    return Response(body=answer.body, status_code=200, headers={"Content-Type": answer.content_type})


@bp.route("/webhooks/twilio/messages", methods=["POST"], content_types=FORM)
def twilio_messages() -> Response:
    return _messaging("twilio", "/webhooks/twilio/messages", status=False, twiml=True)


@bp.route("/webhooks/twilio/status", methods=["POST"], content_types=FORM)
def twilio_status() -> Response:
    return _messaging("twilio", "/webhooks/twilio/status", inbound=False, twiml=True)


@bp.route("/webhooks/twilio/voice", methods=["POST"], content_types=FORM)
def twilio_voice() -> Response:
    return _voice("twilio", "/webhooks/twilio/voice")


@bp.route("/webhooks/twilio/voice/status", methods=["POST"], content_types=FORM)
def twilio_voice_status() -> Response:
    return _voice("twilio", "/webhooks/twilio/voice/status")


@bp.route("/webhooks/twilio/recording", methods=["POST"], content_types=FORM)
def twilio_recording() -> Response:
    return _voice("twilio", "/webhooks/twilio/recording")


@bp.route("/webhooks/telnyx", methods=["POST"])
def telnyx_events() -> Response:
    return _messaging("telnyx", "/webhooks/telnyx")


@bp.route("/webhooks/telnyx/voice", methods=["POST"], content_types=FORM_OR_JSON)
def telnyx_voice() -> Response:
    return _voice("telnyx", "/webhooks/telnyx/voice")


@bp.route("/webhooks/bandwidth/messages", methods=["POST"])
def bandwidth_messages() -> Response:
    return _messaging("bandwidth", "/webhooks/bandwidth/messages")


@bp.route("/webhooks/bandwidth/voice", methods=["POST"])
def bandwidth_voice() -> Response:
    return _voice("bandwidth", "/webhooks/bandwidth/voice")


@bp.route("/webhooks/vonage/inbound", methods=["POST"])
def vonage_inbound() -> Response:
    return _messaging("vonage", "/webhooks/vonage/inbound", status=False)


@bp.route("/webhooks/vonage/status", methods=["POST"])
def vonage_status() -> Response:
    return _messaging("vonage", "/webhooks/vonage/status", inbound=False)


@bp.route("/webhooks/vonage/voice", methods=["POST"])
def vonage_voice() -> Response:
    return _voice("vonage", "/webhooks/vonage/voice")
