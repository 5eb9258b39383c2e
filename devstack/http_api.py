"""A request as Keepline's HTTP API hands it to the API handler: payload format 1.0, built as AWS
documents and sends it (not as the Chalice test client builds it). The tests and the benchmarks
drive the deployed entry point with it.

With the JWT authorizer on a route, API Gateway has already checked the token and passes its
claims in `requestContext.authorizer.claims`, every value a string and a list claim flattened
into one string: `"cognito:groups": "[admin hr]"`.
"""

from __future__ import annotations

import base64
from typing import Any

API_ID = "a1b2c3d4e5"
DOMAIN = f"{API_ID}.execute-api.us-east-1.amazonaws.com"
BASE_URL = f"https://{DOMAIN}"
_NO_AUTHORIZER: dict[str, Any] = {"claims": None, "scopes": None}  # a public route


def http_api_event(
    path: str,
    headers: dict[str, str] | None = None,
    body: bytes | None = None,
    *,
    method: str = "POST",
    route: str | None = None,
    path_parameters: dict[str, str] | None = None,
    query: dict[str, str] | None = None,
    authorizer: dict[str, Any] | None = _NO_AUTHORIZER,
) -> dict[str, Any]:
    """A request as the HTTP API ($default stage, so no stage in the path) hands it to Lambda, format 1.0.

    `route` is the route's path with its `{name}` parameters (default: `path`); `authorizer=None`
    leaves the authorizer out of the request context altogether. Header names arrive lower-cased;
    a body that is not JSON arrives base64-encoded."""
    lowered = {"user-agent": "TwilioProxy/1.1", **{k.lower(): v for k, v in (headers or {}).items()}}
    lowered["host"] = DOMAIN
    route = route or path
    encode = body is not None and not lowered.get("content-type", "").startswith("application/json")
    context: dict[str, Any] = {
        "accountId": "123456789012",
        "apiId": API_ID,
        "authorizer": authorizer,
        "domainName": DOMAIN,
        "domainPrefix": API_ID,
        "extendedRequestId": "request-id",
        "httpMethod": method,
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
            "userAgent": lowered["user-agent"],
            "userArn": None,
        },
        "path": path,
        "protocol": "HTTP/1.1",
        "requestId": "id=",
        "requestTime": "04/Mar/2026:19:15:17 +0000",
        "requestTimeEpoch": 1772651717135,
        "resourceId": None,
        "resourcePath": route,
        "stage": "$default",
    }
    if authorizer is None:
        del context["authorizer"]
    return {
        "version": "1.0",
        "resource": route,
        "path": path,
        "httpMethod": method,
        "headers": lowered,
        "multiValueHeaders": {k: [v] for k, v in lowered.items()},
        "queryStringParameters": query or None,
        "multiValueQueryStringParameters": {k: [v] for k, v in query.items()} if query else None,
        "requestContext": context,
        "pathParameters": path_parameters or None,
        "stageVariables": None,
        "body": None if body is None else base64.b64encode(body).decode() if encode else body.decode(),
        "isBase64Encoded": encode,
    }


# What API Gateway may return to the caller from a payload 1.0 Lambda response.
RESPONSE_FIELDS = {"isBase64Encoded", "statusCode", "headers", "multiValueHeaders", "body"}


def invoke(event: dict[str, Any]) -> dict[str, Any]:
    """The deployed handler: `app.app` is what Chalice packages as the API handler's entry point."""
    from chalice.local import LambdaContext

    from app import app

    response = app(event, LambdaContext("keepline-dev-api_handler", memory_size=512))
    assert set(response) <= RESPONSE_FIELDS, response
    return response
