"""The console and API through the HTTP API: its JWT authorizer has checked the token, and the
handler gets the claims (payload format 1.0, `requestContext.authorizer.claims`, as AWS sends them)
and still resolves the employee on every request, so roles, ownership and revocation hold as
behind the REST API's Lambda authorizer."""

from __future__ import annotations

import json

import pytest

from chalicelib.auth import tokens
from chalicelib.messaging import records
from tests import fake_carrier
from tests.http_api import call, http_api_event, invoke, jwt_claims

EMMA = "+14155550101"
CUSTOMERS = ("+12065550140", "+12065550141")  # the demo customers who texted Emma's number
THREAD_MESSAGES = "/threads/{thread_id}/messages"

carrier_api = fake_carrier.carrier_api


def test_an_employee_lists_her_threads_and_replies_through_the_http_api(carrier_api, demo_conversations) -> None:
    status, inbox = call("GET", "/threads", jwt_claims("emma"))
    assert status == 200, inbox
    assert {t["id"] for t in inbox["threads"]} == {records.thread_id_for(EMMA, c) for c in CUSTOMERS}

    thread_id = records.thread_id_for(EMMA, CUSTOMERS[0])
    path = f"/threads/{thread_id}/messages"
    status, sent = call(
        "POST", path, jwt_claims("emma"), {"body": "3pm works."}, route=THREAD_MESSAGES, thread_id=thread_id
    )
    assert status == 200, sent
    assert (sent["direction"], sent["body"], sent["sender_employee_id"]) == ("outbound", "3pm works.", "emma")
    [request] = carrier_api.sends()
    form = dict(request.form())
    assert (form["From"], form["To"], form["Body"]) == (EMMA, CUSTOMERS[0], "3pm works.")

    status, listed = call("GET", path, jwt_claims("emma"), route=THREAD_MESSAGES, thread_id=thread_id)
    assert status == 200
    assert [m["direction"] for m in listed["messages"]] == ["inbound", "outbound"]
    # Someone else's thread stays closed: ownership is decided as behind the REST API.
    status, _ = call("POST", path, jwt_claims("sam"), {"body": "mine?"}, route=THREAD_MESSAGES, thread_id=thread_id)
    assert status == 403


def test_roles_come_from_the_flattened_groups_claim(demo) -> None:
    status, me = call("GET", "/me", jwt_claims("ada", "admin", "employee"))
    assert status == 200, me
    assert (me["employee_id"], me["roles"]) == ("ada", ["admin", "employee"])


def test_an_admin_only_route_refuses_an_employee(demo) -> None:
    assert call("GET", "/audit", jwt_claims("emma"))[0] == 403
    # Group names are matched whole: "[administrator]" is no admin.
    assert call("GET", "/audit", jwt_claims("emma", **{"cognito:groups": "[administrator employee]"}))[0] == 403
    assert call("GET", "/audit", jwt_claims("ada", "admin"))[0] == 200


def test_a_deactivated_employee_is_refused_at_once_though_her_token_is_still_valid(demo) -> None:
    emma = jwt_claims("emma")
    assert call("GET", "/me", emma)[0] == 200

    status, changed = call(
        "PATCH",
        "/employees/emma",
        jwt_claims("ada", "admin"),
        {"status": "offboarded"},
        route="/employees/{employee_id}",
        employee_id="emma",
    )
    assert (status, changed["status"]) == (200, "offboarded")

    status, body = call("GET", "/me", emma)
    assert (status, body["error"]) == (401, "unauthorized")
    assert call("GET", "/threads", emma)[0] == 401


def test_claims_of_someone_who_is_no_employee_are_refused(demo) -> None:
    assert call("GET", "/me", jwt_claims("mallory", email="mallory@example.com"))[0] == 401


@pytest.mark.parametrize(
    "authorizer",
    [None, {"claims": None, "scopes": None}, {"claims": {}, "scopes": None}],
    ids=["no authorizer context", "a public route's context", "no claims"],
)
def test_an_authenticated_route_without_the_authorizers_context_is_401(demo, authorizer) -> None:
    # A bearer token in the request itself is not what the handler trusts: only API Gateway's context.
    event = http_api_event(
        "/me", {"authorization": "Bearer forged.token.value"}, method="GET", route="/me", authorizer=authorizer
    )
    response = invoke(event)
    assert response["statusCode"] == 401, response
    assert json.loads(response["body"])["error"] == "unauthorized"


def test_public_routes_need_no_token_and_the_console_is_served_from_the_root(aws_env) -> None:
    page = invoke(http_api_event("/", method="GET"))
    assert page["statusCode"] == 200
    # The $default stage puts no stage in the path, so the console's relative API paths (and its
    # sign-in redirect, the <base> URL) are the API's root, which the user pool client allows back.
    assert '<base href="/">' in page["body"]
    assert invoke(http_api_event("/openapi.json", method="GET"))["statusCode"] == 200
    asset = invoke(
        http_api_event(
            "/console/config.json",
            method="GET",
            route="/console/{asset}",
            path_parameters={"asset": "config.json"},
        )
    )
    assert asset["statusCode"] == 200, asset


@pytest.mark.parametrize(
    ("groups", "roles"),
    [
        ("[admin hr]", {"admin", "hr"}),  # HTTP API's JWT authorizer flattens a list claim
        ("[employee]", {"employee"}),
        ("[]", set()),
        ("admin,hr", {"admin", "hr"}),
        (["compliance", "sales"], {"compliance"}),  # a verified token's own list
    ],
)
def test_roles_of_reads_every_shape_of_the_groups_claim(aws_env, groups, roles) -> None:
    assert tokens.roles_of({"cognito:groups": groups}) == roles
