"""Each reassignment and number policy, run through the real definition on the emulator with the app's handlers."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

from chalicelib import ids
from chalicelib.store.models import Employee, PhoneNumber
from devstack import emulator
from devstack.seed import seed_threads
from tests.offboarding_support import EMMA_NUMBER, owned_by, owners, run_to_end


def test_successor_policy_moves_every_thread_and_the_number(client, demo, as_user):
    seed_threads("emma", 7, EMMA_NUMBER)
    everything = owned_by("emma")  # the 7 and the demo's own conversations
    done = run_to_end(client, as_user, {"employee_id": "emma", "reassign": {"policy": "successor", "successor": "sam"}})
    assert done["status"] == "succeeded"
    assert done["progress"]["threads_moved"] == len(everything) == 9
    assert done["progress"]["moved_to"] == {"employee#sam": 9}
    assert set(owners(everything)) == {"employee#sam"}
    number = PhoneNumber.get(EMMA_NUMBER)
    assert (number.status, number.assignee, number.assignee_locked) == ("assigned", "employee#sam", False)
    assert Employee.get("emma").status == "offboarded"
    assert "offboarding_move_threads" in emulator.invocations


def test_manager_policy_hands_everything_to_the_manager(client, demo, as_user):
    seed_threads("emma", 3, EMMA_NUMBER)
    everything = owned_by("emma")
    done = run_to_end(client, as_user, {"employee_id": "emma", "reassign": {"policy": "manager"}})
    assert done["progress"]["moved_to"] == {"employee#maya": len(everything)}
    assert set(owners(everything)) == {"employee#maya"}
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
    seed_threads("emma", 6, EMMA_NUMBER)
    everything = owned_by("emma")  # 8 with the demo's two
    done = run_to_end(client, as_user, {"employee_id": "emma", "reassign": {"policy": "round_robin"}})
    assert Counter(owners(everything)) == {"employee#maya": 4, "employee#sam": 4}
    assert done["progress"]["moved_to"] == {"employee#maya": 4, "employee#sam": 4}
    # no named successor: the number goes to the team's inbox
    assert PhoneNumber.get(EMMA_NUMBER).assignee == "team#sales"


def test_least_loaded_fills_the_emptiest_inbox_first(client, demo, as_user):
    seed_threads("sam", 4, "+14155550102", first_customer=12065570000)
    seed_threads("emma", 6, EMMA_NUMBER)
    everything = owned_by("emma")  # 8 with the demo's two
    done = run_to_end(client, as_user, {"employee_id": "emma", "reassign": {"policy": "least_loaded"}})
    # maya starts at 0 and sam at 4: maya takes 4 (to 4), then they alternate from equal, maya first
    assert done["progress"]["moved_to"] == {"employee#maya": 6, "employee#sam": 2}
    assert Counter(owners(everything)) == {"employee#maya": 6, "employee#sam": 2}


def test_mapping_sends_chosen_customers_to_chosen_people_and_the_rest_by_fallback(client, demo, as_user):
    threads = seed_threads("emma", 4, EMMA_NUMBER)
    demo_threads = len(owned_by("emma")) - 4
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
    assert done["progress"]["moved_to"] == {"employee#sam": 2 + demo_threads, "employee#tia": 1, "employee#omar": 1}
    assert PhoneNumber.get(EMMA_NUMBER).assignee == "employee#maya"


def test_a_successor_who_leaves_mid_run_receives_nothing(client, demo, as_user, monkeypatch):
    from chalicelib.offboarding import steps

    threads = seed_threads("emma", 3, EMMA_NUMBER)
    original = steps.move_threads

    def sam_leaves_first(run_id):
        Employee.get("sam").update(actions=[Employee.status.set("offboarded")])
        return original(run_id)

    monkeypatch.setattr(steps, "move_threads", sam_leaves_first)
    everything = owned_by("emma")
    done = run_to_end(client, as_user, {"employee_id": "emma", "reassign": {"policy": "successor", "successor": "sam"}})
    assert set(owners(threads)) == {"team#sales"}
    assert done["progress"]["moved_to"] == {"team#sales": len(everything)}
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
