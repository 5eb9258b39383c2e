"""Nothing is lost: a failing S3 write, a lost nudge, a dead letter and a non-WORM bucket."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager

from botocore.awsrequest import AWSResponse
from chalice.test import Client

from app import app
from chalicelib import aws
from chalicelib.archive import changes, reconcile
from chalicelib.settings import get_settings
from chalicelib.store.archive_models import ArchiveRecord
from chalicelib.store.models import Message
from devstack import pump
from tests.archive_helpers import (
    carrier_fixture,  # noqa: F401 - provides the `carrier` fixture
    objects,
    store_message,
)


@contextmanager
def s3_down() -> Iterator[None]:
    """Every PutObject answers 503, as S3 does in an outage."""

    def refuse(**_: object) -> tuple[AWSResponse, dict]:
        error = {"Error": {"Code": "ServiceUnavailable", "Message": "S3 is down"}}
        return AWSResponse("https://s3", 503, {}, None), {**error, "ResponseMetadata": {"HTTPStatusCode": 503}}

    events = aws.client("s3").meta.events
    events.register("before-call.s3.PutObject", refuse, unique_id="s3-down")
    try:
        yield
    finally:
        events.unregister("before-call.s3.PutObject", unique_id="s3-down")


def _pending(message: Message) -> bool:
    message.refresh()
    return message.pending_archive == "1" and message.archived_at is None


def _archived(message: Message) -> bool:
    message.refresh()
    return message.pending_archive is None and ArchiveRecord.count(f"message-{message.message_id}") == 1


def test_failing_s3_write_keeps_the_record_queued_and_archives_it_after_recovery(carrier):
    message = store_message("Please call me back", nudge=True)  # a reconciliation nudge, on the queue
    key = {"thread_id": message.thread_id, "message_key": message.message_key}
    body = json.dumps({"kind": "message", "key": key})
    with Client(app) as client, s3_down():
        event = client.events.generate_sqs_event(message_bodies=[body], queue_name=get_settings().archive_queue_name)
        result = client.lambda_.invoke("archive_records", event).payload
    assert len(result["batchItemFailures"]) == 1
    assert _pending(message)
    assert not objects("records/")

    # Lambda's retry comes after the visibility timeout; the test makes it instant.
    url = aws.queue_url(get_settings().archive_queue_name)
    aws.client("sqs").set_queue_attributes(QueueUrl=url, Attributes={"VisibilityTimeout": "0"})
    with s3_down():
        assert pump.drain(app) == 0  # the queued nudge fails too and stays on the queue
    assert _pending(message)
    assert (
        int(
            aws.client("sqs").get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"][
                "ApproximateNumberOfMessages"
            ]
        )
        == 1
    )

    # S3 recovers: the next delivery archives it.
    assert pump.drain(app) >= 1
    assert _archived(message)


def test_a_failed_item_fails_the_rest_of_its_chain_in_the_batch(carrier):
    first = store_message("first", nudge=False)
    second = store_message("second", nudge=False)
    bodies = [
        json.dumps({"kind": "message", "key": {"thread_id": m.thread_id, "message_key": m.message_key}})
        for m in (first, second)
    ]
    records = [
        {"messageId": f"m{n}", "body": b, "attributes": {"MessageGroupId": first.thread_id}}
        for n, b in enumerate(bodies)
    ]
    Message.get(first.thread_id, first.message_key).update(actions=[Message.body.set("first, edited")])
    with s3_down():
        from chalicelib.archive import archiver

        result = archiver.handle_batch(records)
    assert [f["itemIdentifier"] for f in result["batchItemFailures"]] == ["m0", "m1"]
    assert _pending(first) and _pending(second)


def test_reconciliation_archives_a_record_whose_stream_retries_ran_out(carrier):
    lost = store_message("S3 was down for longer than the stream retried this one")
    with s3_down():
        for _ in range(changes.RETRY_ATTEMPTS):
            assert pump.drain(app) == 0
    assert pump.drain(app) == 0  # skipped, as the event source mapping skips it after its retries
    assert _pending(lost)
    with Client(app) as client:
        result = client.lambda_.invoke("reconcile_archive", client.events.generate_cw_event("", "", {}, [])).payload
    assert result["found"] == 1 and result["nudged"] == 1
    pump.drain(app)
    assert _archived(lost)


def test_reconcile_now_archives_directly_and_reports_failures(carrier):
    lost = store_message("direct", nudge=False)
    with s3_down():
        failed = reconcile.reconcile(direct=True)
    assert failed.failed and _pending(lost)
    done = reconcile.reconcile(direct=True)
    assert done.archived == 1 and _archived(lost)
    assert reconcile.reconcile(direct=True).found == 0


def test_replay_moves_dead_letters_back_and_they_are_archived(carrier):
    message = store_message("dead-lettered", nudge=False)
    settings = get_settings()
    sqs = aws.client("sqs")
    dlq = aws.queue_url(reconcile.dead_letter_queue_name(settings.archive_queue_name))
    key = {"thread_id": message.thread_id, "message_key": message.message_key}
    sqs.send_message(
        QueueUrl=dlq,
        MessageBody=json.dumps({"kind": "message", "key": key}),
        MessageGroupId=message.thread_id,
        MessageDeduplicationId="dead-1",
    )
    assert reconcile.replay_dead_letters() == 1
    assert not sqs.receive_message(QueueUrl=dlq).get("Messages")
    pump.drain(app)
    assert _archived(message)


def test_archiver_refuses_a_bucket_that_is_not_worm(carrier, monkeypatch):
    aws.client("s3").create_bucket(Bucket="plain-bucket")
    monkeypatch.setenv("ARCHIVE_BUCKET", "plain-bucket")
    message = store_message("not into a plain bucket")
    assert pump.drain(app) == 0
    assert _pending(message)
    assert not objects("")
    with Client(app) as client:
        health = json.loads(client.http.get("/health").body)
    bucket = next(r for r in health["resources"] if r["kind"] == "bucket")
    assert bucket["name"] == "plain-bucket" and not bucket["ok"]
    assert "does not have Object Lock enabled" in bucket["detail"]
