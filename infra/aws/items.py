"""Items of one DynamoDB table in attribute-value form: put, get, delete and update (each
optionally conditional), and a newest-first query of a partition by sort-key prefix.

The deploy lock and every record kind (deployments, rollouts, perf runs, backups, drills) sit in
an environment's deployments table through this adapter.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from infra.aws.calls import aws_call
from infra.aws.clients import AwsClients
from infra.aws.errors import AwsCallFailed, AwsError

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.type_defs import QueryInputTypeDef

Item = dict[str, Any]  # attribute-value form: {"pk": {"S": "dev"}, ...}
CONDITION_FAILED = "ConditionalCheckFailedException"


class ConditionFailed(AwsError):
    """A conditional write was refused: the item is not in the state the caller required."""


@dataclass(frozen=True)
class Condition:
    """A ConditionExpression with its placeholder names and values."""

    expression: str
    names: Mapping[str, str] = field(default_factory=dict)
    values: Mapping[str, Any] = field(default_factory=dict)

    def arguments(self) -> dict[str, Any]:
        args: dict[str, Any] = {"ConditionExpression": self.expression}
        if self.names:
            args["ExpressionAttributeNames"] = dict(self.names)
        if self.values:
            args["ExpressionAttributeValues"] = dict(self.values)
        return args


@dataclass(frozen=True)
class TableShape:
    """What DescribeTable says about a table: its status and (name, HASH|RANGE) key schema."""

    status: str
    key_schema: tuple[tuple[str, str], ...]


def absent(partition_key: str) -> Condition:
    """The item must not exist yet."""
    return Condition("attribute_not_exists(#pk)", {"#pk": partition_key})


class ItemTable:
    """One table, named at construction; `what` labels each call in error messages."""

    def __init__(self, clients: AwsClients, table: str) -> None:
        self._clients = clients
        self.name = table

    def put(self, item: Item, what: str, condition: Condition | None = None) -> None:
        args: dict[str, Any] = {"TableName": self.name, "Item": item}
        if condition is not None:
            args.update(condition.arguments())
        self._conditional("PutItem", what, lambda: self._clients.dynamodb.put_item(**args))

    def get(self, key: Item, what: str, consistent: bool = True) -> Item | None:
        with aws_call(f"dynamodb GetItem ({what})", self._clients.endpoint):
            response = self._clients.dynamodb.get_item(
                TableName=self.name, Key=key, ConsistentRead=consistent
            )
        found = response.get("Item")
        return dict(found) if found else None

    def delete(self, key: Item, what: str, condition: Condition | None = None) -> None:
        args: dict[str, Any] = {"TableName": self.name, "Key": key}
        if condition is not None:
            args.update(condition.arguments())
        self._conditional("DeleteItem", what, lambda: self._clients.dynamodb.delete_item(**args))

    def update(
        self,
        key: Item,
        expression: str,
        what: str,
        names: Mapping[str, str] | None = None,
        values: Mapping[str, Any] | None = None,
        condition: Condition | None = None,
    ) -> None:
        args: dict[str, Any] = {"TableName": self.name, "Key": key, "UpdateExpression": expression}
        merged_names = {**(names or {}), **(condition.names if condition else {})}
        merged_values = {**(values or {}), **(condition.values if condition else {})}
        if condition is not None:
            args["ConditionExpression"] = condition.expression
        if merged_names:
            args["ExpressionAttributeNames"] = merged_names
        if merged_values:
            args["ExpressionAttributeValues"] = merged_values
        self._conditional("UpdateItem", what, lambda: self._clients.dynamodb.update_item(**args))

    def query_prefix(
        self,
        key_names: tuple[str, str],
        partition: str,
        prefix: str,
        what: str,
        *,
        newest_first: bool = True,
        limit: int | None = None,
    ) -> list[Item]:
        """Items of `partition` whose sort key starts with `prefix`, in sort-key order (reversed
        when `newest_first`), following pages until `limit` items (None: all)."""
        return list(self._pages(key_names, partition, prefix, what, newest_first, limit))

    def exists(self) -> bool:
        return self.describe() is not None

    def describe(self) -> TableShape | None:
        """The table's status and key schema, or None when it does not exist."""
        try:
            with aws_call("dynamodb DescribeTable", self._clients.endpoint):
                table = self._clients.dynamodb.describe_table(TableName=self.name)["Table"]
        except AwsCallFailed as exc:
            if exc.code == "ResourceNotFoundException":
                return None
            raise
        keys = tuple(
            (str(k.get("AttributeName", "")), str(k.get("KeyType", "")))
            for k in table.get("KeySchema", [])
        )
        return TableShape(str(table.get("TableStatus", "?")), keys)

    def _pages(
        self,
        key_names: tuple[str, str],
        partition: str,
        prefix: str,
        what: str,
        newest_first: bool,
        limit: int | None,
    ) -> Iterator[Item]:
        pk, sk = key_names
        query: QueryInputTypeDef = {
            "TableName": self.name,
            "KeyConditionExpression": "#pk = :pk AND begins_with(#sk, :prefix)",
            "ExpressionAttributeNames": {"#pk": pk, "#sk": sk},
            "ExpressionAttributeValues": {":pk": {"S": partition}, ":prefix": {"S": prefix}},
            "ScanIndexForward": not newest_first,
        }
        returned = 0
        while True:
            if limit is not None:
                query["Limit"] = limit - returned
            with aws_call(f"dynamodb Query ({what})", self._clients.endpoint):
                page = self._clients.dynamodb.query(**query)
            for item in page.get("Items", []):
                yield dict(item)
                returned += 1
            last = page.get("LastEvaluatedKey")
            if not last or (limit is not None and returned >= limit):
                return
            query["ExclusiveStartKey"] = last

    def _conditional(self, operation: str, what: str, call: Any) -> None:
        try:
            with aws_call(f"dynamodb {operation} ({what})", self._clients.endpoint):
                call()
        except AwsCallFailed as exc:
            if exc.code == CONDITION_FAILED:
                raise ConditionFailed(
                    f"dynamodb {operation} ({what}) on {self.name}: the condition did not hold"
                ) from None
            raise
