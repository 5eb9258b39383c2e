"""The benchmark's DynamoDB write pricing matches how AWS bills writes (size, transactions, indexes)."""

from __future__ import annotations

import contextlib

from bench.common import counting_aws_calls
from chalicelib import aws

TABLE = "bench-priced"


def _table() -> None:
    aws.client("dynamodb").create_table(
        TableName=TABLE,
        BillingMode="PAY_PER_REQUEST",
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[
            {"AttributeName": "id", "AttributeType": "S"},
            {"AttributeName": "owner", "AttributeType": "S"},
            {"AttributeName": "at", "AttributeType": "S"},
        ],
        GlobalSecondaryIndexes=[
            {
                "IndexName": "by-owner",
                "KeySchema": [
                    {"AttributeName": "owner", "KeyType": "HASH"},
                    {"AttributeName": "at", "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "KEYS_ONLY"},
            }
        ],
    )


def _wru(call) -> tuple[float, float]:
    with counting_aws_calls() as counter:
        call(aws.client("dynamodb"))
    return counter.units["dynamodb.wru"], counter.units["dynamodb.wru.indexes"]


def _item(n: str, owner: str | None = None, at: str = "1", text: str = "x") -> dict:
    item = {"id": {"S": n}, "at": {"S": at}, "text": {"S": text}}
    if owner:
        item["owner"] = {"S": owner}
    return item


def test_writes_are_priced_by_size_transaction_and_index(aws_env):
    _table()
    # Not in the sparse index: one unit.
    assert _wru(lambda d: d.put_item(TableName=TABLE, Item=_item("a"))) == (1, 0)
    # In the index: one more.
    assert _wru(lambda d: d.put_item(TableName=TABLE, Item=_item("b", "ada"))) == (2, 1)
    # A non-key attribute of a keys-only index changes: the index is not written.
    update_text = {"UpdateExpression": "SET #t = :t", "ExpressionAttributeNames": {"#t": "text"}}
    assert _wru(
        lambda d: d.update_item(
            TableName=TABLE, Key={"id": {"S": "b"}}, ExpressionAttributeValues={":t": {"S": "y"}}, **update_text
        )
    ) == (1, 0)
    # The index's sort key changes: a delete and an insert in the index.
    assert _wru(
        lambda d: d.update_item(
            TableName=TABLE,
            Key={"id": {"S": "b"}},
            UpdateExpression="SET #a = :a",
            ExpressionAttributeNames={"#a": "at"},
            ExpressionAttributeValues={":a": {"S": "2"}},
        )
    ) == (3, 2)
    # A transaction bills its items twice; indexes once.
    assert _wru(
        lambda d: d.transact_write_items(
            TransactItems=[
                {"Put": {"TableName": TABLE, "Item": _item("c", "ada")}},
                {"Put": {"TableName": TABLE, "Item": _item("d")}},
            ]
        )
    ) == (5, 1)
    # Every started KB is a unit: a 1.5 KB item costs two, and so does removing it from the index.
    assert _wru(lambda d: d.put_item(TableName=TABLE, Item=_item("e", text="z" * 1500))) == (2, 0)
    assert _wru(lambda d: d.delete_item(TableName=TABLE, Key={"id": {"S": "c"}})) == (2, 1)
    # A refused conditional write is billed as well.
    refused = {"ConditionExpression": "attribute_not_exists(id)"}

    def refuse(d):
        with contextlib.suppress(d.exceptions.ConditionalCheckFailedException):
            d.put_item(TableName=TABLE, Item=_item("a"), **refused)

    assert _wru(refuse) == (1, 0)
