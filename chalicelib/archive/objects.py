"""Immutable objects in the archive bucket: COMPLIANCE retention on every write, KMS when configured."""

from __future__ import annotations

import base64
import hashlib
from datetime import timedelta

from chalicelib import aws, ids
from chalicelib.settings import get_settings


def put_locked(key: str, body: bytes, content_type: str = "application/json", legal_hold: bool = False) -> str:
    """Write `body` under `key` with COMPLIANCE retention; returns the version id S3 confirmed."""
    settings = get_settings()
    until = ids.now() + timedelta(days=settings.archive_retention_days)
    kwargs = {
        "Bucket": settings.archive_bucket,
        "Key": key,
        "Body": body,
        "ContentType": content_type,
        "ObjectLockMode": "COMPLIANCE",
        "ObjectLockRetainUntilDate": until,
        "ChecksumAlgorithm": "SHA256",
        "ChecksumSHA256": base64.b64encode(hashlib.sha256(body).digest()).decode(),
    }
    if legal_hold:
        kwargs["ObjectLockLegalHoldStatus"] = "ON"
    if settings.archive_kms_key_id:
        kwargs["ServerSideEncryption"] = "aws:kms"
        kwargs["SSEKMSKeyId"] = settings.archive_kms_key_id
    return aws.client("s3").put_object(**kwargs).get("VersionId", "")
