"""GET /me: who the signed-in caller is and what they may do."""

from __future__ import annotations

from typing import Any

from chalicelib.api.routing import Api, caller, keepline_auth

bp = Api(__name__)


@bp.route("/me", methods=["GET"], authorizer=keepline_auth)
def get_me() -> dict[str, Any]:
    who = caller(bp.current_request)
    return {"employee_id": who.employee_id, "name": who.name, "team_id": who.team_id, "roles": sorted(who.roles)}
