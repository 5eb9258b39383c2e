"""The route layer's shared pieces: the authorizer, the caller, JSON input, and error rendering.

`Api` is a Chalice blueprint whose routes translate domain errors into HTTP responses in one
place; nothing below the route layer knows about status codes.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from chalice import AuthResponse, Blueprint, Response
from pynamodb.exceptions import PynamoDBException

from chalicelib import aws
from chalicelib.auth import principal as principals
from chalicelib.auth import tokens
from chalicelib.errors import BadRequest, DomainError, Unauthorized, Unavailable
from chalicelib.observability import logger
from chalicelib.settings import ConfigurationError
from chalicelib.store.base import missing_table

JSON = {"Content-Type": "application/json"}


def error_response(error: DomainError) -> Response:
    return Response(body=error.body(), status_code=error.status, headers=JSON)


def translate(exc: BaseException) -> DomainError | None:
    """The domain error a low-level failure stands for, or None when it is a real bug."""
    if isinstance(exc, DomainError):
        return exc
    if isinstance(exc, ConfigurationError):
        return Unavailable(str(exc))
    found = missing_table(exc) or aws.unreachable(exc)
    if isinstance(found, ConfigurationError):
        return Unavailable(str(found))
    if found is not None:
        return found
    if isinstance(exc, PynamoDBException) and exc.__cause__ is not None:
        inner = aws.unreachable(exc.__cause__)
        if inner is not None:
            return Unavailable(str(inner))
    return None


def _translated(view: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return view(*args, **kwargs)
        except Exception as exc:
            error = translate(exc)
            if error is None:
                raise
            if error.status >= 500:
                logger.error("unavailable", reason=error.message)
            return error_response(error)

    return wrapper


class Api(Blueprint):
    """A blueprint whose views answer domain errors with their JSON status, never a 500."""

    def route(self, path: str, **kwargs: Any) -> Callable[..., Any]:
        register = super().route(path, **kwargs)

        def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
            register(_translated(view))
            return view

        return decorator


auth_blueprint = Api(__name__)


@auth_blueprint.authorizer(ttl_seconds=0)
def keepline_auth(auth_request: Any) -> AuthResponse:
    """The REST API's authorizer: verify the bearer token and resolve an active employee; TTL 0 so
    revocation is immediate. (Keepline's HTTP API verifies tokens itself; see `caller`.)"""
    header = auth_request.token or ""
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise _unauthorized()
    try:
        who = _signed_in(tokens.verify(token))
    except Unauthorized as exc:
        logger.info("token refused", reason=exc.message)
        raise _unauthorized() from exc
    return AuthResponse(routes=["*"], principal_id=who.employee_id, context=who.to_context())


def _signed_in(claims: dict[str, Any]) -> principals.Principal:
    """The active employee that verified claims name, whichever authorizer verified them."""
    return principals.resolve(claims, tokens.roles_of(claims))


def _unauthorized() -> Exception:
    # API Gateway (and Chalice's local gateway) turn exactly this message into a 401.
    from chalice.app import UnauthorizedError

    return UnauthorizedError("Unauthorized")


def caller(request: Any) -> principals.Principal:
    """The signed-in employee, read only from what API Gateway's authorizer put in the request context.

    REST API (and Chalice's local gateway): `keepline_auth` has resolved the employee already.
    HTTP API: its JWT authorizer has checked the token's signature, issuer, audience and expiry
    and passes the claims (payload format 1.0: `requestContext.authorizer.claims`, every value a
    string); the employee is resolved here exactly as `keepline_auth` does, on every request, so a
    deactivated employee is refused at once even with a token that is still valid.
    """
    context = (request.context or {}).get("authorizer") or {}
    if "employee_id" in context:
        return principals.Principal.from_context(context)
    claims = context.get("claims")
    if not isinstance(claims, dict) or not claims:
        raise Unauthorized("not signed in")
    try:
        return _signed_in(claims)
    except Unauthorized as exc:
        logger.info("token refused", reason=exc.message)
        raise


def json_body(request: Any) -> dict[str, Any]:
    """The request's JSON object, or a 400 that says what is wrong with it."""
    try:
        body = request.json_body
    except Exception as exc:
        raise BadRequest("body", "is not valid JSON") from exc
    if body is None:
        return {}
    if not isinstance(body, dict):
        raise BadRequest("body", "must be a JSON object")
    return body


def require(body: dict[str, Any], field: str, kind: type = str) -> Any:
    value = body.get(field)
    if value is None or (isinstance(value, str) and not value.strip()):
        raise BadRequest(field, "is required")
    if not isinstance(value, kind):
        raise BadRequest(field, f"must be a {kind.__name__}")
    return value


def created(body: Any) -> Response:
    """201 Created with a JSON body."""
    return Response(body=body, status_code=201, headers=JSON)
