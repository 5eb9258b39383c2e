"""Offboarding runs: start, read, list and redrive. The workflow itself is `steps`, run by Step Functions.

One run per leaver at a time: starting reserves the employee with a conditional write
(status active and no run yet), which is what answers a second start with 409. The Step Functions
execution is named `<run id>-<attempt>`, so starting the same attempt twice is refused by Step
Functions itself. A redrive starts the next attempt of the same definition for the same run; every
step is idempotent, so it picks up where the failed attempt stopped.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from pynamodb.exceptions import DoesNotExist, TransactWriteError

from chalicelib import audit, aws, ids
from chalicelib.errors import BadRequest, Conflict, NotFound
from chalicelib.offboarding import policies, read_archived
from chalicelib.settings import get_settings
from chalicelib.store.base import transaction
from chalicelib.store.models import Employee, OffboardingRun

STATE_MACHINE = "offboarding"
HR_ACTIONS = frozenset({"hr"})


def _effective_at(value: Any) -> str | None:
    """None for 'now'; otherwise a whole-second UTC timestamp the Wait state accepts."""
    if value in (None, "", "now"):
        return None
    if not isinstance(value, str):
        raise BadRequest("effective_at", "must be an ISO 8601 timestamp or 'now'")
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise BadRequest("effective_at", "must be an ISO 8601 timestamp or 'now'") from exc
    if moment.tzinfo is None:
        raise BadRequest("effective_at", "must include a time zone, e.g. 2030-01-31T17:00:00Z")
    if moment <= ids.now():
        return None
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def find_leaver(employee_id: Any) -> Employee:
    if not isinstance(employee_id, str) or not employee_id:
        raise BadRequest("employee_id", "is required")
    try:
        return Employee.get(employee_id)
    except DoesNotExist as exc:
        raise BadRequest("employee_id", f"names unknown employee {employee_id}") from exc


def execution_name(run: OffboardingRun) -> str:
    return f"{run.run_id}-{run.attempt}"


def execution_input(run: OffboardingRun) -> dict[str, Any]:
    return {
        "run_id": run.run_id,
        "notify_customers": run.request["notify_customers"]["enabled"],
        "effective_at": run.effective_at,  # null: now
    }


def _state_machine_arn() -> str:
    settings = get_settings()
    if settings.offboarding_state_machine_arn:
        return settings.offboarding_state_machine_arn
    account = aws.client("sts").get_caller_identity()["Account"]
    return f"arn:aws:states:{settings.region}:{account}:stateMachine:{settings.state_machine_name(STATE_MACHINE)}"


def _start_execution(run: OffboardingRun) -> str:
    arn = aws.client("stepfunctions").start_execution(
        stateMachineArn=_state_machine_arn(), name=execution_name(run), input=json.dumps(execution_input(run))
    )["executionArn"]
    run.update(actions=[OffboardingRun.execution_arn.set(arn)])
    return arn


def start(body: dict[str, Any], actor_id: str, actor_roles: frozenset[str] = HR_ACTIONS) -> OffboardingRun:
    leaver = find_leaver(body.get("employee_id"))
    request = policies.validate(body, leaver)
    effective_at = _effective_at(body.get("effective_at"))
    if leaver.status != "active":
        raise Conflict(f"{leaver.employee_id} is {leaver.status}", run_id=leaver.offboarding_run_id)
    at = ids.iso()
    run = OffboardingRun(
        run_id=ids.new_id("off"),
        employee_id=leaver.employee_id,
        status="scheduled" if effective_at else "running",
        request=request,
        created_by=actor_id,
        created_at=at,
        updated_at=at,
        effective_at=effective_at,
    )
    reserve = [Employee.offboarding_run_id.set(run.run_id), Employee.updated_at.set(at)]
    if not effective_at:
        reserve.append(Employee.status.set("offboarding"))  # access revoked at once
    try:
        with transaction() as tx:
            tx.update(
                leaver,
                actions=reserve,
                condition=(Employee.status == "active") & Employee.offboarding_run_id.does_not_exist(),
            )
            tx.save(run, condition=OffboardingRun.run_id.does_not_exist())
    except TransactWriteError as exc:
        current = Employee.get(leaver.employee_id, consistent_read=True)
        raise Conflict(f"{leaver.employee_id} is already being offboarded", run_id=current.offboarding_run_id) from exc
    audit.record(actor_id, "offboarding.started", "employee", leaver.employee_id, None, _summary(run), actor_roles)
    _start_execution(run)
    return run


def get(run_id: str) -> OffboardingRun:
    try:
        return OffboardingRun.get(run_id, consistent_read=True)
    except DoesNotExist as exc:
        raise NotFound(f"offboarding {run_id} does not exist") from exc


def listing(employee_id: str | None = None, limit: int = 100) -> list[OffboardingRun]:
    if employee_id:
        runs = list(OffboardingRun.by_employee.query(employee_id, scan_index_forward=False, limit=limit))
    else:
        runs = list(OffboardingRun.scan(limit=limit))
    return sorted(runs, key=lambda r: r.created_at, reverse=True)


def redrive(run_id: str, actor_id: str, actor_roles: frozenset[str] = HR_ACTIONS) -> OffboardingRun:
    run = get(run_id)
    if run.status != "failed":
        raise Conflict(f"offboarding {run_id} is {run.status}; only a failed run can be redriven")
    attempt = run.attempt
    try:
        run.update(
            actions=[
                OffboardingRun.attempt.set(attempt + 1),
                OffboardingRun.status.set("running"),
                OffboardingRun.error.remove(),
                OffboardingRun.updated_at.set(ids.iso()),
            ],
            condition=(OffboardingRun.status == "failed") & (OffboardingRun.attempt == attempt),
        )
    except Exception as exc:
        if aws.error_code(exc.__cause__ or exc) == "ConditionalCheckFailedException":
            raise Conflict(f"offboarding {run_id} is already being redriven") from exc
        raise
    audit.record(
        actor_id, "offboarding.redriven", "offboarding", run_id, {"attempt": attempt}, _summary(run), actor_roles
    )
    _start_execution(run)
    return run


def _summary(run: OffboardingRun) -> dict[str, Any]:
    return {
        "run_id": run.run_id,
        "employee_id": run.employee_id,
        "attempt": run.attempt,
        "effective_at": run.effective_at,
        "request": run.request,
    }


def status(run_id: str) -> dict[str, Any]:
    """The run as HR sees it: progress counts, and the archived report once it has finished."""
    run = get(run_id)
    out = view(run)
    if run.report_key:
        out["report"] = read_archived(run.report_key)
    return out


def tally(value: Any) -> dict[str, int]:
    """A counter map of the run (`moved_to`, `skipped_reasons`) as plain ints."""
    raw = value.as_dict() if hasattr(value, "as_dict") else dict(value or {})
    return {k: int(v) for k, v in raw.items()}


def counts(run: OffboardingRun) -> dict[str, Any]:
    return {
        "threads_moved": int(run.threads_moved or 0),
        "numbers_moved": int(run.numbers_moved or 0),
        "customers_notified": int(run.customers_notified or 0),
        "customers_skipped": int(run.customers_skipped or 0),
        "successors_notified": int(run.successors_notified or 0),
        "skipped": tally(run.skipped_reasons),
        "moved_to": tally(run.moved_to),
    }


def view(run: OffboardingRun) -> dict[str, Any]:
    return {
        "run_id": run.run_id,
        "employee_id": run.employee_id,
        "status": run.status,
        "step": run.step,
        "attempt": run.attempt,
        "effective_at": run.effective_at,
        "request": run.request,
        "progress": counts(run),
        "error": run.error,
        "report_key": run.report_key,
        "created_by": run.created_by,
        "created_at": run.created_at,
        "updated_at": run.updated_at,
    }
