"""GET /me: who the signed-in caller is and what they may do."""

from __future__ import annotations

from typing import Any

from chalicelib.api.routing import Api, caller, keepline_auth
from chalicelib.offboarding import notices

bp = Api(__name__)


@bp.route("/me", methods=["GET"], authorizer=keepline_auth)
def get_me() -> dict[str, Any]:
    who = caller(bp.current_request)
    return {"employee_id": who.employee_id, "name": who.name, "team_id": who.team_id, "roles": sorted(who.roles)}


@bp.route("/me/handovers", methods=["GET"], authorizer=keepline_auth)
def get_my_handovers() -> dict[str, Any]:
    """Conversations handed to the caller when a colleague left (the offboarding's successor notices)."""
    who = caller(bp.current_request)
    return {"handovers": notices.handovers(who.employee_id)}
