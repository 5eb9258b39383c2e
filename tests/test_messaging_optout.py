"""Consent: STOP-family keywords opt a contact out of one business number, START-family back in, HELP answers."""

from __future__ import annotations

import json

import pytest

from chalicelib.messaging import optout, outbound, records
from chalicelib.settings import get_settings
from chalicelib.store.models import AuditEvent, Contact
from tests import fake_carrier
from tests.fake_carrier import text_in

EMMA = "+14155550101"
CUSTOMER = "+12065550123"


carrier_api = fake_carrier.carrier_api


def test_keywords_ignore_case_and_surrounding_space():
    for word in ("STOP", " stop ", "StopAll", "unsubscribe", "CANCEL", "end", "QUIT", "revoke", "OptOut\n"):
        assert optout.keyword(word) == "stop", word
    for word in ("START", "unstop", " Yes "):
        assert optout.keyword(word) == "start", word
    assert optout.keyword("help") == optout.keyword("INFO") == "help"
    for text in ("please stop calling me at 5", "stopp", "", None, "yes please"):
        assert optout.keyword(text) is None


def test_stop_refuses_sends_until_start_and_every_change_is_recorded(carrier_api, client, as_user):
    thread_id = records.thread_id_for(EMMA, CUSTOMER)
    text_in(client, "twilio", EMMA, CUSTOMER, "  Stop ", "SMstop")
    contact = Contact.get(CUSTOMER, EMMA)
    stop_message_id = records.find("twilio#SMstop").message_id
    assert contact.opted_out and contact.consent_message_id == stop_message_id
    refused = client.http.post(
        f"/threads/{thread_id}/messages", headers=as_user("emma"), body=json.dumps({"body": "Are you sure?"})
    )
    assert refused.status_code == 409
    assert json.loads(refused.body)["error"] == "opted_out" and "opted out" in json.loads(refused.body)["message"]
    with pytest.raises(outbound.OptedOut):
        outbound.send("emma", EMMA, CUSTOMER, "handover notice")
    # the opt-out is per business number: another number may still write
    outbound.send("sam", "+14155550102", CUSTOMER, "Hi from Sam")
    text_in(client, "twilio", EMMA, CUSTOMER, "unstop", "SMstart")
    contact = Contact.get(CUSTOMER, EMMA)
    assert not contact.opted_out and contact.consent_message_id == records.find("twilio#SMstart").message_id
    again = client.http.post(
        f"/threads/{thread_id}/messages", headers=as_user("emma"), body=json.dumps({"body": "Welcome back"})
    )
    assert again.status_code == 200
    events = sorted((e.at, e.action, e.actor_id, e.after["message_id"]) for e in AuditEvent.scan())
    assert [(a, actor) for _, a, actor, _ in events] == [
        ("contact.opted_out", "customer:+1206***0123"),
        ("contact.opted_in", "customer:+1206***0123"),
    ]
    assert [m for *_, m in events] == [stop_message_id, contact.consent_message_id]
    assert [dict(r.form())["Body"] for r in carrier_api.sends()] == ["Hi from Sam", "Welcome back"]  # no reply to STOP


def test_help_answers_with_the_configured_text(carrier_api, client):
    text_in(client, "twilio", EMMA, CUSTOMER, "HELP")
    [request] = carrier_api.sends()
    assert dict(request.form())["Body"] == get_settings().help_text
    assert dict(request.form())["To"] == CUSTOMER
