"""Nudge the archiver, through the FIFO archive queue, about a record stored but not yet archived.

New records reach the archiver through their table's stream (`archive.changes`); this queue
carries what reconciliation and DLQ replays find still pending. The record itself carries
`pending_archive` until S3 confirms the write, so a lost nudge is never a lost record: the next
reconciliation finds it again through the sparse index. A failed send is logged and counted.
"""

from __future__ import annotations

import json
from typing import Any

from chalicelib import aws
from chalicelib.observability import logger, metrics
from chalicelib.settings import get_settings


def nudge(kind: str, key: dict[str, Any], group: str, dedup: str) -> bool:
    """Queue `(kind, key)` for archiving; FIFO per `group` keeps each hash chain in order."""
    settings = get_settings()
    try:
        url = settings.archive_queue_url or aws.queue_url(settings.archive_queue_name)
        aws.client("sqs").send_message(
            QueueUrl=url,
            MessageBody=json.dumps({"kind": kind, "key": key}, sort_keys=True),
            MessageGroupId=group,
            MessageDeduplicationId=dedup[:128],
        )
        return True
    except Exception as exc:  # noqa: BLE001 - reconciliation picks the record up later
        logger.warning("archive nudge failed; reconciliation will archive it", kind=kind, error=type(exc).__name__)
        metrics.add_metric(name="ArchiveNudgeFailed", unit="Count", value=1)
        return False
