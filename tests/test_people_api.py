"""Employees and teams over HTTP: create, update, list, deactivation that takes effect at once, audit."""

from __future__ import annotations

import json

import pytest

from chalicelib.store.models import AuditEvent, Employee, PhoneNumber

NEW = {
    "employee_id": "nia",
    "name": "Nia New",
    "email": "Nia@Example.com",
    "team_id": "sales",
    "manager_id": "maya",
    "roles": ["employee"],
    "forward_to": "+1 206 555 0177",
}


def call(client, method, path, headers, body=None):
    response = getattr(client.http, method)(path, headers=headers, body=json.dumps(body) if body is not None else None)
    return response.status_code, json.loads(response.body or b"null")


def audit_of(target: str) -> list[AuditEvent]:
    events = [e for month in {e.month for e in AuditEvent.scan()} for e in AuditEvent.query(month)]
    return [e for e in events if e.target_id == target]


def test_admin_creates_and_updates_an_employee_with_audit(demo, client, as_user):
    admin = as_user("ada", "admin")
    status, body = call(client, "post", "/employees", admin, NEW)
    assert status == 201, body
    assert body["email"] == "nia@example.com" and body["forward_to"] == "+12065550177" and body["status"] == "active"
    assert call(client, "get", "/employees/nia", admin)[1] == body

    status, body = call(
        client, "patch", "/employees/nia", admin, {"team_id": "service", "forward_to": "sip:nia@pbx.example.com"}
    )
    assert status == 200 and (body["team_id"], body["forward_to"]) == ("service", "sip:nia@pbx.example.com")

    created, updated = audit_of("nia")
    assert (created.action, created.actor_id, created.before, created.after["email"]) == (
        "employee.created",
        "ada",
        None,
        "nia@example.com",
    )
    assert updated.action == "employee.updated"
    assert (updated.before["team_id"], updated.after["team_id"]) == ("sales", "service")
    assert call(client, "patch", "/employees/nia", admin, {"team_id": "service"})[0] == 200
    assert len(audit_of("nia")) == 2  # nothing changed, nothing recorded


def test_an_employee_id_is_generated_when_not_given(demo, client, as_user):
    status, body = call(
        client, "post", "/employees", as_user("ada", "admin"), {"name": "Ann", "email": "ann@example.com"}
    )
    assert status == 201 and body["employee_id"].startswith("emp_") and body["roles"] == ["employee"]


@pytest.mark.parametrize(
    ("change", "status", "field"),
    [
        ({"email": "emma@example.com"}, 409, "email"),
        ({"employee_id": "emma"}, 409, "employee_id"),
        ({"email": "not-an-address"}, 400, "email"),
        ({"employee_id": "Bad Id!"}, 400, "employee_id"),
        ({"name": ""}, 400, "name"),
        ({"team_id": "ghosts"}, 400, "team_id"),
        ({"manager_id": "ghost"}, 400, "manager_id"),
        ({"manager_id": "nia"}, 400, "manager_id"),
        ({"roles": ["root"]}, 400, "roles"),
        ({"roles": []}, 400, "roles"),
        ({"forward_to": "call me"}, 400, "forward_to"),
        ({"forward_to": "sip:nobody"}, 400, "forward_to"),
        ({"status": "offboarded"}, 400, "status"),
        ({"salary": 1}, 400, "salary"),
    ],
)
def test_bad_employee_input_names_the_field(demo, client, as_user, change, status, field):
    got, body = call(client, "post", "/employees", as_user("ada", "admin"), {**NEW, **change})
    assert (got, body.get("field")) == (status, field), body


def test_one_email_address_goes_to_one_employee_even_when_two_requests_race(demo, client, as_user, monkeypatch):
    """Both requests read the email index before either wrote: the claim in the transaction decides."""
    monkeypatch.setattr(Employee.by_email, "query", lambda *args, **kwargs: iter(()))
    admin = as_user("ada", "admin")
    first, _ = call(client, "post", "/employees", admin, {**NEW, "employee_id": "nia"})
    second, body = call(client, "post", "/employees", admin, {**NEW, "employee_id": "nia2"})
    assert first == 201 and (second, body["field"]) == (409, "email"), body
    assert [e.employee_id for e in Employee.scan() if e.email == "nia@example.com"] == ["nia"]
    assert not [e for e in audit_of("nia2")]  # nothing was written for the refused one

    # Changing an address moves the claim: the old one is free again, the new one taken.
    assert call(client, "patch", "/employees/nia", admin, {"email": "nia.new@example.com"})[0] == 200
    assert call(client, "patch", "/employees/emma", admin, {"email": "nia.new@example.com"})[0] == 409
    assert call(client, "post", "/employees", admin, {**NEW, "employee_id": "nia3"})[0] == 201


def test_deactivation_revokes_access_at_once_and_reactivation_needs_a_reason(demo, client, as_user):
    admin, sam = as_user("ada", "admin"), as_user("sam")
    assert call(client, "get", "/me", sam)[0] == 200
    status, body = call(client, "patch", "/employees/sam", admin, {"status": "offboarded", "reason": "left today"})
    assert status == 200 and body["status"] == "offboarded"
    assert call(client, "get", "/me", sam)[0] == 401  # the very next request
    assert PhoneNumber.get("+14155550102").assignee_locked is True  # new threads go to the team

    status, body = call(client, "patch", "/employees/sam", admin, {"status": "active"})
    assert (status, body["field"]) == (400, "reason")
    status, body = call(client, "patch", "/employees/sam", admin, {"status": "active", "reason": "rehired"})
    assert status == 200 and body["status"] == "active"
    assert call(client, "get", "/me", sam)[0] == 200
    assert PhoneNumber.get("+14155550102").assignee_locked is False

    deactivated, reactivated = audit_of("sam")
    assert (deactivated.action, deactivated.before["status"], deactivated.after["status"]) == (
        "employee.deactivated",
        "active",
        "offboarded",
    )
    assert (reactivated.action, reactivated.after["reason"]) == ("employee.reactivated", "rehired")


def test_offboarding_status_belongs_to_the_workflow(demo, client, as_user):
    admin = as_user("ada", "admin")
    status, body = call(client, "patch", "/employees/emma", admin, {"status": "offboarding"})
    assert (status, body["field"]) == (400, "status") and "/offboardings" in body["message"]
    Employee.get("emma").update(actions=[Employee.status.set("offboarding")])
    assert call(client, "patch", "/employees/emma", admin, {"status": "active", "reason": "x"})[0] == 409
    assert call(client, "patch", "/employees/emma", admin, {"name": "Emma S."})[0] == 200


def test_teams_are_created_updated_listed_and_audited(demo, client, as_user):
    admin = as_user("ada", "admin")
    hours = {"tz": "Europe/Berlin", "weekly": {"mon": [["08:00", "12:00"], ["13:00", "17:00"]]}}
    status, body = call(
        client, "post", "/teams", admin, {"team_id": "support", "name": "Support", "manager_id": "omar", "hours": hours}
    )
    assert status == 201 and body["hours"] == hours
    status, body = call(client, "patch", "/teams/support", admin, {"auto_reply": "We are closed.", "manager_id": None})
    assert status == 200 and body["auto_reply"] == "We are closed." and body["manager_id"] is None
    listed = call(client, "get", "/teams", as_user("hal", "hr"))[1]["teams"]
    assert sorted(t["team_id"] for t in listed) == ["sales", "service", "support"]
    assert [e.action for e in audit_of("support")] == ["team.created", "team.updated"]
    assert call(client, "post", "/teams", admin, {"team_id": "support", "name": "Again"})[0] == 409
    bad = {"tz": "Europe/Berlin", "weekly": {"mon": [["17:00", "08:00"]]}}
    assert call(client, "patch", "/teams/support", admin, {"hours": bad})[1]["field"] == "hours.weekly.mon"
    assert call(client, "patch", "/teams/nope", admin, {"name": "x"})[0] == 404


def test_people_readers_list_and_filter_with_pages(demo, client, as_user):
    hr = as_user("hal", "hr")
    seen, cursor = [], ""
    while True:
        status, body = call(client, "get", f"/employees?limit=3{cursor}", hr)
        assert status == 200 and len(body["employees"]) <= 3
        seen += [e["employee_id"] for e in body["employees"]]
        if not body["next"]:
            break
        cursor = f"&next={body['next']}"
    assert sorted(seen) == ["ada", "cora", "emma", "hal", "maya", "omar", "sam", "tia"]
    status, body = call(client, "get", "/employees?team=sales", as_user("cora", "compliance"))
    assert sorted(e["employee_id"] for e in body["employees"]) == ["emma", "maya", "sam"]
    assert call(client, "get", "/employees?status=gone", hr)[1]["field"] == "status"


def test_employees_read_only_themselves_and_their_own_team(demo, client, as_user):
    emma = as_user("emma")
    assert call(client, "get", "/employees/emma", emma)[0] == 200
    assert call(client, "get", "/employees/sam", emma)[0] == 403
    assert call(client, "get", "/teams/sales", emma)[0] == 200
    assert call(client, "get", "/teams/service", emma)[0] == 403
    assert call(client, "get", "/employees/ghost", as_user("ada", "admin"))[0] == 404
