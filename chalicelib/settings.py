"""The one settings module: every tunable is read here, from the environment.

Settings are rebuilt whenever the relevant environment changes (the Chalice test client
patches `.chalice/config.json` variables per request), and are otherwise cached, so reading
them on the hot path costs a few dictionary lookups.

Secrets never sit in environment files on AWS: `CARRIER_SECRET_NAME` names one Secrets
Manager secret, fetched through powertools parameters (cached). For local use each secret
may be overridden by its own environment variable.
"""

from __future__ import annotations

import ipaddress
import os
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any
from urllib.parse import urlparse

_PREFIXES = (
    "KEEPLINE_",
    "AWS_",
    "TABLE_",
    "ARCHIVE_",
    "PUBLIC_",
    "TWILIO_",
    "TELNYX_",
    "BANDWIDTH_",
    "VONAGE_",
    "OIDC_",
    "LOCAL_",
    "CARRIER_",
    "STATE_MACHINE",
    "QUEUE_",
    "HELP_",
    "OFFBOARDING_",
    "WEBHOOK_",
)

# Carrier secrets: the key inside the Secrets Manager secret, and its local override variable.
SECRET_KEYS = (
    "TWILIO_AUTH_TOKEN",
    "TWILIO_ACCOUNT_SID",
    "TELNYX_PUBLIC_KEY",
    "TELNYX_API_KEY",
    "BANDWIDTH_WEBHOOK_USERNAME",
    "BANDWIDTH_WEBHOOK_PASSWORD",
    "BANDWIDTH_API_USERNAME",
    "BANDWIDTH_API_PASSWORD",
    "BANDWIDTH_ACCOUNT_ID",
    "BANDWIDTH_APPLICATION_ID",
    "VONAGE_SIGNATURE_SECRET",
    "VONAGE_API_KEY",
    "VONAGE_API_SECRET",
)


class ConfigurationError(RuntimeError):
    """The deployment is misconfigured; the message names what is wrong and how to fix it."""


def _is_loopback(url: str | None) -> bool:
    if not url:
        return False
    host = urlparse(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True)
class Settings:
    stage: str = "dev"
    region: str = "us-east-1"
    endpoint_url: str | None = None
    table_prefix: str = "keepline-dev"
    archive_bucket: str = "keepline-dev-archive"
    archive_retention_days: int = 2555  # seven years, SEC 17a-4(f) / FINRA 4511
    archive_kms_key_id: str | None = None
    archive_export_link_seconds: int = 900  # presigned download links of eDiscovery exports
    archive_queue_url: str | None = None
    archive_queue_name: str = "keepline-dev-archive.fifo"
    unassigned_queue_name: str = "keepline-dev-unassigned"
    work_queue_name: str = "keepline-dev-work"
    state_machine_prefix: str = "keepline-dev"
    public_base_url: str = "http://127.0.0.1:8000"
    # What carriers call and sign against: on AWS the webhooks' own HTTP API (cheaper than the
    # REST API the console uses); else the public URL.
    webhook_base_url: str = "http://127.0.0.1:8000"
    carrier_secret_name: str | None = None
    oidc_issuer: str | None = None
    oidc_audience: str | None = None
    oidc_jwks_url: str | None = None
    oidc_groups_claim: str = "cognito:groups"
    oidc_client_id: str | None = None  # the web console's public client (authorization code + PKCE)
    oidc_scopes: str = "openid email profile"
    local_auth_secret: str | None = None
    help_text: str = "Reply STOP to opt out. Msg&data rates may apply."
    quarantine_days: int = 30
    # Carrier API endpoints (tests point them at a loopback fake carrier).
    twilio_api_base_url: str = "https://api.twilio.com"
    telnyx_api_base_url: str = "https://api.telnyx.com"
    bandwidth_api_base_url: str = "https://messaging.bandwidth.com"
    vonage_api_base_url: str = "https://api.nexmo.com"
    webhook_max_age_seconds: int = 300  # replay window for timestamped carrier signatures
    auto_reply_text: str = "Thanks for your message. We are closed now and will reply during business hours."
    # Offboarding pages: threads moved per task, threads per snapshot part, notices per task.
    offboarding_page_size: int = 200
    offboarding_snapshot_page: int = 1000
    offboarding_notice_page: int = 250
    offboarding_state_machine_arn: str | None = None  # set by the deployment; else derived from the account
    # Number-management APIs (listing an account's numbers, pointing their webhooks here), where
    # the carrier serves them apart from messaging; Twilio and Telnyx use the URLs above.
    bandwidth_dashboard_api_url: str = "https://dashboard.bandwidth.com/api"
    vonage_rest_api_url: str = "https://rest.nexmo.com"
    env: dict[str, str] = field(default_factory=dict, repr=False, compare=False)

    @property
    def is_emulated(self) -> bool:
        """True only when every AWS call goes to an emulator on this machine."""
        return _is_loopback(self.endpoint_url)

    def calls_carrier(self, api_url: str) -> bool:
        """The local stack never calls a real carrier: only loopback APIs while emulated."""
        return not self.is_emulated or _is_loopback(api_url)

    @property
    def accepts_local_tokens(self) -> bool:
        # The local signing key is trusted only against a loopback emulator, never on AWS.
        return bool(self.local_auth_secret) and self.is_emulated

    def table_name(self, logical: str) -> str:
        return f"{self.table_prefix}-{logical}"

    def state_machine_name(self, logical: str) -> str:
        return f"{self.state_machine_prefix}-{logical}"

    def secret(self, key: str) -> str | None:
        """A carrier secret: the environment override first, then the Secrets Manager secret."""
        if self.env.get(key):
            return self.env[key]
        if not self.carrier_secret_name:
            return None
        return _secret_bundle(self.carrier_secret_name, self.endpoint_url).get(key)


def _env_snapshot() -> tuple[tuple[str, str], ...]:
    return tuple(sorted((k, v) for k, v in os.environ.items() if k.startswith(_PREFIXES)))


def _int(env: dict[str, str], key: str, default: int) -> int:
    raw = env.get(key)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ConfigurationError(f"{key} must be a whole number, got {raw!r}") from exc


@lru_cache(maxsize=4)
def _build(snapshot: tuple[tuple[str, str], ...]) -> Settings:
    env = dict(snapshot)
    stage = env.get("KEEPLINE_STAGE", "dev")
    prefix = env.get("TABLE_PREFIX", f"keepline-{stage}")
    public_base_url = env.get("PUBLIC_BASE_URL", "http://127.0.0.1:8000").rstrip("/")
    return Settings(
        stage=stage,
        region=env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or "us-east-1",
        endpoint_url=env.get("AWS_ENDPOINT_URL") or None,
        table_prefix=prefix,
        archive_bucket=env.get("ARCHIVE_BUCKET", f"{prefix}-archive"),
        archive_retention_days=_int(env, "ARCHIVE_RETENTION_DAYS", 2555),
        archive_kms_key_id=env.get("ARCHIVE_KMS_KEY_ID") or None,
        archive_export_link_seconds=_int(env, "ARCHIVE_EXPORT_LINK_SECONDS", 900),
        archive_queue_url=env.get("ARCHIVE_QUEUE_URL") or None,
        archive_queue_name=env.get("ARCHIVE_QUEUE_NAME", f"{prefix}-archive.fifo"),
        unassigned_queue_name=env.get("QUEUE_UNASSIGNED_NAME", f"{prefix}-unassigned"),
        work_queue_name=env.get("QUEUE_WORK_NAME", f"{prefix}-work"),
        state_machine_prefix=env.get("STATE_MACHINE_PREFIX", prefix),
        public_base_url=public_base_url,
        webhook_base_url=(env.get("WEBHOOK_BASE_URL") or public_base_url).rstrip("/"),
        carrier_secret_name=env.get("CARRIER_SECRET_NAME") or None,
        oidc_issuer=env.get("OIDC_ISSUER") or None,
        oidc_audience=env.get("OIDC_AUDIENCE") or None,
        oidc_jwks_url=env.get("OIDC_JWKS_URL") or None,
        oidc_groups_claim=env.get("OIDC_GROUPS_CLAIM", "cognito:groups"),
        oidc_client_id=env.get("OIDC_CLIENT_ID") or None,
        oidc_scopes=env.get("OIDC_SCOPES", Settings.oidc_scopes),
        local_auth_secret=env.get("LOCAL_AUTH_SECRET") or None,
        help_text=env.get("HELP_TEXT", Settings.help_text),
        quarantine_days=_int(env, "KEEPLINE_QUARANTINE_DAYS", 30),
        twilio_api_base_url=env.get("TWILIO_API_BASE_URL", Settings.twilio_api_base_url).rstrip("/"),
        telnyx_api_base_url=env.get("TELNYX_API_BASE_URL", Settings.telnyx_api_base_url).rstrip("/"),
        bandwidth_api_base_url=env.get("BANDWIDTH_API_BASE_URL", Settings.bandwidth_api_base_url).rstrip("/"),
        vonage_api_base_url=env.get("VONAGE_API_BASE_URL", Settings.vonage_api_base_url).rstrip("/"),
        webhook_max_age_seconds=_int(env, "KEEPLINE_WEBHOOK_MAX_AGE_SECONDS", 300),
        auto_reply_text=env.get("KEEPLINE_AUTO_REPLY_TEXT", Settings.auto_reply_text),
        offboarding_page_size=_int(env, "OFFBOARDING_PAGE_SIZE", 200),
        offboarding_snapshot_page=_int(env, "OFFBOARDING_SNAPSHOT_PAGE", 1000),
        offboarding_notice_page=_int(env, "OFFBOARDING_NOTICE_PAGE", 250),
        offboarding_state_machine_arn=env.get("OFFBOARDING_STATE_MACHINE_ARN") or None,
        bandwidth_dashboard_api_url=env.get("BANDWIDTH_DASHBOARD_API_URL", Settings.bandwidth_dashboard_api_url).rstrip(
            "/"
        ),
        vonage_rest_api_url=env.get("VONAGE_REST_API_URL", Settings.vonage_rest_api_url).rstrip("/"),
        env=env,
    )


def get_settings() -> Settings:
    return _build(_env_snapshot())


def _secret_bundle(name: str, endpoint_url: str | None) -> dict[str, Any]:
    # powertools caches the parsed secret for five minutes, so a rotation is picked up.
    from aws_lambda_powertools.utilities import parameters

    provider = _secrets_provider(endpoint_url)
    try:
        value = provider.get(name, max_age=300, transform="json")
    except parameters.exceptions.GetParameterError as exc:
        raise ConfigurationError(f"cannot read carrier secret {name!r}: {exc}") from exc
    except parameters.exceptions.TransformParameterError as exc:
        raise ConfigurationError(f"carrier secret {name!r} is not a JSON object") from exc
    return dict(value or {})


@lru_cache(maxsize=4)
def _secrets_provider(endpoint_url: str | None) -> Any:
    from aws_lambda_powertools.utilities import parameters

    from chalicelib import aws

    return parameters.SecretsProvider(boto3_client=aws.client("secretsmanager"))


def clear_secret_cache() -> None:
    _secrets_provider.cache_clear()
