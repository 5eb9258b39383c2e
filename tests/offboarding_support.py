"""Shared steps of the offboarding tests: start through the API, wait for the real execution, read back."""

from __future__ import annotations

import json
from typing import Any

from chalicelib import aws
from chalicelib.store.models import OffboardingRun, Thread
from tests.conftest import wait_for_execution

EMMA_NUMBER = "+14155550101"


def start(client: Any, as_user: Any, body: dict[str, Any], status: int = 202) -> dict[str, Any]:
    response = client.http.post("/offboardings", headers=as_user("hal", "hr"), body=json.dumps(body))
    assert response.status_code == status, response.body
    return json.loads(response.body)


def wait(run_id: str, expect: str = "SUCCEEDED") -> dict[str, Any]:
    done = wait_for_execution(OffboardingRun.get(run_id).execution_arn)
    assert done["status"] == expect, OffboardingRun.get(run_id).error
    return done


def status(client: Any, as_user: Any, run_id: str) -> dict[str, Any]:
    response = client.http.get(f"/offboardings/{run_id}", headers=as_user("hal", "hr"))
    assert response.status_code == 200, response.body
    return json.loads(response.body)


def run_to_end(client: Any, as_user: Any, body: dict[str, Any]) -> dict[str, Any]:
    run = start(client, as_user, body)
    wait(run["run_id"])
    return status(client, as_user, run["run_id"])


def owners(thread_ids: list[str]) -> list[str]:
    return [Thread.get(t).owner for t in thread_ids]


def history(execution_arn: str) -> list[dict[str, Any]]:
    pages = aws.client("stepfunctions").get_paginator("get_execution_history").paginate(executionArn=execution_arn)
    return [event for page in pages for event in page["events"]]


def owned_by(employee_id: str) -> list[str]:
    """Every thread the person owns now (the demo seed's conversations included)."""
    return [t.thread_id for t in Thread.by_owner.query(f"employee#{employee_id}")]
