"""Safe to retry and to resume: an interrupted run is redriven, nothing moves or is sent twice."""

from __future__ import annotations

import json
from collections import Counter
from types import SimpleNamespace

from botocore.exceptions import ClientError

from chalicelib import ids
from chalicelib.offboarding import notices, steps
from chalicelib.store.models import AuditEvent, Contact, OffboardingRun, Thread
from devstack.seed import seed_threads
from tests import fake_carrier
from tests.offboarding_support import EMMA_NUMBER, history, owned_by, owners, start, status, wait

TO_SAM = {"employee_id": "emma", "reassign": {"policy": "successor", "successor": "sam"}}


def redrive(client, as_user, run_id):
    response = client.http.post(f"/offboardings/{run_id}/redrive", headers=as_user("hal", "hr"))
    assert response.status_code == 202, response.body
    wait(run_id)
    return status(client, as_user, run_id)


def audited_moves(run_id):
    events = [e for m in {e.month for e in AuditEvent.scan()} for e in AuditEvent.query(m)]
    moved = [
        t
        for e in events
        if e.action == "offboarding.threads_moved" and e.target_id == run_id
        for t in e.after["threads"]
    ]
    return Counter(moved)


def test_run_interrupted_mid_page_is_redriven_and_moves_every_thread_once(client, demo, as_user, monkeypatch):
    monkeypatch.setenv("OFFBOARDING_PAGE_SIZE", "5")
    threads = seed_threads("emma", 12, EMMA_NUMBER)
    original = steps._commit_moves
    calls = []

    def crash_mid_page(run, owner, moves):
        calls.append(len(moves))
        if len(calls) == 2:
            original(run, owner, moves[:2])  # two threads of the page committed, then the Lambda dies
            raise RuntimeError("the task died mid-page")
        return original(run, owner, moves)

    monkeypatch.setattr(steps, "_commit_moves", crash_mid_page)
    everything = owned_by("emma")  # the 12, then the demo's own conversations (newer)
    run_id = start(client, as_user, TO_SAM)["run_id"]
    wait(run_id, "FAILED")
    failed = status(client, as_user, run_id)
    assert failed["status"] == "failed"
    assert failed["error"] == "RuntimeError in step threads: the task died mid-page"
    assert failed["progress"]["threads_moved"] == 7
    assert Counter(owners(threads)) == {"employee#sam": 7, "employee#emma": 5}

    done = redrive(client, as_user, run_id)
    assert done["status"] == "succeeded" and done["attempt"] == 2
    assert done["progress"]["threads_moved"] == len(everything)
    assert done["progress"]["moved_to"] == {"employee#sam": len(everything)}
    for thread in (Thread.get(t) for t in everything):
        assert (thread.owner, thread.previous_owner, thread.moved_by_run) == ("employee#sam", "employee#emma", run_id)
    assert audited_moves(run_id) == Counter({t: 1 for t in everything})
    assert OffboardingRun.get(run_id).execution_arn.endswith(f":{run_id}-2")


def test_notices_skip_opted_out_customers_and_are_sent_once_across_a_redrive(client, demo, as_user, monkeypatch):
    threads = seed_threads("emma", 5, EMMA_NUMBER)
    Contact(customer_number="+12065560001", business_number=EMMA_NUMBER, opted_out=True, created_at=ids.iso()).save()
    real_send, calls = notices.send, []

    def dies_once_before_the_third_send(sender_id, thread, body, idempotency_key):
        calls.append(thread.thread_id)
        if len(calls) == 3:
            print("CALLS", calls)
            raise RuntimeError("the task died before sending")
        return real_send(sender_id, thread, body, idempotency_key)

    monkeypatch.setattr(notices, "send", dies_once_before_the_third_send)
    everything = owned_by("emma")
    with fake_carrier.serving(monkeypatch) as carrier:
        run_id = start(client, as_user, {**TO_SAM, "notify_customers": True})["run_id"]
        wait(run_id, "FAILED")
        failed = status(client, as_user, run_id)
        assert failed["error"] == "RuntimeError in step notify_customers: the task died before sending"
        done = redrive(client, as_user, run_id)
        sent = [dict(r.form()) for r in carrier.sends()]
    demo_customers = [Thread.get(t).customer_number for t in everything if t not in threads]
    expected = [f"+1206556000{n}" for n in (0, 2, 3, 4)] + demo_customers
    assert Counter(s["To"] for s in sent) == {customer: 1 for customer in expected}
    assert {s["From"] for s in sent} == {EMMA_NUMBER}
    assert all("Sam Sales will take care of you" in s["Body"] and "Emma Sales" in s["Body"] for s in sent)
    progress = done["progress"]
    assert (progress["customers_notified"], progress["customers_skipped"]) == (len(expected), 1)
    assert progress["skipped"] == {"opted_out": 1}
    assert done["report"]["skipped_customers"] == [
        {"thread_id": threads[1], "customer": "+1206***0001", "reason": "opted_out"}
    ]
    assert [s["employee_id"] for s in done["report"]["successors"]] == ["sam"]
    assert progress["successors_notified"] == 1


def test_transient_errors_are_retried_with_backoff(client, demo, as_user, monkeypatch):
    from moto.stepfunctions.parser.asl.component.common.retry import retrier_decl

    waits: list[float] = []
    monkeypatch.setattr(retrier_decl, "time", SimpleNamespace(sleep=waits.append))
    original = steps.lock
    throttled = []

    def throttled_once(run_id):
        if not throttled:
            throttled.append(run_id)
            raise ClientError({"Error": {"Code": "ThrottlingException", "Message": "slow down"}}, "UpdateItem")
        return original(run_id)

    monkeypatch.setattr(steps, "lock", throttled_once)
    run_id = start(client, as_user, TO_SAM)["run_id"]
    execution = wait(run_id)
    assert len(waits) == 1 and 0 <= waits[0] <= 2
    failed = [e for e in history(execution["executionArn"]) if e["type"] == "TaskFailed"]
    assert [e["taskFailedEventDetails"]["error"] for e in failed] == ["TransientError"]


def test_threads_created_for_the_leaver_mid_run_are_swept(client, demo, as_user, monkeypatch):
    seed_threads("emma", 2, EMMA_NUMBER)
    original = steps.move_numbers
    late = []

    def a_thread_appears(run_id):
        late.extend(seed_threads("emma", 1, EMMA_NUMBER, first_customer=12065590000))
        return original(run_id)

    monkeypatch.setattr(steps, "move_numbers", a_thread_appears)
    everything = owned_by("emma")
    run_id = start(client, as_user, TO_SAM)["run_id"]
    wait(run_id)
    assert set(owners(everything + late)) == {"employee#sam"}
    assert status(client, as_user, run_id)["progress"]["threads_moved"] == len(everything) + 1


def test_pages_keep_thread_lists_out_of_the_state(client, demo, as_user, monkeypatch):
    monkeypatch.setenv("OFFBOARDING_PAGE_SIZE", "5")
    seed_threads("emma", 12, EMMA_NUMBER)
    run_id = start(client, as_user, TO_SAM)["run_id"]
    events = history(wait(run_id)["executionArn"])
    entered = [e for e in events if e["type"] == "TaskStateEntered"]
    assert [e["stateEnteredEventDetails"]["name"] for e in entered].count("MoveThreads") == 3
    payloads = [json.dumps(e.get("stateEnteredEventDetails", {}).get("input", "")) for e in events]
    assert max(len(p) for p in payloads) < 1024
