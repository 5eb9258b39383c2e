"""Verify the archive bucket, or an export bundle offline.

A bucket passes when it is WORM, every object is under COMPLIANCE retention, every record's hash
matches its content, every chain links from seq 1 to its head with no gap, every media file and
document matches the hash its record holds, every digest still matches its chains, and the
database and the archive agree (no archived record missing, no object unaccounted for).

A bundle passes when every line of `records.jsonl` is intact and where the manifest says, every
listed file is there with its hash, and the chain links in the manifest hold. Every problem names
the record (or file) concerned.
"""

from __future__ import annotations

import io
import json
import zipfile
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from chalicelib import aws, ids
from chalicelib.archive import records
from chalicelib.health import worm_problems
from chalicelib.settings import get_settings
from chalicelib.store.archive_models import ArchiveChain, ArchiveRecord
from chalicelib.store.models import AuditEvent, Message

RECORD_PREFIXES = ("records/", "digests/")
CHAINED_FILE_PREFIXES = ("media/", "documents/")  # files that only the archiver writes, each with its record


@dataclass
class Report:
    target: str
    records: int = 0
    objects: int = 0
    chains: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def as_dict(self) -> dict[str, Any]:
        return {
            "target": self.target,
            "ok": self.ok,
            "records": self.records,
            "objects": self.objects,
            "chains": self.chains,
            "problems": self.problems,
        }


# --- the bucket ------------------------------------------------------------------------------


def _retention_problem(key: str, head: dict[str, Any]) -> str | None:
    if head.get("ObjectLockMode") != "COMPLIANCE":
        return f"object {key} is not under COMPLIANCE retention"
    until = head.get("ObjectLockRetainUntilDate")
    if until is None or until <= ids.now():
        return f"object {key} has no retention period left"
    return None


def verify_bucket(bucket: str | None = None) -> Report:
    bucket = bucket or get_settings().archive_bucket
    report = Report(target=f"s3://{bucket}")
    report.problems.extend(worm_problems(bucket))
    s3 = aws.client("s3")
    keys = [
        item["Key"]
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket)
        for item in page.get("Contents", [])
    ]
    report.objects = len(keys)
    found: dict[str, dict[str, Any]] = {}  # record id -> record
    where: dict[str, str] = {}  # record id -> key
    blobs: dict[str, str] = {}  # blob key -> sha256
    versions: dict[str, str] = {}  # key -> current version id
    for key in keys:
        head = s3.head_object(Bucket=bucket, Key=key)
        versions[key] = head.get("VersionId", "")
        problem = _retention_problem(key, head)
        if problem:
            report.problems.append(problem)
        body = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
        if not key.startswith(RECORD_PREFIXES):
            blobs[key] = records.sha256_hex(body)
            continue
        record, intact = records.unseal(body)
        record["sha256"] = json.loads(body).get("sha256")
        if not intact:
            report.problems.append(f"record {record.get('record_id')} ({key}) was altered: its hash does not match")
        found[record["record_id"]] = record
        where[record["record_id"]] = key
    report.records = len(found)
    _check_chains(report, found)
    _check_blobs(report, found, blobs)
    _check_digests(report, found)
    _check_database(report, found, where, versions)
    return report


def _check_chains(report: Report, found: dict[str, dict[str, Any]]) -> None:
    by_chain: dict[str, list[records.Link]] = defaultdict(list)
    for record in found.values():
        link = records.Link(int(record["seq"]), record["record_id"], record["sha256"], record["prev_sha256"])
        by_chain[record["chain"]].append(link)
    report.chains = len(by_chain)
    for chain_id, links in sorted(by_chain.items()):
        report.problems.extend(records.chain_problems(chain_id, links))


def _check_blobs(report: Report, found: dict[str, dict[str, Any]], blobs: dict[str, str]) -> None:
    referenced = set()
    for record in found.values():
        key = record["data"].get("object_key")
        if not key:
            continue
        referenced.add(key)
        if key not in blobs:
            report.problems.append(f"record {record['record_id']}: its file {key} is missing from the archive")
        elif blobs[key] != record["data"].get("object_sha256"):
            report.problems.append(f"record {record['record_id']}: its file {key} was altered")
    for key in sorted(blobs.keys() - referenced):
        if key.startswith(CHAINED_FILE_PREFIXES):
            report.problems.append(f"object {key} is in the archive but no record refers to it")


def _check_digests(report: Report, found: dict[str, dict[str, Any]]) -> None:
    at = {(r["chain"], int(r["seq"])): r for r in found.values()}
    for record in found.values():
        if record["type"] != "digest":
            continue
        for head in record["data"]["chains"]:
            now = at.get((head["chain"], head["seq"]))
            if now is None or now["sha256"] != head["head_sha256"]:
                report.problems.append(
                    f"digest {record['record_id']}: chain {head['chain']} at seq {head['seq']} no longer matches it"
                )


def _check_database(
    report: Report, found: dict[str, dict[str, Any]], where: dict[str, str], versions: dict[str, str]
) -> None:
    indexed = {e.record_id: e for e in ArchiveRecord.scan()}
    for record_id, entry in sorted(indexed.items()):
        record = found.get(record_id)
        if record is None:
            report.problems.append(f"record {record_id} is in the database but missing from the archive ({entry.key})")
            continue
        if record["sha256"] != entry.sha256:
            report.problems.append(f"record {record_id} differs from the hash the database holds")
        for key, version in ((entry.key, entry.version_id), (entry.blob_key, entry.blob_version_id)):
            if key and version and versions.get(key) not in (None, version):
                report.problems.append(f"record {record_id}: {key} has a newer version than the one archived")
    for record_id in sorted(found.keys() - indexed.keys()):
        report.problems.append(f"record {record_id} ({where[record_id]}) is in the archive but not in the database")
    for chain in ArchiveChain.scan():
        if chain.head_record_id not in found:
            report.problems.append(
                f"chain {chain.chain_id}: its head {chain.head_record_id} is missing from the archive"
            )
    for message in Message.scan(Message.archived_at.exists()):
        expected = [f"message-{message.message_id}"]
        expected += [f"status-{message.message_id}-{n}" for n in range(int(message.archived_status_count or 0))]
        expected += [f"media-{message.message_id}-{n}" for n, m in enumerate(message.media or []) if m.archive_key]
        for record_id in expected:
            if record_id not in found:
                report.problems.append(f"message {message.message_id} is marked archived but {record_id} is missing")
    for event in AuditEvent.scan(AuditEvent.archived_at.exists()):
        if f"audit-{event.event_id}" not in found:
            report.problems.append(f"audit event {event.event_id} is marked archived but its record is missing")


# --- an export bundle ------------------------------------------------------------------------


def verify_bundle(data: bytes, name: str = "bundle") -> Report:
    report = Report(target=name)
    with zipfile.ZipFile(io.BytesIO(data)) as bundle:
        files = {n: bundle.read(n) for n in bundle.namelist()}
    for required in ("manifest.json", "records.jsonl"):
        if required not in files:
            report.problems.append(f"{required} is missing from the bundle")
            return report
    manifest = json.loads(files["manifest.json"])
    _check_lines(report, manifest, files["records.jsonl"])
    _check_manifest_chains(report, manifest)
    for path, digest in sorted(manifest.get("files", {}).items()):
        if path not in files:
            report.problems.append(f"file {path} listed in the manifest is missing")
        elif records.sha256_hex(files[path]) != digest:
            report.problems.append(f"file {path} was altered")
    report.objects = len(files)
    return report


def _check_lines(report: Report, manifest: dict[str, Any], jsonl: bytes) -> None:
    listed = manifest["records"]
    lines = [line for line in jsonl.split(b"\n") if line.strip()]
    report.records = len(lines)
    present = set()
    for n, line in enumerate(lines, 1):
        try:
            record, intact = records.unseal(line)
        except ValueError:
            report.problems.append(f"records.jsonl line {n} is not a JSON record")
            continue
        record_id = record.get("record_id")
        present.add(record_id)
        expected = listed[n - 1] if n <= len(listed) else None
        if not intact:
            report.problems.append(f"records.jsonl line {n}: record {record_id} was altered (its hash does not match)")
        elif expected is None:
            report.problems.append(f"records.jsonl line {n}: record {record_id} is not in the manifest")
        elif expected["record_id"] != record_id:
            report.problems.append(
                f"records.jsonl line {n}: record {record_id} is out of place (the manifest lists "
                f"{expected['record_id']} here): records were removed or reordered"
            )
        elif expected["sha256"] != records.sha256_hex(records.canonical(record)):
            report.problems.append(f"records.jsonl line {n}: record {record_id} was altered (manifest hash differs)")
        elif (expected["seq"], expected["prev_sha256"]) != (record["seq"], record["prev_sha256"]):
            report.problems.append(f"records.jsonl line {n}: record {record_id} was moved in its chain")
    for entry in listed:
        if entry["record_id"] not in present:
            report.problems.append(f"record {entry['record_id']} listed in the manifest is missing from records.jsonl")


def _check_manifest_chains(report: Report, manifest: dict[str, Any]) -> None:
    chains = manifest.get("chains", {})
    report.chains = len(chains)
    for chain_id, links in sorted(chains.items()):
        parsed = [records.Link(int(x["seq"]), x["record_id"], x["sha256"], x["prev_sha256"]) for x in links]
        report.problems.extend(records.chain_problems(chain_id, parsed))
        by_id = {link.record_id: link for link in parsed}
        for entry in manifest["records"]:
            if entry["chain"] != chain_id:
                continue
            link = by_id.get(entry["record_id"])
            if link is None or (link.seq, link.sha256) != (entry["seq"], entry["sha256"]):
                report.problems.append(f"record {entry['record_id']} does not match chain {chain_id}'s links")
