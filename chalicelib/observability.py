"""Powertools logger, metrics and tracer, created once for the whole app.

The tracer is made on first use: building it imports the X-Ray SDK, which would otherwise be
the largest single import on every cold start.
"""

from __future__ import annotations

import warnings
from functools import lru_cache

from aws_lambda_powertools import Logger, Metrics, Tracer

SERVICE = "keepline"

logger = Logger(service=SERVICE)
metrics = Metrics(namespace="Keepline", service=SERVICE)
# Most invocations add no metric; that is normal here, not worth a warning on each.
warnings.filterwarnings("ignore", message="No application metrics to publish")


@lru_cache(maxsize=1)
def tracer() -> Tracer:
    return Tracer(service=SERVICE)
