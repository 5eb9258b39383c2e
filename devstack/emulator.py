"""The emulator seam, shared by the tests and the local stack.

moto's Step Functions interpreter runs real definitions; its Docker-less Lambda backend is
where a task's Invoke is handed to the app's own handler (`app.handler_map`), in-process.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import traceback
from collections.abc import Iterator
from typing import Any

from moto import mock_aws
from moto.awslambda_simple.models import LambdaSimpleBackend

ACCOUNT = "123456789012"
APP_NAME = "keepline"
MOTO_CONFIG: dict[str, Any] = {
    "stepfunctions": {"execute_state_machine": True},
    "lambda": {"use_docker": False},
}

_original_invoke = LambdaSimpleBackend.invoke
_handlers: dict[str, Any] = {}
invocations: list[str] = []  # function names, in order: benchmarks and tests count them


class _Context:
    function_name = "local"
    function_version = "$LATEST"
    invoked_function_arn = f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:local"
    memory_limit_in_mb = 512
    aws_request_id = "local-request"
    log_group_name = "local"
    log_stream_name = "local"

    @staticmethod
    def get_remaining_time_in_millis() -> int:
        return 300_000


def _short_name(function_name: str) -> str:
    name = function_name.rsplit(":function:", 1)[-1].split(":")[0]
    for stage in ("dev", "prod"):
        prefix = f"{APP_NAME}-{stage}-"
        if name.startswith(prefix):
            return name[len(prefix) :]
    return name


def _invoke(
    self: LambdaSimpleBackend, function_name: str, qualifier: Any, body: Any, headers: Any, response_headers: Any
) -> bytes:
    name = _short_name(function_name)
    handler = _handlers.get(name)
    if handler is None:
        return _original_invoke(self, function_name, qualifier, body, headers, response_headers)
    invocations.append(name)
    event = json.loads(body) if body else {}
    try:
        result = handler(event, _Context())
    except Exception as exc:  # noqa: BLE001 - reported to Step Functions as Lambda does
        response_headers["x-amz-function-error"] = "Unhandled"
        return json.dumps(
            {
                "errorType": type(exc).__name__,
                "errorMessage": str(exc),
                "stackTrace": traceback.format_exc().splitlines()[-5:],
            }
        ).encode()
    return json.dumps(result).encode()


def dispatch_to(app: Any) -> None:
    """Route Lambda invokes in the emulator to `app`'s handlers by their Chalice names."""
    _handlers.clear()
    _handlers.update(app.handler_map)
    LambdaSimpleBackend.invoke = _invoke  # type: ignore[method-assign]


def restore() -> None:
    _handlers.clear()
    LambdaSimpleBackend.invoke = _original_invoke  # type: ignore[method-assign]


@contextlib.contextmanager
def in_process(app: Any) -> Iterator[None]:
    """moto in this process, with real state machine execution and Lambda tasks on `app`."""
    with mock_aws(config=MOTO_CONFIG):
        dispatch_to(app)
        try:
            yield
        finally:
            restore()


class Server:
    """moto's server in a thread of this process, for the local stack and end-to-end tests."""

    def __init__(self, host: str = "127.0.0.1", port: int = 5000) -> None:
        self.host = host
        self.port = port
        self._server: Any = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self, app: Any) -> None:
        from moto.core.config import default_user_config
        from moto.moto_server.threaded_moto_server import ThreadedMotoServer

        for key, value in MOTO_CONFIG.items():
            default_user_config.setdefault(key, {}).update(value)  # type: ignore[misc]
        # The interpreter calls Lambda through this port when it is not mocking in-process.
        os.environ["MOTO_PORT"] = str(self.port)
        logging.getLogger("werkzeug").setLevel(logging.ERROR)  # one line per emulator call drowns the demo
        dispatch_to(app)
        self._server = ThreadedMotoServer(ip_address=self.host, port=self.port, verbose=False)
        self._server.start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
            restore()


def emulate_authorizer_401() -> None:
    """Make Chalice's local gateway do what API Gateway does when an authorizer raises 'Unauthorized'.

    API Gateway answers 401; Chalice's local gateway (behind `chalice.test.Client` and the local
    server) lets the exception escape. This is emulator behaviour, so it lives with the emulator.
    """
    from chalice import local

    original = local.LocalGatewayAuthorizer.authorize
    if getattr(original, "_keepline", False):
        return

    def authorize(self: Any, raw_path: str, lambda_event: Any, lambda_context: Any) -> Any:
        try:
            return original(self, raw_path, lambda_event, lambda_context)
        except Exception as exc:
            if str(exc) != "Unauthorized":
                raise
            raise local.NotAuthorizedError(
                {"x-amzn-RequestId": lambda_context.aws_request_id, "x-amzn-ErrorType": "UnauthorizedException"},
                b'{"message":"Unauthorized"}',
            ) from exc

    authorize._keepline = True  # type: ignore[attr-defined]
    local.LocalGatewayAuthorizer.authorize = authorize  # type: ignore[method-assign]
