"""Carrier webhooks through the HTTP API: the Lambda entry point fed the event API Gateway sends
with payload format 1.0 (as AWS documents it, not as the Chalice test client builds it), and the
signature checked against the HTTP API's URL (`WEBHOOK_BASE_URL`), not the REST API's."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from chalice.local import LambdaContext

from app import app
from chalicelib.messaging import records
from chalicelib.settings import get_settings
from chalicelib.store.models import Message
from devstack.commands.simulate import inbound_document, sign_twilio
from tests.fake_carrier import secrets

EMMA = "+14155550101"
CUSTOMER = "+12065550123"
API_ID = "a1b2c3d4e5"
WEBHOOK_BASE_URL = f"https://{API_ID}.execute-api.us-east-1.amazonaws.com"
PATH = "/webhooks/twilio/messages"
# What API Gateway may return to the caller from a payload 1.0 Lambda response.
RESPONSE_FIELDS = {"isBase64Encoded", "statusCode", "headers", "multiValueHeaders", "body"}


def http_api_event(path: str, headers: dict[str, str], body: bytes) -> dict[str, Any]:
    """A POST as an HTTP API ($default stage, so no stage in the path) hands it to Lambda, format 1.0.

    Header names arrive lower-cased; a form body arrives base64-encoded."""
    lowered = {k.lower(): v for k, v in headers.items()}
    lowered.update({"host": f"{API_ID}.execute-api.us-east-1.amazonaws.com", "user-agent": "TwilioProxy/1.1"})
    return {
        "version": "1.0",
        "resource": path,
        "path": path,
        "httpMethod": "POST",
        "headers": lowered,
        "multiValueHeaders": {k: [v] for k, v in lowered.items()},
        "queryStringParameters": None,
        "multiValueQueryStringParameters": None,
        "requestContext": {
            "accountId": "123456789012",
            "apiId": API_ID,
            "authorizer": {"claims": None, "scopes": None},
            "domainName": f"{API_ID}.execute-api.us-east-1.amazonaws.com",
            "domainPrefix": API_ID,
            "extendedRequestId": "request-id",
            "httpMethod": "POST",
            "identity": {
                "accessKey": None,
                "accountId": None,
                "caller": None,
                "cognitoAuthenticationProvider": None,
                "cognitoAuthenticationType": None,
                "cognitoIdentityId": None,
                "cognitoIdentityPoolId": None,
                "principalOrgId": None,
                "sourceIp": "198.51.100.7",
                "user": None,
                "userAgent": "TwilioProxy/1.1",
                "userArn": None,
            },
            "path": path,
            "protocol": "HTTP/1.1",
            "requestId": "id=",
            "requestTime": "04/Mar/2026:19:15:17 +0000",
            "requestTimeEpoch": 1772651717135,
            "resourceId": None,
            "resourcePath": path,
            "stage": "$default",
        },
        "pathParameters": None,
        "stageVariables": None,
        "body": base64.b64encode(body).decode(),
        "isBase64Encoded": True,
    }


def invoke(event: dict[str, Any]) -> dict[str, Any]:
    """The deployed handler: `app.app` is what Chalice packages as the API handler's entry point."""
    response = app(event, LambdaContext("keepline-dev-api_handler", memory_size=512))
    assert set(response) <= RESPONSE_FIELDS, response
    return response


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
