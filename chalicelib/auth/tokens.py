"""Verify bearer tokens.

On AWS: RS256/ES256 tokens from the configured OIDC issuer, checked against the keys the
issuer publishes (discovered through `/.well-known/openid-configuration`, cached by PyJWT).
Locally: HS256 tokens signed with `LOCAL_AUTH_SECRET`, which are accepted only while every
AWS call goes to a loopback emulator, so no deployed stage can ever trust them.
"""

from __future__ import annotations

import json
import time
import urllib.request
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from chalicelib.errors import Unauthorized
from chalicelib.settings import Settings, get_settings

if TYPE_CHECKING:
    import jwt

LOCAL_ISSUER = "keepline-local"
LOCAL_AUDIENCE = "keepline"
ROLES = ("admin", "hr", "compliance", "employee")


def verify(token: str, settings: Settings | None = None) -> dict[str, Any]:
    import jwt  # PyJWT pulls in cryptography: only the authorizer pays for it

    settings = settings or get_settings()
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError as exc:
        raise Unauthorized("malformed token") from exc
    try:
        if header.get("alg") == "HS256":
            if not settings.accepts_local_tokens:
                raise Unauthorized("local tokens are not accepted by this deployment")
            return jwt.decode(
                token,
                settings.local_auth_secret,
                algorithms=["HS256"],
                audience=LOCAL_AUDIENCE,
                issuer=LOCAL_ISSUER,
                options={"require": ["exp", "sub", "iss", "aud"]},
            )
        if not settings.oidc_issuer:
            raise Unauthorized("no OIDC issuer is configured")
        key = _jwks_client(_jwks_url(settings)).get_signing_key_from_jwt(token)
        return jwt.decode(
            token,
            key.key,
            algorithms=["RS256", "ES256"],
            audience=settings.oidc_audience,
            issuer=settings.oidc_issuer,
            options={"require": ["exp", "sub", "iss"], "verify_aud": bool(settings.oidc_audience)},
        )
    except jwt.ExpiredSignatureError as exc:
        raise Unauthorized("token expired") from exc
    except jwt.InvalidAudienceError as exc:
        raise Unauthorized("token audience is not accepted") from exc
    except jwt.InvalidIssuerError as exc:
        raise Unauthorized("token issuer is not accepted") from exc
    except jwt.PyJWTError as exc:
        raise Unauthorized("invalid token") from exc


def roles_of(claims: dict[str, Any], settings: Settings | None = None) -> frozenset[str]:
    settings = settings or get_settings()
    groups = claims.get(settings.oidc_groups_claim) or claims.get("groups") or []
    if isinstance(groups, str):
        # A list claim is a string when API Gateway's HTTP API JWT authorizer passes it on ("[admin hr]"),
        # and some providers send "admin,hr".
        groups = groups.strip().removeprefix("[").removesuffix("]").replace(",", " ").split()
    return frozenset(g for g in groups if g in ROLES)


def mint_local(
    employee_id: str,
    roles: list[str] | tuple[str, ...],
    secret: str,
    email: str | None = None,
    ttl_seconds: int = 8 * 3600,
) -> str:
    """A token for the local stack only (see the module docstring)."""
    import jwt

    now = int(time.time())
    claims = {
        "sub": employee_id,
        "email": email,
        "groups": list(roles),
        "iss": LOCAL_ISSUER,
        "aud": LOCAL_AUDIENCE,
        "iat": now,
        "exp": now + ttl_seconds,
    }
    return jwt.encode({k: v for k, v in claims.items() if v is not None}, secret, algorithm="HS256")


def _jwks_url(settings: Settings) -> str:
    if settings.oidc_jwks_url:
        return settings.oidc_jwks_url
    return _discover_jwks(settings.oidc_issuer or "")


def _discover_jwks(issuer: str) -> str:
    return discovery(issuer)["jwks_uri"]


@lru_cache(maxsize=4)
def discovery(issuer: str) -> dict[str, Any]:
    """The issuer's OpenID configuration (endpoints and key set URL), fetched once per process."""
    url = issuer.rstrip("/") + "/.well-known/openid-configuration"
    with urllib.request.urlopen(url, timeout=3) as response:  # noqa: S310 - https issuer from config
        return json.load(response)


@lru_cache(maxsize=4)
def _jwks_client(url: str) -> jwt.PyJWKClient:
    import jwt

    return jwt.PyJWKClient(url, cache_keys=True, lifespan=3600)
