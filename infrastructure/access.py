"""Which AWS resources each Chalice function may touch: least privilege, per function.

Every function of the app gets its own IAM role. What goes into it is decided here, from what
the function is (the API, the authorizer, a queue consumer, a schedule, a workflow task), and
can be widened for one function by name in `EXTRA`. A helper adding a function that needs
more than its kind gives it adds one line to `EXTRA`; nothing else changes.

Capabilities (the stack turns each into explicit IAM statements, never wildcard actions):
- `tables`, `tables:read`: every Keepline table and its indexes (plus the data key)
- `send:<queue>`, `consume:<queue>`: one of the queues `archive`, `unassigned`, `work`
- `stream:<table>`: read a table's change stream (its event source mapping polls it)
- `archive:write`, `archive:read`: objects in the archive bucket (plus the archive key)
- `archive:hold`: place and release legal holds on archive objects
- `secret`: read the carrier credentials secret
- `states`: start and describe the Keepline state machines
- `health`: read the bucket's Object Lock, versioning and public access settings, describe the
  state machines (what `/health` checks)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from chalicelib.archive.changes import TRIGGERS
from chalicelib.settings import Settings

QUEUES = ("archive", "unassigned", "work")

# The API serves webhooks (carrier secret), queues unassigned messages and background work, starts
# offboardings, reads the archive for compliance (search, verify, export downloads), places legal
# holds, and answers /health. It sends nothing to the archive queue: the tables' streams do that work.
_API = frozenset(
    {"tables", "send:unassigned", "send:work", "secret", "states"} | {"archive:read", "archive:hold", "health"}
)
_AUTHORIZER = frozenset({"tables:read"})  # resolves the token's subject to an active employee
_SCHEDULE = frozenset({"tables", "send:archive"})  # reconciliation nudges what is still pending
# Workflow tasks move threads and numbers, text customers through the carriers, write reports.
_TASK = frozenset({"tables", "send:unassigned", "archive:write", "archive:read", "secret"})
_CONSUMER = {
    "archive": frozenset({"tables", "consume:archive", "archive:write", "archive:read"}),
    "unassigned": frozenset({"tables", "consume:unassigned"}),
    "work": frozenset({"tables", "consume:work", "archive:read", "archive:write"}),
}

# Change-stream consumers: function name -> the tables (logical names) whose streams it reads.
# Its tables and their event filters are the domain's (`chalicelib.archive.changes.TRIGGERS`).
STREAM_CONSUMERS: dict[str, tuple[str, ...]] = {"archive_changes": tuple(TRIGGERS)}
_STREAM = frozenset({"tables", "archive:write", "archive:read", "health"})

# Function name -> capabilities beyond what its kind gives it.
EXTRA: dict[str, frozenset[str]] = {
    # The archive's writers check the bucket is WORM before writing ("health": bucket configuration reads).
    "archive_digest": frozenset({"archive:write", "archive:read", "health"}),  # writes the daily digest object
    "archive_records": frozenset({"health"}),
    "work": frozenset({"health"}),  # eDiscovery bundles into exports/
    "offboarding_notify_customers": frozenset({"archive:read"}),  # reads the snapshot manifest back
}


@dataclass(frozen=True)
class Function:
    """One Lambda function of the Chalice app, as `chalice package` names it."""

    name: str
    kind: str  # api | authorizer | queue | stream | schedule | task
    queue: str | None = None  # the logical queue a consumer reads (archive, unassigned, work)
    streams: tuple[str, ...] = ()  # the tables whose change streams a stream consumer reads

    @property
    def needs(self) -> frozenset[str]:
        if self.kind == "queue":
            base = _CONSUMER[self.queue or ""]
        elif self.kind == "stream":
            base = _STREAM | {f"stream:{table}" for table in self.streams}
        else:
            base = {"api": _API, "authorizer": _AUTHORIZER, "schedule": _SCHEDULE}.get(self.kind, _TASK)
        return base | EXTRA.get(self.name, frozenset())


def queue_names(settings: Settings) -> dict[str, str]:
    """Logical queue -> the physical name the app's `on_sqs_message(queue=...)` decorators use."""
    return {
        "archive": settings.archive_queue_name,
        "unassigned": settings.unassigned_queue_name,
        "work": settings.work_queue_name,
    }


def functions(app: Any, settings: Settings) -> list[Function]:
    """Every Lambda function `chalice package` makes of `app`, with its kind.

    An SQS consumer must listen on one of Keepline's queues by name; anything else would be an
    event source mapping to a queue this stack does not create, so it is refused here, at synth.
    """
    by_name = {physical: logical for logical, physical in queue_names(settings).items()}
    found: list[Function] = []
    if app.routes:
        found.append(Function("api_handler", "api"))
    found.extend(Function(auth.name, "authorizer") for auth in app.builtin_auth_handlers)
    for source in app.event_sources:
        kind = type(source).__name__
        if kind == "SQSEventConfig":
            if source.queue not in by_name:
                raise ValueError(
                    f"{source.name} consumes queue {source.queue or source.queue_arn!r}; Keepline's queues are "
                    f"{sorted(by_name)} (use on_sqs_message(queue=get_settings().<queue>_name))"
                )
            found.append(Function(source.name, "queue", by_name[source.queue]))
        elif kind in ("ScheduledEventConfig", "CloudWatchEventConfig"):
            found.append(Function(source.name, "schedule"))
        else:
            raise ValueError(f"{source.name}: event source {kind} is not provisioned by the Keepline stack")
    for fn in app.pure_lambda_functions:
        if fn.name in STREAM_CONSUMERS:
            found.append(Function(fn.name, "stream", streams=STREAM_CONSUMERS[fn.name]))
        else:
            found.append(Function(fn.name, "task"))
    return found
