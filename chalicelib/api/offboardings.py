"""Offboardings, for HR: start one (202 with the run id), watch it, list them, redrive a failed one."""

from __future__ import annotations

from typing import Any

from chalice import Response

from chalicelib.api.routing import JSON, Api, caller, json_body, keepline_auth
from chalicelib.auth.policy import require_hr
from chalicelib.offboarding import preview, runs

bp = Api(__name__)


def _hr() -> Any:
    who = caller(bp.current_request)
    require_hr(who)
    return who


@bp.route("/offboardings", methods=["POST"], authorizer=keepline_auth)
def start_offboarding() -> Response:
    who = _hr()
    run = runs.start(json_body(bp.current_request), who.employee_id, who.roles)
    return Response(body=runs.view(run), status_code=202, headers={**JSON, "Location": f"/offboardings/{run.run_id}"})


@bp.route("/offboardings/preview", methods=["POST"], authorizer=keepline_auth)
def preview_offboarding() -> dict[str, Any]:
    _hr()
    return preview.who_receives(json_body(bp.current_request))


@bp.route("/offboardings", methods=["GET"], authorizer=keepline_auth)
def list_offboardings() -> dict[str, Any]:
    _hr()
    employee_id = (bp.current_request.query_params or {}).get("employee_id")
    return {"offboardings": [runs.view(r) for r in runs.listing(employee_id)]}


@bp.route("/offboardings/{run_id}", methods=["GET"], authorizer=keepline_auth)
def get_offboarding(run_id: str) -> dict[str, Any]:
    _hr()
    return runs.status(run_id)


@bp.route("/offboardings/{run_id}/redrive", methods=["POST"], authorizer=keepline_auth)
def redrive_offboarding(run_id: str) -> Response:
    who = _hr()
    return Response(body=runs.view(runs.redrive(run_id, who.employee_id, who.roles)), status_code=202, headers=JSON)
