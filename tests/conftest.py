"""The test harness: moto in-process, the Chalice test client, signed tokens, and state machines.

Tokens are real RS256 JWTs from a test identity provider whose JWKS is served from a file,
so every request goes through the same OIDC verification a deployment uses.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt
import pytest
from chalice.test import Client
from cryptography.hazmat.primitives.asymmetric import rsa

from app import app
from chalicelib import aws
from devstack import bootstrap, emulator, seed

emulator.emulate_authorizer_401()

ISSUER = "https://idp.test.keepline.example"
AUDIENCE = "keepline-api"
CARRIER_SECRETS = {
    "TWILIO_ACCOUNT_SID": "ACtest00000000000000000000000000",
    "TWILIO_AUTH_TOKEN": "test-twilio-auth-token",
    "BANDWIDTH_WEBHOOK_USERNAME": "keepline",
    "BANDWIDTH_WEBHOOK_PASSWORD": "test-bandwidth-password",
    "VONAGE_SIGNATURE_SECRET": "test-vonage-signature-secret-0123456789",
}


class IdentityProvider:
    """Signs tokens the way the company's OIDC provider would, and publishes its keys on loopback."""

    def __init__(self) -> None:
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self.key.public_key()))
        jwk.update({"kid": "test-key", "use": "sig", "alg": "RS256"})
        document = json.dumps({"keys": [jwk]}).encode()

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(document)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.jwks_url = f"http://127.0.0.1:{self.server.server_address[1]}/.well-known/jwks.json"

    def token(self, employee_id: str, roles: tuple[str, ...] | list[str] = ("employee",), **overrides: Any) -> str:
        now = int(time.time())
        claims = {
            "sub": employee_id,
            "email": f"{employee_id}@example.com",
            "cognito:groups": list(roles),
            "iss": ISSUER,
            "aud": AUDIENCE,
            "iat": now,
            "exp": now + 600,
            **overrides,
        }
        key = overrides.pop("_key", None) or self.key
        return jwt.encode(
            {k: v for k, v in claims.items() if not k.startswith("_")},
            key,
            algorithm="RS256",
            headers={"kid": "test-key"},
        )

    def headers(
        self, employee_id: str, roles: tuple[str, ...] | list[str] = ("employee",), **overrides: Any
    ) -> dict[str, str]:
        return {
            "Authorization": f"Bearer {self.token(employee_id, roles, **overrides)}",
            "Content-Type": "application/json",
        }


@pytest.fixture(scope="session")
def idp() -> Iterator[IdentityProvider]:
    provider = IdentityProvider()
    yield provider
    provider.server.shutdown()


@pytest.fixture
def environment(monkeypatch: pytest.MonkeyPatch, idp: IdentityProvider) -> dict[str, str]:
    values = {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_REGION": "us-east-1",
        "KEEPLINE_STAGE": "dev",
        "POWERTOOLS_TRACE_DISABLED": "true",
        "POWERTOOLS_DEV": "false",
        "OIDC_ISSUER": ISSUER,
        "OIDC_AUDIENCE": AUDIENCE,
        "OIDC_JWKS_URL": idp.jwks_url,
        "PUBLIC_BASE_URL": "https://api.keepline.example/api",
        **CARRIER_SECRETS,
    }
    for key in ("AWS_ENDPOINT_URL", "AWS_PROFILE", "LOCAL_AUTH_SECRET", "CARRIER_SECRET_NAME", "WEBHOOK_BASE_URL"):
        monkeypatch.delenv(key, raising=False)
    for key, value in values.items():
        monkeypatch.setenv(key, value)
    return values


@pytest.fixture
def aws_env(environment: dict[str, str]) -> Iterator[None]:
    """An empty emulated account with every Keepline resource created, as `make run` creates them."""
    aws.reset_clients()
    with emulator.in_process(app):
        bootstrap.create_all()
        yield
    aws.reset_clients()


@pytest.fixture
def demo(aws_env: None) -> None:
    """The demo company of the local stack: its people, teams and numbers, no conversations yet."""
    seed.seed_people_and_numbers()


@pytest.fixture
def demo_conversations(demo: None) -> None:
    """The local stack's demo customers texting in, as signed carrier webhooks."""
    seed.seed_conversations()


@pytest.fixture
def client(aws_env: None) -> Iterator[Client]:
    with Client(app, stage_name="dev") as test_client:
        yield test_client


@pytest.fixture
def as_user(idp: IdentityProvider) -> Callable[..., dict[str, str]]:
    """`as_user("emma")` or `as_user("ada", "admin")`: request headers with a signed token."""

    def headers(employee_id: str, *roles: str, **claims: Any) -> dict[str, str]:
        return idp.headers(employee_id, roles or ("employee",), **claims)

    return headers


def execute_state_machine(
    logical_name: str, payload: dict[str, Any], name: str | None = None, timeout: float = 60
) -> dict[str, Any]:
    """Run a definition from `infrastructure/statemachines/` on the emulator and wait for it to end."""
    sfn = aws.client("stepfunctions")
    kwargs: dict[str, Any] = {
        "stateMachineArn": bootstrap.state_machine_arn(logical_name),
        "input": json.dumps(payload),
    }
    if name:
        kwargs["name"] = name
    arn = sfn.start_execution(**kwargs)["executionArn"]
    return wait_for_execution(arn, timeout)


def wait_for_execution(arn: str, timeout: float = 60) -> dict[str, Any]:
    sfn = aws.client("stepfunctions")
    deadline = time.monotonic() + timeout
    while True:
        described = sfn.describe_execution(executionArn=arn)
        if described["status"] != "RUNNING":
            return described
        if time.monotonic() > deadline:
            raise TimeoutError(f"execution {arn} still running after {timeout}s")
        time.sleep(0.05)
