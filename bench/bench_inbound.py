"""Inbound webhooks per second through the real handler, against the bare boto3 calls that store one message;
and the exact AWS calls per inbound text, duplicate, status callback and send."""

from __future__ import annotations

import uuid
from typing import Any

from bench.common import Row, budget, counting_aws_calls, timed

ROUNDS, PER_ROUND = 5, 30  # interleaved, so load on the machine hits both sides alike
EMMA = "+14155550101"


class _StubCarrier:
    """Stands in for Twilio's API during the send count: no HTTP, no AWS."""

    name = "twilio"

    def send(self, from_: str, to: str, body: str, media_urls: list[str], idempotency_key: str | None = None) -> Any:
        from chalicelib.carriers.base import SendResult

        return SendResult("SM" + uuid.uuid4().hex, "queued")


def _signed_post(client: Any, path: str, document: Any) -> None:
    import os

    from chalicelib.settings import get_settings
    from devstack.commands.simulate import signed

    headers, body = signed("twilio", document, path, dict(os.environ), get_settings().public_base_url)
    response = client.http.post(path, headers=headers, body=body)
    assert response.status_code == 200, response.body


def _poster(client: Any) -> Any:
    from devstack.commands.simulate import PATHS, inbound_document, new_message_id

    def post(customer: str = "+12065550123", message_id: str | None = None) -> None:
        document = inbound_document(
            "twilio", EMMA, customer, "Benchmark hello", message_id or new_message_id("twilio"), []
        )
        _signed_post(client, PATHS["twilio"], document)

    return post


def _bare_store() -> Any:
    """The least any implementation must do: read the number, one transaction (the table's stream archives it)."""
    from chalicelib import aws, ids
    from chalicelib.settings import get_settings

    settings = get_settings()
    ddb = aws.client("dynamodb")

    def store() -> None:
        at, message_id = ids.iso(), ids.new_id("msg")
        thread = ids.stable_id("th", EMMA, "+12065550999")
        ddb.get_item(TableName=settings.table_name("numbers"), Key={"e164": {"S": EMMA}})
        ddb.transact_write_items(
            TransactItems=[
                {
                    "Put": {
                        "TableName": settings.table_name("messages"),
                        "Item": {"thread_id": {"S": thread}, "message_key": {"S": f"{at}#{message_id}"}},
                        "ConditionExpression": "attribute_not_exists(message_key)",
                    }
                },
                {
                    "Put": {
                        "TableName": settings.table_name("message-keys"),
                        "Item": {"key": {"S": f"twilio#{message_id}"}},
                        "ConditionExpression": "attribute_not_exists(#k)",
                        "ExpressionAttributeNames": {"#k": "key"},
                    }
                },
                {
                    "Update": {
                        "TableName": settings.table_name("threads"),
                        "Key": {"thread_id": {"S": thread}},
                        "UpdateExpression": "SET last_activity_at = :at ADD unread :one",
                        "ExpressionAttributeValues": {":at": {"S": at}, ":one": {"N": "1"}},
                    }
                },
            ]
        )

    return store


def _count(fn: Any) -> tuple[int, str]:
    with counting_aws_calls() as counter:
        fn()
    return counter.total, ", ".join(f"{k} x{v}" for k, v in sorted(counter.calls.items()))


def run() -> list[Row]:
    from chalice.test import Client

    from bench.env import emulated

    rows: list[Row] = []
    with emulated() as app, Client(app, stage_name="dev") as client:
        from chalicelib.carriers import registry
        from chalicelib.messaging import outbound

        post = _poster(client)
        post()  # warm: clients, queue URLs, the team's schedule
        bare = _bare_store()
        bare()
        handler_seconds = bare_seconds = 0.0
        for _ in range(ROUNDS):
            handler_seconds += timed(post, PER_ROUND) / ROUNDS
            bare_seconds += timed(bare, PER_ROUND) / ROUNDS
        rows.append(
            Row(
                "inbound webhooks/s (signed, real handler)",
                1 / handler_seconds,
                "/s",
                "bare boto3 store",
                1 / bare_seconds,
                notes=f"{ROUNDS * PER_ROUND} Twilio webhooks through chalice.test.Client on the in-process emulator",
            )
        )
        post("+12065550776")  # warm again: the timed rounds may outlast the one-minute team cache on a slow machine
        calls, detail = _count(lambda: post("+12065550777"))
        rows.append(budget(Row("warm inbound AWS calls", calls, "calls", notes=detail), 3))
        calls, detail = _count(lambda: post("+12065550777", "SMrepeat") or post("+12065550777", "SMrepeat"))
        rows.append(Row("inbound + duplicate delivery AWS calls", calls, "calls", notes=detail))
        registry.override("twilio", _StubCarrier())
        try:
            message = outbound.send("emma", EMMA, "+12065550777", "Thanks, on it")
            calls, detail = _count(lambda: outbound.send("emma", EMMA, "+12065550777", "Second reply"))
        finally:
            registry.override("twilio", None)
        rows.append(Row("outbound send AWS calls (carrier stubbed)", calls, "calls", notes=detail))
        status = {"MessageSid": message.carrier_message_id, "MessageStatus": "delivered"}
        calls, detail = _count(lambda: _signed_post(client, "/webhooks/twilio/status", status))
        rows.append(budget(Row("status callback AWS calls", calls, "calls", notes=detail), 3))
    return rows
