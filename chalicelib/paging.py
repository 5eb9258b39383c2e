"""Pages of query results: a `limit` and an opaque `next` cursor (DynamoDB's last evaluated key)."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Iterable
from typing import Any

from chalicelib.errors import BadRequest

DEFAULT_LIMIT = 50
MAX_LIMIT = 200


def limit_of(query: dict[str, str] | None, default: int = DEFAULT_LIMIT, maximum: int = MAX_LIMIT) -> int:
    raw = (query or {}).get("limit")
    if raw is None or raw == "":
        return default
    try:
        limit = int(raw)
    except ValueError as exc:
        raise BadRequest("limit", "must be a whole number") from exc
    if not 1 <= limit <= maximum:
        raise BadRequest("limit", f"must be between 1 and {maximum}")
    return limit


def decode(token: str | None) -> dict[str, Any] | None:
    """A `next` cursor this API issued, decoded; 400 when it was tampered with."""
    if not token:
        return None
    try:
        key = json.loads(base64.urlsafe_b64decode(token.encode() + b"=" * (-len(token) % 4)))
    except ValueError as exc:  # binascii.Error is a ValueError
        raise BadRequest("next", "is not a cursor this API returned") from exc
    if not isinstance(key, dict):
        raise BadRequest("next", "is not a cursor this API returned")
    return key


def cursor_of(query: dict[str, str] | None) -> dict[str, Any] | None:
    """The `next` cursor a previous page returned, decoded."""
    return decode((query or {}).get("next"))


def encode(key: dict[str, Any] | None) -> str | None:
    if not key:
        return None
    return base64.urlsafe_b64encode(json.dumps(key, sort_keys=True).encode()).decode().rstrip("=")


def page(results: Any, render: Callable[[Any], dict[str, Any]], name: str) -> dict[str, Any]:
    """Render a PynamoDB result iterator (made with `limit`) as `{name: [...], "next": cursor}`."""
    items: Iterable[Any] = list(results)
    return {name: [render(item) for item in items], "next": encode(results.last_evaluated_key)}
