"""Lambda tasks of the offboarding state machine (`infrastructure/statemachines/offboarding.asl.json`).

Each task is one line over `chalicelib.offboarding.steps`. Failures worth retrying (throttling,
transaction conflicts, an unreachable endpoint) are raised as `TransientError`, the one error
type the definition retries with backoff; anything else fails the run, which records why.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from chalice import Blueprint

from chalicelib import aws
from chalicelib.offboarding import steps

bp = Blueprint(__name__)

TRANSIENT_CODES = frozenset(
    {
        "ProvisionedThroughputExceededException",
        "ThrottlingException",
        "ThrottlingError",
        "RequestLimitExceeded",
        "InternalServerError",
        "ServiceUnavailable",
        "TransactionConflict",
        "TransactionInProgressException",
        "SlowDown",
        "RequestTimeout",
    }
)


class TransientError(Exception):
    """A failure that may pass if the step runs again shortly."""


def transient(exc: BaseException | None) -> bool:
    while exc is not None:
        if aws.error_code(exc) in TRANSIENT_CODES or aws.unreachable(exc) is not None:
            return True
        if getattr(exc, "cause_response_code", None) in TRANSIENT_CODES:
            return True
        reasons = getattr(exc, "cancellation_reasons", None) or []
        if any(r is not None and r.code in TRANSIENT_CODES for r in reasons):
            return True
        exc = exc.__cause__ or exc.__context__
    return False


def _run(step: Callable[..., dict[str, Any]], *args: Any) -> dict[str, Any]:
    try:
        return step(*args)
    except Exception as exc:
        if transient(exc):
            raise TransientError(f"{type(exc).__name__}: {exc}") from exc
        raise


@bp.lambda_function(name="offboarding_lock")
def offboarding_lock(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return _run(steps.lock, event["run_id"])


@bp.lambda_function(name="offboarding_snapshot")
def offboarding_snapshot(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return _run(steps.snapshot, event["run_id"])


@bp.lambda_function(name="offboarding_move_threads")
def offboarding_move_threads(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return _run(steps.move_threads, event["run_id"])


@bp.lambda_function(name="offboarding_move_numbers")
def offboarding_move_numbers(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return _run(steps.move_numbers, event["run_id"])


@bp.lambda_function(name="offboarding_notify_customers")
def offboarding_notify_customers(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return _run(steps.notify_customers, event["run_id"])


@bp.lambda_function(name="offboarding_notify_successors")
def offboarding_notify_successors(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return _run(steps.notify_successors, event["run_id"])


@bp.lambda_function(name="offboarding_finalize")
def offboarding_finalize(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return _run(steps.finalize, event["run_id"])


@bp.lambda_function(name="offboarding_record_failure")
def offboarding_record_failure(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return _run(steps.record_failure, event["run_id"], event.get("error") or {})
