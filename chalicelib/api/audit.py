"""GET /audit: the audit trail for admin and compliance, newest first."""

from __future__ import annotations

from typing import Any

from chalicelib import audit
from chalicelib.api.openapi import PAGE_QUERY, doc
from chalicelib.api.routing import Api, caller, keepline_auth
from chalicelib.auth import policy

bp = Api(__name__)


@bp.route("/audit", methods=["GET"], authorizer=keepline_auth)
@doc(
    "The audit trail of one month, newest first",
    roles=policy.CAPABILITIES["audit.read"],
    query={
        "month": "YYYY-MM (default: this month)",
        "actor": "employee id of who acted",
        "target": "id of what was changed (employee id, team id, E.164)",
        "action": "e.g. number.assigned",
        **PAGE_QUERY,
    },
)
def list_audit() -> dict[str, Any]:
    policy.require(caller(bp.current_request), "audit.read")
    return audit.list_events(bp.current_request.query_params)
