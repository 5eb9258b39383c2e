"""GET /health: each backing resource and whether it is reachable."""

from __future__ import annotations

from chalice import Response

from chalicelib import health
from chalicelib.api.routing import JSON, Api

bp = Api(__name__)


@bp.route("/health", methods=["GET"])
def get_health() -> Response:
    ok, body = health.report()
    return Response(body=body, status_code=200 if ok else 503, headers=JSON)
