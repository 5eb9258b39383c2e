"""Each reassignment policy, run through the real definition on the emulator with the app's handlers."""

from __future__ import annotations

import json

from chalicelib.store.models import Employee, Thread
from devstack import emulator
from devstack.seed import seed_threads
from tests.conftest import wait_for_execution

EMMA_NUMBER = "+14155550101"


def start(client, as_user, body):
    response = client.http.post("/offboardings", headers=as_user("hal", "hr"), body=json.dumps(body))
    assert response.status_code == 202, response.body
    return json.loads(response.body)


def finish(client, as_user, run):
    from chalicelib.store.models import OffboardingRun

    arn = OffboardingRun.get(run["run_id"]).execution_arn
    done = wait_for_execution(arn)
    assert done["status"] == "SUCCEEDED", OffboardingRun.get(run["run_id"]).error
    response = client.http.get(f"/offboardings/{run['run_id']}", headers=as_user("hal", "hr"))
    assert response.status_code == 200, response.body
    return json.loads(response.body)


def owners(thread_ids):
    return [Thread.get(t).owner for t in thread_ids]


def test_successor_policy_moves_every_thread(client, demo, as_user):
    threads = seed_threads("emma", 7, EMMA_NUMBER)
    run = start(client, as_user, {"employee_id": "emma", "reassign": {"policy": "successor", "successor": "sam"}})
    status = finish(client, as_user, run)
    assert status["status"] == "succeeded"
    assert status["progress"]["threads_moved"] == 7
    assert set(owners(threads)) == {"employee#sam"}
    assert Employee.get("emma").status == "offboarded"
    assert "offboarding_move_threads" in emulator.invocations
