"""What the archive tests share: messages written the way the messaging code writes them."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Iterator
from typing import Any

import pytest

from chalicelib import aws, ids
from chalicelib.archive import chain, outbox
from chalicelib.carriers import registry
from chalicelib.settings import get_settings
from chalicelib.store.models import Media, Message, StatusChange, Thread

BUSINESS = "+14155550101"  # Emma's demo number
CUSTOMER = "+12065550123"


class FakeCarrier:
    """A carrier whose media downloads are served from memory (and counted)."""

    name = "twilio"

    def __init__(self) -> None:
        self.fetched: list[str] = []

    def fetch_media(self, url: str) -> tuple[bytes, str]:
        self.fetched.append(url)
        return f"image bytes of {url}".encode(), "image/jpeg"


@pytest.fixture(name="carrier")
def carrier_fixture(demo: None) -> Iterator[FakeCarrier]:
    """The demo company with its seeded conversations archived, and Twilio's media downloads served by a fake.

    Import it into a test module to use it.
    """
    from app import app
    from devstack import pump

    fake = FakeCarrier()
    registry.override("twilio", fake)
    chain.forget_worm_check()
    pump.drain(app)
    yield fake
    registry.override("twilio", None)


def thread_of(customer: str = CUSTOMER, business: str = BUSINESS) -> str:
    return ids.stable_id("th", business, customer)


def store_message(
    body: str = "Hello, is my order ready?",
    customer: str = CUSTOMER,
    direction: str = "inbound",
    kind: str = "sms",
    media_urls: tuple[str, ...] = (),
    sender: str | None = None,
    owner: str | None = "employee#emma",
    statuses: tuple[str, ...] = (),
    nudge: bool = False,  # the stream triggers the archive; True also queues a nudge (reconciliation's path)
) -> Message:
    at = ids.iso()
    message_id = ids.new_id("msg")
    message = Message(
        thread_id=thread_of(customer),
        message_key=f"{at}#{message_id}",
        message_id=message_id,
        direction=direction,
        kind=kind,
        body=body,
        media=[Media(url=u, content_type="image/jpeg") for u in media_urls],
        business_number=BUSINESS,
        customer_number=customer,
        carrier="twilio",
        carrier_message_id=f"SM{message_id}",
        status=statuses[-1] if statuses else "received" if direction == "inbound" else "queued",
        status_history=[StatusChange(status=s, at=ids.iso()) for s in statuses],
        sender_employee_id=sender,
        owner_at_receipt=owner,
        call={"duration": 42, "outcome": "answered"} if kind in ("call", "voicemail") else None,
        created_at=at,
        pending_archive="1",
    )
    message.save()
    Thread(  # as the messaging code does, in the same transaction
        thread_id=message.thread_id,
        business_number=BUSINESS,
        customer_number=customer,
        owner=owner or "unassigned",
        last_activity_at=at,
        created_at=at,
    ).save()
    if nudge:
        nudge_message(message)
    return message


def nudge_message(message: Message, dedup: str | None = None) -> None:
    key = {"thread_id": message.thread_id, "message_key": message.message_key}
    outbox.nudge("message", key, message.thread_id, dedup or f"{message.message_id}-{ids.new_id('n')}")


def add_status(message: Message, status: str) -> Message:
    message.refresh()
    message.update(
        actions=[
            Message.status.set(status),
            Message.status_history.set([*(message.status_history or []), StatusChange(status=status, at=ids.iso())]),
            Message.pending_archive.set("1"),
        ]
    )  # as a status callback does: the stream takes a settled status to the archive
    return message


def objects(prefix: str = "") -> dict[str, dict[str, Any]]:
    """Every current archive object under `prefix`: key -> head_object."""
    s3 = aws.client("s3")
    bucket = get_settings().archive_bucket
    found: dict[str, dict[str, Any]] = {}
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for item in page.get("Contents", []):
            found[item["Key"]] = s3.head_object(Bucket=bucket, Key=item["Key"])
    return found


def read(key: str) -> dict[str, Any]:
    body = aws.client("s3").get_object(Bucket=get_settings().archive_bucket, Key=key)["Body"].read()
    return json.loads(body)


def unzip(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as bundle:
        return {name: bundle.read(name) for name in bundle.namelist()}
