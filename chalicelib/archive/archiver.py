"""The archiver: turn a nudge `(kind, key)` into archived records, then mark the source archived.

A message becomes up to three kinds of record in its thread's chain: the message itself (sms,
mms, call or voicemail) holding every status change known when it is archived, one record per
media file (the file is archived beside it), and one "status" record for each batch of status
changes that arrive after that. Every S3 object costs a PUT, so changes travel together rather
than one object each. Only after every record is confirmed does the message lose
`pending_archive`; a failure anywhere leaves it pending and the queue message is retried.
"""

from __future__ import annotations

import json
from typing import Any

from pynamodb.exceptions import DoesNotExist, UpdateError
from pynamodb.expressions.condition import size

from chalicelib import ids
from chalicelib.archive import chain, records
from chalicelib.carriers import registry
from chalicelib.observability import logger, metrics
from chalicelib.store.base import refused_by_condition
from chalicelib.store.models import AuditEvent, Message, parse_owner

RECORD_TYPES = {"call": "call", "voicemail": "voicemail"}  # sms and mms are "message"
_ROUNDS = 3


def message_scope(message: Message) -> chain.Scope:
    employees = [message.sender_employee_id] if message.sender_employee_id else []
    kind, ident = parse_owner(message.owner_at_receipt)
    if kind == "employee" and ident and ident not in employees:
        employees.append(ident)
    return chain.Scope(message.thread_id, message.customer_number, tuple(employees))


def _changes(history: list[Any]) -> list[dict[str, Any]]:
    return [change.as_dict() for change in history]


def message_data(message: Message, history: list[Any]) -> dict[str, Any]:
    return {
        "message_id": message.message_id,
        "thread_id": message.thread_id,
        "direction": message.direction,
        "kind": message.kind,
        "body": message.body,
        "media": [{"url": m.url, "content_type": m.content_type} for m in message.media or []],
        "business_number": message.business_number,
        "customer_number": message.customer_number,
        "carrier": message.carrier,
        "carrier_message_id": message.carrier_message_id,
        "status": message.status,
        "sender_employee_id": message.sender_employee_id,
        "owner_at_receipt": message.owner_at_receipt,
        "segments": message.segments,
        "encoding": message.encoding,
        "call": message.call,
        "created_at": message.created_at,
        "status_history": _changes(history),
    }


def _archive_media(message: Message, index: int, scope: chain.Scope) -> None:
    item = message.media[index]
    record_id = f"media-{message.message_id}-{index}"
    entry = chain.find(record_id)
    if entry is None:
        body, content_type = registry.get(message.carrier).fetch_media(item.url)
        blob = chain.Blob(f"media/{message.thread_id}/{message.message_id}/{index}", body, content_type)
        data = {"message_id": message.message_id, "index": index, "content_type": content_type, "url": item.url}
        entry = chain.append(message.thread_id, record_id, "media", message.created_at, data, scope, blob=blob)
    item.archive_key = entry.blob_key
    item.sha256 = entry.blob_sha256


def archive_message(thread_id: str, message_key: str) -> bool:
    """Archive whatever of the message is not archived yet; False when the message does not exist."""
    for _ in range(_ROUNDS):
        try:
            message = Message.get(thread_id, message_key, consistent_read=True)
        except DoesNotExist:
            logger.warning("archive nudge for a message that does not exist", thread_id=thread_id)
            return False
        scope = message_scope(message)
        history = list(message.status_history or [])
        done = int(message.archived_status_count or 0)
        if not message.archived_at:
            kind = RECORD_TYPES.get(message.kind, "message")
            data = message_data(message, history)
            entry = chain.append(
                thread_id,
                f"message-{message.message_id}",
                kind,
                message.created_at,
                data,
                scope,
                status_count=len(history),
            )
            done = int(entry.status_count or 0)  # a retry finds the record as first archived
        for index, item in enumerate(message.media or []):
            if not item.archive_key:
                _archive_media(message, index, scope)
        while done < len(history):  # a retry may find an earlier batch archived: continue after it
            data = {"message_id": message.message_id, "from_index": done, "changes": _changes(history[done:])}
            record_id = f"status-{message.message_id}-{done}"
            entry = chain.append(thread_id, record_id, "status", history[-1].at, data, scope, status_count=len(history))
            done = int(entry.status_count or len(history))
        if _mark_archived(message, done):
            return True
    raise RuntimeError(f"message {message_key} kept changing while it was archived; retry")


def _mark_archived(message: Message, statuses: int) -> bool:
    """Clear `pending_archive` unless a status arrived meanwhile (then archive that too)."""
    try:
        message.update(
            actions=[
                Message.pending_archive.remove(),
                Message.archived_at.set(message.archived_at or ids.iso()),
                Message.archived_status_count.set(statuses),
                Message.media.set(message.media or []),
            ],
            condition=Message.status_history.does_not_exist() | (size(Message.status_history) == statuses)
            if not statuses
            else size(Message.status_history) == statuses,
        )
    except UpdateError as exc:
        if refused_by_condition(exc):
            return False
        raise
    metrics.add_metric(name="MessageArchived", unit="Count", value=1)
    return True


def audit_data(event: AuditEvent) -> dict[str, Any]:
    return {
        "event_id": event.event_id,
        "actor_id": event.actor_id,
        "actor_roles": sorted(event.actor_roles or []),
        "action": event.action,
        "target_type": event.target_type,
        "target_id": event.target_id,
        "before": event.before,
        "after": event.after,
        "at": event.at,
    }


def archive_audit(month: str, event_key: str) -> bool:
    try:
        event = AuditEvent.get(month, event_key, consistent_read=True)
    except DoesNotExist:
        logger.warning("archive nudge for an audit event that does not exist", month=month)
        return False
    if not event.archived_at:
        employees = (event.actor_id,) + ((event.target_id,) if event.target_type == "employee" else ())
        scope = chain.Scope(employee_ids=employees)
        chain.append(records.AUDIT_CHAIN, f"audit-{event.event_id}", "audit", event.at, audit_data(event), scope)
        event.update(actions=[AuditEvent.pending_archive.remove(), AuditEvent.archived_at.set(ids.iso())])
    return True


def archive(kind: str, key: dict[str, Any]) -> bool:
    if kind == "message":
        return archive_message(key["thread_id"], key["message_key"])
    if kind == "audit":
        return archive_audit(key["month"], key["event_key"])
    raise ValueError(f"unknown archive kind {kind!r}")


def handle_batch(records_: list[dict[str, Any]]) -> dict[str, Any]:
    """Archive a batch from the FIFO queue; a failure fails the rest of its group, to keep chains in order."""
    failures: list[dict[str, str]] = []
    failed_groups: set[str] = set()
    for record in records_:
        group = (record.get("attributes") or {}).get("MessageGroupId", "")
        if group and group in failed_groups:
            failures.append({"itemIdentifier": record["messageId"]})
            continue
        try:
            nudge = json.loads(record["body"])
            archive(nudge["kind"], nudge["key"])
        except Exception as exc:  # noqa: BLE001 - the item returns to the queue; after 5 tries, the DLQ
            logger.warning("archiving failed; will retry", error=f"{type(exc).__name__}: {exc}", group=group)
            metrics.add_metric(name="ArchiveFailed", unit="Count", value=1)
            failures.append({"itemIdentifier": record["messageId"]})
            failed_groups.add(group)
    return {"batchItemFailures": failures}
