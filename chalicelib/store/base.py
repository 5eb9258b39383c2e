"""A PynamoDB base model whose table name and endpoint come from the settings at call time.

Nothing is bound at import: the first request (or test) that touches a table binds it to
`{TABLE_PREFIX}-{logical name}` at the configured endpoint, and rebinds when the settings change.
"""

from __future__ import annotations

import importlib
import pkgutil
from typing import Any, ClassVar

from pynamodb.connection import Connection
from pynamodb.exceptions import PynamoDBException, TransactWriteError
from pynamodb.models import Model
from pynamodb.transactions import TransactWrite

from chalicelib.errors import Unavailable
from chalicelib.settings import get_settings


class TableModel(Model):
    """Subclasses set `logical_name`; the physical name comes from the settings."""

    logical_name: ClassVar[str] = ""

    class Meta:
        table_name = "unbound"

    @classmethod
    def _get_connection(cls) -> Any:
        settings = get_settings()
        name = settings.table_name(cls.logical_name)
        meta = cls.Meta
        if (
            meta.table_name != name
            or getattr(meta, "host", None) != settings.endpoint_url
            or getattr(meta, "region", None) != settings.region
        ):
            meta.table_name = name
            meta.host = settings.endpoint_url
            meta.region = settings.region
            meta.connect_timeout_seconds = 2
            meta.read_timeout_seconds = 10
            meta.max_retry_attempts = 3
            cls._connection = None
        return super()._get_connection()

    @classmethod
    def physical_name(cls) -> str:
        return get_settings().table_name(cls.logical_name)


_connections: dict[tuple[str, str | None], Connection] = {}


def connection() -> Connection:
    """A connection kept for the process: a new botocore client per transaction costs ~0.2 s."""
    settings = get_settings()
    key = (settings.region, settings.endpoint_url)
    if key not in _connections:
        _connections[key] = Connection(region=settings.region, host=settings.endpoint_url)
    return _connections[key]


def transaction() -> TransactWrite:
    """One DynamoDB transaction (use it with `with`): everything in it is written, or nothing is."""
    return TransactWrite(connection=connection())


def refused_by_condition(exc: BaseException) -> bool:
    """A single-item write refused because its condition did not hold (not throttling, not an outage)."""
    return getattr(exc, "cause_response_code", None) == "ConditionalCheckFailedException"


def refused_items(exc: TransactWriteError) -> list[int]:
    """The positions of a cancelled transaction's items whose condition did not hold (none: throttled, conflicted)."""
    reasons = exc.cancellation_reasons or []
    return [n for n, reason in enumerate(reasons) if reason is not None and reason.code == "ConditionalCheckFailed"]


def all_models() -> list[type[TableModel]]:
    """Every table model in `chalicelib.store`, so bootstrap and health never miss one."""
    import chalicelib.store as package

    for info in pkgutil.iter_modules(package.__path__):
        importlib.import_module(f"{package.__name__}.{info.name}")
    found: list[type[TableModel]] = []
    stack = list(TableModel.__subclasses__())
    while stack:
        model = stack.pop()
        if model.logical_name and model not in found:
            found.append(model)
        stack.extend(model.__subclasses__())
    return sorted(found, key=lambda m: m.logical_name)


def missing_table(exc: BaseException) -> Unavailable | None:
    """An Unavailable naming the table when a PynamoDB error means the table does not exist."""
    if not isinstance(exc, PynamoDBException):
        return None
    if getattr(exc, "cause_response_code", None) == "ResourceNotFoundException" or (
        type(exc).__name__ == "TableDoesNotExist"
    ):
        return Unavailable(f"DynamoDB table is missing: {exc.msg}")
    return None
