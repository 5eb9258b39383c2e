"""Sign-in: OIDC tokens verified against the issuer's keys; local tokens only on the emulator."""

from __future__ import annotations

import json
import time

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from chalicelib.auth import tokens
from chalicelib.errors import Unauthorized
from chalicelib.settings import get_settings
from chalicelib.store.models import Employee


def test_a_valid_token_resolves_the_employee_and_roles(client, demo, as_user):
    response = client.http.get("/me", headers=as_user("ada", "admin", "employee"))
    assert response.status_code == 200
    assert json.loads(response.body) == {
        "employee_id": "ada",
        "name": "Ada Admin",
        "team_id": None,
        "roles": ["admin", "employee"],
    }


@pytest.mark.parametrize(
    "overrides",
    [
        {"exp": int(time.time()) - 5},
        {"aud": "someone-else"},
        {"iss": "https://evil.example"},
        {"_key": rsa.generate_private_key(public_exponent=65537, key_size=2048)},
    ],
    ids=["expired", "wrong-audience", "wrong-issuer", "wrongly-signed"],
)
def test_bad_tokens_get_401(client, demo, as_user, overrides):
    assert client.http.get("/me", headers=as_user("emma", **overrides)).status_code == 401


def test_missing_or_malformed_authorization_gets_401(client, demo):
    assert client.http.get("/me").status_code == 401
    assert client.http.get("/me", headers={"Authorization": "Bearer not-a-jwt"}).status_code == 401
    assert client.http.get("/me", headers={"Authorization": "Basic abc"}).status_code == 401


def test_deactivated_people_lose_access_at_once(client, demo, as_user):
    headers = as_user("emma")
    assert client.http.get("/me", headers=headers).status_code == 200
    Employee.get("emma").update(actions=[Employee.status.set("offboarding")])
    assert client.http.get("/me", headers=headers).status_code == 401


def test_unknown_people_get_401(client, demo, as_user):
    assert client.http.get("/me", headers=as_user("nobody")).status_code == 401


def test_local_tokens_are_accepted_only_against_a_loopback_emulator(environment, monkeypatch):
    secret = "local-secret-of-at-least-thirty-two-bytes"
    token = tokens.mint_local("emma", ["employee"], secret)
    monkeypatch.setenv("LOCAL_AUTH_SECRET", secret)
    with pytest.raises(Unauthorized):
        tokens.verify(token)  # AWS (no emulator endpoint): refused
    monkeypatch.setenv("AWS_ENDPOINT_URL", "https://dynamodb.us-east-1.amazonaws.com")
    with pytest.raises(Unauthorized):
        tokens.verify(token)
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:5000")
    assert get_settings().accepts_local_tokens
    claims = tokens.verify(token)
    assert claims["sub"] == "emma"
    assert tokens.roles_of(claims) == frozenset({"employee"})
    with pytest.raises(Unauthorized):
        tokens.verify(tokens.mint_local("emma", ["employee"], "another-secret-of-at-least-thirty-two-bytes"))
