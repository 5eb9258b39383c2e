"""The audit trail: every administrative, HR and compliance action, stored and archived."""

from __future__ import annotations

from typing import Any

from chalicelib import ids
from chalicelib.archive import outbox
from chalicelib.store.models import AuditEvent


def record(
    actor_id: str,
    action: str,
    target_type: str,
    target_id: str,
    before: Any = None,
    after: Any = None,
    actor_roles: set[str] | frozenset[str] | None = None,
) -> AuditEvent:
    at = ids.iso()
    event_id = ids.new_id("aud")
    event = AuditEvent(
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
    event.save()
    outbox.nudge("audit", {"month": event.month, "event_key": event.event_key}, "audit", event_id)
    return event
