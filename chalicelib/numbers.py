"""The number inventory: one owner at a time, every change kept in the number's history.

Lifecycle: available -> assigned -> (unassign) quarantined -> available -> ... -> released.
Quarantine exists because carriers keep retrying old deliveries for days after a number changes
hands; a quarantined number still receives (into the unassigned queue) but cannot be assigned.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from pynamodb.exceptions import DoesNotExist, PutError, TransactWriteError

from chalicelib import audit, ids
from chalicelib.errors import BadRequest, Conflict, NotFound
from chalicelib.phone import to_e164
from chalicelib.settings import get_settings
from chalicelib.store.base import transaction
from chalicelib.store.models import Employee, NumberAssignment, PhoneNumber, Team, parse_owner

CARRIERS = ("twilio", "telnyx", "bandwidth", "vonage")


@dataclass(frozen=True)
class Actor:
    """Who changes a number: a person, or a workflow acting for one (`offboarding:<run>`)."""

    actor_id: str
    roles: frozenset[str] = frozenset()


def snapshot(number: PhoneNumber) -> dict[str, Any]:
    return {
        "e164": number.e164,
        "carrier": number.carrier,
        "status": number.status,
        "assignee": number.assignee,
        "quarantined_until": number.quarantined_until,
        "capabilities": sorted(number.capabilities or []),
        "label": number.label,
        "fallback_team_id": number.fallback_team_id,
        "hours": number.hours,
        "auto_reply": number.auto_reply,
        "assigned_at": number.assigned_at,
    }


def get(e164: str) -> PhoneNumber:
    e164 = to_e164(e164, "e164")
    try:
        return PhoneNumber.get(e164)
    except DoesNotExist as exc:
        raise NotFound(f"number {e164} is not in the inventory") from exc


def add(e164: str, carrier: str, actor: Actor, **fields: Any) -> PhoneNumber:
    e164 = to_e164(e164, "e164")
    if carrier not in CARRIERS:
        raise BadRequest("carrier", f"must be one of {', '.join(CARRIERS)}")
    at = ids.iso()
    number = PhoneNumber(e164=e164, carrier=carrier, status="available", created_at=at, updated_at=at, **fields)
    try:
        with transaction() as tx:
            tx.save(number, condition=PhoneNumber.e164.does_not_exist())
            tx.save(_history(e164, "added", None, None, actor, f"carrier {carrier}"))
    except TransactWriteError as exc:
        raise Conflict(f"number {e164} is already in the inventory", field="e164") from exc
    number.version = 1
    audit.record(actor.actor_id, "number.added", "number", e164, None, snapshot(number), actor.roles)
    return number


def validate_owner(owner: str, field: str = "assignee") -> str:
    """An owner must exist and be able to receive: an active employee or an existing team."""
    kind, ident = parse_owner(owner)
    if kind == "employee" and ident:
        try:
            person = Employee.get(ident)
        except DoesNotExist as exc:
            raise BadRequest(field, f"names unknown employee {ident}") from exc
        if person.status != "active":
            raise BadRequest(field, f"names {ident}, who is {person.status}")
        return owner
    if kind == "team" and ident:
        try:
            Team.get(ident)
        except DoesNotExist as exc:
            raise BadRequest(field, f"names unknown team {ident}") from exc
        return owner
    raise BadRequest(field, "must be 'employee#<id>' or 'team#<id>'")


def _assignable(number: PhoneNumber, at: str) -> None:
    if number.status == "assigned":
        raise Conflict(
            f"number {number.e164} is already assigned to {number.assignee}; unassign it first", field="e164"
        )
    if number.status == "released":
        raise Conflict(f"number {number.e164} has been released to the carrier", field="e164")
    if number.status == "quarantined" and (number.quarantined_until or "") > at:
        raise Conflict(f"number {number.e164} is quarantined until {number.quarantined_until}", field="e164")


def assign(
    e164: str, owner: str, actor: Actor, reason: str | None = None, fallback_team_id: str | None = None
) -> PhoneNumber:
    number = get(e164)
    validate_owner(owner)
    at = ids.iso()
    _assignable(number, at)
    before = snapshot(number)
    if fallback_team_id is None:
        fallback_team_id = _team_of(owner)
    actions = [
        PhoneNumber.status.set("assigned"),
        PhoneNumber.assignee.set(owner),
        PhoneNumber.assigned_at.set(at),
        PhoneNumber.assignee_locked.set(False),
        PhoneNumber.quarantined_until.remove(),
        PhoneNumber.updated_at.set(at),
    ]
    if fallback_team_id:
        actions.append(PhoneNumber.fallback_team_id.set(fallback_team_id))
    return _change(number, actions, "assigned", owner, actor, reason, before)


def unassign(e164: str, actor: Actor, quarantine_days: int | None = None, reason: str | None = None) -> PhoneNumber:
    """Take a number from its owner; it rests in quarantine (default from settings) before reuse."""
    number = get(e164)
    if number.status != "assigned":
        raise Conflict(f"number {number.e164} is not assigned", field="e164")
    days = get_settings().quarantine_days if quarantine_days is None else quarantine_days
    if days < 0:
        raise BadRequest("quarantine_days", "must not be negative")
    before = snapshot(number)
    at = ids.iso()
    if days:
        until = ids.iso(ids.now() + timedelta(days=days))
        actions = [PhoneNumber.status.set("quarantined"), PhoneNumber.quarantined_until.set(until)]
        action = "quarantined"
    else:
        actions = [PhoneNumber.status.set("available"), PhoneNumber.quarantined_until.remove()]
        action = "unassigned"
    actions += [
        PhoneNumber.assignee.remove(),
        PhoneNumber.assigned_at.remove(),
        PhoneNumber.assignee_locked.set(False),
        PhoneNumber.updated_at.set(at),
    ]
    return _change(number, actions, action, None, actor, reason, before)


def release(e164: str, actor: Actor, reason: str | None = None) -> PhoneNumber:
    """Give the number back to the carrier: it stays in the inventory, with its history, for good."""
    number = get(e164)
    if number.status == "assigned":
        raise Conflict(f"number {number.e164} is assigned to {number.assignee}; unassign it first", field="e164")
    if number.status == "released":
        raise Conflict(f"number {number.e164} is already released", field="e164")
    before = snapshot(number)
    actions = [PhoneNumber.status.set("released"), PhoneNumber.updated_at.set(ids.iso())]
    return _change(number, actions, "released", None, actor, reason, before)


def set_locked(owner: str, locked: bool) -> int:
    """Mark every number held by `owner` as (un)locked; inbound then routes new threads to the team."""
    count = 0
    for number in PhoneNumber.by_assignee.query(owner):
        number.update(actions=[PhoneNumber.assignee_locked.set(locked)])
        count += 1
    return count


def held_by(owner: str) -> list[PhoneNumber]:
    return list(PhoneNumber.by_assignee.query(owner))


def history(e164: str) -> list[NumberAssignment]:
    e164 = get(e164).e164
    return list(NumberAssignment.query(e164))


def _team_of(owner: str) -> str | None:
    kind, ident = parse_owner(owner)
    if kind == "team":
        return ident
    if kind == "employee" and ident:
        return Employee.get(ident).team_id
    return None


def _history(
    e164: str, action: str, assignee: str | None, previous: str | None, actor: Actor, reason: str | None
) -> NumberAssignment:
    return NumberAssignment(
        e164=e164,
        at=f"{ids.iso()}#{ids.new_id('nh')}",
        action=action,
        assignee=assignee,
        previous_assignee=previous,
        actor_id=actor.actor_id,
        reason=reason,
    )


def _change(
    number: PhoneNumber,
    actions: list[Any],
    action: str,
    assignee: str | None,
    actor: Actor,
    reason: str | None,
    before: dict[str, Any],
) -> PhoneNumber:
    """Update the number only if nobody changed it since we read it, with its history, atomically."""
    try:
        with transaction() as tx:
            tx.update(number, actions=actions, condition=PhoneNumber.version == number.version)
            tx.save(_history(number.e164, action, assignee, number.assignee, actor, reason))
    except (TransactWriteError, PutError) as exc:
        raise Conflict(f"number {number.e164} changed while this request ran; try again", field="e164") from exc
    fresh = PhoneNumber.get(number.e164, consistent_read=True)
    audit.record(actor.actor_id, f"number.{action}", "number", number.e164, before, snapshot(fresh), actor.roles)
    return fresh
