"""Each reassignment and number policy, run through the real definition on the emulator with the app's handlers."""

from __future__ import annotations

import json
from collections import Counter
from datetime import timedelta

from chalicelib import ids
from chalicelib.store.models import Employee, PhoneNumber
from devstack import emulator
from devstack.seed import seed_threads
from tests.offboarding_support import EMMA_NUMBER, owners, run_to_end


def test_successor_policy_moves_every_thread_and_the_number(client, demo, as_user):
    threads = seed_threads("emma", 7, EMMA_NUMBER)
    done = run_to_end(client, as_user, {"employee_id": "emma", "reassign": {"policy": "successor", "successor": "sam"}})
    assert done["status"] == "succeeded"
    assert done["progress"]["threads_moved"] == 7
    assert done["progress"]["moved_to"] == {"employee#sam": 7}
    assert set(owners(threads)) == {"employee#sam"}
    number = PhoneNumber.get(EMMA_NUMBER)
    assert (number.status, number.assignee, number.assignee_locked) == ("assigned", "employee#sam", False)
    assert Employee.get("emma").status == "offboarded"
    assert "offboarding_move_threads" in emulator.invocations
    # Sam is told, in his console, what he received and from whom; nobody else is.
    response = client.http.get("/me/handovers", headers=as_user("sam"))
    assert response.status_code == 200
    [handover] = json.loads(response.body)["handovers"]
    assert handover["run_id"] == done["run_id"] and handover["detail"] == "7 conversation(s) from Emma Sales (emma)"
    assert json.loads(client.http.get("/me/handovers", headers=as_user("maya")).body)["handovers"] == []


def test_manager_policy_hands_everything_to_the_manager(client, demo, as_user):
    threads = seed_threads("emma", 3, EMMA_NUMBER)
    done = run_to_end(client, as_user, {"employee_id": "emma", "reassign": {"policy": "manager"}})
    assert done["progress"]["moved_to"] == {"employee#maya": 3}
    assert set(owners(threads)) == {"employee#maya"}
    assert PhoneNumber.get(EMMA_NUMBER).assignee == "employee#maya"


def _add_sales_person(employee_id: str, status: str) -> None:
    at = ids.iso()
    Employee(
        employee_id=employee_id,
        name=employee_id.title(),
        email=f"{employee_id}@example.com",
        team_id="sales",
        manager_id="maya",
        status=status,
        created_at=at,
        updated_at=at,
    ).save()


def test_round_robin_takes_turns_and_never_picks_someone_inactive(client, demo, as_user):
    _add_sales_person("zed", "offboarded")
    threads = seed_threads("emma", 6, EMMA_NUMBER)
    done = run_to_end(client, as_user, {"employee_id": "emma", "reassign": {"policy": "round_robin"}})
    assert Counter(owners(threads)) == {"employee#maya": 3, "employee#sam": 3}
    assert done["progress"]["moved_to"] == {"employee#maya": 3, "employee#sam": 3}
    # no named successor: the number goes to the team's inbox
    assert PhoneNumber.get(EMMA_NUMBER).assignee == "team#sales"


def test_least_loaded_fills_the_emptiest_inbox_first(client, demo, as_user):
    seed_threads("sam", 4, "+14155550102", first_customer=12065570000)
    threads = seed_threads("emma", 6, EMMA_NUMBER)
    done = run_to_end(client, as_user, {"employee_id": "emma", "reassign": {"policy": "least_loaded"}})
    # maya starts at 0 and sam at 4: maya takes 5 (to 5), then they alternate from equal
    assert done["progress"]["moved_to"] == {"employee#maya": 5, "employee#sam": 1}
    assert Counter(owners(threads)) == {"employee#maya": 5, "employee#sam": 1}


def test_mapping_sends_chosen_customers_to_chosen_people_and_the_rest_by_fallback(client, demo, as_user):
    threads = seed_threads("emma", 4, EMMA_NUMBER)
    body = {
        "employee_id": "emma",
        "reassign": {
            "policy": "mapping",
            "customers": {"+12065560001": "tia", "+12065560003": "omar"},
            "fallback": {"policy": "successor", "successor": "sam"},
        },
        "numbers": {"policy": "successor", "to": "maya"},
    }
    done = run_to_end(client, as_user, body)
    assert owners(threads) == ["employee#sam", "employee#tia", "employee#sam", "employee#omar"]
    assert done["progress"]["moved_to"] == {"employee#sam": 2, "employee#tia": 1, "employee#omar": 1}
    assert PhoneNumber.get(EMMA_NUMBER).assignee == "employee#maya"


def test_a_successor_who_leaves_mid_run_receives_nothing(client, demo, as_user, monkeypatch):
    from chalicelib.offboarding import steps

    threads = seed_threads("emma", 3, EMMA_NUMBER)
    original = steps.move_threads

    def sam_leaves_first(run_id):
        Employee.get("sam").update(actions=[Employee.status.set("offboarded")])
        return original(run_id)

    monkeypatch.setattr(steps, "move_threads", sam_leaves_first)
    done = run_to_end(client, as_user, {"employee_id": "emma", "reassign": {"policy": "successor", "successor": "sam"}})
    assert set(owners(threads)) == {"team#sales"}
    assert done["progress"]["moved_to"] == {"team#sales": 3}
    assert PhoneNumber.get(EMMA_NUMBER).assignee == "team#sales"


def test_number_returned_to_the_pool(client, demo, as_user):
    body = {"employee_id": "emma", "reassign": {"policy": "manager"}, "numbers": {"policy": "pool"}}
    done = run_to_end(client, as_user, body)
    number = PhoneNumber.get(EMMA_NUMBER)
    assert (number.status, number.assignee) == ("available", None)
    assert done["progress"]["numbers_moved"] == 1
    assert done["report"]["numbers"] == {EMMA_NUMBER: "returned to the pool"}


def test_number_quarantined_for_the_chosen_days(client, demo, as_user):
    body = {"employee_id": "emma", "reassign": {"policy": "manager"}, "numbers": {"policy": "quarantine", "days": 14}}
    done = run_to_end(client, as_user, body)
    number = PhoneNumber.get(EMMA_NUMBER)
    assert (number.status, number.assignee) == ("quarantined", None)
    assert number.quarantined_until[:10] == ids.iso(ids.now() + timedelta(days=14))[:10]
    assert done["report"]["numbers"][EMMA_NUMBER].startswith("quarantined until ")
