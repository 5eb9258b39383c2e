"""Employees and teams: /employees, /employees/{id}, /teams, /teams/{id}."""

from __future__ import annotations

from typing import Any

from chalice import Response

from chalicelib import people
from chalicelib.api.openapi import PAGE_QUERY, doc
from chalicelib.api.routing import Api, caller, created, json_body, keepline_auth
from chalicelib.auth import policy
from chalicelib.numbers import Actor

bp = Api(__name__)

PEOPLE_READERS = policy.CAPABILITIES["people.read"]
PEOPLE_ADMINS = policy.CAPABILITIES["people.manage"]
EMPLOYEE = {
    "type": "object",
    "properties": {
        "employee_id": {"type": "string", "description": "optional on create; lower-case slug"},
        "name": {"type": "string"},
        "email": {"type": "string", "format": "email", "description": "unique"},
        "team_id": {"type": ["string", "null"]},
        "manager_id": {"type": ["string", "null"]},
        "roles": {"type": "array", "items": {"enum": ["admin", "hr", "compliance", "employee"]}},
        "forward_to": {"type": ["string", "null"], "description": "E.164 or sip:user@host"},
        "status": {
            "enum": ["active", "offboarded"],
            "description": "PATCH only: offboarded deactivates at once; active reactivates (needs reason)",
        },
        "reason": {"type": "string"},
    },
}
TEAM = {
    "type": "object",
    "properties": {
        "team_id": {"type": "string"},
        "name": {"type": "string"},
        "manager_id": {"type": ["string", "null"]},
        "hours": {"type": ["object", "null"], "description": '{"tz": "...", "weekly": {"mon": [["09:00","17:00"]]}}'},
        "auto_reply": {"type": ["string", "null"]},
    },
}


@bp.route("/employees", methods=["GET"], authorizer=keepline_auth)
@doc("List employees", roles=PEOPLE_READERS, query={**PAGE_QUERY, "team": "team id", "status": "status"})
def list_employees() -> dict[str, Any]:
    policy.require(caller(bp.current_request), "people.read")
    return people.list_employees(bp.current_request.query_params)


@bp.route("/employees", methods=["POST"], authorizer=keepline_auth)
@doc("Create an employee", roles=PEOPLE_ADMINS, body=EMPLOYEE, status=201)
def create_employee() -> Response:
    who = caller(bp.current_request)
    policy.require(who, "people.manage")
    return created(people.employee_view(people.create_employee(json_body(bp.current_request), Actor.of(who))))


@bp.route("/employees/{employee_id}", methods=["GET"], authorizer=keepline_auth)
@doc("One employee (anyone may read their own record)", roles=(*PEOPLE_READERS, "self"))
def get_employee(employee_id: str) -> dict[str, Any]:
    policy.require_employee_read(caller(bp.current_request), employee_id)
    return people.employee_view(people.get_employee(employee_id))


@bp.route("/employees/{employee_id}", methods=["PATCH"], authorizer=keepline_auth)
@doc("Change an employee; status offboarded deactivates at once", roles=PEOPLE_ADMINS, body=EMPLOYEE)
def update_employee(employee_id: str) -> dict[str, Any]:
    who = caller(bp.current_request)
    policy.require(who, "people.manage")
    body = json_body(bp.current_request)
    return people.employee_view(people.update_employee(employee_id, body, Actor.of(who)))


@bp.route("/teams", methods=["GET"], authorizer=keepline_auth)
@doc("List teams", roles=PEOPLE_READERS, query=PAGE_QUERY)
def list_teams() -> dict[str, Any]:
    policy.require(caller(bp.current_request), "people.read")
    return people.list_teams(bp.current_request.query_params)


@bp.route("/teams", methods=["POST"], authorizer=keepline_auth)
@doc("Create a team", roles=PEOPLE_ADMINS, body=TEAM, status=201)
def create_team() -> Response:
    who = caller(bp.current_request)
    policy.require(who, "people.manage")
    return created(people.team_view(people.create_team(json_body(bp.current_request), Actor.of(who))))


@bp.route("/teams/{team_id}", methods=["GET"], authorizer=keepline_auth)
@doc("One team (members may read their own team)", roles=(*PEOPLE_READERS, "member"))
def get_team(team_id: str) -> dict[str, Any]:
    policy.require_team_read(caller(bp.current_request), team_id)
    return people.team_view(people.get_team(team_id))


@bp.route("/teams/{team_id}", methods=["PATCH"], authorizer=keepline_auth)
@doc("Change a team: name, manager, business hours, after-hours reply", roles=PEOPLE_ADMINS, body=TEAM)
def update_team(team_id: str) -> dict[str, Any]:
    who = caller(bp.current_request)
    policy.require(who, "people.manage")
    return people.team_view(people.update_team(team_id, json_body(bp.current_request), Actor.of(who)))
