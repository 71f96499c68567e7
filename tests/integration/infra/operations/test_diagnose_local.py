"""diagnose on the local target, for real: the app served over HTTP with the fault switch
answering 500s, its own log lines, our alarm evaluator over them, the deployment records on a
moto server. The failing checks and the runbook come out named."""

from __future__ import annotations

import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import uvicorn

from app.local.provision import create_bucket, create_table
from app.main import create_app
from app.services import Services
from app.settings import FaultSettings
from app.storage.clients import build_clients
from infra.aws import AwsClients, Endpoint
from infra.aws.items import ItemTable
from infra.aws.sessions import EMULATOR_KEY, emulator_session
from infra.clock import SystemClock
from infra.config import load_environment
from infra.deploy.records import DeploymentRecord, Outcome, RecordStore
from infra.monitoring.local_source import LinesSource, LocalFeeds, local_alarm_source
from infra.operations.diagnose.collectors import local_collectors
from infra.operations.diagnose.model import Status, Symptom
from infra.operations.diagnose.run import diagnose, render_diagnosis
from tests.conftest import free_port
from tests.integration.infra.operations.test_identity_on_emulator import audit_store, reset
from tests.unit.app.support import auth_header, settings

pytestmark = pytest.mark.emulator
REGION = "eu-west-1"


@pytest.fixture
def emulator(moto_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[AwsClients]:
    reset(moto_endpoint)
    for name, value in {
        "AWS_ENDPOINT_URL": moto_endpoint,
        "AWS_ACCESS_KEY_ID": EMULATOR_KEY,
        "AWS_SECRET_ACCESS_KEY": EMULATOR_KEY,
        "AWS_DEFAULT_REGION": REGION,
    }.items():
        monkeypatch.setenv(name, value)
    yield AwsClients(emulator_session(REGION), Endpoint(REGION, moto_endpoint, emulator=True))
    reset(moto_endpoint)


@pytest.fixture
def faulty_app(emulator: AwsClients) -> Iterator[str]:
    """The staging app on a loopback port, half of its requests failing with 500."""
    storage = build_clients()
    create_table(storage.dynamodb, "diag-data")
    create_bucket(storage.s3, "diag-reports", REGION)
    app_settings = settings(
        table="diag-data",
        bucket="diag-reports",
        env="staging",
        faults=FaultSettings(error_rate=0.5, seed=7),
    )
    app = create_app(svc=Services(app_settings, clients=lambda: storage))
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="error"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started, "the app did not start"
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(10)


def call(url: str, headers: dict[str, str]) -> int:
    request = urllib.request.Request(url, headers=headers)  # noqa: S310 - loopback test server
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310
            return int(answer.status)
    except urllib.error.HTTPError as exc:
        return exc.code


def test_server_errors_on_staging_are_named_with_their_runbook(
    emulator: AwsClients, faulty_app: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    config = load_environment("staging")
    audit_store(emulator, "staging")  # the deployments table
    now = datetime.now(UTC)
    RecordStore(ItemTable(emulator, config.names.deployments_table), "staging").save(
        DeploymentRecord(
            "dep1", "staging", "local", "a" * 64, "b" * 40, "ci", now - timedelta(hours=3),
            Outcome.SUCCEEDED, now - timedelta(hours=2, minutes=50),
        )
    )  # fmt: skip
    sites = tuple(f"s{i}" for i in range(40))
    token = auth_header(sites=sites)  # may read each site: unknown ones answer 404, not 403
    statuses = [call(f"{faulty_app}/sites/{site}", token) for site in sites]
    assert set(statuses) == {500, 404}  # the fault switch and real answers
    assert call(f"{faulty_app}/health", {}) == 200  # health is never faulted
    lines = capsys.readouterr().out.splitlines()

    collectors = local_collectors(
        config,
        emulator,
        SystemClock(),
        app_url=faulty_app,
        alarm_source=local_alarm_source(
            tmp_path, lambda env: LocalFeeds(LinesSource(lines)), SystemClock()
        ),
        app_log_lines=lambda: lines,
        jwks_url=None,
        rollouts=None,
    )
    result = diagnose("staging", None, config=config, collectors=collectors, target="local")
    by_key = {check.key: check for check in result.checks}
    print("\n".join(render_diagnosis(result)))
    assert by_key["server-errors"].status is Status.FAIL
    # Injected faults answer before routing, so the access log names no route template.
    assert "unmatched 2" in by_key["server-errors"].summary
    assert by_key["health"].status is Status.OK
    assert by_key["deployment"].status is Status.OK
    assert by_key["cost"].status is Status.UNKNOWN
    assert by_key["cost"].summary == "cost is not available locally"
    assert result.verdict is Status.FAIL
    assert result.runbook is not None
    assert result.runbook.link in (
        "docs/operations/api.md#api-error-rate",
        # our alarm evaluator fires on the same errors: its most urgent alarm wins
        "docs/operations/availability.md#availability-fast-burn",
        "docs/operations/service-health.md#service-health",
    )

    by_symptom = diagnose(
        "staging", Symptom.SERVER_ERRORS, config=config, collectors=collectors, target="local"
    )
    assert by_symptom.runbook is not None
    assert by_symptom.runbook.link == "docs/operations/api.md#api-error-rate"
    assert by_symptom.headline.startswith("5xx concentrated on some routes? yes")
