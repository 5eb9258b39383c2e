"""The archived record format: canonical JSON, its SHA-256, and the hash chain that links records.

A record is a JSON object with sorted keys and no insignificant whitespace. Its `sha256` is the
hash of the canonical form of every other field, which includes `prev_sha256`: the hash of the
record before it in the same chain (a thread, `audit`, `documents`, `digests`). Changing,
removing or reordering any record breaks every link after it.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

GENESIS = "0" * 64
AUDIT_CHAIN = "audit"
DOCUMENTS_CHAIN = "documents"
DIGESTS_CHAIN = "digests"
_FLAT_CHAINS = (AUDIT_CHAIN, DOCUMENTS_CHAIN)


def canonical(value: Any) -> bytes:
    """One byte string per value: sorted keys, compact separators, UTF-8, sets as sorted lists."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=_plain).encode()


def _plain(value: Any) -> Any:
    if isinstance(value, set | frozenset):
        return sorted(value)
    if hasattr(value, "as_dict"):
        return value.as_dict()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def seal(record: dict[str, Any]) -> tuple[str, bytes]:
    """The record's hash and the bytes to archive (the record with its `sha256`)."""
    digest = sha256_hex(canonical(record))
    return digest, canonical({**record, "sha256": digest})


def unseal(body: bytes) -> tuple[dict[str, Any], bool]:
    """The record in `body` and whether its `sha256` matches its content."""
    record = json.loads(body)
    claimed = record.pop("sha256", None)
    return record, claimed == sha256_hex(canonical(record))


def object_key(chain_id: str, seq: int, record_id: str, occurred_at: str) -> str:
    """Keys a person can browse: by chain, then by the day the record happened."""
    day = occurred_at[:10].replace("-", "/")
    if chain_id == DIGESTS_CHAIN:
        return f"digests/{occurred_at[:10]}.json"
    folder = f"records/{chain_id}" if chain_id in _FLAT_CHAINS else f"records/threads/{chain_id}"
    return f"{folder}/{day}/{seq:012d}-{record_id}.json"


@dataclass(frozen=True)
class Link:
    """One record's place in its chain."""

    seq: int
    record_id: str
    sha256: str
    prev_sha256: str


def chain_problems(chain_id: str, links: list[Link]) -> list[str]:
    """Every break in one chain, naming the record: gaps, duplicates, and links that do not match."""
    problems: list[str] = []
    previous: Link | None = None
    for link in sorted(links, key=lambda x: x.seq):
        expected_seq = 1 if previous is None else previous.seq + 1
        if link.seq != expected_seq:
            what = "is repeated" if previous and link.seq == previous.seq else f"follows seq {expected_seq - 1}"
            problems.append(f"chain {chain_id}: record {link.record_id} at seq {link.seq} {what}")
        expected_prev = GENESIS if previous is None else previous.sha256
        if link.prev_sha256 != expected_prev:
            problems.append(
                f"chain {chain_id}: record {link.record_id} at seq {link.seq} does not link to the record before it"
            )
        previous = link
    return problems
