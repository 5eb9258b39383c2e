"""The archive's trigger: the change streams of the messages and audit tables.

A write that leaves a record due for archiving reaches the archiver through its table's
DynamoDB stream, in the write's own order per thread: no queue message to send (and pay for)
beside the write, and no write that can succeed while its nudge is lost. "Due" is written once,
as Lambda event-filter patterns: the stack puts them on the event source mappings, so AWS
neither invokes nor bills the archiver for other changes (a status on its way, the archiver's
own bookkeeping), and `due` applies them here for the local stack's stream pump.

A record the archiver cannot archive stays `pending_archive`; after the mapping's retries the
scheduled reconciliation archives it (through the archive queue), so nothing waits for a stream.
"""

from __future__ import annotations

from typing import Any

from chalicelib.archive import archiver
from chalicelib.messaging.status import RANK, settled
from chalicelib.observability import logger, metrics
from chalicelib.store.models import AuditEvent, Message

# How the event source mappings (and the local pump standing in for them) deliver: changes per
# invocation, and retries of a failed change before it is skipped (it stays pending).
BATCH_SIZE = 10
RETRY_ATTEMPTS = 5

PENDING = {"pending_archive": {"S": ["1"]}}
SETTLED = sorted(status for status in RANK if settled(status))

# Per table (logical name): (archive kind, its model, the patterns of a change that is due).
TRIGGERS: dict[str, tuple[str, type, list[dict[str, Any]]]] = {
    "messages": (
        "message",
        Message,
        [
            # Inbound texts, calls and voicemail: at once.
            {"dynamodb": {"NewImage": {**PENDING, "direction": {"S": [{"anything-but": ["outbound"]}]}}}},
            # An outbound text once it has settled, so its statuses travel in one object.
            {"dynamodb": {"NewImage": {**PENDING, "status": {"S": SETTLED}}}},
        ],
    ),
    "audit": ("audit", AuditEvent, [{"dynamodb": {"NewImage": PENDING}}]),
}


def _matches(pattern: Any, value: Any) -> bool:
    """Lambda's event-filter semantics, for the rules used above: nested objects, literal lists, anything-but."""
    if isinstance(pattern, dict):
        return isinstance(value, dict) and all(_matches(p, value.get(k)) for k, p in pattern.items())
    for rule in pattern:
        if isinstance(rule, dict) and "anything-but" in rule:
            if value is not None and value not in rule["anything-but"]:
                return True
        elif value == rule:
            return True
    return False


def table_of(event_source_arn: str) -> str | None:
    """The logical table a stream record comes from (its ARN names the physical table)."""
    physical = event_source_arn.split(":table/", 1)[-1].split("/", 1)[0]
    for table, (_, model, _) in TRIGGERS.items():
        if model.physical_name() == physical:
            return table
    return None


def due_kind(record: dict[str, Any]) -> str | None:
    """The archive kind of a stream change that is due; None for any other change."""
    table = table_of(record.get("eventSourceARN", ""))
    if table is None:
        return None
    kind, _, patterns = TRIGGERS[table]
    return kind if any(_matches(p, record) for p in patterns) else None


def due(record: dict[str, Any]) -> bool:
    return due_kind(record) is not None


def handle(records: list[dict[str, Any]]) -> dict[str, Any]:
    """Archive the due changes of one stream batch, in order; report the first failure so the rest retry after it."""
    for record in records:
        kind = due_kind(record)
        if kind is None:
            continue
        keys = record["dynamodb"]["Keys"]
        key = {name: value["S"] for name, value in keys.items()}
        try:
            archiver.archive(kind, key)
        except Exception as exc:  # noqa: BLE001 - retried from here; the record stays pending for reconciliation
            logger.warning("archiving failed; will retry", kind=kind, error=f"{type(exc).__name__}: {exc}")
            metrics.add_metric(name="ArchiveFailed", unit="Count", value=1)
            return {"batchItemFailures": [{"itemIdentifier": record["dynamodb"]["SequenceNumber"]}]}
    return {"batchItemFailures": []}
