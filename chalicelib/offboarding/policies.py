"""Who receives a leaver's threads and numbers. Plain Python: no AWS here except reading people.

A reassignment policy is one of:
- `{"policy": "successor", "successor": "<employee id>"}`
- `{"policy": "manager"}`: the leaver's manager
- `{"policy": "round_robin"}`: the leaver's active team mates in turn
- `{"policy": "least_loaded"}`: the active team mate owning the fewest threads, counted as they receive
- `{"policy": "mapping", "customers": {"<e164>": "<id>"}, "numbers": {"<e164>": "<id>"}, "fallback": {...}}`:
  chosen customers or business numbers go to chosen people, the rest by the fallback (any other policy).

A number policy is `{"policy": "successor" | "pool" | "quarantine", "days": N, "to": "<employee id>"}`.

Nobody who is not active ever receives anything: candidates are checked when the run starts and
again on every page; when none is left, the leaver's team queue (or the unassigned queue) receives.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pynamodb.exceptions import DoesNotExist

from chalicelib.errors import BadRequest
from chalicelib.phone import to_e164
from chalicelib.store.models import UNASSIGNED, Employee, Thread, employee_owner, parse_owner, team_owner

REASSIGN = ("successor", "manager", "round_robin", "least_loaded", "mapping")
NUMBER_POLICIES = ("successor", "pool", "quarantine")
TEAM_POLICIES = ("round_robin", "least_loaded")


def _active(employee_id: str, field_name: str, leaver: Employee) -> str:
    if employee_id == leaver.employee_id:
        raise BadRequest(field_name, "cannot be the person who is leaving")
    try:
        person = Employee.get(employee_id)
    except DoesNotExist as exc:
        raise BadRequest(field_name, f"names unknown employee {employee_id}") from exc
    if person.status != "active":
        raise BadRequest(field_name, f"names {employee_id}, who is {person.status}")
    return employee_id


def team_mates(leaver: Employee) -> list[str]:
    if not leaver.team_id:
        return []
    mates = Employee.by_team.query(leaver.team_id)
    return sorted(p.employee_id for p in mates if p.employee_id != leaver.employee_id and p.status == "active")


def _reassign(spec: Any, leaver: Employee, field_name: str, nested: bool = False) -> dict[str, Any]:
    if not isinstance(spec, dict):
        raise BadRequest(field_name, "must be an object with a 'policy'")
    policy = spec.get("policy")
    allowed = REASSIGN[:-1] if nested else REASSIGN
    if policy not in allowed:
        raise BadRequest(f"{field_name}.policy", f"must be one of {', '.join(allowed)}")
    out: dict[str, Any] = {"policy": policy}
    if policy == "successor":
        out["successor"] = _active(str(spec.get("successor") or ""), f"{field_name}.successor", leaver)
    elif policy == "manager":
        if not leaver.manager_id:
            raise BadRequest(f"{field_name}.policy", f"{leaver.employee_id} has no manager")
        out["manager"] = _active(leaver.manager_id, f"{field_name}.policy", leaver)
    elif policy in TEAM_POLICIES and not team_mates(leaver):
        raise BadRequest(f"{field_name}.policy", f"{leaver.employee_id} has no active team mates")
    elif policy == "mapping":
        for kind in ("customers", "numbers"):
            chosen = spec.get(kind) or {}
            if not isinstance(chosen, dict):
                raise BadRequest(f"{field_name}.{kind}", "must map phone numbers to employee ids")
            out[kind] = {
                to_e164(number, f"{field_name}.{kind}"): _active(str(who), f"{field_name}.{kind}", leaver)
                for number, who in chosen.items()
            }
        out["fallback"] = _reassign(spec.get("fallback"), leaver, f"{field_name}.fallback", nested=True)
    return out


def _numbers(spec: Any, leaver: Employee) -> dict[str, Any]:
    spec = spec if spec is not None else {"policy": "successor"}
    if not isinstance(spec, dict) or spec.get("policy") not in NUMBER_POLICIES:
        raise BadRequest("numbers.policy", f"must be one of {', '.join(NUMBER_POLICIES)}")
    out: dict[str, Any] = {"policy": spec["policy"]}
    if spec["policy"] == "quarantine":
        days = spec.get("days")
        if not isinstance(days, int) or isinstance(days, bool) or days < 1:
            raise BadRequest("numbers.days", "must be a whole number of days, at least 1")
        out["days"] = days
    if spec["policy"] == "successor" and spec.get("to"):
        out["to"] = _active(str(spec["to"]), "numbers.to", leaver)
    return out


def validate(body: dict[str, Any], leaver: Employee) -> dict[str, Any]:
    """The request as the workflow will follow it, or a 400 naming the field that is wrong."""
    notify = body.get("notify_customers") or False
    if isinstance(notify, bool):
        notify = {"enabled": notify}
    if not isinstance(notify, dict) or not isinstance(notify.get("enabled", True), bool):
        raise BadRequest("notify_customers", "must be true, false or {'enabled': true, 'message': '...'}")
    message = notify.get("message")
    if message is not None and (not isinstance(message, str) or not message.strip()):
        raise BadRequest("notify_customers.message", "must be a non-empty text")
    return {
        "reassign": _reassign(body.get("reassign"), leaver, "reassign"),
        "numbers": _numbers(body.get("numbers"), leaver),
        "notify_customers": {"enabled": bool(notify.get("enabled", True)), "message": message},
    }


def candidates(request: dict[str, Any]) -> set[str]:
    """Every employee a request may hand something to (team mates come from the plan)."""
    reassign = request["reassign"]
    found = {reassign.get("successor"), reassign.get("manager"), request["numbers"].get("to")}
    for kind in ("customers", "numbers"):
        found.update((reassign.get(kind) or {}).values())
    fallback = reassign.get("fallback") or {}
    found.update({fallback.get("successor"), fallback.get("manager")})
    return {c for c in found if c}


def open_threads(employee_id: str) -> int:
    return Thread.by_owner.count(employee_owner(employee_id))


def make_plan(request: dict[str, Any], leaver: Employee) -> dict[str, Any]:
    """Resolved once, when the leaver is locked: the team, its members and their current loads."""
    policies = {request["reassign"]["policy"], (request["reassign"].get("fallback") or {}).get("policy")}
    mates = team_mates(leaver) if policies & set(TEAM_POLICIES) else []
    loads = {m: open_threads(m) for m in mates} if "least_loaded" in policies else {}
    return {
        "owner": employee_owner(leaver.employee_id),
        "team_id": leaver.team_id,
        "queue": team_owner(leaver.team_id) if leaver.team_id else UNASSIGNED,
        "mates": mates,
        "loads": loads,
    }


def active_among(employee_ids: set[str]) -> set[str]:
    if not employee_ids:
        return set()
    return {p.employee_id for p in Employee.batch_get(list(employee_ids)) if p.status == "active"}


@dataclass
class Chooser:
    """Decides the new owner of each thread of one page, counting as it goes."""

    request: dict[str, Any]
    plan: dict[str, Any]
    active: set[str]
    moved_so_far: int = 0
    received: dict[str, int] = field(default_factory=dict)  # owner -> threads received so far

    @classmethod
    def for_page(cls, request: dict[str, Any], plan: dict[str, Any], moved: int, received: dict[str, int]) -> Chooser:
        active = active_among(candidates(request) | set(plan["mates"]))
        return cls(request, plan, active, moved, dict(received))

    def choose(self, business_number: str, customer_number: str) -> str:
        owner = self._by(self.request["reassign"], business_number, customer_number)
        self.moved_so_far += 1
        self.received[owner] = self.received.get(owner, 0) + 1
        return owner

    def _by(self, spec: dict[str, Any], business_number: str, customer_number: str) -> str:
        policy = spec["policy"]
        if policy == "mapping":
            chosen = spec["customers"].get(customer_number) or spec["numbers"].get(business_number)
            if chosen in self.active:
                return employee_owner(chosen)
            return self._by(spec["fallback"], business_number, customer_number)
        person = spec.get("successor") or spec.get("manager")
        if person:
            return employee_owner(person) if person in self.active else self.plan["queue"]
        mates = [m for m in self.plan["mates"] if m in self.active]
        if not mates:
            return self.plan["queue"]
        if policy == "round_robin":
            return employee_owner(mates[self.moved_so_far % len(mates)])
        return employee_owner(min(mates, key=lambda m: (self._load(m), m)))

    def _load(self, mate: str) -> int:
        return self.plan["loads"].get(mate, 0) + self.received.get(employee_owner(mate), 0)


def number_target(request: dict[str, Any], plan: dict[str, Any], e164: str, active: set[str]) -> str | None:
    """Who a number moves to under the 'successor' number policy; None returns it to the pool."""
    reassign = request["reassign"]
    fallback = reassign.get("fallback") or {}
    for person in (
        request["numbers"].get("to"),
        (reassign.get("numbers") or {}).get(e164),
        reassign.get("successor") or reassign.get("manager"),
        fallback.get("successor") or fallback.get("manager"),
    ):
        if person and person in active:
            return employee_owner(person)
    return plan["queue"] if parse_owner(plan["queue"])[0] == "team" else None
