"""Text search over message bodies, for compliance (every search is audited)."""

from __future__ import annotations

from typing import Any

from chalicelib import audit
from chalicelib.auth.principal import Principal
from chalicelib.errors import BadRequest
from chalicelib.store.models import Message

MAX_HITS = 200


def search(who: Principal, q: str | None, limit: int = MAX_HITS) -> dict[str, Any]:
    if not q or len(q.strip()) < 2:
        raise BadRequest("q", "needs at least two characters")
    needle = q.strip().casefold()
    hits = []
    for message in Message.scan(Message.body.exists()):
        if needle in (message.body or "").casefold():
            hits.append(
                {
                    "thread_id": message.thread_id,
                    "message_id": message.message_id,
                    "created_at": message.created_at,
                    "direction": message.direction,
                    "business_number": message.business_number,
                    "customer_number": message.customer_number,
                    "body": message.body,
                    "archived": bool(message.archived_at),
                }
            )
    hits.sort(key=lambda h: h["created_at"], reverse=True)
    audit.record(who.employee_id, "archive.searched", "search", "messages", None, {"hits": len(hits)}, who.roles)
    return {"q": q, "count": len(hits), "hits": hits[:limit]}
