"""`archive`: verify the archive bucket or an export bundle, replay dead letters, reconcile.

    python -m devstack archive verify                 # the local stack's archive bucket
    python -m devstack archive verify --bucket NAME
    python -m devstack archive verify --bundle export.zip   # offline, no AWS needed
    python -m devstack archive replay-dlq
    python -m devstack archive reconcile [--now]

Against AWS, set the usual AWS variables (and TABLE_PREFIX / ARCHIVE_BUCKET); without
AWS_ENDPOINT_URL or AWS credentials the command talks to the local stack's emulator.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("archive", help="verify, replay dead letters, reconcile the compliance archive")
    actions = parser.add_subparsers(dest="action", required=True)
    check = actions.add_parser("verify", help="check chains, retention, and database vs archive")
    where = check.add_mutually_exclusive_group()
    where.add_argument("--bucket", help="the archive bucket (default: the configured one)")
    where.add_argument("--bundle", type=Path, help="an export bundle (.zip) to check offline")
    check.set_defaults(func=lambda a: _with_stack(a, lambda: verify(bucket=a.bucket, bundle=a.bundle)))
    replay = actions.add_parser("replay-dlq", help="move dead-lettered archive nudges back onto the queue")
    replay.set_defaults(func=lambda a: _with_stack(a, replay_dlq))
    recon = actions.add_parser("reconcile", help="find records S3 has not confirmed and archive them")
    recon.add_argument("--now", action="store_true", help="archive here instead of nudging the queue")
    recon.set_defaults(func=lambda a: _with_stack(a, lambda: reconcile(now=a.now)))


def _with_stack(args: argparse.Namespace, action) -> int:  # type: ignore[no-untyped-def]
    needs_aws = not getattr(args, "bundle", None)
    if needs_aws and not (os.environ.get("AWS_ENDPOINT_URL") or os.environ.get("AWS_ACCESS_KEY_ID")):
        from devstack import localenv

        port = os.environ.get("KEEPLINE_EMULATOR_PORT", "5000")
        localenv.apply(f"http://127.0.0.1:{port}")
    return action()


def _print(report: dict) -> None:
    print(json.dumps(report, indent=2))


def verify(bucket: str | None = None, bundle: Path | None = None) -> int:
    """0 when the archive (or bundle) verifies; 1 with every problem printed, each naming its record."""
    from chalicelib.archive import verify as checks

    if bundle is not None:
        if not bundle.exists():
            print(f"error: {bundle} does not exist", file=sys.stderr)
            return 2
        report = checks.verify_bundle(bundle.read_bytes(), str(bundle))
    else:
        report = checks.verify_bucket(bucket)
    _print(report.as_dict())
    return 0 if report.ok else 1


def replay_dlq() -> int:
    from chalicelib.archive import reconcile as recon

    moved = recon.replay_dead_letters()
    print(f"moved {moved} dead-lettered archive message(s) back to the archive queue")
    return 0


def reconcile(now: bool = False) -> int:
    from chalicelib.archive import reconcile as recon

    result = recon.reconcile(direct=now)
    _print(result.as_dict())
    return 1 if result.failed else 0
