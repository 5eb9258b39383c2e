"""Locally, nothing delivers SQS messages to Lambda: this loop does, as the event source mapping would."""

from __future__ import annotations

import threading
import time
from typing import Any

from chalice.app import SQSEventConfig

from chalicelib import aws
from chalicelib.observability import logger
from devstack.emulator import _Context


def _sqs_sources(app: Any) -> list[SQSEventConfig]:
    return [s for s in app.event_sources if isinstance(s, SQSEventConfig)]


def drain(app: Any, max_rounds: int = 50) -> int:
    """Deliver every queued message to its handler until the queues are empty; returns how many."""
    delivered = 0
    sqs = aws.client("sqs")
    for _ in range(max_rounds):
        moved = 0
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
