"""Sending through each carrier's API (a loopback fake carrier), with retries, segments and authorization."""

from __future__ import annotations

import json

import pytest

from chalicelib.carriers import registry
from chalicelib.messaging import outbound, records, segments
from chalicelib.store.models import Message, MessageKey
from devstack.commands.simulate import MEDIA
from tests import fake_carrier
from tests.fake_carrier import text_in

EMMA = "+14155550101"
CUSTOMER = "+12065550123"


carrier_api = fake_carrier.carrier_api


def reply(client, headers, thread_id, **body):
    return client.http.post(f"/threads/{thread_id}/messages", headers=headers, body=json.dumps(body))


def test_a_reply_goes_out_through_twilio_and_the_response_carries_the_stored_message(carrier_api, client, as_user):
    text_in(client, "twilio", EMMA, CUSTOMER, "Do you ship to Canada?")
    thread_id = records.thread_id_for(EMMA, CUSTOMER)
    response = reply(client, as_user("emma"), thread_id, body="Yes, we do!")
    assert response.status_code == 200, response.body
    sent = json.loads(response.body)
    assert (sent["direction"], sent["body"], sent["status"], sent["carrier"]) == (
        "outbound",
        "Yes, we do!",
        "queued",
        "twilio",
    )
    assert sent["carrier_message_id"].startswith("SM")
    assert (sent["segments"], sent["encoding"], sent["sender_employee_id"]) == (1, "GSM-7", "emma")
    [request] = carrier_api.sends()
    assert request.path == "/2010-04-01/Accounts/ACtest00000000000000000000000000/Messages.json"
    form = dict(request.form())
    assert (form["From"], form["To"], form["Body"]) == (EMMA, CUSTOMER, "Yes, we do!")
    assert form["StatusCallback"].endswith("/webhooks/twilio/status")
    assert request.basic_auth == ("ACtest00000000000000000000000000", "test-twilio-auth-token")
    assert MessageKey.get(f"twilio#{sent['carrier_message_id']}").thread_id == thread_id
    bodies = [
        m["body"]
        for m in json.loads(client.http.get(f"/threads/{thread_id}/messages", headers=as_user("emma")).body)["messages"]
    ]
    assert bodies == ["Do you ship to Canada?", "Yes, we do!"]


def test_only_the_owner_or_their_team_may_send(carrier_api, client, as_user):
    text_in(client, "twilio", EMMA, CUSTOMER, "hello")
    thread_id = records.thread_id_for(EMMA, CUSTOMER)
    assert reply(client, as_user("sam"), thread_id, body="not mine").status_code == 403
    assert reply(client, as_user("cora", "compliance"), thread_id, body="read only").status_code == 403
    text_in(client, "bandwidth", "+14155550104", CUSTOMER, "service please")
    team_thread = records.thread_id_for("+14155550104", CUSTOMER)
    assert reply(client, as_user("tia"), team_thread, body="On it").status_code == 200
    assert reply(client, as_user("emma"), team_thread, body="not my team").status_code == 403
    assert carrier_api.sends()[0].path == "/api/v2/users/9900000/messages"


def test_each_carrier_sends_with_its_own_api_and_credentials(carrier_api):
    cases = {
        "+14155550103": "/v2/messages",  # telnyx
        "+14155550104": "/api/v2/users/9900000/messages",  # bandwidth
        "+14155550105": "/v1/messages",  # vonage
    }
    for number in cases:
        message = outbound.send(
            "system", number, CUSTOMER, "Your appointment is confirmed", ["https://example.com/a.png"]
        )
        assert message.carrier_message_id and message.kind == "mms"
    telnyx, bandwidth, vonage = carrier_api.sends()
    assert [r.path for r in carrier_api.sends()] == list(cases.values())
    assert telnyx.headers["authorization"] == "Bearer test-telnyx-api-key"
    assert telnyx.json()["media_urls"] == ["https://example.com/a.png"] and telnyx.json()["to"] == CUSTOMER
    assert bandwidth.basic_auth == ("api-user", "api-password") and bandwidth.json()["to"] == [CUSTOMER]
    assert vonage.basic_auth == ("vonage-key", "vonage-secret")
    assert (vonage.json()["to"], vonage.json()["from"]) == ("12065550123", "14155550105")


def test_status_callbacks_go_to_the_webhook_url_when_it_is_set(carrier_api, monkeypatch):
    hooks = "https://a1b2c3d4e5.execute-api.us-east-1.amazonaws.com"  # the webhooks' HTTP API on AWS
    monkeypatch.setenv("WEBHOOK_BASE_URL", hooks)
    for number in (EMMA, "+14155550103", "+14155550105"):  # twilio, telnyx, vonage name theirs per message
        outbound.send("system", number, CUSTOMER, "Your order shipped")
    twilio, telnyx, vonage = carrier_api.sends()
    assert dict(twilio.form())["StatusCallback"] == f"{hooks}/webhooks/twilio/status"
    assert telnyx.json()["webhook_url"] == f"{hooks}/webhooks/telnyx"
    assert vonage.json()["webhook_url"] == f"{hooks}/webhooks/vonage/status"


def test_a_conversation_starts_from_a_number_the_employee_holds(carrier_api, client, as_user):
    request = {"from": EMMA, "to": "(206) 555-0177", "body": "Hi, it's Emma from Keepline"}
    response = client.http.post("/messages", headers=as_user("emma"), body=json.dumps(request))
    assert response.status_code == 200, response.body
    assert json.loads(response.body)["customer_number"] == "+12065550177"
    assert records.get_thread(records.thread_id_for(EMMA, "+12065550177")).owner == "employee#emma"
    theirs = client.http.post("/messages", headers=as_user("sam"), body=json.dumps(request))
    assert theirs.status_code == 403


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"from": EMMA, "to": "12", "body": "x"}, "to"),
        ({"from": "nope", "to": CUSTOMER, "body": "x"}, "from"),
        ({"from": EMMA, "to": CUSTOMER}, "body"),
        ({"from": EMMA, "to": CUSTOMER, "body": "x" * 1601}, "body"),
        ({"from": EMMA, "to": CUSTOMER, "body": "x", "media_urls": ["ftp://nope"]}, "media_urls"),
        ({"from": "+14155550188", "to": CUSTOMER, "body": "x"}, "from"),
    ],
)
def test_bad_input_is_400_naming_the_field(carrier_api, client, as_user, body, field):
    response = client.http.post("/messages", headers=as_user("emma"), body=json.dumps(body))
    assert response.status_code == 400, response.body
    assert json.loads(response.body)["field"] == field
    assert carrier_api.sends() == []


def test_a_transient_carrier_failure_is_retried_and_sent_once(carrier_api, client, as_user):
    text_in(client, "twilio", EMMA, CUSTOMER, "hello")
    carrier_api.fail_next(1, 503)
    response = reply(client, as_user("emma"), records.thread_id_for(EMMA, CUSTOMER), body="retried")
    assert response.status_code == 200
    assert len(carrier_api.sends()) == 2
    assert [m.body for m in Message.scan() if m.direction == "outbound"] == ["retried"]


def test_a_carrier_that_keeps_failing_gives_502_and_the_attempt_is_on_record(carrier_api, client, as_user):
    text_in(client, "twilio", EMMA, CUSTOMER, "hello")
    carrier_api.fail_next(3, 500)
    response = reply(client, as_user("emma"), records.thread_id_for(EMMA, CUSTOMER), body="lost?")
    assert response.status_code == 502
    assert len(carrier_api.sends()) == 3  # one try and two bounded retries
    [failed] = [m for m in Message.scan() if m.direction == "outbound"]
    assert (failed.status, failed.error_code) == ("failed", "http_500")


def test_an_idempotency_key_sends_once(carrier_api, client, as_user):
    text_in(client, "twilio", EMMA, CUSTOMER, "hello")
    thread_id = records.thread_id_for(EMMA, CUSTOMER)
    first = reply(client, as_user("emma"), thread_id, body="once", idempotency_key="k-1")
    again = reply(client, as_user("emma"), thread_id, body="once", idempotency_key="k-1")
    assert json.loads(first.body)["id"] == json.loads(again.body)["id"]
    assert len(carrier_api.sends()) == 1
    assert carrier_api.sends()[0].headers["i-twilio-idempotency-token"] == "k-1"


def test_segments_are_counted_in_gsm7_or_ucs2():
    assert segments.count("a" * 160) == segments.Segments("GSM-7", 1, 160)
    assert segments.count("a" * 161).count == 2
    assert segments.count("{" * 80) == segments.Segments("GSM-7", 1, 160)  # extension characters cost two
    assert segments.count("a" * 70 + "é").encoding == "GSM-7"
    assert segments.count("Merci ✓").encoding == "UCS-2"
    assert segments.count("😀" * 35) == segments.Segments("UCS-2", 1, 70)
    assert segments.count("😀" * 36).count == 2
    assert segments.count("ü" * 153 * 2 + "ü").count == 3


def test_a_long_unicode_reply_reports_its_segments(carrier_api, client, as_user):
    text_in(client, "twilio", EMMA, CUSTOMER, "hello")
    response = reply(client, as_user("emma"), records.thread_id_for(EMMA, CUSTOMER), body="Grüße 👋 " * 10)
    sent = json.loads(response.body)
    assert (sent["encoding"], sent["segments"]) == ("UCS-2", 2)


def test_inbound_media_is_fetched_with_the_carriers_credentials_only_from_its_own_hosts(carrier_api):
    data, content_type = registry.get("twilio").fetch_media(carrier_api.url + "/media/ME1")
    assert (data, content_type) == (MEDIA, "image/png")
    assert carrier_api.received[-1].basic_auth == ("ACtest00000000000000000000000000", "test-twilio-auth-token")
    elsewhere = carrier_api.url.replace("127.0.0.1", "localhost") + "/media/ME2"
    for carrier in ("twilio", "telnyx", "bandwidth", "vonage"):
        assert registry.get(carrier).fetch_media(elsewhere)[0] == MEDIA
        assert "authorization" not in carrier_api.received[-1].headers
    registry.get("bandwidth").fetch_media(carrier_api.url + "/media/ME3")
    assert carrier_api.received[-1].basic_auth == ("api-user", "api-password")
