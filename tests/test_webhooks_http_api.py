"""Carrier webhooks through the HTTP API: the Lambda entry point fed the event API Gateway sends
with payload format 1.0 (as AWS documents it, not as the Chalice test client builds it), and the
signature checked against the HTTP API's URL (`WEBHOOK_BASE_URL`), not the REST API's."""

from __future__ import annotations

import json

import pytest

from chalicelib.messaging import records
from chalicelib.settings import get_settings
from chalicelib.store.models import Message
from devstack.commands.simulate import inbound_document, sign_twilio
from tests.fake_carrier import secrets
from tests.http_api import BASE_URL as WEBHOOK_BASE_URL
from tests.http_api import http_api_event, invoke

EMMA = "+14155550101"
CUSTOMER = "+12065550123"
PATH = "/webhooks/twilio/messages"


@pytest.fixture
def behind_http_api(demo: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WEBHOOK_BASE_URL", WEBHOOK_BASE_URL + "/")  # as pasted, with a slash
    assert get_settings().webhook_base_url == WEBHOOK_BASE_URL
    assert get_settings().public_base_url != WEBHOOK_BASE_URL


def test_a_signed_twilio_text_through_the_http_api_is_stored_and_threaded(behind_http_api, client, as_user):
    document = inbound_document("twilio", EMMA, CUSTOMER, "Is my order ready?", "SMhttpapi1", [])
    headers, body = sign_twilio(WEBHOOK_BASE_URL + PATH, document, secrets()["TWILIO_AUTH_TOKEN"])

    response = invoke(http_api_event(PATH, headers, body))

    assert response["statusCode"] == 200, response
    assert response["headers"]["Content-Type"] == "text/xml"
    thread_id = records.thread_id_for(EMMA, CUSTOMER)
    listed = client.http.get(f"/threads/{thread_id}/messages", headers=as_user("emma"))
    assert listed.status_code == 200, listed.body
    [message] = json.loads(listed.body)["messages"]
    assert (message["direction"], message["body"], message["carrier_message_id"]) == (
        "inbound",
        "Is my order ready?",
        "SMhttpapi1",
    )
    threads = json.loads(client.http.get("/threads", headers=as_user("emma")).body)["threads"]
    assert [t["id"] for t in threads] == [thread_id]


def test_a_request_signed_for_the_rest_api_url_is_refused_by_the_http_api_and_stores_nothing(behind_http_api):
    document = inbound_document("twilio", EMMA, CUSTOMER, "Is my order ready?", "SMhttpapi2", [])
    public = get_settings().public_base_url + PATH
    headers, body = sign_twilio(public, document, secrets()["TWILIO_AUTH_TOKEN"])

    response = invoke(http_api_event(PATH, headers, body))

    assert response["statusCode"] == 403, response
    assert list(Message.scan()) == []


def test_a_number_still_pointed_at_the_rest_api_keeps_working_there(behind_http_api, client):
    """Until an older number is re-pointed, its carrier signs the REST API's URL, and that is checked."""
    document = inbound_document("twilio", EMMA, CUSTOMER, "Still the old URL", "SMrestapi1", [])
    headers, body = sign_twilio(get_settings().public_base_url + PATH, document, secrets()["TWILIO_AUTH_TOKEN"])

    assert client.http.post(PATH, headers=headers, body=body).status_code == 200
    [message] = list(Message.scan())
    assert message.carrier_message_id == "SMrestapi1"

    forged_for_http_api = sign_twilio(WEBHOOK_BASE_URL + PATH, document, secrets()["TWILIO_AUTH_TOKEN"])[0]
    assert client.http.post(PATH, headers=forged_for_http_api, body=body).status_code == 403
