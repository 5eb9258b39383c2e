"""Cold start: the import cost of `app` against importing boto3 alone, in fresh interpreters."""

from __future__ import annotations

import re
import statistics
import subprocess
import sys
from pathlib import Path

from bench.common import Row, budget

PROJECT = Path(__file__).resolve().parents[1]
RUNS = 5


def _import_microseconds(module: str) -> int:
    """Total cumulative import time of `module` as `python -X importtime` reports it."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", f"import {module}"],
        cwd=PROJECT,
        capture_output=True,
        text=True,
        check=True,
        env={"PATH": "/usr/bin:/bin", "POWERTOOLS_TRACE_DISABLED": "true"},
    )
    total = 0
    for line in done.stderr.splitlines():
        match = re.match(r"import time:\s+\d+\s+\|\s+(\d+)\s+\|\s?(\s*)(\S+)", line)
        if match and match.group(2) == "":  # top-level imports only: their cumulative time
            total += int(match.group(1))
    return total


def run() -> list[Row]:
    boto3 = statistics.median(_import_microseconds("boto3") for _ in range(RUNS))
    app = statistics.median(_import_microseconds("app") for _ in range(RUNS))
    row = Row("cold start: import app", app / 1000, "ms", "import boto3", boto3 / 1000)
    return [
        budget(
            Row(
                row.name + " / import boto3", row.ratio or 0, "x", notes=f"{app / 1000:.0f} ms vs {boto3 / 1000:.0f} ms"
            ),
            1.5,
        ),
        row,
    ]
