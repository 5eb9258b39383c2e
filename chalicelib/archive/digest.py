"""The daily digest: the head of every chain, itself archived in the `digests` chain.

Anyone holding a digest can show later that no chain was rewritten behind it: each chain's
record at the digest's `seq` must still have the digest's hash.
"""

from __future__ import annotations

from typing import Any

from chalicelib import ids
from chalicelib.archive import chain, records
from chalicelib.store.archive_models import ArchiveChain, ArchiveRecord


def heads() -> list[dict[str, Any]]:
    found = [
        {"chain": c.chain_id, "seq": int(c.seq), "head_sha256": c.head_sha256}
        for c in ArchiveChain.scan()
        if c.chain_id != records.DIGESTS_CHAIN
    ]
    return sorted(found, key=lambda c: c["chain"])


def archive_digest(day: str | None = None) -> ArchiveRecord:
    """Archive the digest of `day` (default today, UTC) at `digests/<YYYY-MM-DD>.json`; once per day."""
    at = ids.iso()
    day = day or at[:10]
    chains = heads()
    data = {"date": day, "chains": chains, "records": sum(c["seq"] for c in chains)}
    occurred = at if at.startswith(day) else f"{day}T23:59:59.999999Z"
    return chain.append(records.DIGESTS_CHAIN, f"digest-{day}", "digest", occurred, data, chain.Scope())
