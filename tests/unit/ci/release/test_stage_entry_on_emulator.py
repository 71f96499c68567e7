"""The deploy/smoke stage entry points against a real moto server (no containers)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import boto3
import pytest

from infra.aws import AwsClients, Endpoint
from infra.deploy.records import DeploymentRecord, Outcome, RecordStore
from pipeline.release import stage_entry
from pipeline.release.endpoints import SmokeEndpoint
from pipeline.release.smoke import SmokeRun

pytestmark = pytest.mark.emulator

TABLE = "energy-insights-dev-deployments"
DIGEST = "e" * 64


def store(endpoint: str) -> RecordStore:
    session = boto3.Session(
        aws_access_key_id="testing", aws_secret_access_key="testing", region_name="eu-west-1"
    )
    clients = AwsClients(session, Endpoint(region="eu-west-1", url=endpoint))
    return RecordStore(clients, TABLE, "dev")


@pytest.fixture
def recorded(aws_env: str) -> RecordStore:
    ddb = boto3.client("dynamodb", region_name="eu-west-1", endpoint_url=aws_env)
    if TABLE not in ddb.list_tables()["TableNames"]:
        ddb.create_table(
            TableName=TABLE,
            KeySchema=[
                {"AttributeName": "pk", "KeyType": "HASH"},
                {"AttributeName": "sk", "KeyType": "RANGE"},
            ],
            AttributeDefinitions=[
                {"AttributeName": "pk", "AttributeType": "S"},
                {"AttributeName": "sk", "AttributeType": "S"},
            ],
            BillingMode="PAY_PER_REQUEST",
        )
    records = store(aws_env)
    now = datetime.now(UTC)
    records.save(
        DeploymentRecord(
            deployment_id=f"dep{now.timestamp():.0f}",
            env="dev",
            target="local",
            digest=DIGEST,
            commit="abc1234",
            actor="me",
            started_at=now,
            outcome=Outcome.SUCCEEDED,
            finished_at=now,
        )
    )
    return records


@pytest.mark.parametrize(
    ("pytest_exit", "code", "outcome"), [(0, 0, Outcome.SUCCEEDED), (1, 1, Outcome.FAILED)]
)
def test_smoke_stage_marks_the_record(
    recorded: RecordStore,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    pytest_exit: int,
    code: int,
    outcome: Outcome,
) -> None:
    monkeypatch.chdir(tmp_path)
    seen: list[tuple[str, str]] = []

    def fake_run(
        repo: Path, ep: SmokeEndpoint, digest: str, report_dir: Path, environ: object
    ) -> SmokeRun:
        seen.append((ep.base_url, digest))
        return SmokeRun(pytest_exit, report_dir / "smoke-junit.xml")

    monkeypatch.setattr(stage_entry, "run_pytest", fake_run)
    environ = {
        "PIPELINE_TARGET": "local",
        "PIPELINE_APP_URL_DEV": "http://127.0.0.1:9",
        # pragma: allowlist nextline secret
        "SMOKE_TOKEN": "tok",
    }
    assert stage_entry.main(["smoke", "--env", "dev"], environ=environ) == code
    assert seen == [("http://127.0.0.1:9", DIGEST)]
    assert recorded.history(1)[0].outcome is outcome


def test_deploy_stage_hands_infra_the_artifact_and_commit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import infra.cli

    monkeypatch.chdir(tmp_path)
    (tmp_path / "build" / "artifacts").mkdir(parents=True)
    (tmp_path / "build" / "artifacts" / "lambda.zip").write_bytes(b"zip")
    calls: list[list[str]] = []

    def fake_main(argv: list[str]) -> int:
        calls.append(list(argv))
        return 0

    monkeypatch.setattr(infra.cli, "main", fake_main)
    environ = {
        "PIPELINE_TARGET": "local",
        "PIPELINE_COMMIT": "abc1234",
        "AWS_ENDPOINT_URL": "http://127.0.0.1:9",
    }
    assert stage_entry.main(["deploy", "--env", "staging"], environ=environ) == 0
    assert calls == [
        [
            "deploy",
            "--env",
            "staging",
            "--target",
            "local",
            "--artifact",
            str(tmp_path / "build" / "artifacts" / "lambda.zip"),
            "--commit",
            "abc1234",
        ]
    ]
