"""Legal holds: ON for every existing object in scope and for every future one, audited, released."""

from __future__ import annotations

import json

from app import app
from chalicelib import audit, aws
from chalicelib.archive import documents, legal_hold
from chalicelib.settings import get_settings
from chalicelib.store.models import AuditEvent
from devstack import pump
from tests.archive_helpers import (
    add_status,
    carrier_fixture,  # noqa: F401 - provides the `carrier` fixture
    objects,
    store_message,
    thread_of,
)

OTHER = "+12065550999"


def _held(prefix: str) -> dict[str, str]:
    return {k: h.get("ObjectLockLegalHoldStatus", "OFF") for k, h in objects(prefix).items()}


def _place(client, as_user, scope: str, value: str) -> dict:
    response = client.http.post(
        "/legal-holds",
        headers=as_user("cora", "compliance"),
        body=json.dumps({"scope": scope, "value": value, "reason": "Smith v. Keepline Co."}),
    )
    assert response.status_code == 201, response.body
    pump.drain(app)  # the work queue sets the hold on existing objects
    hold = json.loads(response.body)
    listed = json.loads(client.http.get("/legal-holds", headers=as_user("cora", "compliance")).body)["holds"]
    return next(h for h in listed if h["hold_id"] == hold["hold_id"])


def test_hold_on_a_thread_covers_existing_and_future_objects_until_released(client, as_user, carrier):
    store_message("before the hold", kind="mms", media_urls=("https://media.example/a",))
    store_message("another customer", customer=OTHER)
    pump.drain(app)

    hold = _place(client, as_user, "thread", thread_of())
    assert hold["objects_held"] == 3  # the message record, the media record and the media file
    assert set(_held(f"records/threads/{thread_of()}/").values()) == {"ON"}
    assert set(_held("media/").values()) == {"ON"}
    assert set(_held(f"records/threads/{thread_of(OTHER)}/").values()) == {"OFF"}

    store_message("after the hold", statuses=("received",))
    pump.drain(app)
    assert set(_held(f"records/threads/{thread_of()}/").values()) == {"ON"}
    assert len(_held(f"records/threads/{thread_of()}/")) == 3  # + the new message, its status inside it

    listed = json.loads(client.http.get("/legal-holds", headers=as_user("cora", "compliance")).body)["holds"]
    assert [h["hold_id"] for h in listed] == [hold["hold_id"]]
    released = client.http.post(f"/legal-holds/{hold['hold_id']}/release", headers=as_user("cora", "compliance"))
    assert released.status_code == 200 and json.loads(released.body)["status"] == "released"
    pump.drain(app)
    assert set(_held(f"records/threads/{thread_of()}/").values()) == {"OFF"}
    store_message("after the release")
    pump.drain(app)
    assert set(_held(f"records/threads/{thread_of()}/").values()) == {"OFF"}

    actions = [(e.action, e.target_id) for e in AuditEvent.scan() if e.target_type == "legal_hold"]
    assert sorted(actions) == [("legal_hold.placed", hold["hold_id"]), ("legal_hold.released", hold["hold_id"])]
    again = client.http.post(f"/legal-holds/{hold['hold_id']}/release", headers=as_user("cora", "compliance"))
    assert again.status_code == 409


def test_an_object_archived_with_a_cache_from_before_the_hold_is_held_by_the_second_pass(
    client, as_user, carrier, monkeypatch
):
    """An archiver that looked at the holds just before one was placed may write one object unheld."""
    monkeypatch.setattr(legal_hold, "CACHE_SECONDS", 3600)  # however slow this machine, still within its life
    legal_hold.active()  # this archiver's cache: no hold yet
    monkeypatch.setattr(legal_hold, "forget", lambda: None)  # the hold is placed by another Lambda
    hold = _place(client, as_user, "thread", thread_of())
    store_message("archived in the seconds after the hold")
    pump.drain(app)
    assert set(_held(f"records/threads/{thread_of()}/").values()) == {"OFF"}  # the stale cache said no hold

    url = aws.queue_url(get_settings().work_queue_name)
    attributes = aws.client("sqs").get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert attributes["ApproximateNumberOfMessagesDelayed"] == "1"  # the second pass, after the caches expire
    legal_hold.apply(hold["hold_id"])  # what that delayed task runs
    assert set(_held(f"records/threads/{thread_of()}/").values()) == {"ON"}
    monkeypatch.undo()
    legal_hold.forget()  # leave no stale cache to the next test


def test_hold_on_a_customer_number_and_on_an_employee(client, as_user, carrier):
    store_message("customer one")
    store_message("customer two", customer=OTHER, direction="outbound", sender="sam", owner="employee#sam", nudge=True)
    audit.record("sam", "thread.reassigned", "thread", "th_x")
    documents.put("offboarding", "sam-manifest.json", {"employee_id": "sam"}, employee_id="sam")
    pump.drain(app)

    _place(client, as_user, "customer", "206-555-0123")
    assert set(_held(f"records/threads/{thread_of()}/").values()) == {"ON"}
    assert set(_held(f"records/threads/{thread_of(OTHER)}/").values()) == {"OFF"}

    _place(client, as_user, "employee", "sam")
    assert set(_held(f"records/threads/{thread_of(OTHER)}/").values()) == {"ON"}
    assert set(_held("documents/").values()) == {"ON"}
    sam_audit = [k for k, v in _held("records/audit/").items() if v == "ON"]
    assert len(sam_audit) == 1

    again = store_message(
        "sam writes again", customer="+12065550777", direction="outbound", sender="sam", owner="employee#sam"
    )
    add_status(again, "delivered")  # archived once it settles
    pump.drain(app)
    assert set(_held(f"records/threads/{thread_of('+12065550777')}/").values()) == {"ON"}


def test_legal_holds_are_for_compliance_and_validated(client, as_user, carrier):
    body = json.dumps({"scope": "thread", "value": thread_of()})
    assert client.http.post("/legal-holds", headers=as_user("ada", "admin"), body=body).status_code == 403
    bad = client.http.post(
        "/legal-holds", headers=as_user("cora", "compliance"), body=json.dumps({"scope": "x", "value": "y"})
    )
    assert bad.status_code == 400 and json.loads(bad.body)["field"] == "scope"
    _place(client, as_user, "thread", thread_of())
    twice = client.http.post("/legal-holds", headers=as_user("cora", "compliance"), body=body)
    assert twice.status_code == 409
