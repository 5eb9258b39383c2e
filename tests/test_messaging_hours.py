"""Business hours: outside them a text gets the auto-reply, at most once per thread per quiet period."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from chalicelib.messaging import hours, records
from chalicelib.settings import get_settings
from chalicelib.store.models import Message, PhoneNumber, Team, Thread
from tests import fake_carrier
from tests.fake_carrier import text_in

EMMA = "+14155550101"
SERVICE = "+14155550104"
CUSTOMER = "+12065550123"
NY = ZoneInfo("America/New_York")
WEEKDAYS = {"tz": "America/New_York", "weekly": {d: [["09:00", "17:00"]] for d in ("mon", "tue", "wed", "thu", "fri")}}
NEVER_OPEN = {"tz": "America/New_York", "weekly": {d: [["00:00", "00:00"]] for d in hours.DAYS}}
ALWAYS_OPEN = {"tz": "UTC", "weekly": {d: [["00:00", "24:00"]] for d in hours.DAYS}}


carrier_api = fake_carrier.carrier_api


@pytest.fixture(autouse=True)
def fresh_schedules():
    hours.forget_cached_teams()  # team schedules are cached per process
    yield
    hours.forget_cached_teams()


def test_quiet_periods_follow_the_schedule_in_its_time_zone():
    monday = datetime(2025, 1, 6, tzinfo=NY)
    assert hours.closed_since(WEEKDAYS, monday.replace(hour=12)) is None
    assert hours.closed_since(WEEKDAYS, monday.replace(hour=20)) == monday.replace(hour=17)
    friday_close = datetime(2025, 1, 3, 17, tzinfo=NY)
    assert hours.closed_since(WEEKDAYS, datetime(2025, 1, 4, 10, tzinfo=NY)) == friday_close  # Saturday
    assert hours.closed_since(WEEKDAYS, monday.replace(hour=8)) == friday_close
    assert hours.closed_since(None, monday) is None


def test_next_opening_is_the_start_of_the_next_interval():
    monday = datetime(2025, 1, 6, tzinfo=NY)
    assert hours.next_opening(WEEKDAYS, monday.replace(hour=12)) is None  # open now
    assert hours.next_opening(WEEKDAYS, monday.replace(hour=20)) == datetime(2025, 1, 7, 9, tzinfo=NY)
    assert hours.next_opening(WEEKDAYS, datetime(2025, 1, 4, 10, tzinfo=NY)) == monday.replace(hour=9)  # Saturday
    assert hours.next_opening(NEVER_OPEN, monday) is None
    assert hours.next_opening(None, monday) is None


def test_after_hours_texts_get_one_auto_reply_per_quiet_period(carrier_api, client):
    PhoneNumber.get(EMMA).update(actions=[PhoneNumber.hours.set(NEVER_OPEN), PhoneNumber.auto_reply.set("Back at 9!")])
    text_in(client, "twilio", EMMA, CUSTOMER, "Are you there?")
    text_in(client, "twilio", EMMA, CUSTOMER, "Hello??")
    [reply] = carrier_api.sends()
    assert dict(reply.form())["Body"] == "Back at 9!"
    thread_id = records.thread_id_for(EMMA, CUSTOMER)
    outbound = [m for m in Message.query(thread_id) if m.direction == "outbound"]
    assert [(m.body, m.sender_employee_id) for m in outbound] == [("Back at 9!", "system")]
    # a new quiet period (the last auto-reply was before it began) earns a new reply
    Thread(thread_id=thread_id).update(actions=[Thread.last_autoreply_at.set("2000-01-01T00:00:00.000000Z")])
    text_in(client, "twilio", EMMA, CUSTOMER, "Next night")
    assert len(carrier_api.sends()) == 2


def test_no_auto_reply_during_hours_or_without_a_schedule(carrier_api, client):
    text_in(client, "twilio", EMMA, CUSTOMER, "no schedule")
    PhoneNumber.get(EMMA).update(actions=[PhoneNumber.hours.set(ALWAYS_OPEN)])
    text_in(client, "twilio", EMMA, "+12065550124", "open")
    assert carrier_api.sends() == []


def test_a_team_schedule_applies_to_the_teams_numbers(carrier_api, client):
    Team.get("service").update(actions=[Team.hours.set(NEVER_OPEN), Team.auto_reply.set("Service opens at 8.")])
    hours.forget_cached_teams()  # the demo seed's texts cached the team without a schedule (60 s)
    text_in(client, "bandwidth", SERVICE, CUSTOMER, "Broken again")
    [reply] = carrier_api.sends()
    assert reply.json()["text"] == "Service opens at 8." and reply.json()["from"] == SERVICE


def test_the_default_auto_reply_text_is_a_setting(carrier_api, client):
    PhoneNumber.get(EMMA).update(actions=[PhoneNumber.hours.set(NEVER_OPEN)])
    text_in(client, "twilio", EMMA, CUSTOMER, "hi")
    assert dict(carrier_api.sends()[0].form())["Body"] == get_settings().auto_reply_text


def test_stop_after_hours_gets_no_auto_reply(carrier_api, client):
    PhoneNumber.get(EMMA).update(actions=[PhoneNumber.hours.set(NEVER_OPEN)])
    text_in(client, "twilio", EMMA, CUSTOMER, "STOP")
    text_in(client, "twilio", EMMA, CUSTOMER, "one more thing")
    assert carrier_api.sends() == []
