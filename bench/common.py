"""What every benchmark shares: result rows, budgets, and an exact AWS call counter.

A row compares a figure with a baseline measured in the same run (the machines are noisy, so
absolute times alone mean little). A budget row passes or fails; a failed budget fails `make bench`.
"""

from __future__ import annotations

import contextlib
import io
import os
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Row:
    name: str  # what was measured
    value: float
    unit: str
    baseline_name: str = ""
    baseline: float | None = None
    budget: str = ""  # e.g. "<= 3"; empty when there is none
    passed: bool | None = None  # None when there is no budget
    notes: str = ""

    @property
    def ratio(self) -> float | None:
        if self.baseline in (None, 0):
            return None
        return self.value / self.baseline  # type: ignore[operator]


@dataclass
class CallCounter:
    """AWS API calls by `service.Operation`, counted exactly (not timed)."""

    calls: Counter = field(default_factory=Counter)
    units: Counter = field(default_factory=Counter)  # priced units: dynamodb.wru, s3.put, sqs.request, ...

    @property
    def total(self) -> int:
        return sum(self.calls.values())

    def reset(self) -> None:
        self.calls.clear()
        self.units.clear()

    def record(self, service: str, operation: str, params: Any) -> None:
        self.calls[f"{service}.{operation}"] += 1
        for unit, amount in priced_units(service, operation, params or {}).items():
            self.units[unit] += amount


@contextlib.contextmanager
def counting_aws_calls() -> Iterator[CallCounter]:
    """Count every botocore call made while the block runs, whatever session made the client.

    Counting at `BaseClient._make_api_call` sees boto3's and PynamoDB's clients alike. DynamoDB
    writes are priced from the items' images before and after (see `bench.write_units`).
    """
    from botocore.client import BaseClient

    from bench.write_units import Meter

    counter = CallCounter()
    original = BaseClient._make_api_call
    meters: dict[int, Meter] = {}

    def counted(self: BaseClient, operation_name: str, api_params: Any) -> Any:
        counter.record(self.meta.service_model.service_name, operation_name, api_params)
        if self.meta.service_model.service_name != "dynamodb" or operation_name not in _DDB_WRITE_CALLS:
            return original(self, operation_name, api_params)
        meter = meters.setdefault(id(self), Meter(lambda op, params: original(self, op, params)))
        targets = meter.targets(operation_name, api_params)
        before = [meter.image(table, key) for table, key, _ in targets]
        try:
            return original(self, operation_name, api_params)
        finally:  # a refused conditional write is billed too
            for (table, key, tx), old in zip(targets, before, strict=True):
                base, indexes = meter.units(table, old, meter.image(table, key), tx)
                counter.units["dynamodb.wru"] += base + indexes
                counter.units["dynamodb.wru.indexes"] += indexes

    BaseClient._make_api_call = counted  # type: ignore[method-assign]
    try:
        yield counter
    finally:
        BaseClient._make_api_call = original  # type: ignore[method-assign]


_DDB_WRITE_CALLS = {"PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems"}
_DDB_READS = {"GetItem", "Query", "Scan"}


def priced_units(service: str, operation: str, params: dict[str, Any]) -> dict[str, float]:
    """The billing units one call consumes (reads for items under 4 KB; writes: `bench.write_units`)."""
    if service == "dynamodb":
        if operation in _DDB_READS:
            return {"dynamodb.rru": 1 if params.get("ConsistentRead") else 0.5}
        if operation == "BatchGetItem":
            return {"dynamodb.rru": sum(len(v.get("Keys", [])) for v in params.get("RequestItems", {}).values())}
        if operation == "TransactGetItems":
            return {"dynamodb.rru": 2 * len(params.get("TransactItems", []))}
        return {}
    if service == "s3":
        if operation in {"PutObject", "CopyObject", "PutObjectLegalHold", "PutObjectRetention", "ListObjectsV2"}:
            return {"s3.put": 1}
        if operation in {"GetObject", "HeadObject"}:
            return {"s3.get": 1}
        return {}
    if service == "sqs":
        return {"sqs.request": 1}
    if service == "stepfunctions" and operation == "StartExecution":
        return {"stepfunctions.start": 1}
    if service == "kms":
        return {"kms.request": 1}
    if service == "secretsmanager":
        return {"secretsmanager.call": 1}
    return {}


class _CountingStream(io.TextIOBase):
    def __init__(self) -> None:
        self.bytes = 0

    def write(self, text: str) -> int:
        self.bytes += len(text.encode())
        return len(text)


@contextlib.contextmanager
def counting_log_bytes() -> Iterator[_CountingStream]:
    """Count the bytes the app writes to its logs as deployed: INFO and up, and its metrics (EMF).

    Lambda sends a function's stdout to CloudWatch Logs, which bills every byte ingested.
    """
    from chalicelib.observability import logger

    stream = _CountingStream()
    handler = logger.registered_handler
    level, disabled = logger.log_level, os.environ.get("POWERTOOLS_METRICS_DISABLED")
    previous = handler.setStream(stream)  # type: ignore[attr-defined]
    logger.setLevel("INFO")
    os.environ["POWERTOOLS_METRICS_DISABLED"] = "false"
    try:
        with contextlib.redirect_stdout(stream):  # the metrics are printed
            yield stream
    finally:
        handler.setStream(previous)  # type: ignore[attr-defined]
        logger.setLevel(level)
        if disabled is None:
            os.environ.pop("POWERTOOLS_METRICS_DISABLED", None)
        else:
            os.environ["POWERTOOLS_METRICS_DISABLED"] = disabled


def timed(fn: Callable[[], Any], repeat: int) -> float:
    """Seconds per call, over `repeat` calls."""
    start = time.perf_counter()
    for _ in range(repeat):
        fn()
    return (time.perf_counter() - start) / repeat


def budget(row: Row, limit: float, op: str = "<=") -> Row:
    row.budget = f"{op} {limit:g}"
    row.passed = row.value <= limit if op == "<=" else row.value >= limit
    return row
