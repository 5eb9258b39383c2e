"""`verify` on the bucket: clean archive passes; tampering and database/archive drift are named."""

from __future__ import annotations

import json

import pytest

from app import app
from chalicelib import aws
from chalicelib.archive import digest, records
from chalicelib.settings import get_settings
from chalicelib.store.archive_models import ArchiveRecord
from devstack import pump
from devstack.commands import archive as archive_cli
from tests.archive_helpers import (
    carrier_fixture,  # noqa: F401 - provides the `carrier` fixture
    store_message,
)


@pytest.fixture
def archived(carrier):
    made = [
        store_message("one"),
        store_message("two", kind="mms", media_urls=("https://media.example/x",), statuses=("sent",)),
        store_message("three"),
    ]
    pump.drain(app)
    digest.archive_digest()
    return made


def _entry(message) -> ArchiveRecord:
    return ArchiveRecord.get(f"message-{message.message_id}")


def _overwrite(key: str, body: bytes, **lock: str) -> None:
    """A new version over a locked one: Object Lock keeps the old, but a careless reader sees this."""
    aws.client("s3").put_object(Bucket=get_settings().archive_bucket, Key=key, Body=body, **lock)


def test_clean_archive_verifies_through_the_cli_and_the_route(client, as_user, archived, capsys):
    assert archive_cli.verify() == 0
    report = json.loads(capsys.readouterr().out)
    assert report["ok"] is True and report["records"] == 6 and report["chains"] == 2
    response = client.http.post("/archive/verify", headers=as_user("cora", "compliance"))
    assert response.status_code == 200 and json.loads(response.body)["ok"] is True
    assert client.http.post("/archive/verify", headers=as_user("emma")).status_code == 403


def test_an_altered_record_is_named(archived, capsys):
    entry = _entry(archived[1])
    record = json.loads(aws.client("s3").get_object(Bucket=get_settings().archive_bucket, Key=entry.key)["Body"].read())
    record["data"]["body"] = "something else"
    governance = {"ObjectLockMode": "GOVERNANCE", "ObjectLockRetainUntilDate": "2099-01-01T00:00:00Z"}
    _overwrite(entry.key, records.canonical(record), ChecksumAlgorithm="SHA256", **governance)
    assert archive_cli.verify() == 1
    problems = json.loads(capsys.readouterr().out)["problems"]
    assert f"record {entry.record_id} ({entry.key}) was altered: its hash does not match" in problems
    assert f"object {entry.key} is not under COMPLIANCE retention" in problems
    assert f"record {entry.record_id}: {entry.key} has a newer version than the one archived" in problems


def test_a_resealed_record_breaks_the_chain_and_the_digest(archived, capsys):
    entry = _entry(archived[1])
    record = json.loads(aws.client("s3").get_object(Bucket=get_settings().archive_bucket, Key=entry.key)["Body"].read())
    record.pop("sha256")
    record["data"]["body"] = "rewritten with a fresh hash"
    _, body = records.seal(record)
    aws.client("s3").put_object(
        Bucket=get_settings().archive_bucket,
        Key=entry.key,
        Body=body,
        ObjectLockMode="COMPLIANCE",
        ObjectLockRetainUntilDate="2099-01-01T00:00:00Z",
        ChecksumAlgorithm="SHA256",
    )
    assert archive_cli.verify() == 1
    problems = json.loads(capsys.readouterr().out)["problems"]
    assert any(p.endswith("does not link to the record before it") for p in problems)
    assert f"record {entry.record_id} differs from the hash the database holds" in problems


def test_database_and_archive_drift_is_named(archived, capsys):
    entry = _entry(archived[2])
    entry.delete()  # the index forgets a record the archive holds
    media = ArchiveRecord.get(f"media-{archived[1].message_id}-0")
    _overwrite(media.blob_key, b"another picture")
    assert archive_cli.verify() == 1
    problems = json.loads(capsys.readouterr().out)["problems"]
    assert f"record {entry.record_id} ({entry.key}) is in the archive but not in the database" in problems
    assert f"record {media.record_id}: its file {media.blob_key} was altered" in problems


def test_verify_bundle_from_the_cli(tmp_path, capsys):
    assert archive_cli.verify(bundle=tmp_path / "nope.zip") == 2
