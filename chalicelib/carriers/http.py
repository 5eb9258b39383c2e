"""Outbound HTTP to carrier APIs: short timeouts, bounded retries with backoff, no body in logs.

urllib3 comes with botocore, so no HTTP library is added to the Lambda package.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import urllib3

from chalicelib.errors import DomainError

_pool: urllib3.PoolManager | None = None


class CarrierError(DomainError):
    """The carrier refused or could not be reached; `retryable` says whether trying later may help."""

    status = 502
    code = "carrier_error"

    def __init__(self, message: str, retryable: bool = False, carrier_status: int | None = None) -> None:
        super().__init__(message, carrier_status=carrier_status)
        self.retryable = retryable


@dataclass(frozen=True)
class HttpResponse:
    status: int
    data: bytes
    headers: dict[str, str]

    def json(self) -> Any:
        return json.loads(self.data or b"null")


def pool() -> urllib3.PoolManager:
    global _pool
    if _pool is None:
        _pool = urllib3.PoolManager(
            timeout=urllib3.Timeout(connect=2.0, read=8.0),
            retries=urllib3.Retry(
                total=2,
                backoff_factor=0.3,
                status_forcelist=(429, 500, 502, 503, 504),
                allowed_methods=None,  # carriers dedupe sends by our idempotency keys; see callers
                raise_on_status=False,
            ),
        )
    return _pool


def request(
    method: str,
    url: str,
    *,
    json_body: Any = None,
    form: dict[str, Any] | list[tuple[str, Any]] | None = None,
    headers: dict[str, str] | None = None,
    auth: tuple[str, str] | None = None,
    retries: int | None = None,
    data: bytes | None = None,
) -> HttpResponse:
    sent_headers = dict(headers or {})
    body: bytes | None = data  # raw bytes (e.g. XML) with the caller's Content-Type
    if json_body is not None:
        body = json.dumps(json_body).encode()
        sent_headers.setdefault("Content-Type", "application/json")
    elif form is not None:
        body = urlencode(form, doseq=True).encode()
        sent_headers.setdefault("Content-Type", "application/x-www-form-urlencoded")
    if auth is not None:
        sent_headers.update(urllib3.make_headers(basic_auth=f"{auth[0]}:{auth[1]}"))
    kwargs: dict[str, Any] = {}
    if retries is not None:
        kwargs["retries"] = retries
    try:
        response = pool().request(method, url, body=body, headers=sent_headers, **kwargs)
    except urllib3.exceptions.HTTPError as exc:
        raise CarrierError(f"carrier API unreachable: {type(exc).__name__}", retryable=True) from exc
    result = HttpResponse(response.status, response.data, dict(response.headers))
    if response.status >= 400:
        retryable = response.status == 429 or response.status >= 500
        raise CarrierError(
            f"carrier API answered {response.status}", retryable=retryable, carrier_status=response.status
        )
    return result
