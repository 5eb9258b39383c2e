"""Append one record to its hash chain: write the locked object, then move the chain head.

A record counts as archived only once S3 has confirmed its object: the index entry and the chain
head are written after `put_locked` returns, in one DynamoDB transaction whose conditions make a
second writer (or a redelivered message) fail instead of forking the chain. The same record id is
never appended twice.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from pynamodb.exceptions import DoesNotExist, TransactWriteError

from chalicelib import ids
from chalicelib.archive import legal_hold, objects, records
from chalicelib.errors import Conflict
from chalicelib.health import worm_problems
from chalicelib.settings import ConfigurationError, get_settings
from chalicelib.store.archive_models import ArchiveChain, ArchiveRecord
from chalicelib.store.base import transaction

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
    _commit(entry, current, archived_at)
    return entry


def _commit(entry: ArchiveRecord, current: ArchiveChain | None, at: str) -> None:
    moved = ArchiveChain(
        chain_id=entry.chain_id, seq=entry.seq, head_sha256=entry.sha256, head_record_id=entry.record_id, updated_at=at
    )
    try:
        with transaction() as tx:
            tx.save(entry, condition=ArchiveRecord.record_id.does_not_exist())
            if current is None:
                tx.save(moved, condition=ArchiveChain.chain_id.does_not_exist())
            else:
                tx.save(moved, condition=ArchiveChain.seq == current.seq)
    except TransactWriteError as exc:
        raise Conflict(f"chain {entry.chain_id} moved while {entry.record_id} was archived; retry") from exc


def chain_records(chain_id: str) -> list[ArchiveRecord]:
    return list(ArchiveRecord.by_chain.query(chain_id))


def links(entries: list[ArchiveRecord]) -> list[records.Link]:
    return [records.Link(int(e.seq), e.record_id, e.sha256, e.prev_sha256) for e in entries]
