"""Lambda tasks of the offboarding state machine (`infrastructure/statemachines/offboarding.asl.json`)."""

from __future__ import annotations

from typing import Any

from chalice import Blueprint

from chalicelib.store.models import Employee

bp = Blueprint(__name__)


@bp.lambda_function(name="offboarding_step")
def offboarding_step(event: dict[str, Any], context: Any) -> dict[str, Any]:
    employee = Employee.get(event["input"]["employee_id"])
    return {"employee_id": employee.employee_id, "status": employee.status}
