"""Reconciliation: find every stored record that S3 has not confirmed yet, and archive it.

The sparse `pending-archive` indexes hold exactly those records, so the scan costs nothing when
all is well. By default each one is nudged again (the queue keeps each chain in order); `direct`
archives them here instead (the CLI's `reconcile --now`, for a queue that is not being drained).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from chalicelib import aws, ids
from chalicelib.archive import archiver, outbox, records
from chalicelib.observability import logger
from chalicelib.settings import get_settings
from chalicelib.store.models import AuditEvent, Message


@dataclass
class Result:
    found: int = 0
    nudged: int = 0
    archived: int = 0
    failed: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"found": self.found, "nudged": self.nudged, "archived": self.archived, "failed": self.failed}


def pending() -> list[tuple[str, dict[str, str], str]]:
    """(kind, key, chain group) of every record still waiting for S3."""
    found: list[tuple[str, dict[str, str], str]] = []
    for message in Message.pending.query("1"):
        found.append(
            ("message", {"thread_id": message.thread_id, "message_key": message.message_key}, message.thread_id)
        )
    for event in AuditEvent.pending.query("1"):
        found.append(("audit", {"month": event.month, "event_key": event.event_key}, "audit"))
    return found


def reconcile(direct: bool = False) -> Result:
    result = Result()
    stamp = ids.iso()[:16]  # a fresh deduplication id per minute: earlier nudges may be in the window
    for kind, key, group in pending():
        result.found += 1
        name = "/".join(key.values())
        if direct:
            try:
                archiver.archive(kind, key)
                result.archived += 1
            except Exception as exc:  # noqa: BLE001 - report it and go on; the next run retries
                logger.warning("reconcile could not archive", kind=kind, error=type(exc).__name__)
                result.failed.append(name)
        elif outbox.nudge(kind, key, group, f"reconcile-{records.sha256_hex(name.encode())[:32]}-{stamp}"):
            result.nudged += 1
        else:
            result.failed.append(name)
    return result


def dead_letter_queue_name(queue_name: str) -> str:
    """`<prefix>-archive.fifo` -> `<prefix>-archive-dlq.fifo`, as the stack creates it."""
    fifo = queue_name.endswith(".fifo")
    return queue_name.removesuffix(".fifo") + "-dlq" + (".fifo" if fifo else "")


def replay_dead_letters(limit: int = 10_000) -> int:
    """Move dead-lettered archive nudges back onto the archive queue (same group, fresh dedup id)."""
    settings = get_settings()
    sqs = aws.client("sqs")
    source = aws.queue_url(dead_letter_queue_name(settings.archive_queue_name))
    target = settings.archive_queue_url or aws.queue_url(settings.archive_queue_name)
    moved = 0
    while moved < limit:
        got = sqs.receive_message(
            QueueUrl=source, MaxNumberOfMessages=10, AttributeNames=["MessageGroupId"], VisibilityTimeout=60
        )
        batch = got.get("Messages", [])
        if not batch:
            break
        for message in batch:
            group = message.get("Attributes", {}).get("MessageGroupId") or "replay"
            sqs.send_message(
                QueueUrl=target,
                MessageBody=message["Body"],
                MessageGroupId=group,
                MessageDeduplicationId=f"replay-{message['MessageId']}"[:128],
            )
            sqs.delete_message(QueueUrl=source, ReceiptHandle=message["ReceiptHandle"])
            moved += 1
    return moved
