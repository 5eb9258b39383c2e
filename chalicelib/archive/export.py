"""eDiscovery exports: select archived records, bundle them, and hand back a short-lived link.

A request is stored and queued on the work queue (`POST /exports` answers 202); the worker reads
the records back from the archive (the exact archived bytes), and writes one zip to
`exports/<id>.zip`:

- `records.jsonl`: one archived record per line, ordered by chain and sequence;
- `media/...` and `documents/...`: the files those records hold hashes of;
- `transcript.html`: the conversations, readable;
- `manifest.json`: every record's hash and place, every file's hash, and the full links of each
  chain touched, which `python -m devstack archive verify --bundle` checks offline.
"""

from __future__ import annotations

import html
import io
import json
import zipfile
from collections import defaultdict
from typing import Any

from pynamodb.exceptions import DoesNotExist

from chalicelib import audit, aws, ids
from chalicelib.archive import chain, legal_hold, objects, records
from chalicelib.auth.principal import Principal
from chalicelib.errors import BadRequest, NotFound
from chalicelib.phone import to_e164
from chalicelib.settings import get_settings
from chalicelib.store.archive_models import ArchiveRecord, ExportJob

FILTERS = ("customer_number", "employee_id", "thread_id", "from", "to", "q")
TASK = "archive.export"
CONVERSATION = ("message", "call", "voicemail", "media", "status")


def clean_filters(body: dict[str, Any]) -> dict[str, str]:
    unknown = sorted(set(body) - set(FILTERS))
    if unknown:
        raise BadRequest(unknown[0], f"is not an export filter; use {', '.join(FILTERS)}")
    filters = {k: v for k, v in body.items() if v not in (None, "")}
    for name, value in filters.items():
        if not isinstance(value, str):
            raise BadRequest(name, "must be a string")
    if not filters:
        raise BadRequest("body", f"needs at least one of {', '.join(FILTERS)}")
    if "customer_number" in filters:
        filters["customer_number"] = to_e164(filters["customer_number"], "customer_number")
    if filters.get("from", "") > filters.get("to", "\uffff"):
        raise BadRequest("from", "must not be after 'to'")
    return filters


def request(who: Principal, body: dict[str, Any]) -> ExportJob:
    filters = clean_filters(body)
    job = ExportJob(export_id=ids.new_id("exp"), filters=filters, requested_by=who.employee_id, created_at=ids.iso())
    job.save()
    audit.record(who.employee_id, "export.requested", "export", job.export_id, None, {"filters": filters}, who.roles)
    aws.client("sqs").send_message(
        QueueUrl=aws.queue_url(get_settings().work_queue_name),
        MessageBody=json.dumps({"task": TASK, "export_id": job.export_id}),
    )
    return job


def get(export_id: str) -> ExportJob:
    try:
        return ExportJob.get(export_id)
    except DoesNotExist as exc:
        raise NotFound(f"export {export_id} does not exist") from exc


def describe(export_id: str) -> dict[str, Any]:
    job = get(export_id)
    found: dict[str, Any] = {
        "export_id": job.export_id,
        "status": job.status,
        "filters": job.filters,
        "requested_by": job.requested_by,
        "created_at": job.created_at,
        "finished_at": job.finished_at,
        "records": int(job.records or 0),
        "media_files": int(job.media_files or 0),
        "manifest_sha256": job.manifest_sha256,
        "error": job.error,
    }
    if job.status == "done" and job.key:
        settings = get_settings()
        found["download_url"] = aws.client("s3").generate_presigned_url(
            "get_object",
            Params={"Bucket": settings.archive_bucket, "Key": job.key},
            ExpiresIn=settings.archive_export_link_seconds,
        )
        found["expires_in"] = settings.archive_export_link_seconds
    return found


# --- the worker ------------------------------------------------------------------------------


def select(filters: dict[str, str]) -> list[ArchiveRecord]:
    """The archived records a filter selects, in chain order."""
    if "thread_id" in filters:
        found = legal_hold.scoped_records("thread", filters["thread_id"])
    elif "customer_number" in filters:
        found = legal_hold.scoped_records("customer", filters["customer_number"])
    elif "employee_id" in filters:
        found = legal_hold.scoped_records("employee", filters["employee_id"])
    else:
        found = ArchiveRecord.scan()
    start, end = filters.get("from", ""), filters.get("to", "\uffff")
    chosen = [
        e
        for e in found
        if start <= e.occurred_at <= end
        and e.record_type != "digest"
        and all(getattr(e, f) == filters[f] for f in ("thread_id", "customer_number") if f in filters)
    ]
    return sorted(chosen, key=lambda e: (e.chain_id, int(e.seq)))


def _read(key: str, version: str | None) -> bytes:
    params: dict[str, Any] = {"Bucket": get_settings().archive_bucket, "Key": key}
    if version:
        params["VersionId"] = version
    return aws.client("s3").get_object(**params)["Body"].read()


def _matching(loaded: list[tuple[ArchiveRecord, bytes, dict[str, Any]]], q: str) -> list[Any]:
    """Records of the messages whose body contains `q` (any case), with their media and statuses."""
    needle = q.casefold()
    hits = {
        r["data"].get("message_id")
        for _, _, r in loaded
        if r["type"] in ("message", "call", "voicemail") and needle in (r["data"].get("body") or "").casefold()
    }
    return [item for item in loaded if item[2]["data"].get("message_id") in hits]


def build(job: ExportJob) -> tuple[bytes, dict[str, Any]]:
    entries = select(job.filters)
    loaded = []
    for entry in entries:
        body = _read(entry.key, entry.version_id)
        loaded.append((entry, body, json.loads(body)))
    if "q" in job.filters:
        loaded = _matching(loaded, job.filters["q"])
    files: dict[str, bytes] = {}
    for entry, _, _ in loaded:
        if entry.blob_key:
            files[entry.blob_key] = _read(entry.blob_key, entry.blob_version_id)
    chains = {
        chain_id: [
            {"seq": int(e.seq), "record_id": e.record_id, "sha256": e.sha256, "prev_sha256": e.prev_sha256}
            for e in chain.chain_records(chain_id)
        ]
        for chain_id in sorted({entry.chain_id for entry, _, _ in loaded})
    }
    transcript = render_transcript(job, [r for _, _, r in loaded]).encode()
    files["transcript.html"] = transcript
    manifest = {
        "export_id": job.export_id,
        "created_at": ids.iso(),
        "requested_by": job.requested_by,
        "filters": job.filters,
        "records": [
            {
                "line": n,
                "record_id": r["record_id"],
                "type": r["type"],
                "chain": r["chain"],
                "seq": r["seq"],
                "sha256": r["sha256"],
                "prev_sha256": r["prev_sha256"],
                "key": entry.key,
            }
            for n, (entry, _, r) in enumerate(loaded, 1)
        ],
        "chains": chains,
        "files": {path: records.sha256_hex(body) for path, body in sorted(files.items())},
    }
    manifest_bytes = json.dumps(manifest, indent=1, sort_keys=True).encode()
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as bundle:
        bundle.writestr("manifest.json", manifest_bytes)
        bundle.writestr("records.jsonl", b"".join(body + b"\n" for _, body, _ in loaded))
        for path, body in files.items():
            bundle.writestr(path, body)
    summary = {
        "records": len(loaded),
        "media_files": sum(1 for p in files if p.startswith("media/")),
        "manifest_sha256": records.sha256_hex(manifest_bytes),
    }
    return out.getvalue(), summary


def run(export_id: str) -> ExportJob:
    """Build the bundle of a queued export and store it; the job says done or failed."""
    job = get(export_id)
    if job.status == "done":
        return job
    job.update(actions=[ExportJob.status.set("running")])
    try:
        bundle, summary = build(job)
        key = f"exports/{job.export_id}.zip"
        objects.put_locked(key, bundle, content_type="application/zip")
    except Exception as exc:
        job.update(actions=[ExportJob.status.set("failed"), ExportJob.error.set(f"{type(exc).__name__}: {exc}")])
        raise
    job.update(
        actions=[
            ExportJob.status.set("done"),
            ExportJob.key.set(key),
            ExportJob.finished_at.set(ids.iso()),
            ExportJob.records.set(summary["records"]),
            ExportJob.media_files.set(summary["media_files"]),
            ExportJob.manifest_sha256.set(summary["manifest_sha256"]),
            ExportJob.error.remove(),
        ]
    )
    audit.record(job.requested_by, "export.completed", "export", job.export_id, None, {"key": key, **summary})
    return job


# --- the transcript --------------------------------------------------------------------------


def render_transcript(job: ExportJob, chosen: list[dict[str, Any]]) -> str:
    threads: dict[str, list[dict[str, Any]]] = defaultdict(list)
    others: list[dict[str, Any]] = []
    for record in chosen:
        (threads[record["chain"]] if record["type"] in CONVERSATION else others).append(record)
    parts = [
        "<!doctype html><html><head><meta charset='utf-8'>",
        f"<title>Keepline export {html.escape(job.export_id)}</title>",
        "<style>body{font-family:sans-serif;max-width:50em;margin:auto}.in{color:#124}.out{color:#241}"
        ".meta{color:#666;font-size:.85em}</style></head><body>",
        f"<h1>Export {html.escape(job.export_id)}</h1>",
        f"<p class='meta'>Requested by {html.escape(job.requested_by)} at {html.escape(job.created_at)}; "
        f"filters {html.escape(json.dumps(job.filters, sort_keys=True))}</p>",
    ]
    for chain_id, items in threads.items():
        first = next((r["data"] for r in items if "business_number" in r["data"]), {})
        parts.append(
            f"<h2>Thread {html.escape(chain_id)}: {html.escape(first.get('business_number') or '')} "
            f"&harr; {html.escape(first.get('customer_number') or '')}</h2>"
        )
        parts.extend(_line(r) for r in sorted(items, key=lambda r: r["seq"]))
    if others:
        parts.append("<h2>Other records</h2><ul>")
        parts.extend(
            f"<li>{html.escape(r['occurred_at'])} {html.escape(r['type'])} {html.escape(r['record_id'])}</li>"
            for r in others
        )
        parts.append("</ul>")
    parts.append("</body></html>")
    return "\n".join(parts)


def _line(record: dict[str, Any]) -> str:
    data = record["data"]
    at = html.escape(record["occurred_at"])
    if record["type"] == "status":
        states = ", ".join(html.escape(c["status"]) for c in data["changes"])
        return f"<p class='meta'>{at} message {html.escape(data['message_id'])} {states}</p>"
    if record["type"] == "media":
        path = html.escape(data["object_key"])
        return f"<p class='meta'>{at} attachment <a href='{path}'>{path}</a> ({html.escape(data['content_type'])})</p>"
    direction = data.get("direction", "")
    who = data.get("sender_employee_id") or data.get("owner_at_receipt") or ""
    text = html.escape(data.get("body") or "") if record["type"] == "message" else html.escape(record["type"])
    return (
        f"<p class='{'in' if direction == 'inbound' else 'out'}'><span class='meta'>{at} {html.escape(direction)} "
        f"{html.escape(who)} [{html.escape(data.get('message_id', ''))}]</span><br>{text}</p>"
    )
