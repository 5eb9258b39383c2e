"""Inbound texts: route, store once (message + guard + thread in one transaction), then react.

A message to a number nobody holds is stored all the same, owned by `unassigned`, and announced
on the unassigned queue: no customer message is ever dropped. The warm path makes two AWS calls:
GetItem (number) and TransactWriteItems; the messages table's stream takes it to the archive.
"""

from __future__ import annotations

from chalicelib import ids
from chalicelib.carriers.base import InboundMessage
from chalicelib.carriers.http import CarrierError
from chalicelib.errors import BadRequest
from chalicelib.messaging import hours, optout, outbound, records, routing, segments
from chalicelib.messaging.routing import Route
from chalicelib.messaging.status import RANK
from chalicelib.observability import logger, metrics
from chalicelib.phone import mask
from chalicelib.settings import get_settings
from chalicelib.store.base import refused_by_condition
from chalicelib.store.models import Message, Thread


def accept(event: InboundMessage) -> Message | None:
    """Store one inbound message; None when it is a repeat delivery of one already stored."""
    route = routing.route(event.to)
    count = segments.count(event.body)
    message = records.new_message(
        business_number=event.to,
        customer_number=event.from_,
        direction="inbound",
        carrier=event.carrier,
        status="received",
        rank=RANK["received"],
        kind="mms" if event.media else "sms",
        body=event.body,
        media=event.media,
        message_id=ids.stable_id("msg", event.carrier, event.carrier_message_id),
        carrier_message_id=event.carrier_message_id,
        owner_at_receipt=route.owner,
        segments=count.count,
        encoding=count.encoding,
    )
    if not records.store(message, records.guard_key(event.carrier, event.carrier_message_id), route.owner, True):
        logger.info("duplicate delivery ignored", carrier=event.carrier, to=mask(event.to))
        metrics.add_metric(name="InboundDuplicate", unit="Count", value=1)
        return None
    if not route.routable:
        logger.info("message to an unassigned number", to=mask(event.to), reason=route.reason)
        records.notify_unassigned(message, route.reason or "unassigned")
    react(message, route)
    return message


def react(message: Message, route: Route) -> None:
    """Consent keywords, HELP, and the after-hours auto-reply."""
    word = optout.keyword(message.body)
    if word in ("stop", "start"):
        optout.record(message, opted_out=word == "stop")
    elif word == "help":
        _reply(message, get_settings().help_text)
    else:
        schedule, text = hours.schedule_for(route.number, route.team_id)
        since = hours.closed_since(schedule, ids.now())
        if since is not None and _claim_autoreply(message.thread_id, ids.iso(since)):
            _reply(message, text)


def _claim_autoreply(thread_id: str, quiet_since: str) -> bool:
    """At most one auto-reply per thread per quiet period: a conditional write decides who sends it."""
    from pynamodb.exceptions import UpdateError

    condition = Thread.last_autoreply_at.does_not_exist() | (Thread.last_autoreply_at < quiet_since)
    try:
        Thread(thread_id=thread_id).update(actions=[Thread.last_autoreply_at.set(ids.iso())], condition=condition)
    except UpdateError as exc:
        if not refused_by_condition(exc):
            raise
        return False
    return True


def _reply(message: Message, text: str) -> None:
    try:
        outbound.send("system", message.business_number, message.customer_number, text, thread_id=message.thread_id)
    except (outbound.OptedOut, CarrierError, BadRequest) as exc:
        logger.info("automatic reply not sent", to=mask(message.customer_number), reason=type(exc).__name__)
