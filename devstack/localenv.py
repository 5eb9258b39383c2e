"""The environment of the local stack: emulator endpoint, dummy credentials, demo secrets.

Every value can be overridden by setting the variable before `make run`; demo values are
printed at start so a developer can sign their own webhooks.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

STATE_DIR = Path(".devstack")

DEMO_SECRETS = {
    "PUBLIC_BASE_URL": "http://127.0.0.1:8000",
    "TWILIO_ACCOUNT_SID": "ACdemo00000000000000000000000000",
    "TWILIO_AUTH_TOKEN": "demo-twilio-auth-token",
    "BANDWIDTH_WEBHOOK_USERNAME": "keepline",
    "BANDWIDTH_WEBHOOK_PASSWORD": "demo-bandwidth-password",
    "VONAGE_SIGNATURE_SECRET": "demo-vonage-signature-secret-0123456789",
}


def _local_auth_secret() -> str:
    STATE_DIR.mkdir(exist_ok=True)
    path = STATE_DIR / "local-auth-secret"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(32))
        path.chmod(0o600)
    return path.read_text().strip()


def apply(emulator_url: str, public_base_url: str = "http://127.0.0.1:8000") -> dict[str, str]:
    """Set the local environment (keeping anything already set) and return the demo values used."""
    defaults = {
        "AWS_ENDPOINT_URL": emulator_url,
        "AWS_ACCESS_KEY_ID": "local",
        "AWS_SECRET_ACCESS_KEY": "local",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_REGION": "us-east-1",
        "KEEPLINE_STAGE": "dev",
        "POWERTOOLS_TRACE_DISABLED": "true",
        "POWERTOOLS_METRICS_NAMESPACE": "Keepline",
        "CARRIER_SECRET_NAME": "keepline-dev-carriers",
        "LOCAL_AUTH_SECRET": _local_auth_secret(),
        **DEMO_SECRETS,
        "PUBLIC_BASE_URL": public_base_url,
    }
    used = {}
    for key, value in defaults.items():
        if not os.environ.get(key):
            os.environ[key] = value
            if key in DEMO_SECRETS:
                used[key] = value
    return used
