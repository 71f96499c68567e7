"""Builders shared by the rollout tests: plans, records, providers for every metric."""

from __future__ import annotations

import warnings
from collections.abc import Iterator, Sequence

import boto3
import pytest
from moto import mock_aws

from infra.aws import AwsClients, Endpoint
from infra.aws.items import ItemTable
from infra.config import load_environment
from infra.config.model import EnvironmentConfig
from infra.config.rollout import MetricName
from infra.rollout.analysis import Reading
from infra.rollout.plan import Analysis, Check, RolloutPlan, SetWeight, Template, compile_plan
from infra.rollout.providers.base import Window
from infra.rollout.record import Kind, RolloutRecord
from tests.unit.infra.rollout.fakes import DIGEST, T0, FakeProvider, Script, healthy

REGION = "eu-west-1"
TABLE = "energy-insights-prod-deployments"
TEMPLATE = Template(
    "canary",
    (
        Check(MetricName.ERROR_RATE, 0.05),
        Check(MetricName.P95_LATENCY_MS, 10_000.0),
        Check(MetricName.PROBE_SUCCESS_RATE, 0.8),
        Check(MetricName.P0_ALARMS, 0.0),
    ),
    min_requests=10,
    failure_limit=0,
    inconclusive_limit=2,
    consecutive_error_limit=2,
)


def small_plan(count: int = 3, watch: int = 0) -> RolloutPlan:
    steps: list[SetWeight | Analysis] = [
        SetWeight(10),
        Analysis(count, 60.0, TEMPLATE),
        SetWeight(50),
        Analysis(count, 60.0, TEMPLATE),
        SetWeight(100),
    ]
    if watch:
        steps.append(Analysis(watch, 60.0, TEMPLATE, watch=True))
    return RolloutPlan(tuple(steps))


def record_for(plan: RolloutPlan, rollout_id: str = "r1") -> RolloutRecord:
    return RolloutRecord(
        rollout_id=rollout_id,
        env="prod",
        target="aws",
        kind=Kind.PROMOTE,
        digest=DIGEST,
        stable_version="1",
        canary_version="2",
        requested_by="rita",
        started_at=T0,
        plan=plan,
        app_version="app-aaaaaa",
    )


def probe_ok(window: Window) -> Sequence[Reading]:
    return [Reading(MetricName.PROBE_SUCCESS_RATE, 1.0, 3, "3/3 probe calls ok")]


def no_alarms(window: Window) -> Sequence[Reading]:
    return [Reading(MetricName.P0_ALARMS, 0.0, None, "no P0 alarm in ALARM", conclusive=True)]


def every_metric(traffic: Script = healthy) -> list[FakeProvider]:
    """Providers for the four metrics of the canary template; `traffic` drives error/p95."""
    return [
        FakeProvider("emf", script=traffic),
        FakeProvider("probe", frozenset({MetricName.PROBE_SUCCESS_RATE}), probe_ok),
        FakeProvider("alarms", frozenset({MetricName.P0_ALARMS}), no_alarms),
    ]


@pytest.fixture(scope="session")
def prod_config() -> EnvironmentConfig:
    return load_environment("prod")


@pytest.fixture
def prod_plan(prod_config: EnvironmentConfig) -> RolloutPlan:
    return compile_plan(prod_config)


@pytest.fixture
def clients(monkeypatch: pytest.MonkeyPatch) -> Iterator[AwsClients]:
    """AwsClients on in-process moto (no server, no network)."""
    for name in ("AWS_ENDPOINT_URL", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    with warnings.catch_warnings(), mock_aws():
        warnings.simplefilter("ignore", UserWarning)
        session = boto3.Session(
            aws_access_key_id="testing", aws_secret_access_key="testing", region_name=REGION
        )
        yield AwsClients(session, Endpoint(region=REGION, emulator=True))


@pytest.fixture
def deployments(clients: AwsClients) -> ItemTable:
    """The environment's deployments table (same key schema as the stack's)."""
    clients.dynamodb.create_table(
        TableName=TABLE,
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
    return ItemTable(clients, TABLE)
