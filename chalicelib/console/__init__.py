"""The web console: static files shipped in the Lambda package, its public sign-in configuration,
and the strict Content-Security-Policy it is served with.

The page loads only its own script and stylesheet (no inline code), talks only to this API and,
when an OIDC provider is configured, to that provider's token endpoint (authorization code + PKCE).
"""

from __future__ import annotations

import html
import json
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from chalicelib.auth import tokens
from chalicelib.errors import NotFound
from chalicelib.observability import logger
from chalicelib.settings import Settings, get_settings

HERE = Path(__file__).resolve().parent
CONFIG = "config.json"
TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
    ".json": "application/json",
}
# Everything but index.html is served under /console/; index.html only at /.
ASSETS = frozenset(p.name for p in HERE.iterdir() if p.suffix in TYPES and p.name != "index.html")


@lru_cache(maxsize=16)
def _read(name: str) -> str:
    return (HERE / name).read_text(encoding="utf-8")


def index_html(request_path: str) -> str:
    """The page, with a <base> that points at the API's root whatever stage or path prefix serves it."""
    base = (request_path or "/").rstrip("/") + "/"
    return _read("index.html").replace("%BASE%", html.escape(base, quote=True))


def asset(name: str) -> tuple[str, str]:
    """(body, content type) of a console file, or the public sign-in configuration."""
    if name == CONFIG:
        return json.dumps(client_config()), TYPES[".json"]
    if name not in ASSETS:
        raise NotFound(f"no console file {name!r}")
    return _read(name), TYPES[Path(name).suffix]


def client_config(settings: Settings | None = None) -> dict[str, Any]:
    """What the browser needs to sign in; nothing secret (a PKCE client has no secret)."""
    settings = settings or get_settings()
    return {
        "stage": settings.stage,
        "local_tokens": settings.accepts_local_tokens,
        "oidc": _oidc(settings),
    }


def _oidc(settings: Settings) -> dict[str, str] | None:
    if not (settings.oidc_issuer and settings.oidc_client_id):
        return None
    try:
        found = tokens.discovery(settings.oidc_issuer)
    except (OSError, ValueError, KeyError) as exc:
        logger.warning("OIDC discovery failed; the console offers token sign-in only", reason=str(exc))
        return None
    return {
        "issuer": settings.oidc_issuer,
        "client_id": settings.oidc_client_id,
        "scope": settings.oidc_scopes,
        "authorization_endpoint": found["authorization_endpoint"],
        "token_endpoint": found["token_endpoint"],
    }


def _origin(url: str) -> str:
    parts = urlparse(url)
    return f"{parts.scheme}://{parts.netloc}"


def headers(content_type: str) -> dict[str, str]:
    """Response headers for every console file: a strict CSP, no sniffing, no framing, no referrer."""
    oidc = _oidc(get_settings()) if content_type.startswith("text/html") else None
    connect = "'self'" + (f" {_origin(oidc['token_endpoint'])}" if oidc else "")
    policy = "; ".join(
        (
            "default-src 'none'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self'",
            f"connect-src {connect}",
            "base-uri 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        )
    )
    return {
        "Content-Type": content_type,
        "Content-Security-Policy": policy,
        "X-Content-Type-Options": "nosniff",
        "X-Frame-Options": "DENY",
        "Referrer-Policy": "no-referrer",
        "Cache-Control": "no-cache",
    }
