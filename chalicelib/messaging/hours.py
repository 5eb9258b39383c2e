"""Business hours: a weekly schedule in a time zone, on the number or else on its team.

`{"tz": "America/New_York", "weekly": {"mon": [["09:00", "17:00"]], ...}}`; days without
intervals are closed. A quiet period is the closed stretch since the last interval ended.
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pynamodb.exceptions import DoesNotExist

from chalicelib.settings import get_settings
from chalicelib.store.models import PhoneNumber, Team

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
TEAM_CACHE_SECONDS = 60
_teams: dict[str, tuple[float, Team | None]] = {}


def _intervals(schedule: dict[str, Any], day: datetime) -> list[tuple[datetime, datetime]]:
    found = []
    for start, end in schedule.get("weekly", {}).get(DAYS[day.weekday()], []) or []:
        h1, m1 = (int(x) for x in start.split(":"))
        h2, m2 = (int(x) for x in end.split(":"))
        opens = day.replace(hour=h1, minute=m1, second=0, microsecond=0)
        closes = day.replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(hours=h2, minutes=m2)
        found.append((opens, closes))
    return found


def _zone(schedule: dict[str, Any]) -> ZoneInfo:
    try:
        return ZoneInfo(schedule.get("tz") or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def next_opening(schedule: dict[str, Any] | None, moment: datetime) -> datetime | None:
    """While closed, when the next interval opens (within a week); None while open or with no schedule."""
    if closed_since(schedule, moment) is None:
        return None
    local = moment.astimezone(_zone(schedule or {}))
    opening = [
        opens
        for ahead in range(8)
        for opens, closes in _intervals(schedule or {}, local + timedelta(days=ahead))
        if local < opens < closes  # an empty interval never opens
    ]
    return min(opening) if opening else None


def closed_since(schedule: dict[str, Any] | None, moment: datetime) -> datetime | None:
    """None while open (or with no schedule); otherwise when the current quiet period began."""
    if not schedule or not schedule.get("weekly"):
        return None
    local = moment.astimezone(_zone(schedule))
    last_close = None
    for back in range(8):
        day = local - timedelta(days=back)
        for opens, closes in _intervals(schedule, day):
            if opens <= local < closes:
                return None
            if closes <= local and (last_close is None or closes > last_close):
                last_close = closes
        if last_close is not None:
            break
    return last_close or local - timedelta(days=7)


def _team(team_id: str) -> Team | None:
    """Teams change rarely: their schedule is cached in this process for a minute."""
    cached = _teams.get(team_id)
    if cached and cached[0] > time.monotonic():
        return cached[1]
    try:
        team: Team | None = Team.get(team_id)
    except DoesNotExist:
        team = None
    _teams[team_id] = (time.monotonic() + TEAM_CACHE_SECONDS, team)
    return team


def forget_cached_teams() -> None:
    _teams.clear()


def schedule_for(number: PhoneNumber | None, team_id: str | None) -> tuple[dict[str, Any] | None, str]:
    """The schedule and auto-reply text that apply: the number's own, else its team's."""
    default = get_settings().auto_reply_text
    if number is not None and number.hours:
        return number.hours, number.auto_reply or default
    team = _team(team_id) if team_id else None
    if team is not None and team.hours:
        return team.hours, (number.auto_reply if number else None) or team.auto_reply or default
    return None, default
