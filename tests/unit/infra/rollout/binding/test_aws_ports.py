"""The aws target's rollout ports, bound on in-process moto: Lambda traffic of one version
from CloudWatch, and every port of a promotion bound without touching anything."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from infra.aws import AwsClients
from infra.aws.cloudwatch import MetricStatistics
from infra.config import load_environment
from infra.rollout.binding.aws_ports import (
    LAMBDA_NAMESPACE,
    CloudWatchLambdaTraffic,
    aws_ports,
    version_dimensions,
)
from infra.rollout.providers.lambda_metrics import LambdaTraffic
from infra.targets.base import Connection, TargetKind


def test_version_dimensions_name_the_alias_resource() -> None:
    assert version_dimensions("api", "live", "7") == (
        ("FunctionName", "api"),
        ("Resource", "api:live"),
        ("ExecutedVersion", "7"),
    )


def test_lambda_traffic_of_one_version(clients: AwsClients) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    dims = [{"Name": k, "Value": v} for k, v in version_dimensions("api", "live", "7")]
    for name, value in (("Invocations", 40.0), ("Errors", 3.0)):
        clients.cloudwatch.put_metric_data(
            Namespace=LAMBDA_NAMESPACE,
            MetricData=[{"MetricName": name, "Dimensions": dims, "Value": value, "Timestamp": now}],
        )
    traffic = CloudWatchLambdaTraffic(MetricStatistics(clients), "live")
    start, end = now - timedelta(minutes=2), now + timedelta(minutes=2)
    assert traffic.traffic("api", "7", start, end).invocations == 40
    assert traffic.traffic("api", "7", start, end).errors == 3
    assert traffic.traffic("api", "8", start, end) == LambdaTraffic(0, 0, None)


class MotoTarget:
    kind = TargetKind.AWS

    def __init__(self, clients: AwsClients) -> None:
        self._clients = clients

    def connect(self, region: str) -> Connection:
        return Connection(self._clients, TargetKind.AWS, None, "123456789012")  # type: ignore[arg-type]

    def api_url(self, config: object) -> str:
        return ""


def test_every_port_binds_without_calls_that_change_anything(
    clients: AwsClients, tmp_path: Path
) -> None:
    config = load_environment("prod")
    ports = aws_ports(config, MotoTarget(clients), tmp_path, {}, "rita", "c" * 40,
                      lambda _line: None)  # fmt: skip
    assert ports.target.name == "aws"
    assert ports.target.live_version() is None  # no stack, no alias yet
    assert ports.health.check("prod").ok  # no stack yet: a first release creates it
    assert ports.perf is not None
    assert not ports.evidence.known("e" * 64)
