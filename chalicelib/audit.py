"""The audit trail: every administrative, HR and compliance action, stored and archived."""

from __future__ import annotations

import re
from typing import Any

from chalicelib import ids, paging
from chalicelib.errors import BadRequest
from chalicelib.store.models import AuditEvent


def event(
    actor_id: str,
    action: str,
    target_type: str,
    target_id: str,
    before: Any = None,
    after: Any = None,
    actor_roles: set[str] | frozenset[str] | None = None,
    at: str | None = None,
) -> AuditEvent:
    """An audit event, not yet saved: for callers that write it inside their own transaction."""
    at = at or ids.iso()
    event_id = ids.new_id("aud")
    return AuditEvent(
        month=at[:7],
        event_key=f"{at}#{event_id}",
        event_id=event_id,
        actor_id=actor_id,
        actor_roles=set(actor_roles) if actor_roles else None,
        action=action,
        target_type=target_type,
        target_id=target_id,
        before=before,
        after=after,
        at=at,
        pending_archive="1",
    )


def record(
    actor_id: str,
    action: str,
    target_type: str,
    target_id: str,
    before: Any = None,
    after: Any = None,
    actor_roles: set[str] | frozenset[str] | None = None,
) -> AuditEvent:
    made = event(actor_id, action, target_type, target_id, before, after, actor_roles)
    made.save()  # the audit table's stream takes it to the archive
    return made


def view(event: AuditEvent) -> dict[str, Any]:
    return {
        "event_id": event.event_id,
        "at": event.at,
        "actor_id": event.actor_id,
        "actor_roles": sorted(event.actor_roles or []),
        "action": event.action,
        "target_type": event.target_type,
        "target_id": event.target_id,
        "before": event.before,
        "after": event.after,
        "archived": event.archived_at is not None,
    }


def list_events(query: dict[str, str] | None) -> dict[str, Any]:
    """One month of the trail (`month`, default this month), newest first, filtered by `actor` / `target` / `action`."""
    query = query or {}
    month = query.get("month") or ids.iso()[:7]
    if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", month):
        raise BadRequest("month", "must be YYYY-MM")
    condition = None
    for name, attribute in (
        ("actor", AuditEvent.actor_id),
        ("target", AuditEvent.target_id),
        ("action", AuditEvent.action),
    ):
        if query.get(name):
            clause = attribute == query[name]
            condition = clause if condition is None else condition & clause
    results = AuditEvent.query(
        month,
        scan_index_forward=False,
        filter_condition=condition,
        limit=paging.limit_of(query),
        last_evaluated_key=paging.cursor_of(query),
    )
    return {"month": month, **paging.page(results, view, "events")}
