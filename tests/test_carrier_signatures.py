"""Each carrier's signature: the carriers' published examples, then forged, replayed, stale and malformed
requests through the real routes (403 or 400, and nothing stored)."""

from __future__ import annotations

import base64
import json
import time
from urllib.parse import urlencode

import pytest

from chalicelib.carriers import twilio, vonage
from chalicelib.carriers.base import WebhookRequest
from chalicelib.errors import Forbidden
from chalicelib.settings import get_settings
from chalicelib.store.models import AuditEvent, Message, MessageKey, Thread
from devstack.commands.simulate import inbound_document, sign_telnyx, sign_vonage, signed
from tests.fake_carrier import post_signed, secrets, telnyx_keys, text_in

EMMA = "+14155550101"  # twilio
MAYA = "+14155550103"  # telnyx
SERVICE = "+14155550104"  # bandwidth
TIA = "+14155550105"  # vonage
CUSTOMER = "+12065550123"

# twilio-python, tests/unit/test_request_validator.py
TWILIO_URI = "https://mycompany.com/myapp.php?foo=1&bar=2"
TWILIO_PARAMS = {
    "CallSid": "CA1234567890ABCDE",
    "Digits": "1234",
    "From": "+14158675309",
    "To": "+18005551212",
    "Caller": "+14158675309",
}
# vonage-python-sdk, jwt/tests/test_verify_jwt.py
VONAGE_TOKEN = (
    "eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9.eyJpc3MiOiJPbmxpbmUgSldUIEJ1aWxkZXIiLCJpYXQiOjE2OTc2MzQ2ODAsImV4cCI6"
    "MzMyNTQ1NDA4MjgsImF1ZCI6IiIsInN1YiI6IiJ9.88vJc3I2HhuqEDixHXVhc9R30tA6U_HQHZTC29y6CGM"
)
VONAGE_SECRET = "qwertyuiopasdfghjklzxcvbnm123456"


def stored() -> tuple[int, int, int]:
    return len(list(Message.scan())), len(list(Thread.scan())), len(list(MessageKey.scan()))


def test_twilio_published_signature_examples():
    assert twilio.compute_signature("12345", TWILIO_URI, TWILIO_PARAMS) == "RSOYDt4T1cUTdK1PDd93/VVr8B8="
    repeated = [("Sid", "CA123"), ("SidAccount", "AC123"), ("Digits", "5678"), ("Digits", "1234")]
    assert twilio.compute_signature("12345", TWILIO_URI, repeated) == "IK+Dwps556ElfBT0I3Rgjkr1wJU="


def test_twilio_adapter_accepts_the_published_request_and_refuses_a_tampered_one(monkeypatch):
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", "12345")
    body = urlencode(TWILIO_PARAMS).encode()
    good = WebhookRequest(body, {"x-twilio-signature": "RSOYDt4T1cUTdK1PDd93/VVr8B8="}, TWILIO_URI)
    twilio.adapter().verify(good)
    tampered = WebhookRequest(body.replace(b"1234", b"9999"), good.headers, TWILIO_URI)
    with pytest.raises(Forbidden):
        twilio.adapter().verify(tampered)


def test_vonage_published_jwt_example():
    assert vonage.decode_claims(VONAGE_TOKEN, VONAGE_SECRET)["iss"] == "Online JWT Builder"
    with pytest.raises(Forbidden):
        vonage.decode_claims(VONAGE_TOKEN, "asdf")
    with pytest.raises(Forbidden):
        vonage.decode_claims("asdf", VONAGE_SECRET)


def test_vonage_published_token_is_refused_on_the_route_because_it_is_stale_and_has_no_payload_hash(
    demo, client, monkeypatch
):
    monkeypatch.setenv("VONAGE_SIGNATURE_SECRET", VONAGE_SECRET)
    before = stored()
    body = json.dumps(inbound_document("vonage", TIA, CUSTOMER, "hi", "v-1", [])).encode()
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {VONAGE_TOKEN}"}
    response = client.http.post("/webhooks/vonage/inbound", headers=headers, body=body)
    assert response.status_code == 403
    assert stored() == before


def test_every_carrier_accepts_a_correctly_signed_inbound_text(demo, client, monkeypatch):
    telnyx_keys(monkeypatch)
    before = stored()
    for carrier, number in (("twilio", EMMA), ("telnyx", MAYA), ("bandwidth", SERVICE), ("vonage", TIA)):
        response = text_in(client, carrier, number, CUSTOMER, f"hello {carrier}")
        assert response.status_code == 200, (carrier, response.body)
    assert stored()[0] == before[0] + 4


@pytest.mark.parametrize("carrier", ["twilio", "telnyx", "bandwidth", "vonage"])
def test_forged_requests_are_refused_and_leave_nothing(demo, client, monkeypatch, carrier):
    telnyx_keys(monkeypatch)
    path = {"twilio": "/webhooks/twilio/messages", "telnyx": "/webhooks/telnyx"}.get(
        carrier, f"/webhooks/{carrier}/{'messages' if carrier == 'bandwidth' else 'inbound'}"
    )
    number = {"twilio": EMMA, "telnyx": MAYA, "bandwidth": SERVICE, "vonage": TIA}[carrier]
    document = inbound_document(carrier, number, CUSTOMER, "forged", "forged-1", [])
    forged = dict(secrets())
    forged.update(
        TWILIO_AUTH_TOKEN="wrong",
        BANDWIDTH_WEBHOOK_PASSWORD="wrong",
        VONAGE_SIGNATURE_SECRET="wrong-secret-wrong-secret-wrong-secret",
        TELNYX_SIMULATOR_PRIVATE_KEY=base64.b64encode(b"\x01" * 32).decode(),
    )
    before = stored()
    headers, body = signed(carrier, document, path, forged, get_settings().webhook_base_url)
    assert client.http.post(path, headers=headers, body=body).status_code == 403
    unsigned = {"Content-Type": headers["Content-Type"]}
    assert client.http.post(path, headers=unsigned, body=body).status_code == 403
    # a genuine signature over a different body (the forger edits a signed request)
    headers, _ = signed(carrier, document, path, secrets(), get_settings().webhook_base_url)
    other = inbound_document(carrier, number, CUSTOMER, "edited", "forged-1", [])
    _, edited = signed(carrier, other, path, secrets(), get_settings().webhook_base_url)
    if carrier != "bandwidth":  # Basic credentials do not cover the body
        assert client.http.post(path, headers=headers, body=edited).status_code == 403
    assert stored() == before
    assert not list(AuditEvent.scan())


def test_twilio_signature_is_checked_against_the_webhook_url_not_the_host_the_handler_sees(demo, client):
    document = inbound_document("twilio", EMMA, CUSTOMER, "hi", "SMurl", [])
    headers, body = twilio_headers(document, "http://localhost/webhooks/twilio/messages")
    assert client.http.post("/webhooks/twilio/messages", headers=headers, body=body).status_code == 403
    headers, body = twilio_headers(document, get_settings().webhook_base_url + "/webhooks/twilio/messages")
    assert client.http.post("/webhooks/twilio/messages", headers=headers, body=body).status_code == 200


def twilio_headers(document: dict[str, str], url: str) -> tuple[dict[str, str], bytes]:
    from devstack.commands.simulate import sign_twilio

    return sign_twilio(url, document, secrets()["TWILIO_AUTH_TOKEN"])


def test_telnyx_stale_and_replayed_timestamps_are_refused(demo, client, monkeypatch):
    private = telnyx_keys(monkeypatch)
    document = inbound_document("telnyx", MAYA, CUSTOMER, "hi", "tx-1", [])
    before = stored()
    stale_headers, body = sign_telnyx(document, private, timestamp=int(time.time()) - 3600)
    assert client.http.post("/webhooks/telnyx", headers=stale_headers, body=body).status_code == 403
    # replay: an old signed request presented with a fresh timestamp no longer matches its signature
    replayed = dict(stale_headers, **{"telnyx-timestamp": str(int(time.time()))})
    assert client.http.post("/webhooks/telnyx", headers=replayed, body=body).status_code == 403
    garbled = dict(stale_headers, **{"telnyx-timestamp": "yesterday"})
    assert client.http.post("/webhooks/telnyx", headers=garbled, body=body).status_code == 403
    assert stored() == before


def test_vonage_stale_token_is_refused(demo, client):
    document = inbound_document("vonage", TIA, CUSTOMER, "hi", "v-stale", [])
    headers, body = sign_vonage(document, secrets()["VONAGE_SIGNATURE_SECRET"], issued_at=int(time.time()) - 3600)
    before = stored()
    assert client.http.post("/webhooks/vonage/inbound", headers=headers, body=body).status_code == 403
    assert stored() == before


@pytest.mark.parametrize(
    ("carrier", "path", "document"),
    [
        ("twilio", "/webhooks/twilio/messages", {"From": CUSTOMER, "To": EMMA, "Body": "no sid"}),
        ("twilio", "/webhooks/twilio/messages", {"MessageSid": "SMx", "From": "not-a-number", "To": EMMA}),
        ("telnyx", "/webhooks/telnyx", {"data": {"event_type": "message.received"}}),
        ("bandwidth", "/webhooks/bandwidth/messages", "just text, not callbacks"),
        ("vonage", "/webhooks/vonage/inbound", {"message_uuid": "v-2", "to": TIA.lstrip("+")}),
    ],
)
def test_malformed_but_signed_requests_get_400_naming_the_field_and_leave_nothing(
    demo, client, monkeypatch, carrier, path, document
):
    telnyx_keys(monkeypatch)
    before = stored()
    response = post_signed(client, carrier, path, document)
    assert response.status_code == 400, response.body
    assert json.loads(response.body)["field"]
    assert stored() == before


def test_a_missing_carrier_secret_refuses_rather_than_accepts(demo, client, monkeypatch):
    document = inbound_document("twilio", EMMA, CUSTOMER, "hi", "SMnosecret", [])
    headers, body = twilio_headers(document, get_settings().webhook_base_url + "/webhooks/twilio/messages")
    monkeypatch.delenv("TWILIO_AUTH_TOKEN")
    assert client.http.post("/webhooks/twilio/messages", headers=headers, body=body).status_code == 403
    assert (
        client.http.post("/webhooks/telnyx", headers={"Content-Type": "application/json"}, body=b"{}").status_code
        == 403
    )
