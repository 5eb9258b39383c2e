"""Offboarding at scale: an employee with 10,000 threads through the real definition on the emulator.

Reports wall time, state transitions (execution history events), Lambda invocations, and the
app's AWS calls per thread (DynamoDB, S3, SQS; the interpreter's own Step Functions and Lambda
calls are counted apart). Budgets: history events stay far from Step Functions' 25,000 limit
even when scaled to 100,000 threads, and a thread costs well under one AWS call.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

from bench.bench_cost import lambda_seconds
from bench.common import Row, budget, counting_aws_calls
from bench.cost import from_units
from bench.env import emulated

THREADS = int(os.environ.get("BENCH_OFFBOARDING_THREADS", "10000"))
LEAVER_NUMBER = "+14155550101"
HISTORY_LIMIT = 25_000


@contextlib.contextmanager
def _no_transaction_backups() -> Iterator[None]:
    """Emulator cost, not app cost: before each transaction moto deep-copies every table it touches,
    once per item (23 copies of a 10,000-thread table per call), which makes the run quadratic.
    The backup only matters when a transaction is cancelled, which never happens in this benchmark
    (nothing else moves the leaver's threads), so it is skipped here; DynamoDB itself has no such cost."""
    from moto.dynamodb import models
    from moto.dynamodb.models.table import Table

    real_copy = models.copy

    def deepcopy(value: Any, memo: Any = None) -> Any:
        return value if isinstance(value, Table) else real_copy.deepcopy(value, memo)

    models.copy = SimpleNamespace(deepcopy=deepcopy, copy=real_copy.copy)
    try:
        yield
    finally:
        models.copy = real_copy


def _history_events(arn: str) -> int:
    from chalicelib import aws

    pages = aws.client("stepfunctions").get_paginator("get_execution_history").paginate(executionArn=arn)
    return sum(len(page["events"]) for page in pages)


def _wait(arn: str) -> str:
    from chalicelib import aws

    while True:
        status = aws.client("stepfunctions").describe_execution(executionArn=arn)["status"]
        if status != "RUNNING":
            return status
        time.sleep(0.2)


def run() -> list[Row]:
    with emulated(), _no_transaction_backups():
        from chalicelib.offboarding import runs
        from chalicelib.store.models import OffboardingRun
        from devstack import emulator
        from devstack.seed import seed_threads

        seed_threads("emma", THREADS, LEAVER_NUMBER)
        emulator.invocations.clear()
        body = {"employee_id": "emma", "reassign": {"policy": "round_robin"}, "numbers": {"policy": "pool"}}
        started = time.perf_counter()
        with counting_aws_calls() as calls:
            run_id = runs.start(body, "hal").run_id
            arn = OffboardingRun.get(run_id).execution_arn
            status = _wait(arn)
        wall = time.perf_counter() - started
        done = OffboardingRun.get(run_id)
        events = _history_events(arn)
    if status != "SUCCEEDED" or int(done.threads_moved) != THREADS:
        raise RuntimeError(f"offboarding bench run ended {status} with {done.threads_moved} threads moved")
    app_calls = sum(n for op, n in calls.calls.items() if op.split(".")[0] not in ("stepfunctions", "lambda"))
    per_100k = events * 100_000 / THREADS
    invocations = len(emulator.invocations)
    # History events stand in for billed state transitions (an upper bound: not every event is one).
    usage = from_units(
        dict(calls.units),
        lambda_invocations=invocations,
        lambda_seconds=lambda_seconds(calls, invocations),
        state_transitions=events,
    )
    return [
        Row(f"offboarding {THREADS:,} threads: wall time", wall, "s", notes="moto in-process, 2 shared cores"),
        Row(f"offboarding {THREADS:,} threads: state transitions", events, "events"),
        budget(
            Row("offboarding: history events scaled to 100,000 threads", per_100k, "events", notes="limit 25,000"),
            HISTORY_LIMIT / 2,
        ),
        Row(f"offboarding {THREADS:,} threads: Lambda invocations", len(emulator.invocations), "invokes"),
        budget(Row("offboarding: app AWS calls per thread", app_calls / THREADS, "calls"), 0.5),
        Row("offboarding: DynamoDB write units per thread", calls.units.get("dynamodb.wru", 0) / THREADS, "WRU"),
        Row(f"cost: AWS per offboarding of {THREADS:,} threads", usage.total(), "USD", notes=usage.breakdown()),
    ]
