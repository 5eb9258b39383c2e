"""Is every backing resource there and usable? One check per resource, each naming what is wrong."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass

from chalicelib import aws
from chalicelib.settings import ConfigurationError, get_settings
from chalicelib.store.base import all_models

STATE_MACHINES = ("offboarding",)


@dataclass
class Check:
    kind: str
    name: str
    ok: bool
    detail: str = ""


def _probe(kind: str, name: str, fn: Callable[[], str]) -> Check:
    try:
        return Check(kind, name, True, fn() or "reachable")
    except ConfigurationError as exc:
        return Check(kind, name, False, str(exc))
    except Exception as exc:  # noqa: BLE001 - every failure becomes a named, readable check
        reason = aws.unreachable(exc)
        code = aws.error_code(exc)
        return Check(kind, name, False, str(reason) if reason else f"{code or type(exc).__name__}: {exc}")


def _table(name: str, stream: str | None = None) -> Callable[[], str]:
    def check() -> str:
        table = aws.client("dynamodb").describe_table(TableName=name)["Table"]
        if table["TableStatus"] != "ACTIVE":
            raise ConfigurationError(f"table {name} is {table['TableStatus']}")
        if stream and (table.get("StreamSpecification") or {}).get("StreamViewType") != stream:
            # Its stream is what takes new records to the archive.
            raise ConfigurationError(f"table {name} has no {stream} stream, so nothing written to it is archived")
        return "active"

    return check


def worm_problems(bucket: str) -> list[str]:
    """Why `bucket` is not a WORM archive (empty when it is): Object Lock, COMPLIANCE, versioning, no public access."""
    s3 = aws.client("s3")
    problems: list[str] = []
    try:
        lock = s3.get_object_lock_configuration(Bucket=bucket)["ObjectLockConfiguration"]
    except Exception as exc:
        if aws.error_code(exc) in ("NoSuchBucket", "404"):
            raise ConfigurationError(f"archive bucket {bucket} does not exist") from exc
        if aws.unreachable(exc):
            raise aws.unreachable(exc) from exc  # type: ignore[misc]
        return [f"archive bucket {bucket} does not have Object Lock enabled"]
    if lock.get("ObjectLockEnabled") != "Enabled":
        problems.append(f"archive bucket {bucket} does not have Object Lock enabled")
    default = lock.get("Rule", {}).get("DefaultRetention", {})
    if default.get("Mode") != "COMPLIANCE":
        problems.append(f"archive bucket {bucket} has no COMPLIANCE default retention")
    if s3.get_bucket_versioning(Bucket=bucket).get("Status") != "Enabled":
        problems.append(f"archive bucket {bucket} does not have versioning enabled")
    try:
        block = s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"]
        if not all(
            block.get(k) for k in ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets")
        ):
            problems.append(f"archive bucket {bucket} does not block all public access")
    except Exception as exc:
        if aws.error_code(exc) != "NoSuchPublicAccessBlockConfiguration":
            raise
        problems.append(f"archive bucket {bucket} does not block all public access")
    return problems


def _bucket(name: str) -> Callable[[], str]:
    def check() -> str:
        problems = worm_problems(name)
        if problems:
            raise ConfigurationError("; ".join(problems))
        return "object lock COMPLIANCE, versioned, private"

    return check


def _queue(name: str) -> Callable[[], str]:
    return lambda: aws.client("sqs").get_queue_url(QueueName=name) and "reachable"


def _state_machine(name: str) -> Callable[[], str]:
    def check() -> str:
        sts_account = "123456789012" if get_settings().is_emulated else _account()
        arn = f"arn:aws:states:{get_settings().region}:{sts_account}:stateMachine:{name}"
        return aws.client("stepfunctions").describe_state_machine(stateMachineArn=arn)["status"].lower()

    return check


def _account() -> str:
    return aws.client("sts").get_caller_identity()["Account"]


def run_checks() -> list[Check]:
    settings = get_settings()
    probes: list[tuple[str, str, Callable[[], str]]] = []
    for model in all_models():
        name = settings.table_name(model.logical_name)
        probes.append(("table", name, _table(name, getattr(model.Meta, "stream_view_type", None))))
    probes.append(("bucket", settings.archive_bucket, _bucket(settings.archive_bucket)))
    for queue in (settings.archive_queue_name, settings.unassigned_queue_name, settings.work_queue_name):
        probes.append(("queue", queue, _queue(queue)))
    for machine in STATE_MACHINES:
        name = settings.state_machine_name(machine)
        probes.append(("state_machine", name, _state_machine(name)))
    with ThreadPoolExecutor(max_workers=8) as pool:
        return list(pool.map(lambda p: _probe(*p), probes))


def report() -> tuple[bool, dict]:
    checks = run_checks()
    ok = all(c.ok for c in checks)
    return ok, {"ok": ok, "resources": [asdict(c) for c in checks]}
