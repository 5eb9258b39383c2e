"""What the archive tests share: messages written the way the messaging code writes them."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Iterator
from typing import Any

import pytest

from chalicelib import aws
from chalicelib.archive import chain
from chalicelib.carriers import registry
from chalicelib.settings import get_settings
from devstack.sample_records import (  # noqa: F401 - re-exported for the archive tests
    BUSINESS,
    CUSTOMER,
    add_status,
    nudge_message,
    store_message,
    thread_of,
)


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
