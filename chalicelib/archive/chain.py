"""Append one record to its hash chain: write the locked object, move the chain head, index it.

A record counts as archived only once S3 has confirmed its object. Then two plain conditional
writes follow (a transaction would bill both twice): the chain head moves only from the seq the
record was built on, so a second writer fails instead of forking the chain, and the head keeps a
copy of the record's index entry; then the entry itself is written, keyed by record id, so the
same record is never appended twice. Should the entry's write be lost after the head moved, the
retry finds the record at the head and writes the entry from the head's copy.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from pynamodb.exceptions import DoesNotExist, PutError

from chalicelib import ids
from chalicelib.archive import legal_hold, objects, records
from chalicelib.errors import Conflict
from chalicelib.health import worm_problems
from chalicelib.settings import ConfigurationError, get_settings
from chalicelib.store.archive_models import ArchiveChain, ArchiveRecord
from chalicelib.store.base import refused_by_condition

WORM_CHECK_SECONDS = 300
_worm_checked: dict[str, float] = {}


@dataclass(frozen=True)
class Scope:
    """Who and what a record concerns: legal holds and exports select by these."""

    thread_id: str | None = None
    customer_number: str | None = None
    employee_ids: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {
            "thread_id": self.thread_id,
            "customer_number": self.customer_number,
            "employee_ids": list(self.employee_ids),
        }


@dataclass
class Blob:
    """A file archived beside its record (a media file, a document): its own locked object."""

    key: str
    body: bytes
    content_type: str
    sha256: str = field(init=False)

    def __post_init__(self) -> None:
        self.sha256 = records.sha256_hex(self.body)


def require_worm() -> None:
    """Refuse to archive into a bucket that is not WORM; the check is cached for a few minutes."""
    bucket = get_settings().archive_bucket
    checked = _worm_checked.get(bucket)
    if checked is not None and time.monotonic() - checked < WORM_CHECK_SECONDS:
        return
    problems = worm_problems(bucket)
    if problems:
        raise ConfigurationError("refusing to archive: " + "; ".join(problems))
    _worm_checked[bucket] = time.monotonic()


def forget_worm_check() -> None:
    _worm_checked.clear()


def find(record_id: str) -> ArchiveRecord | None:
    try:
        return ArchiveRecord.get(record_id, consistent_read=True)
    except DoesNotExist:
        return None


def head(chain_id: str) -> ArchiveChain | None:
    try:
        return ArchiveChain.get(chain_id, consistent_read=True)
    except DoesNotExist:
        return None


def append(
    chain_id: str,
    record_id: str,
    record_type: str,
    occurred_at: str,
    data: dict[str, Any],
    scope: Scope,
    blob: Blob | None = None,
    key: str | None = None,
    status_count: int | None = None,
) -> ArchiveRecord:
    """Archive one record at the end of its chain (once: an archived record id is returned as it is)."""
    existing = find(record_id)
    if existing is not None:
        return existing
    require_worm()
    current = head(chain_id)
    if current is not None and current.head_record_id == record_id and current.entry:
        return _index(_entry_of(current))  # the head moved, but its index entry was lost
    seq = (current.seq if current else 0) + 1
    prev = current.head_sha256 if current else records.GENESIS
    archived_at = ids.iso()
    held = legal_hold.covers(scope)
    if blob is not None:
        blob_version = objects.put_locked(blob.key, blob.body, blob.content_type, legal_hold=held)
        data = {**data, "object_key": blob.key, "object_sha256": blob.sha256, "size": len(blob.body)}
    record = {
        "record_id": record_id,
        "type": record_type,
        "chain": chain_id,
        "seq": seq,
        "prev_sha256": prev,
        "occurred_at": occurred_at,
        "archived_at": archived_at,
        "scope": scope.as_dict(),
        "data": data,
    }
    digest, body = records.seal(record)
    key = key or records.object_key(chain_id, seq, record_id, occurred_at)
    version = objects.put_locked(key, body, legal_hold=held)
    entry = ArchiveRecord(
        record_id=record_id,
        record_type=record_type,
        chain_id=chain_id,
        seq=seq,
        sha256=digest,
        prev_sha256=prev,
        key=key,
        version_id=version or None,
        occurred_at=occurred_at,
        archived_at=archived_at,
        thread_id=scope.thread_id,
        message_id=data.get("message_id"),
        customer_number=scope.customer_number,
        employee_id=scope.employee_ids[0] if scope.employee_ids else None,
        blob_key=blob.key if blob else None,
        blob_version_id=(blob_version or None) if blob else None,
        blob_sha256=blob.sha256 if blob else None,
        status_count=status_count,
    )
    _move_head(entry, current, archived_at)
    return _index(entry)


def _move_head(entry: ArchiveRecord, current: ArchiveChain | None, at: str) -> None:
    moved = ArchiveChain(
        chain_id=entry.chain_id,
        seq=entry.seq,
        head_sha256=entry.sha256,
        head_record_id=entry.record_id,
        updated_at=at,
        entry={k: v for k, v in entry.to_simple_dict().items() if k not in _ON_THE_HEAD},
    )
    try:
        if current is None:
            moved.save(condition=ArchiveChain.chain_id.does_not_exist())
        else:
            moved.save(condition=ArchiveChain.seq == current.seq)
    except PutError as exc:
        if not refused_by_condition(exc):
            raise
        raise Conflict(f"chain {entry.chain_id} moved while {entry.record_id} was archived; retry") from exc


# The head holds these itself; the rest of the entry is kept compact to stay within one write unit.
_ON_THE_HEAD = {"record_id", "chain_id", "seq", "sha256"}


def _entry_of(current: ArchiveChain) -> ArchiveRecord:
    return ArchiveRecord(
        **current.entry,
        record_id=current.head_record_id,
        chain_id=current.chain_id,
        seq=current.seq,
        sha256=current.head_sha256,
    )


def _index(entry: ArchiveRecord) -> ArchiveRecord:
    try:
        entry.save(condition=ArchiveRecord.record_id.does_not_exist())
    except PutError as exc:  # indexed meanwhile: the chain head says it is this very record
        if not refused_by_condition(exc):
            raise
    return entry


def chain_records(chain_id: str) -> list[ArchiveRecord]:
    return list(ArchiveRecord.by_chain.query(chain_id))


def links(entries: list[ArchiveRecord]) -> list[records.Link]:
    return [records.Link(int(e.seq), e.record_id, e.sha256, e.prev_sha256) for e in entries]
