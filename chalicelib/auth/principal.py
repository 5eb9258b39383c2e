"""Who is calling: an active employee with roles, resolved from verified token claims."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pynamodb.exceptions import DoesNotExist

from chalicelib.errors import Unauthorized
from chalicelib.store.models import Employee


@dataclass(frozen=True)
class Principal:
    employee_id: str
    roles: frozenset[str]
    team_id: str | None = None
    name: str | None = None

    def has(self, *roles: str) -> bool:
        return bool(self.roles.intersection(roles))

    def to_context(self) -> dict[str, str]:
        """API Gateway passes authorizer context as flat strings."""
        return {
            "employee_id": self.employee_id,
            "roles": ",".join(sorted(self.roles)),
            "team_id": self.team_id or "",
            "name": self.name or "",
        }

    @classmethod
    def from_context(cls, context: dict[str, Any]) -> Principal:
        roles = context.get("roles") or ""
        return cls(
            employee_id=context["employee_id"],
            roles=frozenset(r for r in roles.split(",") if r),
            team_id=context.get("team_id") or None,
            name=context.get("name") or None,
        )


def resolve(claims: dict[str, Any], roles: frozenset[str]) -> Principal:
    """Map a verified token to an active employee; deactivated people lose access at once."""
    employee = _find(claims)
    if employee is None:
        raise Unauthorized("no employee matches this token")
    if employee.status != "active":
        raise Unauthorized("access has been revoked")
    return Principal(
        employee_id=employee.employee_id,
        roles=roles,
        team_id=employee.team_id,
        name=employee.name,
    )


def _find(claims: dict[str, Any]) -> Employee | None:
    for claim in ("custom:employee_id", "sub"):
        value = claims.get(claim)
        if value:
            try:
                return Employee.get(value)
            except DoesNotExist:
                pass
    email = claims.get("email")
    if email:
        for hit in Employee.by_email.query(email, limit=1):
            return Employee.get(hit.employee_id)
    return None
