"""Requests as Keepline's HTTP API hands them to the API handler: payload format 1.0, built as AWS
documents and sends it (not as the Chalice test client builds it), and the deployed entry point.

With the JWT authorizer on a route, API Gateway has already checked the token and passes its
claims in `requestContext.authorizer.claims`, every value a string and a list claim flattened
into one string: `"cognito:groups": "[admin hr]"`.
"""

from __future__ import annotations

import json
import time
from typing import Any

from devstack.http_api import API_ID, BASE_URL, DOMAIN, http_api_event, invoke  # noqa: F401 - re-exported
from tests.conftest import AUDIENCE, ISSUER


def jwt_claims(employee_id: str, *roles: str, **overrides: str) -> dict[str, Any]:
    """The authorizer context of a request whose Cognito ID token the JWT authorizer accepted."""
    now = int(time.time())
    claims = {
        "sub": employee_id,
        "email": f"{employee_id}@example.com",
        "cognito:groups": "[" + " ".join(roles or ("employee",)) + "]",
        "iss": ISSUER,
        "aud": AUDIENCE,
        "token_use": "id",
        "auth_time": str(now),
        "iat": str(now),
        "exp": str(now + 600),
        **overrides,
    }
    return {"claims": claims, "scopes": None}


def call(
    method: str,
    path: str,
    authorizer: dict[str, Any] | None,
    body: Any = None,
    route: str | None = None,
    query: dict[str, str] | None = None,
    **path_parameters: str,
) -> tuple[int, Any]:
    """(status, body: parsed when JSON) of a request through the HTTP API."""
    payload = None if body is None else json.dumps(body).encode()
    headers = {"content-type": "application/json", "user-agent": "Mozilla/5.0"} if payload else {}
    event = http_api_event(
        path,
        headers,
        payload,
        method=method,
        route=route,
        path_parameters=path_parameters,
        query=query,
        authorizer=authorizer,
    )
    response = invoke(event)
    try:
        return response["statusCode"], json.loads(response["body"] or "null")
    except ValueError:  # the console's page and files
        return response["statusCode"], response["body"]
