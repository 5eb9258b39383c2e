"""The archive's Lambda handlers: the archiver on the FIFO queue, reconciliation, the daily digest,
and the worker on the work queue (eDiscovery exports)."""

from __future__ import annotations

from typing import Any

from chalice import Blueprint, Cron, Rate

from chalicelib.archive import archiver, digest, reconcile
from chalicelib.observability import logger
from chalicelib.settings import get_settings

bp = Blueprint(__name__)


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
