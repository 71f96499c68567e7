"""The DynamoDB backup adapter on in-process moto: backups, settings read and written, paged
parallel scans, and errors converted at the boundary."""

from __future__ import annotations

import pytest

from infra.aws import AwsClients
from infra.aws.backups import DynamoBackups, ScalingTarget
from infra.aws.errors import AwsCallFailed

TABLE = "energy-insights-dev-data"


@pytest.fixture
def backups(clients: AwsClients) -> DynamoBackups:
    clients.dynamodb.create_table(
        TableName=TABLE,
        BillingMode="PROVISIONED",
        ProvisionedThroughput={"ReadCapacityUnits": 5, "WriteCapacityUnits": 5},
        AttributeDefinitions=[
            {"AttributeName": "PK", "AttributeType": "S"},
            {"AttributeName": "SK", "AttributeType": "S"},
        ],
        KeySchema=[
            {"AttributeName": "PK", "KeyType": "HASH"},
            {"AttributeName": "SK", "KeyType": "RANGE"},
        ],
    )
    for i in range(57):
        clients.dynamodb.put_item(
            TableName=TABLE, Item={"PK": {"S": f"p{i % 7}"}, "SK": {"S": f"{i:04d}"}}
        )
    return DynamoBackups(clients)


def test_a_scan_pages_and_its_segments_cover_the_table_once(backups: DynamoBackups) -> None:
    pages = list(backups.scan_pages(TABLE, 0, 1, 10))
    assert [len(p) for p in pages][:5] == [10] * 5 and sum(map(len, pages)) == 57

    keys = [
        item["SK"]["S"]
        for segment in range(3)
        for page in backups.scan_pages(TABLE, segment, 3, 4)
        for item in page
    ]
    assert sorted(keys) == [f"{i:04d}" for i in range(57)]


def test_backups_are_listed_oldest_first_and_deleted(backups: DynamoBackups) -> None:
    first = backups.create_backup(TABLE, "ei-dev-1")
    second = backups.create_backup(TABLE, "ei-dev-2")

    assert [b.name for b in backups.list_backups(TABLE)] == ["ei-dev-1", "ei-dev-2"]
    assert first.created_at <= second.created_at
    backups.delete_backup(first.arn)
    assert [b.name for b in backups.list_backups(TABLE)] == ["ei-dev-2"]


def test_an_unknown_backup_or_table_is_none(backups: DynamoBackups) -> None:
    assert backups.describe_backup(f"arn:aws:dynamodb:eu-west-1:1:table/{TABLE}/backup/0-x") is None
    assert backups.shape("no-such-table") is None
    assert backups.delete_table("no-such-table") is False


def test_settings_written_are_read_back(backups: DynamoBackups) -> None:
    metric = '{"PredefinedMetricType":"DynamoDBReadCapacityUtilization"}'
    policy = f'{{"PredefinedMetricSpecification":{metric},"TargetValue":70.0}}'
    target = ScalingTarget("dynamodb:table:ReadCapacityUnits", 5, 40, (("reads", policy),))
    backups.set_ttl(TABLE, "expires_at")
    backups.set_stream(TABLE, "NEW_IMAGE")
    backups.set_pitr(TABLE, True)
    backups.tag(TABLE, (("team", "insights"),))
    backups.set_scaling(TABLE, target)

    settings = backups.settings(TABLE)

    assert settings.ttl_attribute == "expires_at"
    assert settings.stream_view_type == "NEW_IMAGE"
    assert settings.pitr_enabled
    assert settings.tags == (("team", "insights"),)
    assert settings.scaling == (target,)
    backups.remove_scaling(TABLE, (target.dimension,))
    backups.remove_scaling(TABLE, (target.dimension,))  # already gone: not an error
    assert backups.settings(TABLE).scaling == ()


def test_a_restore_into_an_existing_table_is_an_aws_error(backups: DynamoBackups) -> None:
    made = backups.create_backup(TABLE, "ei-dev-1")
    shape = backups.shape(TABLE)
    assert shape is not None and shape.billing_mode == "PROVISIONED"

    with pytest.raises(AwsCallFailed) as caught:
        backups.restore_backup(made.arn, TABLE, shape)
    assert caught.value.code == "TableAlreadyExistsException"
