"""GET /openapi.json: an OpenAPI 3.1 document of the whole API, built from the app's registered routes.

Every route the app registers appears, whoever wrote it: path, method, path parameters, whether
it needs a bearer token, and a summary from its docstring. Routes may add detail with `@doc(...)`
(under the route decorator): the roles that may call it, query parameters, a request body schema
and the success status. `tests/test_openapi.py` compares the document with `app.routes` both ways.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

from chalicelib.api.routing import Api
from chalicelib.settings import get_settings

bp = Api(__name__)

ERROR = {
    "type": "object",
    "required": ["error", "message"],
    "properties": {
        "error": {"type": "string", "examples": ["bad_request"]},
        "message": {"type": "string"},
        "field": {"type": "string", "description": "the input field that is wrong (400)"},
    },
}
PAGE_QUERY = {"limit": "page size (1-200, default 50)", "next": "the cursor the previous page returned"}
_ERRORS = {
    "400": "bad input: the body names the field and the problem",
    "401": "no valid bearer token",
    "403": "the caller's roles do not allow this",
    "404": "no such resource",
    "409": "conflicts with the resource's current state",
    "503": "a backing resource is missing or unreachable",
}


def doc(
    summary: str | None = None,
    *,
    roles: tuple[str, ...] | None = None,
    query: dict[str, str] | None = None,
    body: dict[str, Any] | None = None,
    status: int = 200,
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Attach OpenAPI detail to a view; put it under `@bp.route(...)`."""

    def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
        view.openapi = {"summary": summary, "roles": roles, "query": query or {}, "body": body, "status": status}  # type: ignore[attr-defined]
        return view

    return decorator


def document(app: Any) -> dict[str, Any]:
    paths: dict[str, dict[str, Any]] = {}
    for path, methods in sorted(app.routes.items()):
        for method, entry in sorted(methods.items()):
            paths.setdefault(path, {})[method.lower()] = _operation(entry)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Keepline API",
            "version": "1",
            "description": "Company-owned business phone lines: inbox, numbers, people, archive, offboarding.",
        },
        "servers": [{"url": get_settings().public_base_url}],
        "paths": paths,
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}},
            "schemas": {"Error": ERROR},
        },
    }


def _operation(entry: Any) -> dict[str, Any]:
    meta = getattr(entry.view_function, "openapi", {})
    doc_text = inspect.getdoc(entry.view_function) or ""
    summary = meta.get("summary") or (doc_text.splitlines()[0] if doc_text else entry.view_name.replace("_", " "))
    parameters = [
        {"name": name, "in": "path", "required": True, "schema": {"type": "string"}} for name in entry.view_args
    ]
    parameters += [
        {"name": name, "in": "query", "required": False, "schema": {"type": "string"}, "description": text}
        for name, text in meta.get("query", {}).items()
    ]
    success = str(meta.get("status", 200))
    responses: dict[str, Any] = {success: {"description": "success", "content": {"application/json": {}}}}
    codes = ["400", "404", "409", "503"] if entry.view_args or meta.get("body") else ["400", "503"]
    if entry.authorizer is not None:
        codes = ["401", "403", *codes]
    for code in sorted(codes):
        responses[code] = {
            "description": _ERRORS[code],
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
        }
    operation: dict[str, Any] = {
        "operationId": f"{entry.method.lower()}_{entry.view_name}",
        "summary": summary,
        "parameters": parameters,
        "responses": responses,
        "security": [{"bearer": []}] if entry.authorizer is not None else [],
    }
    if len(doc_text.splitlines()) > 1:
        operation["description"] = doc_text
    if meta.get("roles"):
        operation["x-keepline-roles"] = list(meta["roles"])
    if meta.get("body"):
        content_type = (entry.content_types or ["application/json"])[0]
        operation["requestBody"] = {"required": True, "content": {content_type: {"schema": meta["body"]}}}
    return operation


@bp.route("/openapi.json", methods=["GET"])
@doc("This document: the whole API as OpenAPI 3.1")
def get_openapi() -> dict[str, Any]:
    return document(bp.current_app)
