"""The web console: GET / (the page) and GET /console/{asset} (its files and sign-in configuration).

Static files need no token; every API route they call stays behind `keepline_auth`.
"""

from __future__ import annotations

from chalice import Response

from chalicelib import console
from chalicelib.api.routing import Api

bp = Api(__name__)


@bp.route("/", methods=["GET"])
def get_console() -> Response:
    body = console.index_html((bp.current_request.context or {}).get("path", "/"))
    return Response(body=body, status_code=200, headers=console.headers(console.TYPES[".html"]))


@bp.route("/console/{asset}", methods=["GET"])
def get_console_asset(asset: str) -> Response:
    body, content_type = console.asset(asset)
    return Response(body=body, status_code=200, headers=console.headers(content_type))
