"""Outbound messages are archived once they settle, with every status change; reconciliation bounds the wait."""

from __future__ import annotations

import json

from app import app
from chalicelib.archive import reconcile
from chalicelib.carriers import registry
from chalicelib.carriers.base import SendResult, StatusUpdate
from chalicelib.messaging import outbound, status
from chalicelib.store.archive_models import ArchiveRecord
from chalicelib.store.models import Message
from devstack import pump


class _Twilio:
    name = "twilio"

    def send(self, from_, to, body, media_urls, idempotency_key=None):
        return SendResult(carrier_message_id="SMsettle0000000000000000000000001", status="queued")


def _send(demo) -> Message:
    registry.override("twilio", _Twilio())
    try:
        return outbound.send("emma", "+14155550101", "+12065550188", "Your order shipped.")
    finally:
        registry.override("twilio", None)


def _fresh(message: Message) -> Message:
    return Message.get(message.thread_id, message.message_key, consistent_read=True)


def test_sent_and_delivered_reach_the_archive_together_when_the_message_settles(demo):
    message = _send(demo)
    assert pump.drain(app) == 0  # nothing to archive yet: the carrier will report
    status.apply(StatusUpdate("twilio", "SMsettle0000000000000000000000001", "sent"))
    assert pump.drain(app) == 0
    assert _fresh(message).pending_archive == "1"
    status.apply(StatusUpdate("twilio", "SMsettle0000000000000000000000001", "delivered"))
    assert pump.drain(app) == 1
    archived = _fresh(message)
    assert archived.pending_archive is None and archived.archived_status_count == 3
    entries = [e for e in ArchiveRecord.scan() if e.message_id == message.message_id]
    assert [e.record_id for e in entries] == [f"message-{message.message_id}"]  # one object for all of it
    assert entries[0].status_count == 3


def test_reconciliation_archives_a_message_that_never_settles(demo):
    message = _send(demo)
    status.apply(StatusUpdate("twilio", "SMsettle0000000000000000000000001", "sent"))
    result = reconcile.reconcile(direct=True)
    assert result.archived == 1 and not result.failed, json.dumps(result.__dict__, default=str)
    assert _fresh(message).pending_archive is None
