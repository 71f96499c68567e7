"""In-process moto clients (the AWS boundary's own fixture) and a deployments table on them."""

from __future__ import annotations

import pytest

from infra.aws import AwsClients
from infra.aws.items import ItemTable
from tests.unit.infra.aws.conftest import clients

__all__ = ["clients", "deployments"]


@pytest.fixture
def deployments(clients: AwsClients) -> ItemTable:
    clients.dynamodb.create_table(
        TableName="energy-insights-staging-deployments",
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
    return ItemTable(clients, "energy-insights-staging-deployments")
