"""The archive's Lambda handlers: the archiver on the tables' change streams and on the FIFO queue
(reconciliation's and replays' nudges), reconciliation, the daily digest, and the worker on the
work queue (eDiscovery exports, legal holds)."""

from __future__ import annotations

import json
from typing import Any

from chalice import Blueprint, Cron, Rate

from chalicelib.archive import archiver, changes, digest, export, legal_hold, reconcile
from chalicelib.observability import logger
from chalicelib.settings import get_settings

bp = Blueprint(__name__)


@bp.lambda_function(name="archive_changes")
def archive_changes(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """The messages and audit tables' streams (event source mappings in the stack, filtered to due changes)."""
    return changes.handle(event.get("Records", []))


@bp.on_sqs_message(queue=get_settings().archive_queue_name, batch_size=10)
def archive_records(event: Any) -> dict[str, Any]:
    return archiver.handle_batch([record.to_dict() for record in event])


@bp.schedule(Rate(15, unit=Rate.MINUTES), name="reconcile_archive")
def reconcile_archive(event: Any) -> dict[str, Any]:
    result = reconcile.reconcile().as_dict()
    logger.info("archive reconciliation", **result)
    return result


@bp.schedule(Cron(5, 0, "*", "*", "?", "*"), name="archive_digest")
def archive_digest(event: Any) -> dict[str, Any]:
    entry = digest.archive_digest()
    return {"key": entry.key, "sha256": entry.sha256}


# Tasks on the shared work queue, by their `task` field; other features may add theirs here.
WORK_TASKS: dict[str, Any] = {
    export.TASK: lambda body: export.run(body["export_id"]),
    legal_hold.TASK: lambda body: legal_hold.apply(body["hold_id"]),
}


@bp.on_sqs_message(queue=get_settings().work_queue_name, batch_size=1)
def work(event: Any) -> dict[str, Any]:
    failures = []
    for record in event:
        body = json.loads(record.body)
        task = WORK_TASKS.get(body.get("task"))
        try:
            if task is None:
                raise ValueError(f"no handler for work task {body.get('task')!r}")
            task(body)
        except Exception as exc:  # noqa: BLE001 - retried, then dead-lettered
            logger.warning("work task failed", task=body.get("task"), error=f"{type(exc).__name__}: {exc}")
            failures.append({"itemIdentifier": record.to_dict()["messageId"]})
    return {"batchItemFailures": failures}
