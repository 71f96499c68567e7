from __future__ import annotations

import pytest

from infra.aws import AwsClients
from infra.aws.errors import AwsCallFailed
from infra.aws.items import Condition, ConditionFailed, ItemTable, absent

KEYS = ("pk", "sk")


@pytest.fixture
def table(clients: AwsClients) -> ItemTable:
    clients.dynamodb.create_table(
        TableName="records",
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "S"},
        ],
        KeySchema=[
            {"AttributeName": "pk", "KeyType": "HASH"},
            {"AttributeName": "sk", "KeyType": "RANGE"},
        ],
        BillingMode="PAY_PER_REQUEST",
    )
    return ItemTable(clients, "records")


def item(pk: str, sk: str, **extra: str) -> dict[str, dict[str, str]]:
    return {"pk": {"S": pk}, "sk": {"S": sk}, **{k: {"S": v} for k, v in extra.items()}}


def test_put_get_delete(table: ItemTable) -> None:
    table.put(item("dev", "lock", owner="a"), "lock")
    assert table.get({"pk": {"S": "dev"}, "sk": {"S": "lock"}}, "lock") == item(
        "dev", "lock", owner="a"
    )
    table.delete({"pk": {"S": "dev"}, "sk": {"S": "lock"}}, "lock")
    assert table.get({"pk": {"S": "dev"}, "sk": {"S": "lock"}}, "lock") is None


def test_conditional_put_refused_when_present(table: ItemTable) -> None:
    table.put(item("dev", "lock"), "lock", absent("pk"))
    with pytest.raises(ConditionFailed, match="PutItem \\(lock\\) on records"):
        table.put(item("dev", "lock"), "lock", absent("pk"))


def test_conditional_update_and_delete(table: ItemTable) -> None:
    key = {"pk": {"S": "dev"}, "sk": {"S": "deploy#1"}}
    table.put(item("dev", "deploy#1", outcome="in-progress"), "record")
    running = Condition("outcome = :running", values={":running": {"S": "in-progress"}})
    table.update(key, "SET outcome = :done", "record", values={":done": {"S": "failed"}},
                 condition=running)  # fmt: skip
    assert table.get(key, "record") == item("dev", "deploy#1", outcome="failed")
    with pytest.raises(ConditionFailed):
        table.update(key, "SET outcome = :done", "record", values={":done": {"S": "x"}},
                     condition=running)  # fmt: skip
    with pytest.raises(ConditionFailed):
        table.delete(key, "record", running)


def test_query_prefix_newest_first_across_pages_and_limit(table: ItemTable) -> None:
    for i in range(30):
        table.put(item("dev", f"deploy#{i:03d}"), "record")
    table.put(item("dev", "lock"), "lock")
    table.put(item("prod", "deploy#999"), "record")
    found = table.query_prefix(KEYS, "dev", "deploy#", "history")
    assert [x["sk"]["S"] for x in found] == [f"deploy#{i:03d}" for i in reversed(range(30))]
    oldest = table.query_prefix(KEYS, "dev", "deploy#", "history", newest_first=False, limit=3)
    assert [x["sk"]["S"] for x in oldest] == ["deploy#000", "deploy#001", "deploy#002"]


def test_exists(table: ItemTable, clients: AwsClients) -> None:
    assert table.exists()
    assert not ItemTable(clients, "nope").exists()


def test_other_errors_are_not_condition_failures(clients: AwsClients) -> None:
    with pytest.raises(AwsCallFailed) as caught:
        ItemTable(clients, "nope").put(item("dev", "x"), "record")
    assert not isinstance(caught.value, ConditionFailed)
    assert caught.value.code == "ResourceNotFoundException"
