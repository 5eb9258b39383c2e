"""The number inventory: /numbers, /numbers/import, /numbers/{e164}, its assignment, release and history.

Path numbers may be given as `+14155550101`, `%2B14155550101` or `14155550101`.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote

from chalice import Response

from chalicelib import numbers
from chalicelib.api.openapi import PAGE_QUERY, doc
from chalicelib.api.routing import Api, caller, created, json_body, keepline_auth, require
from chalicelib.auth import policy
from chalicelib.numbers import Actor

bp = Api(__name__)

ADMINS = policy.CAPABILITIES["numbers.manage"]
READERS = policy.CAPABILITIES["numbers.read"]
NEW_NUMBER = {
    "type": "object",
    "required": ["e164", "carrier"],
    "properties": {
        "e164": {"type": "string", "examples": ["+14155550100"]},
        "carrier": {"enum": list(numbers.CARRIERS)},
        "carrier_ref": {"type": "string", "description": "the carrier's own id for the number"},
        "label": {"type": "string"},
    },
}
SETTINGS = {
    "type": "object",
    "properties": {
        "label": {"type": ["string", "null"]},
        "hours": {"type": ["object", "null"]},
        "auto_reply": {"type": ["string", "null"]},
        "fallback_team_id": {"type": ["string", "null"]},
    },
}
ASSIGNMENT = {
    "type": "object",
    "description": "exactly one of assignee, employee_id, team_id",
    "properties": {
        "assignee": {"type": "string", "examples": ["employee#emma", "team#sales"]},
        "employee_id": {"type": "string"},
        "team_id": {"type": "string"},
        "replace": {"type": "boolean", "description": "reassign a number that is already assigned"},
        "reason": {"type": "string"},
    },
}


def _actor() -> Actor:
    who = caller(bp.current_request)
    policy.require(who, "numbers.manage")
    return Actor.of(who)


@bp.route("/numbers", methods=["GET"], authorizer=keepline_auth)
@doc(
    "List the inventory (employees see the numbers they and their team hold)",
    roles=(*READERS, "employee"),
    query={
        "status": "available|assigned|quarantined|released",
        "assignee": "employee#id or team#id",
        **PAGE_QUERY,
    },
)
def list_numbers() -> dict[str, Any]:
    owners = policy.number_owners_visible(caller(bp.current_request))
    return numbers.list_numbers(bp.current_request.query_params, owners)


@bp.route("/numbers", methods=["POST"], authorizer=keepline_auth)
@doc("Add a number by hand", roles=ADMINS, body=NEW_NUMBER, status=201)
def add_number() -> Response:
    actor, body = _actor(), json_body(bp.current_request)
    extra = {k: body[k] for k in ("carrier_ref", "label") if body.get(k) is not None}
    return created(numbers.view(numbers.add(require(body, "e164"), require(body, "carrier"), actor, **extra)))


@bp.route("/numbers/import", methods=["POST"], authorizer=keepline_auth)
@doc(
    "Import every number on a carrier account",
    roles=ADMINS,
    body={"type": "object", "required": ["carrier"], "properties": {"carrier": {"enum": list(numbers.CARRIERS)}}},
)
def import_numbers() -> dict[str, Any]:
    actor = _actor()
    return numbers.import_from(require(json_body(bp.current_request), "carrier"), actor)


@bp.route("/numbers/{e164}", methods=["GET"], authorizer=keepline_auth)
@doc("One number", roles=(*READERS, "holder"))
def get_number(e164: str) -> dict[str, Any]:
    who = caller(bp.current_request)
    number = numbers.get(unquote(e164))
    policy.require_number_read(who, number.assignee)
    return numbers.view(number)


@bp.route("/numbers/{e164}", methods=["PATCH"], authorizer=keepline_auth)
@doc("Change a number's label, business hours, after-hours reply or fallback team", roles=ADMINS, body=SETTINGS)
def update_number(e164: str) -> dict[str, Any]:
    actor = _actor()
    return numbers.view(numbers.update_settings(unquote(e164), json_body(bp.current_request), actor))


@bp.route("/numbers/{e164}/assignment", methods=["PUT"], authorizer=keepline_auth)
@doc("Assign (or with replace, reassign) and point the carrier's webhooks here", roles=ADMINS, body=ASSIGNMENT)
def assign_number(e164: str) -> dict[str, Any]:
    actor, body = _actor(), json_body(bp.current_request)
    replace = require(body, "replace", bool) if "replace" in body else False
    number, outcome = numbers.assign_and_point(
        unquote(e164), numbers.owner_from(body), actor, body.get("reason"), replace
    )
    return {**numbers.view(number), "webhooks": outcome.status}


@bp.route("/numbers/{e164}/assignment", methods=["DELETE"], authorizer=keepline_auth)
@doc(
    "Unassign; the number rests in quarantine (quarantine_days, default from settings) before reuse",
    roles=ADMINS,
    query={"quarantine_days": "days of cool-off; 0 returns it to the pool at once", "reason": "why"},
)
def unassign_number(e164: str) -> dict[str, Any]:
    actor, request = _actor(), bp.current_request
    body = json_body(request) if request.raw_body else {}
    days = numbers.quarantine_days_of(request.query_params, body)
    reason = (request.query_params or {}).get("reason") or body.get("reason")
    return numbers.view(numbers.unassign(unquote(e164), actor, quarantine_days=days, reason=reason))


@bp.route("/numbers/{e164}/release", methods=["POST"], authorizer=keepline_auth)
@doc("Release the number back to the carrier (kept in the inventory with its history)", roles=ADMINS)
def release_number(e164: str) -> dict[str, Any]:
    actor = _actor()
    body = json_body(bp.current_request)
    return numbers.view(numbers.release(unquote(e164), actor, reason=body.get("reason")))


@bp.route("/numbers/{e164}/history", methods=["GET"], authorizer=keepline_auth)
@doc("Every assignment, unassignment, quarantine and release of the number", roles=READERS)
def number_history(e164: str) -> dict[str, Any]:
    policy.require(caller(bp.current_request), "numbers.read")
    return {
        "e164": numbers.get(unquote(e164)).e164,
        "history": [numbers.history_view(h) for h in numbers.history(unquote(e164))],
    }
