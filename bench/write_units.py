"""DynamoDB write units as AWS bills them, from the item before and after each write.

Counting one unit per write call undercounts: a write costs one unit per started KB of the
larger of the item's two images, twice that inside a transaction, and every global secondary
index the write touches costs its own units (an insert, a delete, both when an index key
changes, one when only a projected attribute changes). The meter reads both images and the
table's indexes with uncounted calls, so the counted calls stay exactly what the app made.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

KB = 1024
Call = Callable[[str, dict[str, Any]], Any]  # an uncounted call on the same DynamoDB client
Image = dict[str, Any] | None  # an item in DynamoDB's JSON form; None when there is none


@dataclass(frozen=True)
class Index:
    keys: tuple[str, ...]
    projection: str  # ALL | KEYS_ONLY | INCLUDE
    included: tuple[str, ...] = ()


@dataclass(frozen=True)
class Table:
    keys: tuple[str, ...]
    indexes: tuple[Index, ...]


def value_size(value: dict[str, Any]) -> int:
    """DynamoDB's size of one attribute value (low-level JSON form)."""
    (kind, inner), *_ = value.items()
    if kind == "S":
        return len(inner.encode())
    if kind == "N":
        return len(inner.lstrip("-").replace(".", "").lstrip("0")) // 2 + 1
    if kind == "B":
        return len(inner) if isinstance(inner, bytes) else len(inner) * 3 // 4
    if kind in {"BOOL", "NULL"}:
        return 1
    if kind == "L":
        return 3 + sum(value_size(v) + 1 for v in inner)
    if kind == "M":
        return 3 + sum(len(k.encode()) + value_size(v) + 1 for k, v in inner.items())
    if kind in {"SS", "NS", "BS"}:
        return sum(value_size({kind[0]: v}) for v in inner)
    return 0


def item_size(item: Image) -> int:
    return sum(len(name.encode()) + value_size(v) for name, v in (item or {}).items())


def _units(size: int) -> int:
    return max(1, math.ceil(size / KB))


class Meter:
    """Prices one write call, given the items' images before and after it."""

    def __init__(self, call: Call) -> None:
        self._call = call
        self._tables: dict[str, Table] = {}

    def table(self, name: str) -> Table:
        if name not in self._tables:
            described = self._call("DescribeTable", {"TableName": name})["Table"]
            keys = tuple(k["AttributeName"] for k in described["KeySchema"])
            indexes = tuple(
                Index(
                    tuple(k["AttributeName"] for k in gsi["KeySchema"]),
                    gsi["Projection"]["ProjectionType"],
                    tuple(gsi["Projection"].get("NonKeyAttributes", ())),
                )
                for gsi in described.get("GlobalSecondaryIndexes", [])
            )
            self._tables[name] = Table(keys, indexes)
        return self._tables[name]

    def targets(self, operation: str, params: dict[str, Any]) -> list[tuple[str, dict[str, Any], bool]]:
        """(table, key, transactional) of every item the call writes."""
        found: list[tuple[str, dict[str, Any], bool]] = []

        def add(name: str, item_or_key: dict[str, Any], transactional: bool) -> None:
            keys = self.table(name).keys
            found.append((name, {k: item_or_key[k] for k in keys}, transactional))

        if operation == "PutItem":
            add(params["TableName"], params["Item"], False)
        elif operation in {"UpdateItem", "DeleteItem"}:
            add(params["TableName"], params["Key"], False)
        elif operation == "BatchWriteItem":
            for name, requests in params.get("RequestItems", {}).items():
                for request in requests:
                    put, delete = request.get("PutRequest"), request.get("DeleteRequest")
                    add(name, put["Item"] if put else delete["Key"], False)
        elif operation == "TransactWriteItems":
            for entry in params.get("TransactItems", []):
                (kind, body), *_ = entry.items()
                add(body["TableName"], body["Item"] if kind == "Put" else body["Key"], True)
        return found

    def image(self, table: str, key: dict[str, Any]) -> Image:
        return self._call("GetItem", {"TableName": table, "Key": key, "ConsistentRead": True}).get("Item")

    def units(self, table: str, before: Image, after: Image, tx: bool) -> tuple[int, int]:
        """(table units, index units) of one item's write."""
        base = _units(max(item_size(before), item_size(after))) * (2 if tx else 1)
        shape = self.table(table)
        indexed = 0
        for index in shape.indexes:
            old, new = (_projected(image, shape, index) for image in (before, after))
            if old is None and new is None:
                continue
            if old is None or new is None:
                indexed += _units(item_size(old or new))
            elif any(old[k] != new[k] for k in index.keys):
                indexed += _units(item_size(old)) + _units(item_size(new))  # a delete and an insert
            elif old != new:
                indexed += _units(max(item_size(old), item_size(new)))
        return base, indexed


def _projected(item: Image, table: Table, index: Index) -> Image:
    """The item as the index holds it, or None when the item is not in the (sparse) index."""
    if item is None or any(k not in item for k in index.keys):
        return None
    if index.projection == "ALL":
        return item
    names = set(table.keys) | set(index.keys) | set(index.included)
    return {k: v for k, v in item.items() if k in names}
