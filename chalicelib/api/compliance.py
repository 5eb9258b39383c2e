"""Compliance routes: legal holds, eDiscovery exports, archive search and verification.

Nothing here deletes or edits a record: holds are released, never removed.
"""

from __future__ import annotations

from typing import Any

from chalice import Response

from chalicelib.api.routing import JSON, Api, caller, json_body, keepline_auth, require
from chalicelib.archive import export, legal_hold, search, verify
from chalicelib.auth.policy import require_compliance

bp = Api(__name__)


def _compliance() -> Any:
    who = caller(bp.current_request)
    require_compliance(who)
    return who


@bp.route("/legal-holds", methods=["POST"], authorizer=keepline_auth)
def place_hold() -> Response:
    body = json_body(bp.current_request)
    hold = legal_hold.place(_compliance(), require(body, "scope"), require(body, "value"), body.get("reason"))
    return Response(body=legal_hold.snapshot(hold), status_code=201, headers=JSON)


@bp.route("/legal-holds", methods=["GET"], authorizer=keepline_auth)
def list_holds() -> dict[str, Any]:
    _compliance()
    return {"holds": legal_hold.listing()}


@bp.route("/legal-holds/{hold_id}/release", methods=["POST"], authorizer=keepline_auth)
def release_hold(hold_id: str) -> dict[str, Any]:
    return legal_hold.snapshot(legal_hold.release(_compliance(), hold_id))


@bp.route("/exports", methods=["POST"], authorizer=keepline_auth)
def request_export() -> Response:
    job = export.request(_compliance(), json_body(bp.current_request))
    return Response(body={"export_id": job.export_id, "status": job.status}, status_code=202, headers=JSON)


@bp.route("/exports/{export_id}", methods=["GET"], authorizer=keepline_auth)
def get_export(export_id: str) -> dict[str, Any]:
    _compliance()
    return export.describe(export_id)


@bp.route("/archive/search", methods=["GET"], authorizer=keepline_auth)
def search_archive() -> dict[str, Any]:
    who = _compliance()
    return search.search(who, (bp.current_request.query_params or {}).get("q"))


@bp.route("/archive/verify", methods=["POST"], authorizer=keepline_auth)
def verify_archive() -> dict[str, Any]:
    _compliance()
    return verify.verify_bucket().as_dict()
