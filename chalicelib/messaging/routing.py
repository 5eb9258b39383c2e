"""Who owns a conversation on a business number: the number's assignee, its team, or the admins' queue."""

from __future__ import annotations

from dataclasses import dataclass

from pynamodb.exceptions import DoesNotExist

from chalicelib.store.models import UNASSIGNED, PhoneNumber, parse_owner, team_owner


@dataclass(frozen=True)
class Route:
    number: PhoneNumber | None
    owner: str  # the default owner of a NEW thread; an existing thread keeps its owner
    reason: str | None  # why it is unassigned (None when routable)
    team_id: str | None  # whose business hours apply

    @property
    def routable(self) -> bool:
        return self.reason is None


def for_number(number: PhoneNumber | None) -> Route:
    if number is None:
        return Route(None, UNASSIGNED, "unknown number", None)
    team_id = number.fallback_team_id
    kind, ident = parse_owner(number.assignee)
    if kind == "team":
        team_id = ident
    if number.status != "assigned" or not number.assignee:
        return Route(number, UNASSIGNED, f"number is {number.status}", team_id)
    if number.assignee_locked:
        # Its holder is being offboarded: new conversations go to the team, never to the leaver.
        if team_id:
            return Route(number, team_owner(team_id), None, team_id)
        return Route(number, UNASSIGNED, "assignee is locked and there is no fallback team", None)
    return Route(number, number.assignee, None, team_id)


def route(e164: str) -> Route:
    try:
        return for_number(PhoneNumber.get(e164))
    except DoesNotExist:
        return for_number(None)
