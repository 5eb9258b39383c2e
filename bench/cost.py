"""The cost model: priced units per message (counted, not guessed) times AWS list prices."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from bench import prices

LAMBDA_MEMORY_GB = 0.5  # the functions' configured memory (infrastructure)


@dataclass
class Usage:
    """What one unit of work (a message, an offboarding) consumes."""

    api_requests: float = 0  # API Gateway HTTP API requests (carriers' webhooks and people's calls alike)
    lambda_invocations: float = 0
    lambda_seconds: float = 0  # summed duration of those invocations
    dynamodb_wru: float = 0
    dynamodb_rru: float = 0
    s3_puts: float = 0
    s3_gets: float = 0
    sqs_requests: float = 0
    state_transitions: float = 0
    kms_requests: float = 0
    log_bytes: float = 0  # written to CloudWatch Logs: the app's own lines and metrics, access logs

    def dollars(self) -> dict[str, float]:
        return {
            "API Gateway": self.api_requests * prices.API_GATEWAY_HTTP_REQUEST,
            "Lambda requests": self.lambda_invocations * prices.LAMBDA_REQUEST,
            "Lambda compute": self.lambda_seconds * LAMBDA_MEMORY_GB * prices.LAMBDA_GB_SECOND_ARM,
            "DynamoDB writes": self.dynamodb_wru * prices.DYNAMODB_WRITE_UNIT,
            "DynamoDB reads": self.dynamodb_rru * prices.DYNAMODB_READ_UNIT,
            "S3 requests": self.s3_puts * prices.S3_PUT + self.s3_gets * prices.S3_GET,
            "SQS": self.sqs_requests * prices.SQS_FIFO_REQUEST,
            "Step Functions": self.state_transitions * prices.STEP_FUNCTIONS_TRANSITION,
            "KMS": self.kms_requests * prices.KMS_REQUEST,
            "CloudWatch Logs": self.log_bytes / 1024**3 * prices.CLOUDWATCH_LOGS_INGESTED_GB,
        }

    def total(self) -> float:
        return sum(self.dollars().values())

    def breakdown(self, scale: float = 1) -> str:
        """'DynamoDB writes $6.88, S3 requests $5.00, ...': the largest first, each times `scale`."""
        parts = sorted(self.dollars().items(), key=lambda kv: -kv[1])
        return ", ".join(f"{name} ${value * scale:.4g}" for name, value in parts if value)

    def scaled(self, factor: float) -> Usage:
        return Usage(**{k: v * factor for k, v in self.__dict__.items()})

    def plus(self, other: Usage) -> Usage:
        return Usage(**{k: v + getattr(other, k) for k, v in self.__dict__.items()})


def from_units(units: dict[str, float], **extra: float) -> Usage:
    return Usage(
        dynamodb_wru=units.get("dynamodb.wru", 0),
        dynamodb_rru=units.get("dynamodb.rru", 0),
        s3_puts=units.get("s3.put", 0),
        s3_gets=units.get("s3.get", 0),
        sqs_requests=units.get("sqs.request", 0),
        kms_requests=units.get("kms.request", 0),
        **extra,
    )


def storage_dollars_per_month(bytes_per_message: float, messages: float) -> float:
    return bytes_per_message * messages / 1024**3 * prices.S3_STORAGE_GB_MONTH


# One line of the HTTP API's access log (its JSON format in infrastructure/stack.py, typical values).
# Lambda's own START/END/REPORT lines are not written (the stack's SystemLogLevel is WARN).
ACCESS_LOG_BYTES = 320

# Lambda time is modelled from the counted calls, not timed: the emulator in-process is neither
# as fast as DynamoDB nor as slow as a loaded CI machine. Typical in-region latencies, seconds:
CALL_SECONDS = {"dynamodb": 0.006, "s3": 0.030, "sqs": 0.010}
OTHER_CALL_SECONDS = 0.015
INVOCATION_OVERHEAD_SECONDS = 0.005  # the handler's own Python work per invocation


# What Lambda's event source mappings do themselves on AWS, and the local pump does in their stead:
# polling queues (billed as SQS requests, modelled per delivered message) and streams (free).
POLLER_CALLS = frozenset({"sqs.ReceiveMessage", "sqs.DeleteMessage", "dynamodb.DescribeTable"})


def app_calls(counter: Any) -> Counter:
    """The counted calls the functions themselves make (not the pollers standing in for AWS)."""
    return Counter(
        {
            name: n
            for name, n in counter.calls.items()
            if name not in POLLER_CALLS and not name.startswith("dynamodbstreams.")
        }
    )


def lambda_seconds(counter: Any, invocations: int) -> float:
    waiting = sum(
        count * CALL_SECONDS.get(name.split(".", 1)[0], OTHER_CALL_SECONDS)
        for name, count in app_calls(counter).items()
    )
    return waiting + invocations * INVOCATION_OVERHEAD_SECONDS
