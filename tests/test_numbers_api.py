"""The number inventory over HTTP: lifecycle with history, quarantine, carrier webhooks, import, bad input."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from chalicelib import ids
from chalicelib.carriers import provisioning
from chalicelib.store.models import AuditEvent, Employee, PhoneNumber
from tests.fake_carrier_api import carrier_api_fixture, carrier_api_server_fixture  # noqa: F401

BASE = "https://api.keepline.example/api"  # PUBLIC_BASE_URL in the test environment
HOOKS = "https://a1b2c3d4e5.execute-api.us-east-1.amazonaws.com"  # the webhooks' HTTP API on AWS


def call(client, method, path, headers, body=None):
    response = getattr(client.http, method)(path, headers=headers, body=json.dumps(body) if body is not None else None)
    return response.status_code, json.loads(response.body or b"null")


def audit_actions(target: str) -> list[str]:
    events = [e for month in {e.month for e in AuditEvent.scan()} for e in AuditEvent.query(month)]
    return [e.action for e in events if e.target_id == target]


def test_assignment_lifecycle_with_history_quarantine_and_audit(demo, client, as_user, carrier_api):
    admin = as_user("ada", "admin")
    status, added = call(client, "post", "/numbers", admin, {"e164": "+1 (415) 555-0150", "carrier": "twilio"})
    assert status == 201 and added["e164"] == "+14155550150" and added["status"] == "available"
    carrier_api.numbers["twilio"].append("+14155550150")

    status, body = call(client, "put", "/numbers/+14155550150/assignment", admin, {"employee_id": "emma"})
    assert status == 200, body
    assert (body["status"], body["assignee"], body["webhooks"]) == ("assigned", "employee#emma", "configured")
    assert body["carrier_ref"] == "PN14155550150"  # looked up on the carrier account, then kept

    status, body = call(client, "put", "/numbers/+14155550150/assignment", admin, {"employee_id": "sam"})
    assert status == 409 and "already assigned to employee#emma" in body["message"] and body["field"] == "e164"

    status, body = call(client, "put", "/numbers/+14155550150/assignment", admin, {"team_id": "sales", "replace": True})
    assert status == 200 and body["assignee"] == "team#sales"

    status, body = call(client, "delete", "/numbers/+14155550150/assignment?quarantine_days=14", admin)
    assert status == 200 and body["status"] == "quarantined" and body["assignee"] is None
    assert body["quarantined_until"][:10] == ids.iso(ids.now() + timedelta(days=14))[:10]

    status, body = call(client, "put", "/numbers/+14155550150/assignment", admin, {"employee_id": "sam"})
    assert status == 409 and "quarantined until" in body["message"]

    status, body = call(client, "post", "/numbers/+14155550150/release", admin, {"reason": "not needed"})
    assert status == 200 and body["status"] == "released"

    status, body = call(client, "get", "/numbers/%2B14155550150/history", admin)
    assert status == 200
    assert [(h["action"], h["assignee"], h["previous_assignee"]) for h in body["history"]] == [
        ("added", None, None),
        ("assigned", "employee#emma", None),
        ("reassigned", "team#sales", "employee#emma"),
        ("quarantined", None, "team#sales"),
        ("released", None, None),
    ]
    assert {h["actor_id"] for h in body["history"]} == {"ada"}
    assert audit_actions("+14155550150") == [
        "number.added",
        "number.assigned",
        "number.webhooks_configured",
        "number.reassigned",
        "number.webhooks_configured",
        "number.quarantined",
        "number.released",
    ]


def test_quarantine_ends_after_its_cool_off(demo, client, as_user, carrier_api):
    admin = as_user("ada", "admin")
    call(client, "delete", "/numbers/+14155550101/assignment", admin)
    number = PhoneNumber.get("+14155550101")
    assert number.status == "quarantined"
    number.update(actions=[PhoneNumber.quarantined_until.set(ids.iso(ids.now() - timedelta(seconds=1)))])
    status, body = call(client, "put", "/numbers/+14155550101/assignment", admin, {"employee_id": "sam"})
    assert status == 200 and body["assignee"] == "employee#sam"


def test_quarantine_period_comes_from_settings(demo, client, as_user, monkeypatch):
    monkeypatch.setenv("KEEPLINE_QUARANTINE_DAYS", "3")
    status, body = call(client, "delete", "/numbers/+14155550101/assignment", as_user("ada", "admin"))
    assert status == 200
    assert body["quarantined_until"][:10] == ids.iso(ids.now() + timedelta(days=3))[:10]
    status, body = call(
        client, "delete", "/numbers/+14155550102/assignment", as_user("ada", "admin"), {"quarantine_days": 0}
    )
    assert (status, body["status"]) == (200, "available")


@pytest.mark.parametrize(
    ("e164", "carrier", "expected"),
    [
        (
            "+14155550101",
            "twilio",
            {"SmsUrl": f"{BASE}/webhooks/twilio/messages", "VoiceUrl": f"{BASE}/webhooks/twilio/voice"},
        ),
        (
            "+14155550103",
            "telnyx",
            {"webhook_url": f"{BASE}/webhooks/telnyx", "webhook_event_url": f"{BASE}/webhooks/telnyx/voice"},
        ),
        ("+14155550104", "bandwidth", {"InboundCallbackUrl": f"{BASE}/webhooks/bandwidth/messages"}),
        (
            "+14155550105",
            "vonage",
            {"moHttpUrl": f"{BASE}/webhooks/vonage/inbound", "msisdn": "14155550105", "country": "US"},
        ),
    ],
)
def test_assigning_points_each_carriers_webhooks_here(demo, client, as_user, carrier_api, e164, carrier, expected):
    status, body = call(
        client, "put", f"/numbers/{e164}/assignment", as_user("ada", "admin"), {"employee_id": "omar", "replace": True}
    )
    assert status == 200 and body["webhooks"] == "configured", body
    sent: dict[str, str] = {}
    for seen in carrier_api.updates(carrier):
        if carrier == "bandwidth":
            assert seen.headers["content-type"] == "application/xml"
            sent.update({k: v for k, v in expected.items() if f"<{k}>{v}</{k}>" in seen.body.decode()})
        elif carrier == "telnyx":
            sent.update(seen.json())
        else:
            sent.update(seen.form())
    assert {k: sent.get(k) for k in expected} == expected
    stored = PhoneNumber.get(e164).webhooks
    assert stored["status"] == "configured" and set(stored["urls"].values()) >= {
        v for v in expected.values() if v.startswith("http")
    }


def test_assigned_numbers_are_pointed_at_the_webhook_url_when_it_is_set(
    demo, client, as_user, carrier_api, monkeypatch
):
    monkeypatch.setenv("WEBHOOK_BASE_URL", HOOKS)
    status, body = call(
        client,
        "put",
        "/numbers/+14155550101/assignment",
        as_user("ada", "admin"),
        {"employee_id": "omar", "replace": True},
    )
    assert status == 200 and body["webhooks"] == "configured", body
    sent = {k: v for seen in carrier_api.updates("twilio") for k, v in seen.form().items()}
    assert (sent["SmsUrl"], sent["VoiceUrl"]) == (f"{HOOKS}/webhooks/twilio/messages", f"{HOOKS}/webhooks/twilio/voice")
    assert PhoneNumber.get("+14155550101").webhooks["urls"] == provisioning.webhook_urls("twilio")
    for carrier, paths in provisioning.WEBHOOK_PATHS.items():
        assert provisioning.webhook_urls(carrier) == {purpose: HOOKS + path for purpose, path in paths.items()}


def test_a_carrier_failure_keeps_the_assignment_and_is_reported_and_audited(demo, client, as_user, carrier_api):
    carrier_api.fail["twilio"] = 401
    status, body = call(
        client, "put", "/numbers/+14155550106/assignment", as_user("ada", "admin"), {"employee_id": "sam"}
    )
    assert status == 200
    assert body["assignee"] == "employee#sam" and body["webhooks"] == "failed: carrier API answered 401"
    number = PhoneNumber.get("+14155550106")
    assert number.status == "assigned" and number.webhooks["status"].startswith("failed")
    assert audit_actions("+14155550106") == ["number.assigned", "number.webhooks_failed"]


def test_missing_carrier_credentials_skip_webhooks_but_assign(demo, client, as_user, carrier_api, monkeypatch):
    monkeypatch.delenv("TELNYX_API_KEY")
    status, body = call(
        client,
        "put",
        "/numbers/+14155550103/assignment",
        as_user("ada", "admin"),
        {"employee_id": "emma", "replace": True},
    )
    assert status == 200 and body["webhooks"] == "skipped: telnyx API credentials are missing: TELNYX_API_KEY"
    assert audit_actions("+14155550103")[-1] == "number.webhooks_skipped"


def test_the_local_stack_never_calls_a_real_carrier(environment, monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:5999")
    outcome = provisioning.point_webhooks("twilio", "+14155550101", "PN1")
    assert outcome.status == f"skipped: twilio {provisioning.LOCAL_ONLY} (https://api.twilio.com)"


@pytest.mark.parametrize(
    ("carrier", "added"),
    [
        ("twilio", ["+14155550160", "+14155550161", "+14155550162"]),
        ("telnyx", ["+14155550170"]),
        ("bandwidth", ["+19195550180"]),
        ("vonage", ["+447700900190"]),
    ],
)
def test_import_adds_what_the_carrier_account_has_across_pages(demo, client, as_user, carrier_api, carrier, added):
    carrier_api.page_size = 1
    status, body = call(client, "post", "/numbers/import", as_user("ada", "admin"), {"carrier": carrier})
    assert status == 200, body
    assert body["added"] == added and body["found"] == len(carrier_api.numbers[carrier])
    assert all(PhoneNumber.get(n).carrier == carrier for n in added)
    assert audit_actions(carrier) == ["numbers.imported"]
    assert all(audit_actions(n) == ["number.added"] for n in added)
    status, again = call(client, "post", "/numbers/import", as_user("ada", "admin"), {"carrier": carrier})
    assert again["added"] == [] and len(again["existing"]) == body["found"]


def test_number_settings_are_validated_and_audited(demo, client, as_user):
    admin = as_user("ada", "admin")
    hours = {"tz": "America/Los_Angeles", "weekly": {"mon": [["09:00", "17:00"]]}}
    status, body = call(client, "patch", "/numbers/+14155550101", admin, {"label": "Emma's line", "hours": hours})
    assert status == 200 and body["label"] == "Emma's line" and body["hours"] == hours
    event = AuditEvent.query(ids.iso()[:7], scan_index_forward=False, limit=1).next()
    assert (event.action, event.before["label"], event.after["label"]) == ("number.updated", None, "Emma's line")
    bad = {"tz": "Mars/Olympus", "weekly": {}}
    assert call(client, "patch", "/numbers/+14155550101", admin, {"hours": bad})[1]["field"] == "hours.tz"
    assert call(client, "patch", "/numbers/+14155550101", admin, {"owner": "x"})[1]["field"] == "owner"


@pytest.mark.parametrize(
    ("method", "path", "body", "status", "field"),
    [
        ("post", "/numbers", {"e164": "12", "carrier": "twilio"}, 400, "e164"),
        ("post", "/numbers", {"e164": "+14155550199", "carrier": "acme"}, 400, "carrier"),
        ("post", "/numbers", {"carrier": "twilio"}, 400, "e164"),
        ("post", "/numbers", {"e164": "+14155550101", "carrier": "twilio"}, 409, "e164"),
        ("post", "/numbers/import", {"carrier": "acme"}, 400, "carrier"),
        ("get", "/numbers/not-a-number", None, 400, "e164"),
        ("put", "/numbers/+14155550106/assignment", {"employee_id": "ghost"}, 400, "assignee"),
        ("put", "/numbers/+14155550106/assignment", {"assignee": "somebody"}, 400, "assignee"),
        ("put", "/numbers/+14155550106/assignment", {}, 400, "assignee"),
        ("put", "/numbers/+14155550106/assignment", {"team_id": "sales", "replace": "yes"}, 400, "replace"),
        ("put", "/numbers/+14155550106/assignment", {"employee_id": "sam", "team_id": "sales"}, 400, "assignee"),
        ("delete", "/numbers/+14155550101/assignment?quarantine_days=abc", None, 400, "quarantine_days"),
        ("delete", "/numbers/+14155550101/assignment?quarantine_days=-1", None, 400, "quarantine_days"),
        ("delete", "/numbers/+14155550106/assignment", None, 409, "e164"),
        ("post", "/numbers/+14155550101/release", {}, 409, "e164"),
        ("get", "/numbers?status=lost", None, 400, "status"),
        ("get", "/numbers?limit=0", None, 400, "limit"),
        ("get", "/numbers?next=%%%", None, 400, "next"),
    ],
)
def test_bad_input_names_the_field(demo, client, as_user, method, path, body, status, field):
    got, answer = call(client, method, path, as_user("ada", "admin"), body)
    assert (got, answer.get("field")) == (status, field), answer
    assert answer["message"]


def test_assigning_to_an_offboarded_person_is_refused(demo, client, as_user):
    Employee.get("sam").update(actions=[Employee.status.set("offboarded")])
    status, body = call(
        client, "put", "/numbers/+14155550106/assignment", as_user("ada", "admin"), {"employee_id": "sam"}
    )
    assert (status, body["field"]) == (400, "assignee") and "sam, who is offboarded" in body["message"]


def test_unknown_numbers_on_the_path_are_404(demo, client, as_user):
    for method, path in [("get", "/numbers/+14155550199"), ("get", "/numbers/+14155550199/history")]:
        assert call(client, method, path, as_user("ada", "admin"))[0] == 404


def test_employees_see_only_their_own_and_their_teams_numbers(demo, client, as_user):
    status, body = call(client, "get", "/numbers", as_user("tia"))
    assert status == 200
    assert sorted(n["e164"] for n in body["numbers"]) == ["+14155550104", "+14155550105"]  # team service + own
    assert call(client, "get", "/numbers/+14155550105", as_user("tia"))[0] == 200
    assert call(client, "get", "/numbers/+14155550101", as_user("tia"))[0] == 403


def test_the_inventory_pages_and_filters(demo, client, as_user):
    seen, cursor = [], ""
    while True:
        status, body = call(client, "get", f"/numbers?limit=4{cursor}", as_user("cora", "compliance"))
        assert status == 200 and len(body["numbers"]) <= 4
        seen += [n["e164"] for n in body["numbers"]]
        if not body["next"]:
            break
        cursor = f"&next={body['next']}"
    assert sorted(seen) == [f"+1415555010{i}" for i in range(1, 7)]
    status, body = call(client, "get", "/numbers?status=available", as_user("ada", "admin"))
    assert [n["e164"] for n in body["numbers"]] == ["+14155550106"]
    status, body = call(client, "get", "/numbers?assignee=team%23service", as_user("ada", "admin"))
    assert [n["e164"] for n in body["numbers"]] == ["+14155550104"]
