"""Storing conversation records: a message, its duplicate guard and its thread update in ONE transaction.

Everything that writes a message goes through `store`, so "the same carrier message id is stored
once" and "the thread always reflects its messages" hold for inbound texts, sends, calls and voicemail.
"""

from __future__ import annotations

import json
from typing import Any

from pynamodb.exceptions import DoesNotExist, TransactWriteError

from chalicelib import aws, ids
from chalicelib.errors import NotFound
from chalicelib.observability import logger, metrics
from chalicelib.phone import mask
from chalicelib.settings import get_settings
from chalicelib.store.base import refused_items, transaction
from chalicelib.store.models import Media, Message, MessageKey, StatusChange, Thread

GUARD_INDEX = 1  # the MessageKey put is the second item of the transaction


def thread_id_for(business_number: str, customer_number: str) -> str:
    return ids.stable_id("th", business_number, customer_number)


def guard_key(carrier: str, carrier_id: str) -> str:
    return f"{carrier}#{carrier_id}"


def new_message(
    *,
    business_number: str,
    customer_number: str,
    direction: str,
    carrier: str,
    status: str,
    rank: int,
    kind: str = "sms",
    body: str | None = None,
    media: list[dict[str, Any]] | None = None,
    message_id: str | None = None,
    carrier_message_id: str | None = None,
    **fields: Any,
) -> Message:
    at = ids.iso()
    message_id = message_id or ids.new_id("msg")
    return Message(
        thread_id=thread_id_for(business_number, customer_number),
        message_key=f"{at}#{message_id}",
        message_id=message_id,
        direction=direction,
        kind=kind,
        body=body,
        media=[Media(url=m.get("url"), content_type=m.get("content_type")) for m in media or []],
        business_number=business_number,
        customer_number=customer_number,
        carrier=carrier,
        carrier_message_id=carrier_message_id,
        status=status,
        status_rank=rank,
        status_history=[StatusChange(status=status, at=at)],
        created_at=at,
        pending_archive="1",
        **fields,
    )


def store(message: Message, guard: str | None, default_owner: str, unread: bool) -> bool:
    """Write message + guard + thread atomically; False when the guard exists (a duplicate delivery)."""
    thread_actions = [
        Thread.owner.set(Thread.owner | default_owner),
        Thread.business_number.set(message.business_number),
        Thread.customer_number.set(message.customer_number),
        Thread.created_at.set(Thread.created_at | message.created_at),
        Thread.last_activity_at.set(message.created_at),
        Thread.last_direction.set(message.direction),
    ]
    if unread:
        thread_actions.append(Thread.unread.add(1))
    elif message.direction == "outbound":
        thread_actions.append(Thread.unread.set(0))  # a reply is sent from a thread that was read
    try:
        with transaction() as tx:
            tx.save(message, condition=Message.message_key.does_not_exist())
            if guard:
                tx.save(
                    MessageKey(
                        key=guard,
                        thread_id=message.thread_id,
                        message_key=message.message_key,
                        created_at=message.created_at,
                    ),
                    condition=MessageKey.key.does_not_exist(),
                )
            tx.update(Thread(thread_id=message.thread_id), actions=thread_actions)
    except TransactWriteError as exc:
        if guard and GUARD_INDEX in refused_items(exc):
            return False
        raise
    return True


def appended(change: StatusChange) -> Any:
    """The update action that appends `change` to a message's status history."""
    return Message.status_history.set(Message.status_history.append([change]))


def find(guard: str) -> Message | None:
    """The message a guard points to (status callbacks, calls, idempotent sends)."""
    try:
        pointer = MessageKey.get(guard)
        return Message.get(pointer.thread_id, pointer.message_key)
    except DoesNotExist:
        return None


def pointer(guard: str) -> MessageKey | None:
    try:
        return MessageKey.get(guard)
    except DoesNotExist:
        return None


def get_thread(thread_id: str) -> Thread:
    try:
        return Thread.get(thread_id)
    except DoesNotExist as exc:
        raise NotFound(f"thread {thread_id} does not exist") from exc


def notify_unassigned(message: Message, reason: str) -> None:
    """Tell the admins' queue about a message nobody owns; the thread itself is already stored."""
    settings = get_settings()
    body = {
        "kind": "message",
        "reason": reason,
        "thread_id": message.thread_id,
        "message_key": message.message_key,
        "business_number": message.business_number,
        "carrier": message.carrier,
        "at": message.created_at,
    }
    try:
        aws.client("sqs").send_message(
            QueueUrl=aws.queue_url(settings.unassigned_queue_name), MessageBody=json.dumps(body, sort_keys=True)
        )
    except Exception as exc:  # noqa: BLE001 - the thread is stored and listed under GET /unassigned anyway
        logger.warning("unassigned queue send failed", to=mask(message.business_number), error=type(exc).__name__)
        metrics.add_metric(name="UnassignedNotifyFailed", unit="Count", value=1)


def message_json(m: Message) -> dict[str, Any]:
    return {
        "id": m.message_id,
        "thread_id": m.thread_id,
        "direction": m.direction,
        "kind": m.kind,
        "body": m.body or "",
        "media": [{"url": x.url, "content_type": x.content_type, "archive_key": x.archive_key} for x in m.media or []],
        "status": m.status,
        "status_history": [
            {"status": s.status, "at": s.at, "error_code": s.error_code} for s in m.status_history or []
        ],
        "error_code": m.error_code,
        "carrier": m.carrier,
        "carrier_message_id": m.carrier_message_id,
        "business_number": m.business_number,
        "customer_number": m.customer_number,
        "segments": m.segments,
        "encoding": m.encoding,
        "sender_employee_id": m.sender_employee_id,
        "call": m.call,
        "created_at": m.created_at,
    }


def thread_json(t: Thread) -> dict[str, Any]:
    return {
        "id": t.thread_id,
        "business_number": t.business_number,
        "customer_number": t.customer_number,
        "owner": t.owner,
        "last_activity_at": t.last_activity_at,
        "last_direction": t.last_direction,
        "unread": t.unread,
        "created_at": t.created_at,
    }
