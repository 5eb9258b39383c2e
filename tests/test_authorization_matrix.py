"""The authorization matrix: every registered route, every role, plus bad and missing tokens.

The route list comes from `app.routes`, so a route without an expectation here fails the suite
(`test_every_route_has_an_expectation`): nothing slips through untested. Each role calls each
route with a real signed token: an allowed role must get past authorization (not 401/403, and
not a server error), every other role gets 403, and no token / an expired token / a token for
another audience / a token signed by another key get 401.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from app import app
from devstack import seed
from tests import http_api
from tests.fake_carrier_api import carrier_api_fixture, carrier_api_server_fixture  # noqa: F401

# Each role as its own demo person, holding only that role in the token's group claim.
ROLE_USERS = {"admin": "ada", "hr": "hal", "compliance": "cora", "employee": "emma"}
EVERYONE = frozenset(ROLE_USERS)
PEOPLE_READERS = frozenset({"admin", "hr", "compliance"})
ADMIN = frozenset({"admin"})
AUDITORS = frozenset({"admin", "compliance"})


@dataclass(frozen=True)
class Case:
    allowed: frozenset[str]  # roles that get past authorization
    path: str | None = None  # concrete path for a templated route
    body: dict[str, Any] | None = None
    public: bool = False  # no token needed at all
    webhook: bool = False  # a carrier's route: no bearer token counts, an unsigned request is refused
    prepare: Callable[[], dict[str, str]] = field(default=dict)  # values for `{name}` in `path`


def emma_thread() -> dict[str, str]:
    return {"thread": seed.seed_threads("emma", 1, "+14155550101")[0]}


HR = frozenset({"hr"})
COMPLIANCE = frozenset({"compliance"})


# Expectations for every route. emma (sales) is the employee: the concrete paths name someone
# else's record, team and number, so an employee is refused where only their own is allowed.
EXPECTATIONS: dict[tuple[str, str], Case] = {
    ("GET", "/health"): Case(EVERYONE, public=True),
    ("GET", "/openapi.json"): Case(EVERYONE, public=True),
    ("GET", "/me"): Case(EVERYONE),
    ("GET", "/employees"): Case(PEOPLE_READERS),
    ("POST", "/employees"): Case(ADMIN, body={"employee_id": "nia", "name": "Nia", "email": "nia@example.com"}),
    ("GET", "/employees/{employee_id}"): Case(PEOPLE_READERS, "/employees/sam"),
    ("PATCH", "/employees/{employee_id}"): Case(ADMIN, "/employees/sam", {"name": "Sam S."}),
    ("GET", "/teams"): Case(PEOPLE_READERS),
    ("POST", "/teams"): Case(ADMIN, body={"team_id": "support", "name": "Support"}),
    ("GET", "/teams/{team_id}"): Case(PEOPLE_READERS, "/teams/service"),
    ("PATCH", "/teams/{team_id}"): Case(ADMIN, "/teams/service", {"auto_reply": "Back soon"}),
    ("GET", "/numbers"): Case(frozenset({"admin", "compliance", "employee"})),  # employees: their own
    ("POST", "/numbers"): Case(ADMIN, body={"e164": "+14155550199", "carrier": "twilio"}),
    ("POST", "/numbers/import"): Case(ADMIN, body={"carrier": "twilio"}),
    ("GET", "/numbers/{e164}"): Case(AUDITORS, "/numbers/+14155550102"),
    ("PATCH", "/numbers/{e164}"): Case(ADMIN, "/numbers/+14155550102", {"label": "Sam"}),
    ("PUT", "/numbers/{e164}/assignment"): Case(ADMIN, "/numbers/+14155550106/assignment", {"employee_id": "sam"}),
    ("DELETE", "/numbers/{e164}/assignment"): Case(ADMIN, "/numbers/+14155550102/assignment?quarantine_days=0"),
    ("POST", "/numbers/{e164}/release"): Case(ADMIN, "/numbers/+14155550106/release", {}),
    ("GET", "/numbers/{e164}/history"): Case(AUDITORS, "/numbers/+14155550102/history"),
    ("GET", "/audit"): Case(AUDITORS),
    # conversations: an employee reads and writes their own or their team's; compliance reads all
    ("GET", "/threads"): Case(EVERYONE),  # each caller's own inbox
    ("GET", "/me/handovers"): Case(EVERYONE),  # each caller's own
    ("GET", "/threads/{thread_id}/messages"): Case(
        frozenset({"compliance", "employee"}), "/threads/{thread}/messages", prepare=emma_thread
    ),
    ("POST", "/threads/{thread_id}/messages"): Case(
        frozenset({"employee"}), "/threads/{thread}/messages", {"body": "Hello"}, prepare=emma_thread
    ),
    ("POST", "/threads/{thread_id}/read"): Case(frozenset({"employee"}), "/threads/{thread}/read", prepare=emma_thread),
    ("POST", "/messages"): Case(
        frozenset({"employee"}), body={"from": "+14155550101", "to": "+12065550123", "body": "Hi"}
    ),
    ("GET", "/unassigned"): Case(ADMIN),
    # offboardings belong to HR
    ("POST", "/offboardings"): Case(HR, body={}),
    ("POST", "/offboardings/preview"): Case(HR, body={}),
    ("GET", "/offboardings"): Case(HR),
    ("GET", "/offboardings/{run_id}"): Case(HR, "/offboardings/run_missing"),
    ("POST", "/offboardings/{run_id}/redrive"): Case(HR, "/offboardings/run_missing/redrive", {}),
    # legal holds, exports and the archive belong to compliance
    ("POST", "/legal-holds"): Case(COMPLIANCE, body={}),
    ("GET", "/legal-holds"): Case(COMPLIANCE),
    ("POST", "/legal-holds/{hold_id}/release"): Case(COMPLIANCE, "/legal-holds/hold_missing/release", {}),
    ("POST", "/exports"): Case(COMPLIANCE, body={}),
    ("GET", "/exports/{export_id}"): Case(COMPLIANCE, "/exports/exp_missing"),
    ("GET", "/archive/search"): Case(COMPLIANCE),
    ("POST", "/archive/verify"): Case(COMPLIANCE, body={}),
    # the console's static files
    ("GET", "/"): Case(EVERYONE, public=True),
    ("GET", "/console/{asset}"): Case(EVERYONE, "/console/app.js", public=True),
    # carriers' webhooks: verified by the carrier's signature, never by a bearer token
    **{
        ("POST", path): Case(frozenset(), webhook=True)
        for path in (
            "/webhooks/twilio/messages",
            "/webhooks/twilio/status",
            "/webhooks/twilio/voice",
            "/webhooks/twilio/voice/status",
            "/webhooks/twilio/recording",
            "/webhooks/telnyx",
            "/webhooks/telnyx/voice",
            "/webhooks/bandwidth/messages",
            "/webhooks/bandwidth/voice",
            "/webhooks/vonage/inbound",
            "/webhooks/vonage/status",
            "/webhooks/vonage/voice",
        )
    },
}


def registered() -> set[tuple[str, str]]:
    return {(method, path) for path, methods in app.routes.items() for method in methods}


def test_every_route_has_an_expectation():
    missing = sorted(registered() - set(EXPECTATIONS))
    assert not missing, f"routes without an authorization expectation: {missing}"
    stale = sorted(set(EXPECTATIONS) - registered())
    assert not stale, f"expectations for routes that are not registered: {stale}"


def test_no_route_edits_or_deletes_a_stored_message():
    for path, methods in app.routes.items():
        if path.startswith(("/threads", "/messages")):
            assert not {"DELETE", "PUT", "PATCH"} & set(methods), f"{path} would let someone change a stored message"


@pytest.fixture(scope="module")
def foreign_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _call(client, method: str, path: str, headers: dict[str, str], body: Any) -> tuple[int, str]:
    response = client.http.request(
        method, path, headers=headers, body=json.dumps(body).encode() if body is not None else b""
    )
    return response.status_code, response.body.decode(errors="replace")


@pytest.mark.parametrize(("method", "route"), sorted(EXPECTATIONS), ids=lambda v: v)
def test_each_role_against_the_route(demo, client, as_user, carrier_api, foreign_key, method, route):
    case = EXPECTATIONS[(method, route)]
    path = (case.path or route).format(**case.prepare())
    plain = {"Content-Type": "application/json"}
    bad_tokens = {
        "none": plain,
        "expired": as_user("ada", "admin", exp=1_000_000_000, iat=999_999_000),
        "wrong audience": as_user("ada", "admin", aud="someone-else"),
        "wrongly signed": as_user("ada", "admin", _key=foreign_key),
    }
    if case.webhook:  # unsigned: refused whoever calls, whatever token they carry
        for who, headers in {**bad_tokens, "admin token": as_user("ada", "admin")}.items():
            status, text = _call(client, method, path, headers, case.body)
            assert status in (400, 403, 415), (who, status, text)
        return
    for what, headers in bad_tokens.items():
        status, text = _call(client, method, path, headers, case.body)
        if case.public:
            assert status == 200, (what, status, text)
        else:
            assert status == 401, (what, status, text)
    # refused roles first, so an allowed role's change cannot hide a refusal
    for role in sorted(EVERYONE - case.allowed):
        status, text = _call(client, method, path, as_user(ROLE_USERS[role], role), case.body)
        assert status == 403, (role, status, text)
    for role in sorted(case.allowed):
        status, text = _call(client, method, path, as_user(ROLE_USERS[role], role), case.body)
        # past authorization: any answer but 401/403; 502 is the carrier (not reachable from tests)
        assert status not in (401, 403) and status in (*range(200, 500), 502), (role, status, text)


@pytest.mark.parametrize(
    ("method", "route"), sorted(k for k, case in EXPECTATIONS.items() if not case.webhook), ids=lambda v: v
)
def test_each_role_against_the_route_through_the_http_api(demo, carrier_api, method, route):
    """The same expectations with the claims of HTTP API's JWT authorizer instead of Chalice's authorizer.

    Bad tokens never reach the handler there (API Gateway answers 401 itself); a request without
    the authorizer's claims must still be refused."""
    case = EXPECTATIONS[(method, route)]
    path, _, query = (case.path or route).format(**case.prepare()).partition("?")
    parameters = {
        name[1:-1]: value for name, value in zip(route.split("/"), path.split("/"), strict=True) if name.startswith("{")
    }

    def call(authorizer: dict[str, Any] | None) -> tuple[int, Any]:
        return http_api.call(
            method, path, authorizer, case.body, route, dict(p.split("=") for p in query.split("&") if p), **parameters
        )

    status, text = call(None)
    assert status == (200 if case.public else 401), (status, text)
    for role in sorted(EVERYONE - case.allowed):
        status, text = call(http_api.jwt_claims(ROLE_USERS[role], role))
        assert status == 403, (role, status, text)
    for role in sorted(case.allowed):
        status, text = call(http_api.jwt_claims(ROLE_USERS[role], role))
        assert status not in (401, 403) and status in (*range(200, 500), 502), (role, status, text)
