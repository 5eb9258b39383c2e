"""Create every resource the app needs in the emulator: the same list `/health` checks."""

from __future__ import annotations

import json

from chalicelib import aws
from chalicelib.settings import SECRET_KEYS, get_settings
from chalicelib.store.base import all_models
from devstack.emulator import ACCOUNT, APP_NAME
from infrastructure import definitions

DEAD_LETTER_AFTER = 5


def create_tables() -> None:
    for model in all_models():
        if not model.exists():
            model.create_table(billing_mode="PAY_PER_REQUEST", wait=True)


def create_archive_bucket() -> None:
    settings = get_settings()
    s3 = aws.client("s3")
    bucket = settings.archive_bucket
    kwargs: dict = {"Bucket": bucket, "ObjectLockEnabledForBucket": True}
    if settings.region != "us-east-1":
        kwargs["CreateBucketConfiguration"] = {"LocationConstraint": settings.region}
    s3.create_bucket(**kwargs)
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    s3.put_object_lock_configuration(
        Bucket=bucket,
        ObjectLockConfiguration={
            "ObjectLockEnabled": "Enabled",
            "Rule": {"DefaultRetention": {"Mode": "COMPLIANCE", "Days": settings.archive_retention_days}},
        },
    )
    s3.put_public_access_block(
        Bucket=bucket,
        PublicAccessBlockConfiguration={
            "BlockPublicAcls": True,
            "IgnorePublicAcls": True,
            "BlockPublicPolicy": True,
            "RestrictPublicBuckets": True,
        },
    )


def _queue_with_dead_letters(name: str) -> None:
    sqs = aws.client("sqs")
    fifo = name.endswith(".fifo")
    attributes = {"FifoQueue": "true", "ContentBasedDeduplication": "false"} if fifo else {}
    dlq_name = name.removesuffix(".fifo") + "-dlq" + (".fifo" if fifo else "")
    dlq_url = sqs.create_queue(QueueName=dlq_name, Attributes=dict(attributes))["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    redrive = json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": str(DEAD_LETTER_AFTER)})
    sqs.create_queue(QueueName=name, Attributes={**attributes, "RedrivePolicy": redrive, "VisibilityTimeout": "60"})


def create_queues() -> None:
    settings = get_settings()
    for name in (settings.archive_queue_name, settings.unassigned_queue_name, settings.work_queue_name):
        _queue_with_dead_letters(name)


def create_carrier_secret(values: dict[str, str]) -> None:
    settings = get_settings()
    if settings.carrier_secret_name:
        secret = {k: v for k, v in values.items() if k in SECRET_KEYS}
        aws.client("secretsmanager").create_secret(Name=settings.carrier_secret_name, SecretString=json.dumps(secret))


def state_machine_arn(logical: str) -> str:
    settings = get_settings()
    return f"arn:aws:states:{settings.region}:{ACCOUNT}:stateMachine:{settings.state_machine_name(logical)}"


def create_state_machines() -> None:
    settings = get_settings()
    sfn = aws.client("stepfunctions")
    for name in definitions.names():
        subs = {
            f"{definitions.FUNCTION_PREFIX}{fn}": definitions.function_arn(
                settings.region, ACCOUNT, APP_NAME, settings.stage, fn
            )
            for fn in definitions.functions(name)
        }
        sfn.create_state_machine(
            name=settings.state_machine_name(name),
            definition=definitions.render(name, subs),
            roleArn=f"arn:aws:iam::{ACCOUNT}:role/keepline-states",
        )


def create_all(carrier_secrets: dict[str, str] | None = None) -> None:
    create_tables()
    create_archive_bucket()
    create_queues()
    create_carrier_secret(carrier_secrets or {})
    create_state_machines()
