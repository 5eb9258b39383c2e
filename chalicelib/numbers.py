"""The number inventory: one owner at a time, every change kept in the number's history.

Lifecycle: available -> assigned -> (unassign) quarantined -> available -> ... -> released.
Quarantine exists because carriers keep retrying old deliveries for days after a number changes
hands; a quarantined number still receives (into the unassigned queue) but cannot be assigned.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from pynamodb.exceptions import DoesNotExist, PutError, TransactWriteError, UpdateError

from chalicelib import audit, ids, paging
from chalicelib.carriers import provisioning
from chalicelib.errors import BadRequest, Conflict, NotFound
from chalicelib.observability import logger
from chalicelib.phone import to_e164
from chalicelib.settings import get_settings
from chalicelib.store.base import transaction
from chalicelib.store.models import (
    Employee,
    NumberAssignment,
    PhoneNumber,
    Team,
    employee_owner,
    parse_owner,
    team_owner,
)

CARRIERS = ("twilio", "telnyx", "bandwidth", "vonage")
STATUSES = ("available", "assigned", "quarantined", "released")


@dataclass(frozen=True)
class Actor:
    """Who changes a number: a person, or a workflow acting for one (`offboarding:<run>`)."""

    actor_id: str
    roles: frozenset[str] = frozenset()

    @classmethod
    def of(cls, who: Any) -> Actor:
        """The actor for a signed-in caller (an `auth.principal.Principal`)."""
        return cls(who.employee_id, frozenset(who.roles))


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


def view(number: PhoneNumber) -> dict[str, Any]:
    """A number as the API shows it: its state, its carrier id and the last webhook configuration."""
    return {
        **snapshot(number),
        "carrier_ref": number.carrier_ref,
        "webhooks": number.webhooks,
        "created_at": number.created_at,
        "updated_at": number.updated_at,
    }


def history_view(entry: NumberAssignment) -> dict[str, Any]:
    return {
        "at": entry.at.split("#", 1)[0],
        "action": entry.action,
        "assignee": entry.assignee,
        "previous_assignee": entry.previous_assignee,
        "actor_id": entry.actor_id,
        "reason": entry.reason,
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


def reassign(e164: str, owner: str, actor: Actor, reason: str | None = None) -> PhoneNumber:
    """Move an assigned number straight to a new owner inside the company (no quarantine needed)."""
    number = get(e164)
    validate_owner(owner)
    if number.status != "assigned":
        raise Conflict(
            f"number {number.e164} is {number.status}, not assigned; assign it without replace", field="e164"
        )
    if number.assignee == owner:
        raise Conflict(f"number {number.e164} is already assigned to {owner}", field="assignee")
    before = snapshot(number)
    at = ids.iso()
    actions = [
        PhoneNumber.assignee.set(owner),
        PhoneNumber.assigned_at.set(at),
        PhoneNumber.assignee_locked.set(False),
        PhoneNumber.updated_at.set(at),
    ]
    fallback = _team_of(owner)
    actions.append(PhoneNumber.fallback_team_id.set(fallback) if fallback else PhoneNumber.fallback_team_id.remove())
    return _change(number, actions, "reassigned", owner, actor, reason, before)


def owner_from(body: dict[str, Any]) -> str:
    """The typed owner named by exactly one of `assignee`, `employee_id` or `team_id`."""
    given = [name for name in ("assignee", "employee_id", "team_id") if body.get(name) is not None]
    if len(given) != 1:
        raise BadRequest(
            "assignee", "give exactly one of assignee ('employee#<id>' or 'team#<id>'), employee_id, team_id"
        )
    value = body[given[0]]
    if not isinstance(value, str) or not value:
        raise BadRequest(given[0], "must be text")
    if given[0] == "employee_id":
        return employee_owner(value)
    if given[0] == "team_id":
        return team_owner(value)
    return value


def assign_and_point(
    e164: str, owner: str, actor: Actor, reason: str | None = None, replace: bool = False
) -> tuple[PhoneNumber, provisioning.Outcome]:
    """Assign (or, with `replace`, reassign) and then point the carrier's webhooks at this deployment.

    The assignment is committed first; a carrier failure is recorded on the number and audited,
    never undoes the assignment.
    """
    number = reassign(e164, owner, actor, reason) if replace else assign(e164, owner, actor, reason)
    return point_webhooks(number, actor)


def point_webhooks(number: PhoneNumber, actor: Actor) -> tuple[PhoneNumber, provisioning.Outcome]:
    outcome = provisioning.point_webhooks(number.carrier, number.e164, number.carrier_ref)
    before = {"webhooks": number.webhooks, "carrier_ref": number.carrier_ref}
    record = outcome.record(ids.iso())
    actions = [PhoneNumber.webhooks.set(record)]
    if outcome.carrier_ref and outcome.carrier_ref != number.carrier_ref:
        actions.append(PhoneNumber.carrier_ref.set(outcome.carrier_ref))
    try:
        number.update(actions=actions)
    except UpdateError:  # changed meanwhile: the audit event below still records the outcome
        logger.warning("number changed before its webhook outcome was stored", outcome=outcome.status)
    after = {"webhooks": record, "carrier_ref": outcome.carrier_ref or number.carrier_ref}
    kind = outcome.status.split(":", 1)[0]
    audit.record(actor.actor_id, f"number.webhooks_{kind}", "number", number.e164, before, after, actor.roles)
    return number, outcome


def import_from(carrier: str, actor: Actor) -> dict[str, Any]:
    """Add every number on the company's carrier account that the inventory does not have yet."""
    if carrier not in CARRIERS:
        raise BadRequest("carrier", f"must be one of {', '.join(CARRIERS)}")
    found = provisioning.list_numbers(carrier)
    added: list[str] = []
    existing: list[str] = []
    for item in found:
        try:
            add(item.e164, carrier, actor, carrier_ref=item.carrier_ref, capabilities=set(item.capabilities))
            added.append(item.e164)
        except Conflict:
            existing.append(item.e164)
    result = {"carrier": carrier, "found": len(found), "added": added, "existing": existing}
    audit.record(actor.actor_id, "numbers.imported", "carrier", carrier, None, result, actor.roles)
    return result


SETTINGS_FIELDS = ("label", "hours", "auto_reply", "fallback_team_id")


def update_settings(e164: str, body: dict[str, Any], actor: Actor) -> PhoneNumber:
    """Change a number's label, business hours, after-hours reply or fallback team (audited)."""
    from chalicelib.people import validate_hours  # people builds on numbers; import late

    number = get(e164)
    actions: list[Any] = []
    for name, value in body.items():
        if name not in SETTINGS_FIELDS:
            raise BadRequest(name, f"is not a field that can be set here (allowed: {', '.join(SETTINGS_FIELDS)})")
        if name == "hours":
            value = validate_hours(value)
        elif name == "fallback_team_id" and value is not None:
            value = validate_owner(team_owner(str(value)), "fallback_team_id").partition("#")[2]
        elif value is not None and (not isinstance(value, str) or len(value) > 640):
            raise BadRequest(name, "must be text of at most 640 characters, or null")
        attribute = getattr(PhoneNumber, name)
        actions.append(attribute.remove() if value is None else attribute.set(value))
    if not actions:
        return number
    before = snapshot(number)
    actions.append(PhoneNumber.updated_at.set(ids.iso()))
    try:
        number.update(actions=actions)
    except UpdateError as exc:
        raise Conflict(f"number {number.e164} changed while this request ran; try again", field="e164") from exc
    audit.record(actor.actor_id, "number.updated", "number", number.e164, before, snapshot(number), actor.roles)
    return number


def list_numbers(query: dict[str, str] | None, owners: list[str] | None = None) -> dict[str, Any]:
    """A page of the inventory (filters: `status`, `assignee`); with `owners`, only the numbers they hold."""
    query = query or {}
    condition = None
    if query.get("status"):
        if query["status"] not in STATUSES:
            raise BadRequest("status", f"must be one of {', '.join(STATUSES)}")
        condition = PhoneNumber.status == query["status"]
    if owners is not None:
        held = [n for owner in owners for n in PhoneNumber.by_assignee.query(owner, filter_condition=condition)]
        return {"numbers": [view(n) for n in held], "next": None}
    limit, cursor = paging.limit_of(query), paging.cursor_of(query)
    if query.get("assignee"):
        results = PhoneNumber.by_assignee.query(
            query["assignee"], filter_condition=condition, limit=limit, last_evaluated_key=cursor
        )
    else:
        results = PhoneNumber.scan(filter_condition=condition, limit=limit, last_evaluated_key=cursor)
    return paging.page(results, view, "numbers")


def quarantine_days_of(query: dict[str, str] | None, body: dict[str, Any]) -> int | None:
    raw = (query or {}).get("quarantine_days", body.get("quarantine_days"))
    if raw is None or raw == "":
        return None
    try:
        return int(raw)
    except (TypeError, ValueError) as exc:
        raise BadRequest("quarantine_days", "must be a whole number of days") from exc


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
