"""The compliance archive: archive writes per message, and eDiscovery export throughput.

Writes are counted exactly (S3 PutObject, DynamoDB PutItem/UpdateItem/TransactWriteItems) while
the archiver drains the queue. Export throughput (records per second into a verified bundle) is
compared with reading the same archived objects back from S3, measured in the same run.
"""

from __future__ import annotations

import time

from bench.common import Row, budget, counting_aws_calls
from bench.env import emulated

MESSAGES = 60
DDB_WRITES = ("dynamodb.PutItem", "dynamodb.UpdateItem", "dynamodb.TransactWriteItems", "dynamodb.BatchWriteItem")


class _Carrier:
    name = "twilio"

    def fetch_media(self, url: str) -> tuple[bytes, str]:
        return b"\xff\xd8" + url.encode() * 50, "image/jpeg"


def _writes(counter, n: int) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    puts = counter.calls["s3.PutObject"] / n
    ddb = sum(counter.calls[name] for name in DDB_WRITES) / n
    return puts, ddb


def run() -> list[Row]:
    with emulated() as app:
        from chalicelib import aws
        from chalicelib.archive import chain, export, verify
        from chalicelib.carriers import registry
        from chalicelib.settings import get_settings
        from chalicelib.store.archive_models import ExportJob
        from devstack import pump
        from devstack.sample_records import CUSTOMER, store_message

        registry.override("twilio", _Carrier())
        chain.forget_worm_check()
        try:
            rows: list[Row] = []
            for label, kwargs in (
                ("sms", {}),
                ("mms, one photo", {"kind": "mms", "media_urls": ("https://media.example/p",)}),
                ("sms + 2 status changes", {"statuses": ("sent", "delivered"), "direction": "outbound"}),
            ):
                n = MESSAGES // 3
                for i in range(n):
                    store_message(f"message {i}", **kwargs)
                with counting_aws_calls() as counter:
                    pump.drain(app)
                puts, ddb = _writes(counter, n)
                rows.append(
                    budget(
                        Row(f"archive S3 PUTs per message ({label})", puts, "PUT"),
                        1 + 2 * ("mms" in label),
                    )
                )
                rows.append(
                    Row(
                        f"archive DynamoDB writes per message ({label})",
                        ddb,
                        "writes",
                        notes="the chain head, the index entry, then the message: plain conditional writes",
                    )
                )

            job = ExportJob(
                export_id="exp_bench", filters={"customer_number": CUSTOMER}, requested_by="bench", created_at=""
            )
            entries = export.select(job.filters)
            s3 = aws.client("s3")
            bucket = get_settings().archive_bucket
            start = time.perf_counter()
            for e in entries:
                s3.get_object(Bucket=bucket, Key=e.key)["Body"].read()
            read_rate = len(entries) / (time.perf_counter() - start)
            start = time.perf_counter()
            bundle, summary = export.build(job)
            export_rate = summary["records"] / (time.perf_counter() - start)
            assert verify.verify_bundle(bundle).ok
            rows.append(
                Row(
                    "export throughput",
                    export_rate,
                    "records/s",
                    "read the same objects from S3",
                    read_rate,
                    notes=f"{summary['records']} records, {summary['media_files']} media, {len(bundle) // 1024} KiB",
                )
            )
            return rows
        finally:
            registry.override("twilio", None)
