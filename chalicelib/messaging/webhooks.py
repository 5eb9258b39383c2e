"""The carrier webhook entry points: verify first, then hand the parsed events to the domain.

A request that fails verification (403) or cannot be parsed (400) leaves nothing behind but a
log line (carrier and reason; never the body or a full number) and a metric.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from chalicelib.carriers import registry
from chalicelib.carriers.base import Carrier, WebhookRequest
from chalicelib.errors import BadRequest, Forbidden
from chalicelib.messaging import inbound, status
from chalicelib.observability import logger, metrics


def verified(carrier_name: str, request: WebhookRequest) -> Carrier:
    carrier = registry.get(carrier_name)
    try:
        carrier.verify(request)
    except Forbidden as exc:
        logger.warning("webhook refused", carrier=carrier_name, reason=exc.message)
        metrics.add_metric(name="WebhookRefused", unit="Count", value=1)
        raise
    return carrier


def parsed(carrier_name: str, parse: Callable[[], list[Any]]) -> list[Any]:
    try:
        return parse()
    except BadRequest as exc:
        logger.warning("webhook malformed", carrier=carrier_name, reason=exc.message)
        metrics.add_metric(name="WebhookMalformed", unit="Count", value=1)
        raise


def messaging(carrier_name: str, request: WebhookRequest, inbound_events: bool, status_events: bool) -> int:
    """Verify, then store inbound messages and apply statuses; returns how many events were handled."""
    carrier = verified(carrier_name, request)
    messages = parsed(carrier_name, lambda: carrier.parse_inbound(request)) if inbound_events else []
    updates = parsed(carrier_name, lambda: carrier.parse_status(request)) if status_events else []
    for message in messages:
        inbound.accept(message)
    for update in updates:
        status.apply(update)
    return len(messages) + len(updates)
