"""Sending: validate, refuse opted-out contacts, store, send through the number's carrier, record the result.

`send` is a plain function so workflows (offboarding hand-over notices) use exactly the path the
API uses. Authorization is the caller's business (`threads.reply` / `threads.start` check it).
The message is stored before the carrier is called, so a send that fails is still on record.
"""

from __future__ import annotations

from urllib.parse import urlparse

from pynamodb.exceptions import DoesNotExist, UpdateError

from chalicelib import ids
from chalicelib.carriers import registry
from chalicelib.carriers.http import CarrierError
from chalicelib.errors import BadRequest, Conflict
from chalicelib.messaging import optout, records, routing, segments
from chalicelib.messaging.status import RANK
from chalicelib.observability import logger, metrics
from chalicelib.phone import mask, to_e164
from chalicelib.store.base import refused_by_condition
from chalicelib.store.models import Message, MessageKey, PhoneNumber, StatusChange, employee_owner

MAX_BODY = 1600  # ten concatenated GSM-7 segments; carriers refuse longer
MAX_MEDIA = 10


class OptedOut(Conflict):
    code = "opted_out"


def _media(urls: list[str] | None) -> list[str]:
    urls = list(urls or [])
    if len(urls) > MAX_MEDIA:
        raise BadRequest("media_urls", f"may hold at most {MAX_MEDIA} URLs")
    for url in urls:
        if not isinstance(url, str) or urlparse(url).scheme not in ("https", "http") or not urlparse(url).netloc:
            raise BadRequest("media_urls", "must be a list of http(s) URLs")
    return urls


def _number(business_number: str) -> PhoneNumber:
    try:
        number = PhoneNumber.get(business_number)
    except DoesNotExist as exc:
        raise BadRequest("from", f"{business_number} is not a number in the inventory") from exc
    if number.status == "released":
        raise BadRequest("from", f"{business_number} has been released to the carrier")
    if "sms" not in (number.capabilities or set()):
        raise BadRequest("from", f"{business_number} cannot send messages")
    return number


def send(
    sender_id: str,
    business_number: str,
    customer_number: str,
    body: str,
    media_urls: list[str] | None = None,
    thread_id: str | None = None,
    idempotency_key: str | None = None,
) -> Message:
    """Send a text (or MMS) from a business number; raises OptedOut, BadRequest or CarrierError."""
    business = to_e164(business_number, "from")
    customer = to_e164(customer_number, "to")
    if body is not None and not isinstance(body, str):
        raise BadRequest("body", "must be a string")
    body = body or ""
    media = _media(media_urls)
    if not body.strip() and not media:
        raise BadRequest("body", "is required (or media_urls)")
    if len(body) > MAX_BODY:
        raise BadRequest("body", f"is longer than {MAX_BODY} characters")
    if thread_id is not None and thread_id != records.thread_id_for(business, customer):
        raise BadRequest("thread_id", "does not belong to these numbers")
    number = _number(business)
    if optout.is_opted_out(customer, business):
        raise OptedOut(
            f"{mask(customer)} has opted out of messages from {business} (replied STOP); they must text START first",
            reason="opted_out",
            field="to",
        )
    idem_guard = f"idem#{business}#{idempotency_key}" if idempotency_key else None
    if idem_guard:
        earlier = records.find(idem_guard)
        if earlier is not None:
            return earlier
    count = segments.count(body)
    message = records.new_message(
        business_number=business,
        customer_number=customer,
        direction="outbound",
        carrier=number.carrier,
        status="queued",
        rank=RANK["queued"],
        kind="mms" if media else "sms",
        body=body,
        media=[{"url": u} for u in media],
        message_id=ids.stable_id("msg", idem_guard) if idem_guard else None,
        sender_employee_id=sender_id,
        segments=count.count,
        encoding=count.encoding,
    )
    route = routing.for_number(number)
    owner = route.owner if route.routable else employee_owner(sender_id)
    if not records.store(message, idem_guard, owner, unread=False):
        return records.find(idem_guard) or message  # type: ignore[arg-type]
    try:
        result = registry.get(number.carrier).send(
            business, customer, body, media, idempotency_key or message.message_id
        )
    except CarrierError as exc:
        _failed(message, exc)
        raise
    _sent(message, result.carrier_message_id, result.status)
    return message


def _failed(message: Message, exc: CarrierError) -> None:
    logger.warning(
        "carrier refused a send", carrier=message.carrier, to=mask(message.customer_number), error=exc.message
    )
    metrics.add_metric(name="SendFailed", unit="Count", value=1)
    at = ids.iso()
    code = f"http_{exc.details.get('carrier_status')}" if exc.details.get("carrier_status") else "unreachable"
    message.update(
        actions=[
            Message.status.set("failed"),
            Message.status_rank.set(RANK["failed"]),
            Message.error_code.set(code),
            records.appended(StatusChange(status="failed", at=at, error_code=code)),
        ]
    )


def _sent(message: Message, carrier_message_id: str, status: str) -> None:
    """Record the carrier's id: first its guard (so status callbacks find the message), then the message.

    Two plain writes, not a transaction (which costs twice the write units): should the second
    be lost, a status callback finds the message through the guard and records the id itself.
    """
    at = ids.iso()
    actions = [Message.carrier_message_id.set(carrier_message_id)]
    advanced = RANK.get(status, 0) > message.status_rank
    change = StatusChange(status=status, at=at)
    if advanced:
        actions += [Message.status.set(status), Message.status_rank.set(RANK[status]), records.appended(change)]
    guard = records.guard_key(message.carrier, carrier_message_id)
    MessageKey(key=guard, thread_id=message.thread_id, message_key=message.message_key, created_at=at).save()
    try:  # a faster delivery report may already have moved the status further (update() reloads it)
        message.update(actions=actions, condition=Message.status_rank < RANK[status] if advanced else None)
    except UpdateError as exc:
        if not refused_by_condition(exc):
            raise
        message.update(actions=actions[:1])
