"""Powertools logger, metrics and tracer, created once for the whole app."""

from __future__ import annotations

from aws_lambda_powertools import Logger, Metrics, Tracer

SERVICE = "keepline"

logger = Logger(service=SERVICE)
metrics = Metrics(namespace="Keepline", service=SERVICE)
tracer = Tracer(service=SERVICE)
