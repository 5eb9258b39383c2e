"""Locally, nothing delivers queue messages and table changes to Lambda: this loop does, as the
event source mappings would (the SQS consumers; the archive's stream consumer, filtered the same way)."""

from __future__ import annotations

import threading
import time
from typing import Any

from chalice.app import SQSEventConfig

from chalicelib import aws
from chalicelib.archive import changes
from chalicelib.observability import logger
from chalicelib.settings import get_settings
from devstack.emulator import _Context

STREAM_HANDLER = "archive_changes"

# Where each stream shard was read up to (its next shard iterator), and a failed batch to retry.
_positions: dict[str, str] = {}
_retries: dict[str, tuple[list[dict[str, Any]], int]] = {}


def _sqs_sources(app: Any) -> list[SQSEventConfig]:
    return [s for s in app.event_sources if isinstance(s, SQSEventConfig)]


def drain(app: Any, max_rounds: int = 50) -> int:
    """Deliver every queued message and due table change to its handler until none is left; returns how many."""
    delivered = 0
    sqs = aws.client("sqs")
    for _ in range(max_rounds):
        moved = _drain_streams(app)
        delivered += moved
        for source in _sqs_sources(app):
            url = aws.queue_url(source.queue)
            got = sqs.receive_message(
                QueueUrl=url, MaxNumberOfMessages=min(source.batch_size, 10), AttributeNames=["All"]
            )
            messages = got.get("Messages", [])
            if not messages:
                continue
            event = {
                "Records": [
                    {
                        "messageId": m["MessageId"],
                        "receiptHandle": m["ReceiptHandle"],
                        "body": m["Body"],
                        "attributes": m.get("Attributes", {}),
                        "messageAttributes": {},
                        "eventSource": "aws:sqs",
                        "eventSourceARN": f"arn:aws:sqs:us-east-1:123456789012:{source.queue}",
                    }
                    for m in messages
                ]
            }
            try:
                result = app.handler_map[source.handler_string.split(".")[-1]](event, _Context())
            except Exception:  # noqa: BLE001 - like Lambda: the batch returns to the queue
                logger.exception("handler failed; messages return to the queue", queue=source.queue)
                continue
            failed = {f["itemIdentifier"] for f in (result or {}).get("batchItemFailures", [])}
            for m in messages:
                if m["MessageId"] not in failed:
                    sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
                    delivered += 1
                    moved += 1
        if not moved:
            break
    return delivered


def _streams_client() -> Any:
    """DynamoDB Streams at the emulator (in-process, botocore's account endpoint is not emulated)."""
    settings = get_settings()
    return aws.client(
        "dynamodbstreams", settings.endpoint_url or f"https://streams.dynamodb.{settings.region}.amazonaws.com"
    )


def _drain_streams(app: Any) -> int:
    """Read every archive trigger table's stream on from where it was left; hand the due changes over."""
    handler = app.handler_map.get(STREAM_HANDLER)
    if handler is None:
        return 0
    streams = _streams_client()
    delivered = 0
    for _, model, _ in changes.TRIGGERS.values():
        arn = aws.client("dynamodb").describe_table(TableName=model.physical_name())["Table"].get("LatestStreamArn")
        if not arn:
            continue
        for shard in streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]:
            position = f"{arn}|{shard['ShardId']}"
            pending, tries = _retries.pop(position, ([], 0))
            iterator = (
                _positions.get(position)
                or streams.get_shard_iterator(
                    StreamArn=arn, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON"
                )["ShardIterator"]
            )
            while iterator:
                got = streams.get_records(ShardIterator=iterator, Limit=100)
                iterator = got.get("NextShardIterator")
                if iterator:
                    _positions[position] = iterator
                if not got["Records"]:
                    break
                found = [{**r, "eventSource": "aws:dynamodb", "eventSourceARN": arn} for r in got["Records"]]
                pending += [r for r in found if changes.due(r)]  # the mapping's event filters
            delivered += _deliver(handler, position, pending, tries)
    return delivered


def _deliver(handler: Any, position: str, records: list[dict[str, Any]], tries: int) -> int:
    """Hand `records` over in batches; a failed one is retried from where it failed on the next drain."""
    delivered = 0
    while records:
        batch, records = records[: changes.BATCH_SIZE], records[changes.BATCH_SIZE :]
        try:
            failures = handler({"Records": batch}, _Context()).get("batchItemFailures", [])
        except Exception:  # noqa: BLE001 - like Lambda: the whole batch is retried
            logger.exception("stream handler failed; its batch is retried", handler=STREAM_HANDLER)
            failures = [{"itemIdentifier": batch[0]["dynamodb"]["SequenceNumber"]}]
        if not failures:
            delivered += len(batch)
            continue
        failed = failures[0]["itemIdentifier"]
        at = next(n for n, r in enumerate(batch) if r["dynamodb"]["SequenceNumber"] == failed)
        delivered += at
        if tries + 1 < changes.RETRY_ATTEMPTS:
            _retries[position] = (batch[at:] + records, tries + 1)
        else:
            logger.warning("stream changes skipped after retries; reconciliation archives them", handler=STREAM_HANDLER)
        break
    return delivered


def start(app: Any, interval: float = 0.5) -> threading.Thread:
    def loop() -> None:
        while True:
            try:
                drain(app)
            except Exception:  # noqa: BLE001 - keep the local stack running
                logger.exception("queue pump failed")
            time.sleep(interval)

    thread = threading.Thread(target=loop, name="sqs-pump", daemon=True)
    thread.start()
    return thread
