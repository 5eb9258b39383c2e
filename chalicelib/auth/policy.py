"""Authorization, decided in one place. Routes ask; nothing else checks roles.

- an employee reads and writes only threads they own or that belong to their team;
- `compliance` reads everything and changes nothing but exports and legal holds;
- `admin` manages people and numbers; `hr` starts and watches offboardings;
- nobody, through any route, deletes or edits a stored message.
"""

from __future__ import annotations

from chalicelib.auth.principal import Principal
from chalicelib.errors import Forbidden
from chalicelib.store.models import employee_owner, parse_owner, team_owner

# Capabilities and the roles that hold them. Routes ask for a capability, never for a role.
CAPABILITIES: dict[str, tuple[str, ...]] = {
    "people.read": ("admin", "hr", "compliance"),
    "people.manage": ("admin",),
    "numbers.read": ("admin", "compliance"),
    "numbers.manage": ("admin",),
    "audit.read": ("admin", "compliance"),
    "archive.compliance": ("compliance",),  # legal holds, eDiscovery exports, archive search and verify
}


def require(who: Principal, capability: str) -> None:
    require_role(who, *CAPABILITIES[capability])


def can(who: Principal, capability: str) -> bool:
    return who.has(*CAPABILITIES[capability])


def require_employee_read(who: Principal, employee_id: str) -> None:
    """People readers see everyone; anyone sees their own record."""
    if not (can(who, "people.read") or who.employee_id == employee_id):
        raise Forbidden("you may read only your own employee record")


def require_team_read(who: Principal, team_id: str) -> None:
    if not (can(who, "people.read") or who.team_id == team_id):
        raise Forbidden("you may read only your own team")


def number_owners_visible(who: Principal) -> list[str] | None:
    """None: every number. Otherwise the owners whose numbers the caller may see (their own, their team's)."""
    if can(who, "numbers.read"):
        return None
    if who.has("employee"):
        return inbox_owners(who)
    raise Forbidden("requires one of the roles: admin, compliance, employee")


def require_number_read(who: Principal, owner: str | None) -> None:
    visible = number_owners_visible(who)
    if visible is not None and owner not in visible:
        raise Forbidden("this number belongs to someone else")


def require_role(who: Principal, *roles: str) -> None:
    if not who.has(*roles):
        raise Forbidden(f"requires one of the roles: {', '.join(roles)}")


def owns(who: Principal, owner: str) -> bool:
    """The thread (or number) belongs to the caller or to the caller's team."""
    kind, ident = parse_owner(owner)
    if kind == "employee":
        return ident == who.employee_id
    if kind == "team":
        return who.team_id is not None and ident == who.team_id
    return False


def inbox_owners(who: Principal) -> list[str]:
    """The owners whose threads make up the caller's inbox: their own, then their team's."""
    owners = [employee_owner(who.employee_id)]
    if who.team_id:
        owners.append(team_owner(who.team_id))
    return owners


def can_read_thread(who: Principal, owner: str) -> bool:
    if who.has("compliance"):
        return True
    if who.has("admin") and parse_owner(owner)[0] == "unassigned":
        return True  # admins work the unassigned queue
    return who.has("employee") and owns(who, owner)


def can_write_thread(who: Principal, owner: str) -> bool:
    # compliance reads everything and writes nothing; only the owner or their team answers.
    return who.has("employee") and owns(who, owner)


def require_thread_read(who: Principal, owner: str) -> None:
    if not can_read_thread(who, owner):
        raise Forbidden("this thread belongs to someone else")


def require_thread_write(who: Principal, owner: str) -> None:
    if not can_write_thread(who, owner):
        raise Forbidden("only the thread's owner or a member of its team may send")


def require_number_send(who: Principal, number_owner: str | None) -> None:
    """Starting a conversation needs a number the caller (or the caller's team) holds."""
    if not (who.has("employee") and number_owner and owns(who, number_owner)):
        raise Forbidden("you may only send from a number you or your team hold")


def require_unassigned_queue(who: Principal) -> None:
    require_role(who, "admin")


def require_compliance(who: Principal) -> None:
    """Legal holds, exports, archive search and verification belong to `compliance` alone."""
    require(who, "archive.compliance")


def require_hr(who: Principal) -> None:
    """Offboardings are started, watched and redriven by HR only."""
    require_role(who, "hr")
