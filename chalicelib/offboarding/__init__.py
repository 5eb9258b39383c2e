"""Offboarding: HR hands a leaver's customers and numbers to colleagues in one Step Functions run."""

from __future__ import annotations

import json
from typing import Any


def archive(run_id: str, name: str, value: Any, employee_id: str) -> str:
    """Archive a JSON document of the run (chained, locked, once per name); returns its object key."""
    from chalicelib.archive import documents

    return documents.put("offboarding", f"{run_id}-{name}.json", value, employee_id=employee_id).blob_key


def read_archived(key: str) -> Any:
    from chalicelib import aws
    from chalicelib.settings import get_settings

    body = aws.client("s3").get_object(Bucket=get_settings().archive_bucket, Key=key)["Body"].read()
    return json.loads(body)
