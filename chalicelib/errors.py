"""Domain errors. Adapters raise these; only the API layer turns them into HTTP responses."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    status = 500
    code = "error"

    def __init__(self, message: str, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.details = details

    def body(self) -> dict[str, Any]:
        return {"error": self.code, "message": self.message, **self.details}


class BadRequest(DomainError):
    """Input that is malformed or refers to something that cannot be used; names the field."""

    status = 400
    code = "bad_request"

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f"{field} {problem}", field=field)


class Unauthorized(DomainError):
    status = 401
    code = "unauthorized"


class Forbidden(DomainError):
    status = 403
    code = "forbidden"


class NotFound(DomainError):
    status = 404
    code = "not_found"


class Conflict(DomainError):
    status = 409
    code = "conflict"


class Unavailable(DomainError):
    """A backing resource is missing or unreachable; the message names it."""

    status = 503
    code = "unavailable"
