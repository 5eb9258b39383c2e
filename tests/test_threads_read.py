"""Unread counts: a customer's text adds one; opening the thread or replying from it clears them."""

from __future__ import annotations

import json

from chalicelib.messaging import records
from chalicelib.store.models import Thread
from tests import fake_carrier
from tests.fake_carrier import text_in

EMMA = "+14155550101"
CUSTOMER = "+12065550123"

carrier_api = fake_carrier.carrier_api


def _inbox(client, headers) -> dict[str, int]:
    threads = json.loads(client.http.get("/threads", headers=headers).body)["threads"]
    return {t["id"]: t["unread"] for t in threads}


def test_opening_a_thread_marks_it_read_for_its_owner_only(demo, client, as_user):
    text_in(client, "twilio", EMMA, CUSTOMER, "Are you open today?")
    text_in(client, "twilio", EMMA, CUSTOMER, "Or tomorrow?")
    thread_id = records.thread_id_for(EMMA, CUSTOMER)
    assert _inbox(client, as_user("emma"))[thread_id] == 2

    # Compliance reads everything but reading is not theirs to record; another employee may not.
    assert client.http.post(f"/threads/{thread_id}/read", headers=as_user("cora", "compliance")).status_code == 403
    assert client.http.post(f"/threads/{thread_id}/read", headers=as_user("sam")).status_code == 403
    assert Thread.get(thread_id).unread == 2

    response = client.http.post(f"/threads/{thread_id}/read", headers=as_user("emma"))
    assert response.status_code == 200, response.body
    assert json.loads(response.body)["unread"] == 0
    assert _inbox(client, as_user("emma"))[thread_id] == 0
    assert client.http.post("/threads/th_nothing/read", headers=as_user("emma")).status_code == 404

    text_in(client, "twilio", EMMA, CUSTOMER, "Hello?")
    assert _inbox(client, as_user("emma"))[thread_id] == 1


def test_replying_from_a_thread_clears_its_unread_count(carrier_api, client, as_user):
    text_in(client, "twilio", EMMA, CUSTOMER, "Do you ship to Canada?")
    thread_id = records.thread_id_for(EMMA, CUSTOMER)
    assert _inbox(client, as_user("emma"))[thread_id] == 1
    body = json.dumps({"body": "Yes, we do!"})
    assert client.http.post(f"/threads/{thread_id}/messages", headers=as_user("emma"), body=body).status_code == 200
    assert _inbox(client, as_user("emma"))[thread_id] == 0
