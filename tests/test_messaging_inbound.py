"""Inbound texts: routed to the number's owner, stored exactly once, archived, never dropped."""

from __future__ import annotations

import json

from chalicelib import aws, numbers
from chalicelib.archive import changes
from chalicelib.messaging import records
from chalicelib.settings import get_settings
from chalicelib.store.models import Message, MessageKey, PhoneNumber, Thread
from devstack.seed import CONVERSATIONS
from tests.fake_carrier import telnyx_keys, text_in

DEMO_CUSTOMERS = {customer for customer, *_ in CONVERSATIONS}

EMMA = "+14155550101"
CUSTOMER = "+12065550123"
ADMIN = numbers.Actor("ada", frozenset({"admin"}))


def queued(queue_name: str) -> list[dict]:
    sqs = aws.client("sqs")
    url = aws.queue_url(queue_name)
    got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)
    return [json.loads(m["Body"]) for m in got.get("Messages", [])]


def thread_messages(client, headers, thread_id: str) -> list[dict]:
    response = client.http.get(f"/threads/{thread_id}/messages", headers=headers)
    assert response.status_code == 200, response.body
    return json.loads(response.body)["messages"]


def test_mms_to_an_assigned_number_reaches_its_owner_with_media_and_is_archived(demo, client, as_user):
    media = ("https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/MM1/Media/ME1",)
    response = text_in(client, "twilio", EMMA, CUSTOMER, "Photo of the damage", "MMabc", media)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/xml"
    thread_id = records.thread_id_for(EMMA, CUSTOMER)
    thread = Thread.get(thread_id)
    assert (thread.owner, thread.unread, thread.last_direction) == ("employee#emma", 1, "inbound")
    [message] = thread_messages(client, as_user("emma"), thread_id)
    assert message["direction"] == "inbound" and message["kind"] == "mms"
    assert message["body"] == "Photo of the damage"
    assert message["media"][0]["url"] == media[0] and message["media"][0]["content_type"] == "image/jpeg"
    assert (message["carrier"], message["carrier_message_id"], message["status"]) == ("twilio", "MMabc", "received")
    assert {"id", "thread_id", "created_at"} <= set(message)
    stored = Message.get(thread_id, next(iter(Message.query(thread_id))).message_key)
    assert stored.pending_archive == "1"
    # The write itself is the archive's trigger: its change on the messages table's stream is due.
    stream = f"arn:aws:dynamodb:us-east-1:123456789012:table/{Message.physical_name()}/stream/1"
    assert changes.due({"eventSourceARN": stream, "dynamodb": {"NewImage": stored.serialize()}})
    assert queued(get_settings().archive_queue_name) == []  # nothing is sent beside the write
    assert queued(get_settings().unassigned_queue_name) == []


def test_the_same_carrier_message_delivered_many_times_is_stored_once(demo, client):
    for _ in range(3):
        assert text_in(client, "twilio", EMMA, CUSTOMER, "Are you open?", "SMdup").status_code == 200
    thread_id = records.thread_id_for(EMMA, CUSTOMER)
    assert [m.carrier_message_id for m in Message.query(thread_id)] == ["SMdup"]
    assert Thread.get(thread_id).unread == 1
    assert MessageKey.get("twilio#SMdup").thread_id == thread_id


def test_the_same_id_from_two_carriers_is_two_messages(demo, client):
    text_in(client, "twilio", EMMA, CUSTOMER, "one", "shared-id")
    text_in(client, "vonage", "+14155550105", CUSTOMER, "two", "shared-id")
    assert len([m for m in Message.scan() if m.carrier_message_id == "shared-id"]) == 2


def test_a_text_to_an_unknown_number_is_stored_and_queued_for_admins(demo, client, as_user):
    unknown = "+14155550177"
    assert text_in(client, "twilio", unknown, CUSTOMER, "hello?", "SMunknown").status_code == 200
    thread_id = records.thread_id_for(unknown, CUSTOMER)
    assert Thread.get(thread_id).owner == "unassigned"
    [note] = queued(get_settings().unassigned_queue_name)
    assert (note["thread_id"], note["reason"]) == (thread_id, "unknown number")
    response = client.http.get("/unassigned", headers=as_user("ada", "admin", "employee"))
    assert thread_id in [t["id"] for t in json.loads(response.body)["threads"]]
    assert client.http.get("/unassigned", headers=as_user("emma")).status_code == 403
    # an admin reads the thread; its owner's colleagues do not
    assert thread_messages(client, as_user("ada", "admin", "employee"), thread_id)[0]["body"] == "hello?"
    assert client.http.get(f"/threads/{thread_id}/messages", headers=as_user("emma")).status_code == 403


def test_unassigned_and_quarantined_numbers_still_receive(demo, client):
    text_in(client, "twilio", "+14155550106", CUSTOMER, "anyone?", "SMavail")  # in inventory, available
    numbers.unassign("+14155550102", ADMIN, quarantine_days=30)  # sam's number, now quarantined
    text_in(client, "twilio", "+14155550102", CUSTOMER, "Sam?", "SMquar")
    owners = {t.business_number: t.owner for t in Thread.scan() if t.customer_number == CUSTOMER}
    assert owners["+14155550106"] == "unassigned" and owners["+14155550102"] == "unassigned"
    reasons = sorted(n["reason"] for n in queued(get_settings().unassigned_queue_name))
    assert reasons == ["number is available", "number is quarantined"]


def test_a_locked_assignee_sends_new_threads_to_the_team_but_keeps_existing_ones(demo, client):
    text_in(client, "twilio", EMMA, CUSTOMER, "before", "SMold")
    numbers.set_locked("employee#emma", True)
    text_in(client, "twilio", EMMA, CUSTOMER, "again", "SMold2")
    text_in(client, "twilio", EMMA, "+12065550999", "new customer", "SMnew")
    assert Thread.get(records.thread_id_for(EMMA, CUSTOMER)).owner == "employee#emma"
    assert Thread.get(records.thread_id_for(EMMA, "+12065550999")).owner == "team#sales"
    assert PhoneNumber.get(EMMA).assignee_locked


def test_the_demo_company_has_conversations_delivered_as_signed_webhooks(demo_conversations):
    threads = {t.customer_number: t for t in Thread.scan()}
    assert {c for c, *_ in CONVERSATIONS} <= set(threads)
    assert threads["+12065550140"].owner == "employee#emma" and threads["+12065550142"].owner == "team#service"
    assert all(MessageKey.get(f"{m.carrier}#{m.carrier_message_id}") for m in Message.scan())


def test_each_carrier_payload_is_normalised_to_e164(demo, client, monkeypatch):
    telnyx_keys(monkeypatch)
    cases = [("telnyx", "+14155550103", "employee#maya"), ("bandwidth", "+14155550104", "team#service")]
    cases.append(("vonage", "+14155550105", "employee#tia"))
    for carrier, number, owner in cases:
        media = ("https://media.example.com/a.jpg",) if carrier != "vonage" else ()
        assert text_in(client, carrier, number, CUSTOMER, f"via {carrier}", media=media).status_code == 200
        thread = Thread.get(records.thread_id_for(number, CUSTOMER))
        assert (thread.business_number, thread.customer_number, thread.owner) == (number, CUSTOMER, owner)
        [message] = list(Message.query(thread.thread_id))
        assert (message.carrier, message.body) == (carrier, f"via {carrier}")
        assert [m.url for m in message.media] == list(media)


def test_threads_list_is_the_callers_own_and_team_newest_first_and_pages(demo, client, as_user):
    text_in(client, "twilio", EMMA, "+12065550001", "first")
    text_in(client, "twilio", EMMA, "+12065550002", "second")
    text_in(client, "twilio", "+14155550102", "+12065550003", "to sam")  # sam's, not emma's
    numbers.set_locked("employee#emma", True)
    text_in(client, "twilio", EMMA, "+12065550004", "to the team")
    seen, token = [], None
    while True:
        query = "/threads?limit=1" + (f"&next={token}" if token else "")
        body = json.loads(client.http.get(query, headers=as_user("emma")).body)
        seen += [t["customer_number"] for t in body["threads"] if t["customer_number"] not in DEMO_CUSTOMERS]
        token = body["next"]
        if not token:
            break
    assert seen == ["+12065550004", "+12065550002", "+12065550001"]
    bad = client.http.get("/threads?next=garbage!", headers=as_user("emma"))
    assert bad.status_code == 400 and json.loads(bad.body)["field"] == "next"
    assert json.loads(client.http.get("/threads?limit=0", headers=as_user("emma")).body)["field"] == "limit"


def test_thread_messages_come_in_time_order_and_page(demo, client, as_user):
    for n in range(3):
        text_in(client, "twilio", EMMA, CUSTOMER, f"message {n}")
    thread_id = records.thread_id_for(EMMA, CUSTOMER)
    first = json.loads(client.http.get(f"/threads/{thread_id}/messages?limit=2", headers=as_user("emma")).body)
    rest_url = f"/threads/{thread_id}/messages?limit=2&next={first['next']}"
    rest = json.loads(client.http.get(rest_url, headers=as_user("emma")).body)
    assert [m["body"] for m in first["messages"] + rest["messages"]] == ["message 0", "message 1", "message 2"]
    assert rest["next"] is None
    assert client.http.get("/threads/th_nope/messages", headers=as_user("emma")).status_code == 404
    assert client.http.get(f"/threads/{thread_id}/messages", headers=as_user("sam")).status_code == 403
    compliance = as_user("cora", "compliance")
    assert client.http.get(f"/threads/{thread_id}/messages", headers=compliance).status_code == 200
