"""Calls: ring the owner's own endpoint with the business number as caller ID, else take a voicemail.

The call becomes a message of kind `call` in the thread (guard `carrier#call:<id>`), its outcome a
status (`completed` / `no-answer`), and the recording a `voicemail` message whose media the
archiver copies into the archive bucket.
"""

from __future__ import annotations

from pynamodb.exceptions import DoesNotExist

from chalicelib import ids
from chalicelib.carriers.base import CallEvent, Carrier, StatusUpdate, VoiceResponse, WebhookRequest
from chalicelib.errors import BadRequest
from chalicelib.messaging import records, routing, status
from chalicelib.messaging.status import RANK
from chalicelib.messaging.webhooks import parsed, verified
from chalicelib.observability import logger, metrics
from chalicelib.phone import mask
from chalicelib.store.models import UNASSIGNED, Employee, parse_owner

RECORDING_TYPE = "audio/wav"


def handle(carrier_name: str, request: WebhookRequest) -> VoiceResponse:
    carrier = verified(carrier_name, request)
    event = parsed(carrier_name, lambda: [carrier.parse_call(request)])[0]
    if event.event == "incoming":
        return _incoming(carrier, event)
    if event.event == "dial_result":
        outcome = "completed" if event.answered else "no-answer"
        status.apply(StatusUpdate(carrier.name, f"call:{event.call_id}", outcome))
        return carrier.build_voice_response("hangup" if event.answered else "voicemail")
    if event.event == "recording":
        _voicemail(carrier, event)
    return carrier.build_voice_response("hangup")


def forward_target(owner: str) -> str | None:
    """The owner's own endpoint (mobile, desk phone or sip:), or None to go straight to voicemail."""
    kind, ident = parse_owner(owner)
    if kind != "employee" or not ident:
        return None
    try:
        person = Employee.get(ident)
    except DoesNotExist:
        return None
    return person.forward_to if person.status == "active" else None


def _incoming(carrier: Carrier, event: CallEvent) -> VoiceResponse:
    if not event.to or not event.from_:
        raise BadRequest("body", "an incoming call needs its To and From numbers")
    route = routing.route(event.to)
    target = forward_target(route.owner) if route.routable else None
    message = records.new_message(
        business_number=event.to,
        customer_number=event.from_,
        direction="inbound",
        carrier=carrier.name,
        status="ringing",
        rank=RANK["ringing"],
        kind="call",
        message_id=ids.stable_id("call", carrier.name, event.call_id),
        carrier_message_id=event.call_id,
        owner_at_receipt=route.owner,
        call={"call_id": event.call_id, "forwarded": bool(target)},
    )
    stored = records.store(message, records.guard_key(carrier.name, f"call:{event.call_id}"), route.owner, False)
    if stored and not route.routable:
        records.notify_unassigned(message, route.reason or "unassigned")
    return carrier.build_voice_response("forward" if target else "voicemail", target, event.to)


def _voicemail(carrier: Carrier, event: CallEvent) -> None:
    call = records.find(records.guard_key(carrier.name, f"call:{event.call_id}"))
    if call is None:
        logger.warning("recording for an unknown call", carrier=carrier.name)
        metrics.add_metric(name="RecordingForUnknownCall", unit="Count", value=1)
        return
    message = records.new_message(
        business_number=call.business_number,
        customer_number=call.customer_number,
        direction="inbound",
        carrier=carrier.name,
        status="received",
        rank=RANK["received"],
        kind="voicemail",
        media=[{"url": event.recording_url, "content_type": RECORDING_TYPE}],
        message_id=ids.stable_id("vm", carrier.name, event.recording_id or event.call_id),
        carrier_message_id=event.recording_id,
        owner_at_receipt=call.owner_at_receipt,
        call={"call_id": event.call_id, "duration": event.duration},
    )
    guard = records.guard_key(carrier.name, f"recording:{event.recording_id}")
    if records.store(message, guard, call.owner_at_receipt or UNASSIGNED, unread=True):
        logger.info("voicemail stored", carrier=carrier.name, to=mask(call.business_number))
