"""The number lifecycle in the domain: one owner at a time, quarantine, history, audit."""

from __future__ import annotations

import pytest

from chalicelib import numbers
from chalicelib.errors import BadRequest, Conflict
from chalicelib.store.models import AuditEvent, Employee

ADMIN = numbers.Actor("ada", frozenset({"admin"}))


def test_assignment_lifecycle_keeps_full_history_and_audit(demo):
    added = numbers.add("+1 415 555 0199", "twilio", ADMIN)
    assert added.e164 == "+14155550199" and added.status == "available"
    assigned = numbers.assign("+14155550199", "employee#emma", ADMIN)
    assert (assigned.status, assigned.assignee, assigned.fallback_team_id) == ("assigned", "employee#emma", "sales")
    with pytest.raises(Conflict):
        numbers.assign("+14155550199", "employee#sam", ADMIN)
    quarantined = numbers.unassign("+14155550199", ADMIN, quarantine_days=14)
    assert quarantined.status == "quarantined" and quarantined.assignee is None
    with pytest.raises(Conflict, match="quarantined until"):
        numbers.assign("+14155550199", "employee#sam", ADMIN)
    numbers.release("+14155550199", ADMIN)
    actions = [h.action for h in numbers.history("+14155550199")]
    assert actions == ["added", "assigned", "quarantined", "released"]
    audited = [e.action for month in {e.month for e in AuditEvent.scan()} for e in AuditEvent.query(month)]
    assert audited == ["number.added", "number.assigned", "number.quarantined", "number.released"]


def test_cannot_assign_to_offboarded_or_unknown_people(demo):
    Employee.get("sam").update(actions=[Employee.status.set("offboarded")])
    with pytest.raises(BadRequest, match="sam, who is offboarded"):
        numbers.assign("+14155550106", "employee#sam", ADMIN)
    with pytest.raises(BadRequest, match="unknown employee"):
        numbers.assign("+14155550106", "employee#ghost", ADMIN)
    with pytest.raises(BadRequest) as info:
        numbers.assign("+14155550106", "somebody", ADMIN)
    assert info.value.details["field"] == "assignee"


def test_unassign_without_quarantine_returns_to_pool(demo):
    number = numbers.unassign("+14155550101", ADMIN, quarantine_days=0)
    assert number.status == "available"
    assert numbers.assign("+14155550101", "team#sales", ADMIN).assignee == "team#sales"
