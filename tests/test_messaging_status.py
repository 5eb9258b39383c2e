"""Status callbacks: found by the carrier's id, never moving backwards, archived, unknown ids answered 200."""

from __future__ import annotations

import json

from chalicelib.messaging import outbound
from chalicelib.store.models import Message, MessageKey
from tests import fake_carrier
from tests.fake_carrier import post_signed

CUSTOMER = "+12065550123"


carrier_api = fake_carrier.carrier_api


def twilio_status(client, sid: str, status: str, error: str | None = None):
    document = {"MessageSid": sid, "MessageStatus": status, "AccountSid": "AC1"}
    if error:
        document["ErrorCode"] = error
    return post_signed(client, "twilio", "/webhooks/twilio/status", document)


def fresh(message: Message) -> Message:
    return Message.get(message.thread_id, message.message_key)


def test_a_late_sent_never_moves_delivered_backwards(carrier_api, client):
    message = outbound.send("emma", "+14155550101", CUSTOMER, "Your order shipped")
    sid = message.carrier_message_id
    assert twilio_status(client, sid, "delivered").status_code == 200
    assert twilio_status(client, sid, "sent").status_code == 200
    assert twilio_status(client, sid, "delivered").status_code == 200  # a retry of the same callback
    stored = fresh(message)
    assert stored.status == "delivered"
    assert [s.status for s in stored.status_history] == ["queued", "delivered"]
    assert stored.pending_archive == "1"


def test_failure_codes_are_kept(carrier_api, client):
    message = outbound.send("emma", "+14155550101", CUSTOMER, "hello")
    twilio_status(client, message.carrier_message_id, "sent")
    twilio_status(client, message.carrier_message_id, "undelivered", "30003")
    stored = fresh(message)
    assert (stored.status, stored.error_code) == ("undelivered", "30003")
    assert [s.status for s in stored.status_history] == ["queued", "sent", "undelivered"]


def test_a_status_for_an_unknown_message_is_answered_200_and_stores_nothing(carrier_api, client):
    before = (len(list(Message.scan())), len(list(MessageKey.scan())))
    assert twilio_status(client, "SMneverseen", "delivered").status_code == 200
    assert (len(list(Message.scan())), len(list(MessageKey.scan()))) == before


def test_each_carrier_status_shape(carrier_api, client):
    telnyx = outbound.send("maya", "+14155550103", CUSTOMER, "a")
    bandwidth = outbound.send("tia", "+14155550104", CUSTOMER, "b")
    vonage = outbound.send("tia", "+14155550105", CUSTOMER, "c")
    finalized = {
        "data": {
            "event_type": "message.finalized",
            "id": "evt-1",
            "payload": {"id": telnyx.carrier_message_id, "to": [{"phone_number": CUSTOMER, "status": "delivered"}]},
        }
    }
    sent = {"data": {"event_type": "message.sent", "id": "evt-2", "payload": {"id": telnyx.carrier_message_id}}}
    assert post_signed(client, "telnyx", "/webhooks/telnyx", finalized).status_code == 200
    assert post_signed(client, "telnyx", "/webhooks/telnyx", sent).status_code == 200
    callbacks = [
        {"type": "message-delivered", "to": CUSTOMER, "message": {"id": bandwidth.carrier_message_id}},
        {"type": "message-sending", "to": CUSTOMER, "message": {"id": bandwidth.carrier_message_id}},
    ]
    assert post_signed(client, "bandwidth", "/webhooks/bandwidth/messages", callbacks).status_code == 200
    status = {"message_uuid": vonage.carrier_message_id, "status": "rejected", "error": {"title": "Throttled"}}
    assert post_signed(client, "vonage", "/webhooks/vonage/status", status).status_code == 200
    assert fresh(telnyx).status == "delivered"
    assert fresh(bandwidth).status == "delivered"
    assert (fresh(vonage).status, fresh(vonage).error_code) == ("failed", "Throttled")


def test_a_forged_status_is_refused(carrier_api, client):
    message = outbound.send("emma", "+14155550101", CUSTOMER, "hello")
    body = f"MessageSid={message.carrier_message_id}&MessageStatus=failed".encode()
    headers = {"Content-Type": "application/x-www-form-urlencoded", "X-Twilio-Signature": "AAAA"}
    response = client.http.post("/webhooks/twilio/status", headers=headers, body=body)
    assert response.status_code == 403
    assert json.loads(response.body)["error"] == "forbidden"
    assert fresh(message).status == "queued"
