"""Status callbacks: a message's status only ever moves forward, and every change is archived.

Carriers deliver callbacks at least once and in any order. A callback for a message we never
stored is answered 200 (so the carrier stops retrying) and only logged and counted.
"""

from __future__ import annotations

from pynamodb.exceptions import UpdateError

from chalicelib import ids
from chalicelib.carriers.base import StatusUpdate
from chalicelib.messaging import records
from chalicelib.observability import logger, metrics
from chalicelib.store.base import refused_by_condition
from chalicelib.store.models import Message, StatusChange

# Equal ranks never replace each other: the first terminal status wins.
RANK = {
    "received": 1,
    "queued": 1,
    "ringing": 1,
    "sending": 2,
    "sent": 3,
    "answered": 4,
    "delivered": 5,
    "undelivered": 5,
    "failed": 5,
    "completed": 5,
    "no-answer": 5,
    "read": 6,
}


FINAL_RANK = 5  # delivered, undelivered, failed, completed, no-answer (and read)


def settled(status: str) -> bool:
    """A status after which the carrier rarely reports more: the moment to archive.

    Until then a message stays `pending_archive`; the scheduled reconciliation archives any that
    never settle, so a record reaches the archive within one reconciliation period at the latest.
    Archiving once a message settles, instead of at every change, saves an S3 PUT and an archive
    pass per status callback (`chalicelib.archive.changes` filters the stream on it).
    """
    return RANK.get(status, 0) >= FINAL_RANK


def apply(update: StatusUpdate) -> bool:
    """True when the status moved forward; False for unknown messages and stale or repeated statuses."""
    pointer = records.pointer(records.guard_key(update.carrier, update.carrier_message_id))
    if pointer is None:
        logger.info("status for an unknown message", carrier=update.carrier, status=update.status)
        metrics.add_metric(name="StatusForUnknownMessage", unit="Count", value=1)
        return False
    rank = RANK[update.status]
    message = Message(thread_id=pointer.thread_id, message_key=pointer.message_key)
    actions = [
        Message.status.set(update.status),
        Message.status_rank.set(rank),
        records.appended(StatusChange(status=update.status, at=ids.iso(), error_code=update.error_code)),
        Message.pending_archive.set("1"),
        # Recorded by the send; set here too in case the send's own write was lost after the guard's.
        Message.carrier_message_id.set(Message.carrier_message_id | update.carrier_message_id),
    ]
    if update.error_code:
        actions.append(Message.error_code.set(update.error_code))
    try:
        message.update(actions=actions, condition=Message.message_id.exists() & (Message.status_rank < rank))
    except UpdateError as exc:
        if not refused_by_condition(exc):
            raise
        logger.info("stale or repeated status ignored", carrier=update.carrier, status=update.status)
        metrics.add_metric(name="StatusIgnored", unit="Count", value=1)
        return False
    return True
