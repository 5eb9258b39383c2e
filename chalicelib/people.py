"""Employees and teams: who works here, in which team, under whom, with which roles.

Status is active | offboarding | offboarded. The authorizer refuses anyone who is not active,
so a deactivation takes effect on the very next request. `offboarding` belongs to the
offboarding workflow (`POST /offboardings`), never to an edit; an edit may deactivate at once
(`status: offboarded`, an emergency lock-out that also locks the person's numbers so new
threads go to their team) and may reactivate only with a stated reason. Every change is
audited with its before and after.
"""

from __future__ import annotations

import re
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pynamodb.exceptions import DoesNotExist, PutError, TransactWriteError

from chalicelib import audit, ids, numbers, paging
from chalicelib.auth.tokens import ROLES
from chalicelib.errors import BadRequest, Conflict, NotFound
from chalicelib.numbers import Actor
from chalicelib.phone import to_e164
from chalicelib.store.base import refused_items, transaction
from chalicelib.store.models import EmailClaim, Employee, Team, employee_owner

STATUSES = ("active", "offboarding", "offboarded")
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_SLUG = re.compile(r"^[a-z0-9][a-z0-9._-]{0,62}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_CLOCK = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
EMPLOYEE_FIELDS = ("name", "email", "team_id", "manager_id", "roles", "forward_to")
TEAM_FIELDS = ("name", "manager_id", "hours", "auto_reply")


# --- views -----------------------------------------------------------------------------------


def employee_view(person: Employee) -> dict[str, Any]:
    return {
        "employee_id": person.employee_id,
        "name": person.name,
        "email": person.email,
        "team_id": person.team_id,
        "manager_id": person.manager_id,
        "roles": sorted(person.roles or []),
        "forward_to": person.forward_to,
        "status": person.status,
        "offboarding_run_id": person.offboarding_run_id,
        "created_at": person.created_at,
        "updated_at": person.updated_at,
    }


def team_view(team: Team) -> dict[str, Any]:
    return {
        "team_id": team.team_id,
        "name": team.name,
        "manager_id": team.manager_id,
        "hours": team.hours,
        "auto_reply": team.auto_reply,
        "created_at": team.created_at,
        "updated_at": team.updated_at,
    }


# --- reading ---------------------------------------------------------------------------------


def get_employee(employee_id: str) -> Employee:
    try:
        return Employee.get(employee_id)
    except DoesNotExist as exc:
        raise NotFound(f"employee {employee_id} does not exist") from exc


def get_team(team_id: str) -> Team:
    try:
        return Team.get(team_id)
    except DoesNotExist as exc:
        raise NotFound(f"team {team_id} does not exist") from exc


def list_employees(query: dict[str, str] | None) -> dict[str, Any]:
    """A page of employees, optionally of one team (`team`) and/or in one status (`status`)."""
    query = query or {}
    limit, cursor = paging.limit_of(query), paging.cursor_of(query)
    condition = None
    if query.get("status"):
        condition = Employee.status == _choice(query["status"], STATUSES, "status")
    if query.get("team"):
        results = Employee.by_team.query(
            query["team"], filter_condition=condition, limit=limit, last_evaluated_key=cursor
        )
    else:
        results = Employee.scan(filter_condition=condition, limit=limit, last_evaluated_key=cursor)
    return paging.page(results, employee_view, "employees")


def list_teams(query: dict[str, str] | None) -> dict[str, Any]:
    limit, cursor = paging.limit_of(query), paging.cursor_of(query)
    return paging.page(Team.scan(limit=limit, last_evaluated_key=cursor), team_view, "teams")


# --- employees -------------------------------------------------------------------------------


def create_employee(body: dict[str, Any], actor: Actor) -> Employee:
    _only(body, ("employee_id", "status", *EMPLOYEE_FIELDS))
    employee_id = _slug(body, "employee_id") or ids.new_id("emp")
    if body.get("status") not in (None, "active"):
        raise BadRequest("status", "of a new employee is always active")
    fields = _employee_fields(body, employee_id, creating=True)
    at = ids.iso()
    person = Employee(employee_id=employee_id, status="active", created_at=at, updated_at=at, **fields)
    try:
        with transaction() as tx:
            tx.save(person, condition=Employee.employee_id.does_not_exist())
            tx.save(_claim(person, at), condition=EmailClaim.email.does_not_exist())
    except TransactWriteError as exc:
        raise _refused(exc, person, ("employee_id", "email")) from exc
    audit.record(actor.actor_id, "employee.created", "employee", employee_id, None, employee_view(person), actor.roles)
    return person


def _claim(person: Employee, at: str) -> EmailClaim:
    return EmailClaim(email=person.email, employee_id=person.employee_id, created_at=at)


def _refused(exc: TransactWriteError, person: Employee, fields: tuple[str, ...]) -> Conflict:
    """The 409 for the transaction item whose condition failed (the items are in `fields`' order)."""
    refused = refused_items(exc)
    field = fields[refused[0]] if refused and refused[0] < len(fields) else None
    if field == "email":
        return Conflict(f"email {person.email} already belongs to another employee", field="email")
    if field == "employee_id":
        return Conflict(f"employee {person.employee_id} already exists", field="employee_id")
    if field is not None:
        return Conflict(f"employee {person.employee_id} changed while this request ran; try again")
    return Conflict(f"employee {person.employee_id} could not be saved; try again")


def update_employee(employee_id: str, body: dict[str, Any], actor: Actor) -> Employee:
    """Change a person's details; `status` deactivates (offboarded) or reactivates (active, with a reason)."""
    person = get_employee(employee_id)
    _only(body, ("status", "reason", *EMPLOYEE_FIELDS))
    changes = _employee_fields(body, employee_id, creating=False)
    status = _status_change(person, body)
    before = employee_view(person)
    for name, value in changes.items():
        setattr(person, name, value)
    if status:
        person.status = status
    after_fields = employee_view(person)
    if after_fields == before:
        return person
    person.updated_at = ids.iso()
    try:
        with transaction() as tx:
            tx.save(person)  # the version attribute refuses a write over someone else's change
            if before["email"] != person.email:  # the new address is claimed, the old one given back
                tx.save(_claim(person, person.updated_at), condition=EmailClaim.email.does_not_exist())
                mine = (EmailClaim.employee_id == employee_id) | EmailClaim.email.does_not_exist()
                tx.delete(EmailClaim(email=before["email"]), condition=mine)
    except TransactWriteError as exc:
        raise _refused(exc, person, ("version", "email", "version")) from exc
    action = {"offboarded": "employee.deactivated", "active": "employee.reactivated"}.get(status or "", "")
    if status:
        numbers.set_locked(employee_owner(employee_id), locked=status == "offboarded")
    after = employee_view(person)
    if body.get("reason"):
        after = {**after, "reason": body["reason"]}
    audit.record(actor.actor_id, action or "employee.updated", "employee", employee_id, before, after, actor.roles)
    return person


def _status_change(person: Employee, body: dict[str, Any]) -> str | None:
    if "status" not in body or body["status"] == person.status:
        return None
    status = _choice(body["status"], STATUSES, "status")
    if status == "offboarding":
        raise BadRequest("status", "offboarding starts through POST /offboardings, not an edit")
    if person.status == "offboarding":
        raise Conflict(f"employee {person.employee_id} is being offboarded; the workflow sets the status")
    if status == "active" and not _text(body, "reason", required=False):
        raise BadRequest("reason", "is required to reactivate someone")
    return status


def _employee_fields(body: dict[str, Any], employee_id: str, creating: bool) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    if creating or "name" in body:
        fields["name"] = _text(body, "name")
    if creating or "email" in body:
        fields["email"] = _email(body, employee_id)
    if "team_id" in body and body["team_id"] is not None:
        fields["team_id"] = _existing_team(body["team_id"], "team_id")
    elif "team_id" in body:
        fields["team_id"] = None
    if body.get("manager_id") is not None:
        fields["manager_id"] = _manager(body["manager_id"], employee_id)
    elif "manager_id" in body:
        fields["manager_id"] = None
    if creating or "roles" in body:
        fields["roles"] = _roles(body.get("roles", ["employee"]))
    if "forward_to" in body:
        fields["forward_to"] = _forward_to(body["forward_to"])
    return fields


def _email(body: dict[str, Any], employee_id: str) -> str:
    email = _text(body, "email").lower()
    if not _EMAIL.match(email):
        raise BadRequest("email", "is not an email address")
    for hit in Employee.by_email.query(email):
        if hit.employee_id != employee_id:
            raise Conflict(f"email {email} already belongs to employee {hit.employee_id}", field="email")
    return email


def _manager(manager_id: Any, employee_id: str) -> str:
    if not isinstance(manager_id, str) or not manager_id:
        raise BadRequest("manager_id", "must be an employee id")
    if manager_id == employee_id:
        raise BadRequest("manager_id", "cannot be the employee themself")
    try:
        Employee.get(manager_id)
    except DoesNotExist as exc:
        raise BadRequest("manager_id", f"names unknown employee {manager_id}") from exc
    return manager_id


def _roles(roles: Any) -> set[str]:
    if not isinstance(roles, list) or not roles or not all(isinstance(r, str) for r in roles):
        raise BadRequest("roles", f"must be a non-empty list of: {', '.join(ROLES)}")
    unknown = sorted(set(roles) - set(ROLES))
    if unknown:
        raise BadRequest("roles", f"has unknown roles {', '.join(unknown)}; allowed: {', '.join(ROLES)}")
    return set(roles)


def _forward_to(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, str) and value.startswith("sip:"):
        if not re.match(r"^sip:[^@\s]+@[^@\s]+$", value):
            raise BadRequest("forward_to", "must be a SIP address like sip:name@pbx.example.com")
        return value
    return to_e164(value, "forward_to")


# --- teams -----------------------------------------------------------------------------------


def create_team(body: dict[str, Any], actor: Actor) -> Team:
    _only(body, ("team_id", *TEAM_FIELDS))
    team_id = _slug(body, "team_id") or ids.new_id("team")
    at = ids.iso()
    team = Team(team_id=team_id, created_at=at, updated_at=at, **_team_fields(body, creating=True))
    _insert(team, Team.team_id, "team", team_id, team_view(team), actor)
    return team


def update_team(team_id: str, body: dict[str, Any], actor: Actor) -> Team:
    team = get_team(team_id)
    _only(body, TEAM_FIELDS)
    before = team_view(team)
    for name, value in _team_fields(body, creating=False).items():
        setattr(team, name, value)
    if team_view(team) == before:
        return team
    team.updated_at = ids.iso()
    team.save()
    audit.record(actor.actor_id, "team.updated", "team", team_id, before, team_view(team), actor.roles)
    return team


def _team_fields(body: dict[str, Any], creating: bool) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    if creating or "name" in body:
        fields["name"] = _text(body, "name")
    if body.get("manager_id") is not None:
        fields["manager_id"] = _manager(body["manager_id"], "")
    elif "manager_id" in body:
        fields["manager_id"] = None
    if "hours" in body:
        fields["hours"] = validate_hours(body["hours"])
    if "auto_reply" in body:
        fields["auto_reply"] = _text(body, "auto_reply", required=False, longest=640)
    return fields


def validate_hours(hours: Any, field: str = "hours") -> dict[str, Any] | None:
    """`{"tz": "America/New_York", "weekly": {"mon": [["09:00", "17:00"]], ...}}`, or null for always open."""
    if hours is None:
        return None
    if not isinstance(hours, dict) or set(hours) - {"tz", "weekly"}:
        raise BadRequest(field, 'must be {"tz": "<IANA zone>", "weekly": {"mon": [["09:00", "17:00"]]}}')
    tz = hours.get("tz")
    try:
        ZoneInfo(tz) if isinstance(tz, str) and tz else None
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise BadRequest(f"{field}.tz", f"is not a known time zone: {tz!r}") from exc
    if not isinstance(tz, str) or not tz:
        raise BadRequest(f"{field}.tz", "is required (an IANA zone such as America/New_York)")
    weekly = hours.get("weekly")
    if not isinstance(weekly, dict) or set(weekly) - set(DAYS):
        raise BadRequest(f"{field}.weekly", f"must map days ({', '.join(DAYS)}) to lists of [start, end]")
    for day, spans in weekly.items():
        if not isinstance(spans, list) or not all(_span_ok(span) for span in spans):
            raise BadRequest(f"{field}.weekly.{day}", 'must be a list of ["HH:MM", "HH:MM"] with start before end')
    return {"tz": tz, "weekly": weekly}


def _span_ok(span: Any) -> bool:
    return (
        isinstance(span, list)
        and len(span) == 2
        and all(isinstance(t, str) and _CLOCK.match(t) for t in span)
        and span[0] < span[1]
    )


def _insert(item: Any, key: Any, kind: str, ident: str, view: dict[str, Any], actor: Actor) -> None:
    """Create a record that must not exist yet, and audit it."""
    try:
        item.save(condition=key.does_not_exist())
    except PutError as exc:
        raise Conflict(f"{kind} {ident} already exists", field=f"{kind}_id") from exc
    audit.record(actor.actor_id, f"{kind}.created", kind, ident, None, view, actor.roles)


# --- small validators ------------------------------------------------------------------------


def _existing_team(team_id: Any, field: str) -> str:
    if not isinstance(team_id, str) or not team_id:
        raise BadRequest(field, "must be a team id")
    try:
        Team.get(team_id)
    except DoesNotExist as exc:
        raise BadRequest(field, f"names unknown team {team_id}") from exc
    return team_id


def _only(body: dict[str, Any], allowed: tuple[str, ...]) -> None:
    for name in body:
        if name not in allowed:
            raise BadRequest(name, f"is not a field that can be set here (allowed: {', '.join(allowed)})")


def _text(body: dict[str, Any], field: str, required: bool = True, longest: int = 200) -> Any:
    value = body.get(field)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value.strip():
        raise BadRequest(field, "is required and must be text")
    if len(value) > longest:
        raise BadRequest(field, f"must be at most {longest} characters")
    return value.strip()


def _slug(body: dict[str, Any], field: str) -> str | None:
    value = body.get(field)
    if value is None:
        return None
    if not isinstance(value, str) or not _SLUG.match(value):
        raise BadRequest(field, "must be lower-case letters, digits, '.', '_' or '-' (at most 63)")
    return value


def _choice(value: Any, allowed: tuple[str, ...], field: str) -> str:
    if value not in allowed:
        raise BadRequest(field, f"must be one of {', '.join(allowed)}")
    return value
