"""The AWS cost per million messages, from the units one message really consumes.

One inbound text and one outbound text with its two status callbacks go through the real
handlers against the emulator, archive included, with the archiver taking the due changes from
the tables' streams after every step (as its event source mapping would); every AWS call the
functions make is counted and priced. The mappings' own polling is not: reading a stream is free,
and a queue's receive and delete are modelled per delivered message (`bench.cost.POLLER_CALLS`).
Each delivered change is one archiver invocation, as at a rate of one text at a time.
"""

from __future__ import annotations

from typing import Any

from bench import prices
from bench.common import Row, budget, counting_aws_calls, counting_log_bytes
from bench.cost import ACCESS_LOG_BYTES, Usage, from_units, lambda_seconds, storage_dollars_per_month
from bench.env import BENCH_ENV, emulated

MESSAGES = 20  # per direction; averaged
CUSTOMER = "+12065550177"
BUSINESS = "+14155550101"  # emma's Twilio number in the demo company


class _Carrier:
    """Stands in for Twilio's API on send; webhooks still go through the real Twilio adapter."""

    def __init__(self, real: Any) -> None:
        self.real = real
        self.name = real.name
        self.sent = 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real, name)

    def send(self, from_: str, to: str, body: str, media_urls: list[str], idempotency_key: str | None = None) -> Any:
        from chalicelib.carriers.base import SendResult

        self.sent += 1
        return SendResult(carrier_message_id=f"SMbench{self.sent:026d}", status="queued")


def _post(client: Any, path: str, params: dict[str, str]) -> None:
    from devstack.commands.simulate import sign_twilio

    headers, body = sign_twilio(BENCH_ENV["PUBLIC_BASE_URL"] + path, params, BENCH_ENV["TWILIO_AUTH_TOKEN"])
    response = client.http.post(path, headers=headers, body=body)
    assert response.status_code == 200, response.body


def _send() -> None:
    """Emma replies in the thread as the console does: through the HTTP API, past its JWT authorizer."""
    import json

    from chalicelib.messaging import records
    from devstack.http_api import http_api_event, invoke

    thread_id = records.thread_id_for(BUSINESS, CUSTOMER)
    path = f"/threads/{thread_id}/messages"
    claims = {"sub": "emma", "email": "emma@example.com", "cognito:groups": "[employee]"}
    event = http_api_event(
        path,
        {"content-type": "application/json"},
        json.dumps({"body": "It is ready for pick-up."}).encode(),
        route="/threads/{thread_id}/messages",
        path_parameters={"thread_id": thread_id},
        authorizer={"claims": claims, "scopes": None},
    )
    response = invoke(event)
    assert response["statusCode"] in (200, 201), response


def _drain(app: Any) -> int:
    from devstack import pump

    return pump.drain(app)


def _usage(counter: Any, logs: Any, requests: int, invocations: int) -> Usage:
    units = dict(counter.units)
    # The pump stands in for the event source mappings: on AWS each queued message costs one
    # receive and one delete (the pump's empty polls are not billed per message); streams are free.
    units["sqs.request"] = counter.calls["sqs.SendMessage"] + 2 * counter.calls["sqs.DeleteMessage"]
    seconds = lambda_seconds(counter, invocations)
    return from_units(
        units,
        api_requests=requests,
        lambda_invocations=invocations,
        lambda_seconds=seconds,
        log_bytes=logs.bytes + requests * ACCESS_LOG_BYTES,
    )


def measure() -> tuple[Usage, Usage, float]:
    """(inbound usage per message, outbound usage per message, archived bytes per message)."""
    from chalice.test import Client

    from chalicelib import aws
    from chalicelib.carriers import registry
    from chalicelib.settings import get_settings

    with emulated() as app, Client(app, stage_name="dev") as client:
        twilio = _Carrier(registry.get("twilio"))
        registry.override("twilio", twilio)
        try:
            _drain(app)  # the demo seed's own archive work is not part of the measurement
            with counting_aws_calls() as counter, counting_log_bytes() as logs:
                delivered = 0
                for n in range(MESSAGES):  # one at a time: each change is its own archiver invocation
                    params = {"MessageSid": f"SMin{n:030d}", "From": CUSTOMER, "To": BUSINESS, "Body": "Is it ready?"}
                    params.update({"AccountSid": BENCH_ENV["TWILIO_ACCOUNT_SID"], "NumMedia": "0"})
                    _post(client, "/webhooks/twilio/messages", params)
                    delivered += _drain(app)
            inbound = _usage(counter, logs, MESSAGES, MESSAGES + delivered).scaled(1 / MESSAGES)

            with counting_aws_calls() as counter, counting_log_bytes() as logs:
                delivered = 0
                for n in range(MESSAGES):
                    # The archiver runs between the send and each callback, as it would on AWS.
                    _send()
                    delivered += _drain(app)
                    for state in ("sent", "delivered"):
                        sid = f"SMbench{n + 1:026d}"
                        _post(client, "/webhooks/twilio/status", {"MessageSid": sid, "MessageStatus": state})
                        delivered += _drain(app)
            # One send and two status callbacks per message, each a request to the HTTP API and an
            # invocation of the API handler (the send's token is checked by API Gateway's JWT
            # authorizer, no Lambda); the send resolves the employee itself, as the API does.
            invocations = 3 * MESSAGES + delivered
            outbound_usage = _usage(counter, logs, 3 * MESSAGES, invocations).scaled(1 / MESSAGES)

            s3 = aws.client("s3")
            sizes = [
                o["Size"]
                for page in s3.get_paginator("list_objects_v2").paginate(Bucket=get_settings().archive_bucket)
                for o in page.get("Contents", [])
            ]
            per_message = sum(sizes) / max(1, len(sizes))
        finally:
            registry.override("twilio", None)
    return inbound, outbound_usage, per_message


def run() -> list[Row]:
    inbound, outbound_usage, archived_bytes = measure()
    million = 1_000_000
    blended = inbound.plus(outbound_usage).scaled(0.5)
    rows = [
        Row(
            "cost: AWS per million inbound messages",
            inbound.total() * million,
            "USD",
            "carrier's own inbound SMS price",
            prices.CARRIER_SMS_PER_MESSAGE * million,
            notes=inbound.breakdown(1_000_000),
        ),
        Row(
            "cost: AWS per million outbound messages (2 status callbacks each)",
            outbound_usage.total() * million,
            "USD",
            "carrier's own outbound SMS price",
            prices.CARRIER_SMS_PER_MESSAGE * million,
            notes=outbound_usage.breakdown(1_000_000),
        ),
        budget(
            Row(
                "cost: AWS per million messages (half inbound, half outbound)",
                blended.total() * million,
                "USD",
                "carrier's own SMS price",
                prices.CARRIER_SMS_PER_MESSAGE * million,
                notes=blended.breakdown(1_000_000),
            ),
            20,
        ),
        Row(
            "cost: with X-Ray tracing on (Tracing=Active), per million messages",
            (blended.total() + blended.lambda_invocations * prices.XRAY_TRACE_RECORDED) * million,
            "USD",
            notes="each invocation starts a trace and Lambda traces nearly all at these rates; off by default",
        ),
        Row(
            "cost: archive storage per million messages, per month retained",
            storage_dollars_per_month(archived_bytes * 2, million),
            "USD",
            notes=f"{archived_bytes:.0f} bytes per archived object",
        ),
    ]
    return rows
