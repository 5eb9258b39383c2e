"""eDiscovery export for compliance: background job, bundle contents, offline verification."""

from __future__ import annotations

import io
import json
import urllib.parse
import zipfile

import pytest

from app import app
from chalicelib import aws
from chalicelib.archive import verify
from chalicelib.settings import get_settings
from chalicelib.store.models import AuditEvent
from devstack import pump
from devstack.__main__ import main as devstack_main
from tests.archive_helpers import (
    carrier_fixture,  # noqa: F401 - provides the `carrier` fixture
    store_message,
    thread_of,
    unzip,
)

OTHER = "+12065550999"


@pytest.fixture
def archived(carrier):
    made = [
        store_message("Hi, my invoice 1234 is wrong"),
        store_message(
            "Sorry! Fixing the invoice now", direction="outbound", sender="emma", statuses=("sent",), nudge=True
        ),
        store_message("Photo of the receipt", kind="mms", media_urls=("https://media.example/r.jpg",)),
        store_message("Thanks <b>a lot</b>"),
        store_message("Unrelated customer", customer=OTHER),
    ]
    pump.drain(app)
    return made


def _export(client, as_user, **filters) -> tuple[dict, bytes]:
    headers = as_user("cora", "compliance")
    response = client.http.post("/exports", headers=headers, body=json.dumps(filters))
    assert response.status_code == 202, response.body
    export_id = json.loads(response.body)["export_id"]
    queued = json.loads(client.http.get(f"/exports/{export_id}", headers=headers).body)
    assert queued["status"] == "queued" and "download_url" not in queued
    pump.drain(app)  # the work queue runs the export in the background
    done = json.loads(client.http.get(f"/exports/{export_id}", headers=headers).body)
    assert done["status"] == "done", done
    url = urllib.parse.urlparse(done["download_url"])
    assert url.path.endswith(f"/exports/{export_id}.zip") and "Expires" in url.query + "X-Amz-Expires"
    assert done["expires_in"] == get_settings().archive_export_link_seconds
    bundle = aws.client("s3").get_object(Bucket=get_settings().archive_bucket, Key=f"exports/{export_id}.zip")
    return done, bundle["Body"].read()


def _rezip(files: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as bundle:
        for name, body in files.items():
            bundle.writestr(name, body)
    return out.getvalue()


def test_export_by_customer_bundles_records_media_transcript_and_manifest(client, as_user, archived, tmp_path):
    job, data = _export(client, as_user, customer_number="(206) 555-0123")
    files = unzip(data)
    lines = files["records.jsonl"].decode().splitlines()
    records_ = [json.loads(line) for line in lines]
    mms = archived[2]
    assert [r["type"] for r in records_].count("message") == 4
    assert {r["type"] for r in records_} == {"message", "media"}  # statuses travel inside their message
    reply = next(r for r in records_ if r["data"]["message_id"] == archived[1].message_id)
    assert [c["status"] for c in reply["data"]["status_history"]] == ["sent"]
    assert all(r["chain"] == thread_of() for r in records_)
    assert [r["seq"] for r in records_] == sorted(r["seq"] for r in records_)
    media_path = f"media/{thread_of()}/{mms.message_id}/0"
    assert files[media_path] == b"image bytes of https://media.example/r.jpg"
    transcript = files["transcript.html"].decode()
    assert "Hi, my invoice 1234 is wrong" in transcript and "Thanks &lt;b&gt;a lot&lt;/b&gt;" in transcript
    assert media_path in transcript and "Unrelated customer" not in transcript
    manifest = json.loads(files["manifest.json"])
    assert [e["record_id"] for e in manifest["records"]] == [r["record_id"] for r in records_]
    assert manifest["files"][media_path] and manifest["chains"][thread_of()]
    assert job["records"] == len(lines) and job["media_files"] == 1
    report = verify.verify_bundle(data)
    assert report.ok, report.problems
    (tmp_path / "export.zip").write_bytes(data)
    assert devstack_main(["archive", "verify", "--bundle", str(tmp_path / "export.zip")]) == 0
    actions = [e.action for e in AuditEvent.scan() if e.target_type == "export"]
    assert sorted(actions) == ["export.completed", "export.requested"]


def test_export_by_employee_thread_time_range_and_text(client, as_user, archived):
    _, by_employee = _export(client, as_user, employee_id="emma")
    bodies = [json.loads(x)["data"].get("body") for x in unzip(by_employee)["records.jsonl"].splitlines()]
    assert "Unrelated customer" in bodies and "Sorry! Fixing the invoice now" in bodies

    _, by_thread = _export(client, as_user, thread_id=thread_of(OTHER))
    assert len(unzip(by_thread)["records.jsonl"].splitlines()) == 1

    _, by_text = _export(client, as_user, q="INVOICE")
    found = [json.loads(x) for x in unzip(by_text)["records.jsonl"].splitlines()]
    assert {r["data"]["message_id"] for r in found} == {archived[0].message_id, archived[1].message_id}
    assert [r["type"] for r in found] == ["message", "message"]

    later = archived[3].created_at
    _, by_time = _export(client, as_user, **{"from": later})
    in_range = [json.loads(x) for x in unzip(by_time)["records.jsonl"].splitlines()]
    assert {r["data"]["body"] for r in in_range if r["type"] == "message"} == {
        "Unrelated customer",
        "Thanks <b>a lot</b>",
    }
    assert {r["type"] for r in in_range} == {"message", "audit"}  # audit events of the range come along
    assert verify.verify_bundle(by_time).ok


def test_verify_names_the_record_altered_removed_or_reordered(client, as_user, archived):
    _, data = _export(client, as_user, thread_id=thread_of())
    files = unzip(data)
    lines = files["records.jsonl"].split(b"\n")[:-1]
    ids_ = [json.loads(line)["record_id"] for line in lines]

    altered = json.loads(lines[2])
    altered["data"]["body"] = "I never said that"
    report = verify.verify_bundle(
        _rezip({**files, "records.jsonl": b"\n".join([*lines[:2], json.dumps(altered).encode(), *lines[3:]])})
    )
    assert not report.ok
    assert report.problems == [f"records.jsonl line 3: record {ids_[2]} was altered (its hash does not match)"]

    removed = verify.verify_bundle(_rezip({**files, "records.jsonl": b"\n".join(lines[:1] + lines[2:])}))
    assert f"record {ids_[1]} listed in the manifest is missing from records.jsonl" in removed.problems

    swapped = [lines[0], lines[2], lines[1], *lines[3:]]
    reordered = verify.verify_bundle(_rezip({**files, "records.jsonl": b"\n".join(swapped)}))
    assert reordered.problems[0].startswith(f"records.jsonl line 2: record {ids_[2]} is out of place")
    assert f"the manifest lists {ids_[1]} here" in reordered.problems[0]

    media = next(p for p in files if p.startswith("media/"))
    swapped_file = verify.verify_bundle(_rezip({**files, media: b"another picture"}))
    assert swapped_file.problems == [f"file {media} was altered"]


def test_exports_are_for_compliance_only(client, as_user, archived):
    for who, roles in (("emma", ("employee",)), ("ada", ("admin", "employee"))):
        response = client.http.post("/exports", headers=as_user(who, *roles), body=json.dumps({"thread_id": "x"}))
        assert response.status_code == 403
    bad = client.http.post("/exports", headers=as_user("cora", "compliance"), body=json.dumps({"colour": "red"}))
    assert bad.status_code == 400 and json.loads(bad.body)["field"] == "colour"
    missing = client.http.get("/exports/exp_nope", headers=as_user("cora", "compliance"))
    assert missing.status_code == 404


def test_archive_search_finds_message_bodies_for_compliance(client, as_user, archived):
    response = client.http.get("/archive/search?q=invoice", headers=as_user("cora", "compliance"))
    assert response.status_code == 200
    hits = json.loads(response.body)["hits"]
    assert {h["message_id"] for h in hits} == {archived[0].message_id, archived[1].message_id}
    assert client.http.get("/archive/search?q=invoice", headers=as_user("emma")).status_code == 403
    assert any(e.action == "archive.searched" for e in AuditEvent.scan())
