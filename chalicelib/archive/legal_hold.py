"""Legal holds on a thread, a customer number or an employee.

Placing a hold turns S3 legal hold ON for every archived object in its scope (a task on the work
queue does it); the archiver asks `covers` before each write (cached for `CACHE_SECONDS`), so every
future object in scope is written held. An archiver whose cache predates the hold may still write
an object unheld in those seconds: a second pass of the task, delayed past the cache's life,
holds those too. Releasing turns it
OFF again only where no other active hold still covers the object. Holds are never deleted, and
placing and releasing are audited.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Iterator
from typing import Any, Protocol

from pynamodb.exceptions import DoesNotExist

from chalicelib import audit, aws, ids
from chalicelib.auth.principal import Principal
from chalicelib.errors import BadRequest, Conflict, NotFound
from chalicelib.phone import to_e164
from chalicelib.settings import get_settings
from chalicelib.store.archive_models import ArchiveRecord, LegalHold
from chalicelib.store.models import Thread

SCOPES = ("thread", "customer", "employee")
TASK = "archive.legal_hold"
CACHE_SECONDS = 30
_cache: dict[str, Any] = {"at": None, "holds": []}


class HasScope(Protocol):
    thread_id: str | None
    customer_number: str | None
    employee_ids: tuple[str, ...]


def snapshot(hold: LegalHold) -> dict[str, Any]:
    return {
        "hold_id": hold.hold_id,
        "scope": hold.scope,
        "value": hold.value,
        "reason": hold.reason,
        "status": hold.status,
        "placed_by": hold.placed_by,
        "placed_at": hold.placed_at,
        "released_by": hold.released_by,
        "released_at": hold.released_at,
        "objects_held": int(hold.objects_held or 0),
    }


def active() -> list[LegalHold]:
    """Active holds, cached briefly: the archiver asks on every write."""
    at = _cache["at"]
    if at is None or time.monotonic() - at > CACHE_SECONDS:
        _cache["holds"] = [h for h in LegalHold.scan() if h.status == "active"]
        _cache["at"] = time.monotonic()
    return _cache["holds"]


def forget() -> None:
    _cache["at"] = None


def _matches(hold: LegalHold, thread_id: str | None, customer: str | None, employees: Iterable[str]) -> bool:
    if hold.scope == "thread":
        return hold.value == thread_id
    if hold.scope == "customer":
        return hold.value == customer
    return hold.value in set(employees)


def covers(scope: HasScope) -> bool:
    return any(_matches(h, scope.thread_id, scope.customer_number, scope.employee_ids) for h in active())


def _covers_entry(entry: ArchiveRecord, holds: list[LegalHold]) -> bool:
    employees = [entry.employee_id] if entry.employee_id else []
    return any(_matches(h, entry.thread_id, entry.customer_number, employees) for h in holds)


def normalise(scope: str, value: str) -> str:
    if scope not in SCOPES:
        raise BadRequest("scope", f"must be one of {', '.join(SCOPES)}")
    if not value or not isinstance(value, str):
        raise BadRequest("value", "is required")
    return to_e164(value, "value") if scope == "customer" else value


def scoped_records(scope: str, value: str) -> Iterator[ArchiveRecord]:
    """Every archived record of a thread, customer number or employee (from the archive's index).

    A customer's records are their threads' chains (one per business number they texted): the
    threads are found by a scan, which a hold or an export can afford, rather than by an index
    on the records that every archived message would pay a write unit for.
    """
    if scope == "thread":
        yield from ArchiveRecord.by_chain.query(value)
    elif scope == "customer":
        for thread in Thread.scan(Thread.customer_number == value):
            yield from ArchiveRecord.by_chain.query(thread.thread_id)
    else:
        yield from ArchiveRecord.by_employee.query(value)


def _set_hold(entries: Iterable[ArchiveRecord], status: str) -> int:
    s3 = aws.client("s3")
    bucket = get_settings().archive_bucket
    count = 0
    for entry in entries:
        for key, version in ((entry.key, entry.version_id), (entry.blob_key, entry.blob_version_id)):
            if not key:
                continue
            kwargs: dict[str, Any] = {"Bucket": bucket, "Key": key, "LegalHold": {"Status": status}}
            if version:
                kwargs["VersionId"] = version
            s3.put_object_legal_hold(**kwargs)
            count += 1
    return count


def place(who: Principal, scope: str, value: str, reason: str | None) -> LegalHold:
    value = normalise(scope, value)
    if any(h.scope == scope and h.value == value for h in LegalHold.scan() if h.status == "active"):
        raise Conflict(f"an active legal hold already covers {scope} {value}")
    hold = LegalHold(
        hold_id=ids.new_id("hold"),
        scope=scope,
        value=value,
        reason=reason,
        placed_by=who.employee_id,
        placed_at=ids.iso(),
    )
    hold.save()
    forget()  # future objects in scope are held from now on
    audit.record(who.employee_id, "legal_hold.placed", "legal_hold", hold.hold_id, None, snapshot(hold), who.roles)
    _queue_apply(hold.hold_id)
    return hold


# The second pass comes once no archiver can still hold a cache from before the change.
SECOND_PASS_DELAY_SECONDS = CACHE_SECONDS + 30


def _queue_apply(hold_id: str) -> None:
    """Existing objects are changed by the work queue (a scope may hold many; the API cannot write objects)."""
    sqs, url = aws.client("sqs"), aws.queue_url(get_settings().work_queue_name)
    body = json.dumps({"task": TASK, "hold_id": hold_id})
    sqs.send_message(QueueUrl=url, MessageBody=body)
    sqs.send_message(QueueUrl=url, MessageBody=body, DelaySeconds=SECOND_PASS_DELAY_SECONDS)


def apply(hold_id: str) -> int:
    """Bring the objects in a hold's scope in line with it: ON while active, OFF once released (unless held)."""
    hold = get(hold_id)
    if hold.status == "active":
        hold.update(actions=[LegalHold.objects_held.set(_set_hold(scoped_records(hold.scope, hold.value), "ON"))])
        return int(hold.objects_held)
    forget()
    others = active()
    return _set_hold((e for e in scoped_records(hold.scope, hold.value) if not _covers_entry(e, others)), "OFF")


def get(hold_id: str) -> LegalHold:
    try:
        return LegalHold.get(hold_id)
    except DoesNotExist as exc:
        raise NotFound(f"legal hold {hold_id} does not exist") from exc


def release(who: Principal, hold_id: str) -> LegalHold:
    hold = get(hold_id)
    if hold.status != "active":
        raise Conflict(f"legal hold {hold_id} is already released")
    before = snapshot(hold)
    hold.status = "released"
    hold.released_by = who.employee_id
    hold.released_at = ids.iso()
    hold.save()
    forget()
    audit.record(who.employee_id, "legal_hold.released", "legal_hold", hold_id, before, snapshot(hold), who.roles)
    _queue_apply(hold_id)
    return hold


def listing() -> list[dict[str, Any]]:
    return sorted((snapshot(h) for h in LegalHold.scan()), key=lambda h: h["placed_at"], reverse=True)
