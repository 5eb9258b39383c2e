"""The HR API: start (202), one run at a time (409), HR only (403), status, report in the archive, schedule, preview."""

from __future__ import annotations

import json
import time
from datetime import timedelta

from chalicelib import aws, ids
from chalicelib.settings import get_settings
from chalicelib.store.models import Employee, OffboardingRun, Thread
from devstack.seed import seed_threads
from tests.offboarding_support import EMMA_NUMBER, history, start, status, wait

TO_SAM = {"employee_id": "emma", "reassign": {"policy": "successor", "successor": "sam"}}


def test_start_answers_202_revokes_access_at_once_and_refuses_a_second_start(client, demo, as_user):
    assert client.http.get("/me", headers=as_user("emma")).status_code == 200
    run = start(client, as_user, TO_SAM)
    assert run["status"] == "running" and run["run_id"].startswith("off_")
    assert client.http.get("/me", headers=as_user("emma")).status_code == 401
    second = start(client, as_user, {**TO_SAM, "reassign": {"policy": "manager"}}, status=409)
    assert second["run_id"] == run["run_id"]
    wait(run["run_id"])
    assert start(client, as_user, TO_SAM, status=409)["message"] == "emma is offboarded"


def test_only_hr_may_start_watch_list_or_redrive(client, demo, as_user):
    run = start(client, as_user, TO_SAM)
    for who in (as_user("tia"), as_user("ada", "admin"), as_user("cora", "compliance")):
        assert client.http.post("/offboardings", headers=who, body=json.dumps(TO_SAM)).status_code == 403
        assert client.http.get("/offboardings", headers=who).status_code == 403
        assert client.http.get(f"/offboardings/{run['run_id']}", headers=who).status_code == 403
        assert client.http.post(f"/offboardings/{run['run_id']}/redrive", headers=who).status_code == 403
    assert client.http.get("/offboardings").status_code == 401
    wait(run["run_id"])


def test_bad_requests_name_the_field(client, demo, as_user):
    cases = [
        ({"employee_id": "ghost", "reassign": {"policy": "manager"}}, "employee_id"),
        ({"employee_id": "emma", "reassign": {"policy": "whoever"}}, "reassign.policy"),
        ({"employee_id": "emma", "reassign": {"policy": "successor", "successor": "emma"}}, "reassign.successor"),
        ({**TO_SAM, "numbers": {"policy": "quarantine"}}, "numbers.days"),
        ({**TO_SAM, "effective_at": "next tuesday"}, "effective_at"),
        ({"employee_id": "hal", "reassign": {"policy": "manager"}}, "reassign.policy"),
    ]
    for body, field in cases:
        assert start(client, as_user, body, status=400)["field"] == field
    Employee.get("sam").update(actions=[Employee.status.set("offboarded")])
    assert "who is offboarded" in start(client, as_user, TO_SAM, status=400)["message"]
    assert Employee.get("emma").status == "active" and Employee.get("emma").offboarding_run_id is None


def test_status_counts_and_the_report_locked_in_the_archive(client, demo, as_user):
    threads = seed_threads("emma", 4, EMMA_NUMBER)
    run_id = start(client, as_user, TO_SAM)["run_id"]
    wait(run_id)
    done = status(client, as_user, run_id)
    assert done["status"] == "succeeded" and done["step"] == "finalize"
    assert done["progress"]["threads_moved"] == 4 and done["progress"]["numbers_moved"] == 1
    report = done["report"]
    assert report["progress"]["moved_to"] == {"employee#sam": 4}
    assert report["numbers"] == {EMMA_NUMBER: "assigned to employee#sam"}
    assert report["manifest"]["threads_at_start"] == 4
    s3 = aws.client("s3")
    bucket = get_settings().archive_bucket
    stored = s3.get_object(Bucket=bucket, Key=done["report_key"])
    assert stored["ObjectLockMode"] == "COMPLIANCE"
    assert json.loads(stored["Body"].read())["run_id"] == run_id
    manifest = json.loads(s3.get_object(Bucket=bucket, Key=report["manifest"]["threads"][0])["Body"].read())
    assert sorted(t["thread_id"] for t in manifest) == sorted(threads)
    assert all(t["owner"] == "employee#emma" for t in manifest)
    listed = json.loads(client.http.get("/offboardings", headers=as_user("hal", "hr")).body)["offboardings"]
    assert [(r["run_id"], r["status"]) for r in listed] == [(run_id, "succeeded")]


def test_a_scheduled_run_waits_for_its_effective_time(client, demo, as_user):
    later = ids.now() + timedelta(days=2)
    run = start(client, as_user, {**TO_SAM, "effective_at": later.strftime("%Y-%m-%dT%H:%M:%SZ")})
    assert run["status"] == "scheduled" and run["effective_at"] == later.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert client.http.get("/me", headers=as_user("emma")).status_code == 200  # still at work until then
    start(client, as_user, TO_SAM, status=409)
    arn = OffboardingRun.get(run["run_id"]).execution_arn
    sfn = aws.client("stepfunctions")
    assert sfn.describe_execution(executionArn=arn)["status"] == "RUNNING"
    # The emulator runs the execution on its own thread: on a loaded machine the Wait comes a moment later.
    deadline = time.monotonic() + 30
    while "WaitStateEntered" not in [e["type"] for e in history(arn)] and time.monotonic() < deadline:
        time.sleep(0.2)
    assert "WaitStateEntered" in [e["type"] for e in history(arn)]
    assert sfn.describe_execution(executionArn=arn)["status"] == "RUNNING"  # waiting, not done
    sfn.stop_execution(executionArn=arn)


def test_preview_shows_who_would_receive_what_and_changes_nothing(client, demo, as_user):
    threads = seed_threads("emma", 4, EMMA_NUMBER)
    body = {"employee_id": "emma", "reassign": {"policy": "round_robin"}, "numbers": {"policy": "pool"}}
    response = client.http.post("/offboardings/preview", headers=as_user("hal", "hr"), body=json.dumps(body))
    assert response.status_code == 200, response.body
    preview = json.loads(response.body)
    assert preview["receives"] == {"employee#maya": 2, "employee#sam": 2}
    assert preview["numbers"] == {EMMA_NUMBER: "pool"}
    assert preview["sample"][0]["customer"] == "+1206***0000"
    assert {Thread.get(t).owner for t in threads} == {"employee#emma"}
    assert Employee.get("emma").status == "active"
