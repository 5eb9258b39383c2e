"""`make synth`: write the CloudFormation template of the whole deployment into `cdk.out/`.

No AWS credentials are needed: the stack is environment-agnostic (account and region are
CloudFormation pseudo parameters), and `chalice package` only needs a region name to load.
cdk-nag's AwsSolutions pack runs as a policy-validation plugin: synthesis fails on any
unacknowledged finding and the report lands in `cdk.out/policy-validation-report.json`.

    python -m infrastructure.synth [--stage dev] [--outdir cdk.out]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Server access logs are granted by a bucket policy for the logging service, not by ACLs.
CONTEXT = {"@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy": True}


def synthesize(stage: str, outdir: Path) -> Path:
    """Synthesize the app for `stage` into `outdir`; returns the template path."""
    # The app's decorators read queue names from the settings when app.py is imported, and
    # `chalice package` imports it again in this process: pin the stage before either happens.
    os.environ["KEEPLINE_STAGE"] = stage
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    sys.path.insert(0, str(ROOT))

    import aws_cdk as cdk
    from cdk_nag import AwsSolutionsChecks

    from app import app as chalice_app
    from chalicelib.settings import get_settings
    from infrastructure.stack import KeeplineStack

    cdk_app = cdk.App(outdir=str(outdir), analytics_reporting=False, context=CONTEXT)
    # cdk-nag 3 is a policy-validation plugin (`App(policy_validation_beta1=...)` is the deprecated spelling);
    # every acknowledged finding is copied, with its reason, into the resource's `cdk_nag` metadata.
    cdk.Validations.of(cdk_app).add_plugins(AwsSolutionsChecks(cdk_app, write_suppressions_to_cloud_formation=True))
    # The Chalice construct stages its package under ./chalice.out: a scratch directory of our own,
    # so concurrent syntheses never share it; CDK copies the package into `outdir`.
    with tempfile.TemporaryDirectory(prefix="keepline-synth-") as scratch:
        os.chdir(scratch)
        try:
            stack = KeeplineStack(cdk_app, stage, get_settings(), chalice_app)
            cdk_app.synth()
        finally:
            os.chdir(ROOT)
    return outdir / stack.template_file


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m infrastructure.synth", description=__doc__.splitlines()[0])
    parser.add_argument("--stage", default=os.environ.get("KEEPLINE_STAGE", "dev"))
    # The CDK CLI (`npx aws-cdk deploy`, through cdk.json) says where it wants the assembly in CDK_OUTDIR.
    parser.add_argument("--outdir", type=Path, default=Path(os.environ.get("CDK_OUTDIR") or ROOT / "cdk.out"))
    args = parser.parse_args(argv)
    started = time.monotonic()
    template = synthesize(args.stage, args.outdir.resolve())
    print(f"wrote {template} in {time.monotonic() - started:.1f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
