"""boto3 clients, made on first use and shared.

Clients honour `AWS_ENDPOINT_URL` through the settings, so the same code talks to AWS and to
the emulator. Connection and transport failures are translated once, here, into a
`ConfigurationError` that names the endpoint, instead of a stack trace.
"""

from __future__ import annotations

import threading
from typing import Any

from chalicelib.settings import ConfigurationError, get_settings

_lock = threading.Lock()
_clients: dict[tuple[str, str, str | None], Any] = {}


def client(service: str, endpoint_url: str | None = None) -> Any:
    """The shared client of `service`; `endpoint_url` only where a service needs its own (the emulator's streams)."""
    settings = get_settings()
    endpoint = endpoint_url or settings.endpoint_url
    key = (service, settings.region, endpoint)
    found = _clients.get(key)
    if found is not None:
        return found
    with _lock:
        if key not in _clients:
            import boto3
            from botocore.config import Config

            config = Config(
                connect_timeout=2,
                read_timeout=10,
                retries={"max_attempts": 3, "mode": "standard"},
            )
            _clients[key] = boto3.session.Session().client(
                service,
                region_name=settings.region,
                endpoint_url=endpoint,
                config=config,
            )
        return _clients[key]


def reset_clients() -> None:
    """Forget every cached client (tests start each emulator afresh)."""
    with _lock:
        _clients.clear()
        _queue_urls.clear()


def error_code(exc: BaseException) -> str:
    response = getattr(exc, "response", None) or {}
    return str(response.get("Error", {}).get("Code", ""))


def unreachable(exc: BaseException) -> ConfigurationError | None:
    """A ConfigurationError when `exc` means the AWS endpoint cannot be reached at all."""
    from botocore.exceptions import EndpointConnectionError, NoCredentialsError

    settings = get_settings()
    where = settings.endpoint_url or f"AWS in {settings.region}"
    if isinstance(exc, EndpointConnectionError):
        return ConfigurationError(f"cannot reach the AWS endpoint {where}; is it running?")
    if isinstance(exc, NoCredentialsError):
        return ConfigurationError(f"no AWS credentials are configured for {where}")
    return None


_queue_urls: dict[tuple[str, str | None], str] = {}


def queue_url(name: str) -> str:
    """The URL of a queue by name, looked up once per process."""
    settings = get_settings()
    key = (name, settings.endpoint_url)
    if key not in _queue_urls:
        _queue_urls[key] = client("sqs").get_queue_url(QueueName=name)["QueueUrl"]
    return _queue_urls[key]
