"""`ensure_local_monitoring` against a real moto server: the catalog's alarms, the dashboard,
the topics and the metric filters are created and verified through the APIs; what the
emulator cannot hold (composite alarms) is named, never claimed."""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator

import pytest

from infra.aws import AwsClients, Endpoint
from infra.aws.sessions import emulator_session
from infra.config import load_environment
from infra.monitoring.alarm_source import AwsAlarmSource
from infra.monitoring.catalog import build_catalog
from infra.monitoring.local_setup import ensure_local_monitoring
from infra.monitoring.model import AlarmStateValue

pytestmark = pytest.mark.emulator
REGION = "eu-west-1"


def reset(endpoint: str) -> None:
    request = urllib.request.Request(f"{endpoint}/moto-api/reset", method="POST")  # noqa: S310
    with urllib.request.urlopen(request, timeout=10):  # noqa: S310 - loopback test server
        pass


@pytest.fixture
def clients(moto_endpoint: str) -> Iterator[AwsClients]:
    """An empty emulator, emptied again afterwards (the server is shared by the session)."""
    reset(moto_endpoint)
    yield AwsClients(emulator_session(REGION), Endpoint(REGION, moto_endpoint, emulator=True))
    reset(moto_endpoint)


def test_alarms_and_dashboard_are_created_and_verified(clients: AwsClients) -> None:
    config = load_environment("staging")
    catalog = build_catalog(config)
    verification = ensure_local_monitoring(clients, config)
    assert verification.failures == ()
    lines = "\n".join(verification.lines())
    assert lines.count("ok   alarm ") == len(catalog.alarms) == 16
    assert "ok   dashboard energy-insights-staging: 16 widgets" in lines
    assert lines.count("ok   log metric filter ") == 3
    for composite in catalog.composites:
        assert f"NOT CREATED composite alarm {composite.name}" in lines
    assert "never evaluates alarms" in lines

    described = clients.cloudwatch.describe_alarms(AlarmNamePrefix=config.name_prefix)
    stored = {a["AlarmName"]: a for a in described["MetricAlarms"]}
    assert set(stored) == {a.name for a in catalog.alarms}
    latency = stored["energy-insights-staging-api-p95-latency"]
    assert latency["Threshold"] == 10_000
    assert latency["AlarmActions"] == [
        f"arn:aws:sns:{REGION}:123456789012:energy-insights-staging-alerts-p1"
    ]
    body = json.loads(
        clients.cloudwatch.get_dashboard(DashboardName="energy-insights-staging")["DashboardBody"]
    )
    assert len(body["widgets"]) == 16

    again = ensure_local_monitoring(clients, config)  # idempotent
    assert again.failures == ()


def test_aws_alarm_source_reads_cloudwatch_and_names_missing_alarms(clients: AwsClients) -> None:
    config = load_environment("dev")
    ensure_local_monitoring(clients, config)
    states = {
        s.name: s
        for s in AwsAlarmSource(clients, lambda env: build_catalog(load_environment(env))).states(
            "dev"
        )
    }
    catalog = build_catalog(config)
    assert set(states) == set(catalog.names)
    error_rate = states["energy-insights-dev-api-error-rate"]
    assert error_rate.state is AlarmStateValue.OK  # the emulator starts alarms OK, never evaluates
    health = states["energy-insights-dev-service-health"]
    assert health.state is AlarmStateValue.INSUFFICIENT_DATA
    assert "does not exist in CloudWatch" in health.reason
