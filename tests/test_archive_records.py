"""Every record type lands in the archive, locked, hashed and chained; failures lose nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from app import app
from chalicelib import audit, aws
from chalicelib.archive import digest, documents, records
from chalicelib.settings import get_settings
from chalicelib.store.archive_models import ArchiveChain, ArchiveRecord
from chalicelib.store.models import AuditEvent, Message
from devstack import pump
from tests.archive_helpers import (
    add_status,
    carrier_fixture,  # noqa: F401 - provides the `carrier` fixture
    objects,
    read,
    store_message,
    thread_of,
)


def _chain(chain_id: str) -> list[dict]:
    found = [read(e.key) for e in ArchiveRecord.by_chain.query(chain_id)]
    return sorted(found, key=lambda r: r["seq"])


def _assert_chained(chain_records: list[dict]) -> None:
    prev = records.GENESIS
    for n, record in enumerate(chain_records, 1):
        assert record["seq"] == n
        assert record["prev_sha256"] == prev
        body = dict(record)
        claimed = body.pop("sha256")
        assert claimed == records.sha256_hex(records.canonical(body))
        prev = claimed


def test_every_record_type_is_archived_locked_and_chained(carrier):
    sms = store_message("Is my order ready?")
    mms = store_message(
        "Here is a photo", kind="mms", media_urls=("https://media.example/1", "https://media.example/2")
    )
    # Archived before it settled (as reconciliation does with a text whose delivery report is late).
    out = store_message(
        "Yes, ready at 3pm", direction="outbound", sender="emma", statuses=("queued", "sent"), nudge=True
    )
    call = store_message(None, kind="call")
    voicemail = store_message(None, kind="voicemail", media_urls=("https://media.example/vm",))
    audit.record("ada", "number.assigned", "number", "+14155550101", None, {"assignee": "employee#emma"})
    documents.put("offboarding", "run_1-report.json", {"employee_id": "emma", "threads": 3}, employee_id="emma")
    pump.drain(app)
    add_status(out, "delivered")
    pump.drain(app)
    digest.archive_digest()

    thread = _chain(thread_of())
    types = [r["type"] for r in thread]
    assert types.count("message") == 3
    assert types.count("call") == 1 and types.count("voicemail") == 1
    assert types.count("media") == 3
    # Status changes known when the message is archived travel inside it; later ones follow in one record.
    outbound = next(r for r in thread if r["record_id"] == f"message-{out.message_id}")
    assert [c["status"] for c in outbound["data"]["status_history"]] == ["queued", "sent"]
    later = [r for r in thread if r["type"] == "status"]
    assert [r["record_id"] for r in later] == [f"status-{out.message_id}-2"]
    assert [c["status"] for c in later[0]["data"]["changes"]] == ["delivered"]
    _assert_chained(thread)
    assert thread[0]["record_id"] == f"message-{sms.message_id}"
    _assert_chained(_chain(records.AUDIT_CHAIN))
    assert _chain(records.AUDIT_CHAIN)[0]["data"]["action"] == "number.assigned"
    doc = _chain(records.DOCUMENTS_CHAIN)[0]
    assert doc["data"]["object_key"].startswith("documents/offboarding/")
    digest_record = _chain(records.DIGESTS_CHAIN)[0]
    heads = {c["chain"]: c for c in digest_record["data"]["chains"]}
    assert heads[thread_of()]["seq"] == len(thread)
    assert heads[thread_of()]["head_sha256"] == thread[-1]["sha256"]

    # Browsable keys, every object under COMPLIANCE retention of (about) seven years.
    stored = objects()
    day = sms.created_at[:10].replace("-", "/")
    assert f"records/threads/{thread_of()}/{day}/000000000001-message-{sms.message_id}.json" in stored
    assert f"media/{thread_of()}/{mms.message_id}/0" in stored and f"media/{thread_of()}/{mms.message_id}/1" in stored
    assert f"media/{thread_of()}/{voicemail.message_id}/0" in stored
    assert f"digests/{digest_record['data']['date']}.json" in stored
    assert any(k.startswith(f"records/audit/{day}/000000000001-audit-") for k in stored)
    soon = datetime.now(UTC) + timedelta(days=get_settings().archive_retention_days - 1)
    for key, head in stored.items():
        assert head["ObjectLockMode"] == "COMPLIANCE", key
        assert head["ObjectLockRetainUntilDate"] > soon, key
    media = next(r for r in thread if r["record_id"] == f"media-{mms.message_id}-0")
    body = aws.client("s3").get_object(Bucket=get_settings().archive_bucket, Key=media["data"]["object_key"])
    assert records.sha256_hex(body["Body"].read()) == media["data"]["object_sha256"]
    assert carrier.fetched == ["https://media.example/1", "https://media.example/2", "https://media.example/vm"]

    # Counted as archived only now: pending cleared, archived_at set, statuses counted, media pointed at.
    for message in (sms, mms, out, call, voicemail):
        message.refresh()
        assert message.pending_archive is None and message.archived_at
    assert out.archived_status_count == 3
    assert mms.media[1].archive_key == f"media/{thread_of()}/{mms.message_id}/1"
    assert not list(AuditEvent.pending.query("1"))
    assert ArchiveChain.get(thread_of()).seq == len(thread)


def test_duplicates_are_archived_once(carrier):
    message = store_message("Hello twice")
    from tests.archive_helpers import nudge_message

    nudge_message(message)
    nudge_message(message)
    pump.drain(app)
    nudge_message(message)  # a late redelivery after it was archived
    Message.get(message.thread_id, message.message_key).update(actions=[Message.pending_archive.set("1")])
    from chalicelib.archive import archiver

    archiver.archive_message(message.thread_id, message.message_key)  # even when re-archived directly
    thread = _chain(thread_of())
    assert [r["record_id"] for r in thread] == [f"message-{message.message_id}"]
    assert ArchiveChain.get(thread_of()).seq == 1
    assert len([k for k in objects("records/") if message.message_id in k]) == 1


def test_an_index_entry_lost_after_the_head_moved_is_rebuilt_from_the_head(carrier, monkeypatch):
    """The head and the index entry are two writes; a crash between them loses nothing and forks nothing."""
    message = store_message("Is the invoice ready?")
    real_save = ArchiveRecord.save

    def crash(self, *args, **kwargs):
        raise RuntimeError("the Lambda timed out after the chain head moved")

    monkeypatch.setattr(ArchiveRecord, "save", crash)
    pump.drain(app)
    message.refresh()
    assert message.pending_archive == "1"  # not counted as archived: the queue message is retried
    assert ArchiveChain.get(thread_of()).head_record_id == f"message-{message.message_id}"

    monkeypatch.setattr(ArchiveRecord, "save", real_save)
    from chalicelib.archive import reconcile

    assert reconcile.reconcile(direct=True).archived >= 1  # the retry (the queued one is still invisible)

    thread = _chain(thread_of())
    assert [r["record_id"] for r in thread] == [f"message-{message.message_id}"]  # no second copy
    _assert_chained(thread)
    entry = ArchiveRecord.get(f"message-{message.message_id}")
    assert entry.sha256 == thread[0]["sha256"] and entry.seq == ArchiveChain.get(thread_of()).seq == 1
    message.refresh()
    assert message.pending_archive is None and message.archived_at
    assert len([k for k in objects("records/") if message.message_id in k]) == 1
