"""AWS on-demand list prices (us-east-1, USD) used by the cost model.

Taken from AWS's public pricing pages; update them here and the README's figures follow the
next `make bench`. Request-priced services are per single request/unit.
"""

from __future__ import annotations

PRICES_AS_OF = "2026-11"

LAMBDA_REQUEST = 0.20 / 1_000_000
LAMBDA_GB_SECOND_ARM = 0.0000133334
API_GATEWAY_HTTP_REQUEST = 1.00 / 1_000_000  # the HTTP API (first 300 M a month; the REST API would be $3.50)
DYNAMODB_WRITE_UNIT = 0.625 / 1_000_000  # on-demand WRU
DYNAMODB_READ_UNIT = 0.125 / 1_000_000  # on-demand RRU
S3_PUT = 0.005 / 1_000
S3_GET = 0.0004 / 1_000
S3_STORAGE_GB_MONTH = 0.023
SQS_FIFO_REQUEST = 0.50 / 1_000_000
SQS_STANDARD_REQUEST = 0.40 / 1_000_000
STEP_FUNCTIONS_TRANSITION = 0.025 / 1_000
KMS_REQUEST = 0.03 / 10_000
SECRETS_MANAGER_CALL = 0.05 / 10_000
CLOUDWATCH_LOGS_INGESTED_GB = 0.50  # standard log class
XRAY_TRACE_RECORDED = 5.00 / 1_000_000  # only with the stack's Tracing=Active

# For scale: what the carrier itself charges per US long-code SMS segment (Twilio list price).
CARRIER_SMS_PER_MESSAGE = 0.0083
