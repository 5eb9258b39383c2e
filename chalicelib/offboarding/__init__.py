"""Offboarding: HR hands a leaver's customers and numbers to colleagues in one Step Functions run."""

from __future__ import annotations

import json
from typing import Any

from pynamodb.exceptions import TransactWriteError


def lost_a_condition(exc: TransactWriteError) -> bool:
    """The transaction was cancelled because a condition did not hold (not throttling, not a conflict)."""
    return any(r is not None and r.code == "ConditionalCheckFailed" for r in exc.cancellation_reasons)


def archive_key(run_id: str, name: str) -> str:
    return f"offboarding/{run_id}/{name}"


def put_json(key: str, value: Any) -> None:
    from chalicelib.archive.objects import put_locked

    put_locked(key, json.dumps(value, sort_keys=True, separators=(",", ":")).encode())


def get_json(key: str) -> Any:
    from chalicelib import aws
    from chalicelib.settings import get_settings

    body = aws.client("s3").get_object(Bucket=get_settings().archive_bucket, Key=key)["Body"].read()
    return json.loads(body)
