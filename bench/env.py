"""An emulated account for benchmarks: moto in-process with every resource and the demo company."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator

BENCH_ENV = {
    "AWS_ACCESS_KEY_ID": "bench",
    "AWS_SECRET_ACCESS_KEY": "bench",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_REGION": "us-east-1",
    "KEEPLINE_STAGE": "dev",
    "POWERTOOLS_TRACE_DISABLED": "true",
    "POWERTOOLS_LOG_LEVEL": "WARNING",
    "POWERTOOLS_METRICS_DISABLED": "true",
    "PUBLIC_BASE_URL": "https://api.keepline.example/api",
    "TWILIO_ACCOUNT_SID": "ACbench0000000000000000000000000",
    "TWILIO_AUTH_TOKEN": "bench-twilio-auth-token",
    "BANDWIDTH_WEBHOOK_USERNAME": "keepline",
    "BANDWIDTH_WEBHOOK_PASSWORD": "bench-bandwidth-password",
    "VONAGE_SIGNATURE_SECRET": "bench-vonage-signature-secret-0123456789",
}


@contextlib.contextmanager
def emulated(seed: bool = True) -> Iterator[object]:
    """Yields the Chalice app, with moto running and every Keepline resource created."""
    os.environ.pop("AWS_ENDPOINT_URL", None)
    os.environ.update(BENCH_ENV)
    from app import app
    from chalicelib import aws
    from devstack import bootstrap, emulator
    from devstack import seed as demo

    aws.reset_clients()
    with emulator.in_process(app):
        bootstrap.create_all()
        if seed:
            demo.seed()
        yield app
    aws.reset_clients()
