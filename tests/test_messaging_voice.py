"""Calls ring the owner's own endpoint with the business number as caller ID; no answer goes to voicemail;
the call and the recording become messages of the thread."""

from __future__ import annotations

import json

from chalicelib.messaging import records
from chalicelib.settings import get_settings
from chalicelib.store.models import Message
from devstack.commands.simulate import sign_twilio
from tests import http_api
from tests.fake_carrier import post_signed, secrets, telnyx_keys

EMMA = "+14155550101"
CUSTOMER = "+12065550123"


def twilio_voice(client, path: str, params: dict[str, str]):
    headers, body = sign_twilio(get_settings().webhook_base_url + path, params, secrets()["TWILIO_AUTH_TOKEN"])
    return client.http.post(path, headers=headers, body=body)


def thread_messages(number: str) -> list[Message]:
    return list(Message.query(records.thread_id_for(number, CUSTOMER)))


def test_twilio_call_forwards_then_voicemail_lands_in_the_thread(demo, client, as_user):
    call = {"CallSid": "CA1", "From": CUSTOMER, "To": EMMA, "CallStatus": "ringing", "Direction": "inbound"}
    answer = twilio_voice(client, "/webhooks/twilio/voice", call)
    assert answer.status_code == 200 and answer.headers["Content-Type"] == "text/xml"
    twiml = answer.body.decode()
    assert f'<Dial callerId="{EMMA}"' in twiml and "<Number>+12065550191</Number>" in twiml  # emma's mobile
    assert 'action="https://api.keepline.example/api/webhooks/twilio/voice/status"' in twiml
    assert twilio_voice(client, "/webhooks/twilio/voice", call).status_code == 200  # a retried webhook
    no_answer = twilio_voice(client, "/webhooks/twilio/voice/status", {**call, "DialCallStatus": "no-answer"})
    assert "<Record" in no_answer.body.decode() and "/webhooks/twilio/recording" in no_answer.body.decode()
    recording = {
        "CallSid": "CA1",
        "RecordingSid": "RE1",
        "RecordingUrl": "https://api.twilio.com/2010-04-01/Accounts/AC1/Recordings/RE1",
        "RecordingStatus": "completed",
        "RecordingDuration": "14",
    }
    assert twilio_voice(client, "/webhooks/twilio/recording", recording).status_code == 200
    assert twilio_voice(client, "/webhooks/twilio/recording", recording).status_code == 200
    url = f"/threads/{records.thread_id_for(EMMA, CUSTOMER)}/messages"
    messages = json.loads(client.http.get(url, headers=as_user("emma")).body)["messages"]
    assert [(m["kind"], m["status"]) for m in messages] == [("call", "no-answer"), ("voicemail", "received")]
    assert messages[1]["media"][0]["url"] == recording["RecordingUrl"]
    assert messages[1]["call"] == {"call_id": "CA1", "duration": 14}


def test_an_answered_call_hangs_up_cleanly_and_is_completed(demo, client):
    call = {"CallSid": "CA2", "From": CUSTOMER, "To": EMMA, "CallStatus": "ringing"}
    twilio_voice(client, "/webhooks/twilio/voice", call)
    done = twilio_voice(client, "/webhooks/twilio/voice/status", {**call, "DialCallStatus": "completed"})
    assert "<Hangup/>" in done.body.decode()
    [message] = thread_messages(EMMA)
    assert (message.kind, message.status) == ("call", "completed")


def test_a_call_to_a_team_or_unassigned_number_goes_to_voicemail(demo, client):
    initiate = {"eventType": "initiate", "callId": "c-1", "from": CUSTOMER, "to": "+14155550104"}
    answer = post_signed(client, "bandwidth", "/webhooks/bandwidth/voice", initiate)
    assert "<Record" in answer.body.decode() and "recordingAvailableUrl" in answer.body.decode()
    ready = {
        "eventType": "recordingAvailable",
        "callId": "c-1",
        "recordingId": "r-1",
        "mediaUrl": "https://voice.bandwidth.com/api/v2/accounts/1/calls/c-1/recordings/r-1/media",
        "duration": "PT1M3.5S",
    }
    assert post_signed(client, "bandwidth", "/webhooks/bandwidth/voice", ready).status_code == 200
    kinds = [(m.kind, (m.call or {}).get("duration")) for m in thread_messages("+14155550104")]
    assert kinds == [("call", None), ("voicemail", 63)]
    twiml = twilio_voice(
        client,
        "/webhooks/twilio/voice",
        {"CallSid": "CA3", "From": CUSTOMER, "To": "+14155550106", "CallStatus": "ringing"},
    )
    assert "<Record" in twiml.body.decode() and "<Dial" not in twiml.body.decode()


def test_bandwidth_and_vonage_and_telnyx_forward_with_the_business_number_as_caller_id(demo, client, monkeypatch):
    telnyx_keys(monkeypatch)
    answer = post_signed(
        client,
        "vonage",
        "/webhooks/vonage/voice",
        {"from": "12065550123", "to": "14155550105", "uuid": "u-1", "conversation_uuid": "CON-1"},
    )
    ncco = json.loads(answer.body)
    assert ncco[0]["action"] == "connect" and ncco[0]["from"] == "14155550105"
    assert ncco[0]["endpoint"] == [{"type": "phone", "number": "12065550194"}]  # tia's mobile
    unanswered = post_signed(
        client, "vonage", "/webhooks/vonage/voice", {"status": "timeout", "uuid": "u-2", "conversation_uuid": "CON-1"}
    )
    assert [a["action"] for a in json.loads(unanswered.body)] == ["talk", "record"]
    form = {"CallSid": "v3:tx", "From": CUSTOMER, "To": "+14155550103", "CallStatus": "ringing"}
    texml = post_signed(client, "telnyx", "/webhooks/telnyx/voice", form)
    assert texml.status_code == 200 and "<Number>+12065550190</Number>" in texml.body.decode()  # maya
    assert [m.kind for m in thread_messages("+14155550103")] == ["call"]


def test_voice_answers_send_the_carrier_back_to_the_webhook_url_when_it_is_set(demo, client, monkeypatch):
    hooks = http_api.BASE_URL  # the HTTP API on AWS
    monkeypatch.setenv("WEBHOOK_BASE_URL", hooks)
    call = {"CallSid": "CA9", "From": CUSTOMER, "To": EMMA, "CallStatus": "ringing"}
    # Through the HTTP API, as Twilio calls it: the signature is checked against `hooks`.
    headers, body = sign_twilio(hooks + "/webhooks/twilio/voice", call, secrets()["TWILIO_AUTH_TOKEN"])
    twiml = http_api.invoke(http_api.http_api_event("/webhooks/twilio/voice", headers, body))["body"]
    assert f'action="{hooks}/webhooks/twilio/voice/status"' in twiml
    initiate = {"eventType": "initiate", "callId": "c-9", "from": CUSTOMER, "to": "+14155550104"}
    bxml = post_signed(client, "bandwidth", "/webhooks/bandwidth/voice", initiate).body.decode()
    assert f"{hooks}/webhooks/bandwidth/voice" in bxml
