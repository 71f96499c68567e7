"""The stage entries against a real moto server (no containers): smoke marks the record,
deploy hands infra's library the build's artifact, status and history read what is there."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3
import pytest

from infra.aws import AwsClients, Endpoint
from infra.aws.items import ItemTable
from infra.deploy import commands
from infra.deploy.records import DeploymentRecord, Outcome, RecordStore
from infra.deploy.request import DeployRequest
from infra.targets.base import Target
from infra.targets.local import LocalTarget
from pipeline.release.entries import smoke
from pipeline.release.entries.__main__ import main
from pipeline.release.smoke import SmokeEndpoint, SmokeRun

pytestmark = pytest.mark.emulator

TABLE = "energy-insights-dev-deployments"
DIGEST = "e" * 64


def store(endpoint: str) -> RecordStore:
    session = boto3.Session(
        aws_access_key_id="testing", aws_secret_access_key="testing", region_name="eu-west-1"
    )
    clients = AwsClients(session, Endpoint(region="eu-west-1", url=endpoint))
    return RecordStore(ItemTable(clients, TABLE), "dev")


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

    monkeypatch.setattr(smoke, "run_pytest", fake_run)
    environ = {
        "PIPELINE_TARGET": "local",
        "AWS_ENDPOINT_URL": recorded_endpoint(recorded),
        "PIPELINE_APP_URL_DEV": "http://127.0.0.1:9/",
        # pragma: allowlist nextline secret
        "SMOKE_TOKEN": "tok",
    }
    assert main(["smoke", "--env", "dev"], environ=environ) == code
    assert seen == [("http://127.0.0.1:9", DIGEST)]
    assert recorded.history(1)[0].outcome is outcome


def recorded_endpoint(records: RecordStore) -> str:
    url = records._table._clients.endpoint.url
    assert url is not None
    return url


def test_the_deploy_entry_hands_infra_the_build_artifact_commit_and_dry_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "build" / "artifacts").mkdir(parents=True)
    (tmp_path / "build" / "artifacts" / "lambda.zip").write_bytes(b"zip")
    calls: list[tuple[Target, DeployRequest]] = []

    def fake_deploy(target: Target, request: DeployRequest, emit: Any) -> None:
        calls.append((target, request))

    monkeypatch.setattr(commands, "deploy", fake_deploy)
    monkeypatch.setattr(commands, "lint_template", lambda request, emit: None)
    environ = {
        "PIPELINE_TARGET": "local",
        "PIPELINE_COMMIT": "abc1234",
        "PIPELINE_ACTOR": "ci-bot",
        "PIPELINE_DRY_RUN": "1",
        "AWS_ENDPOINT_URL": "http://127.0.0.1:9",
    }
    assert main(["deploy", "--env", "staging"], environ=environ) == 0
    [(target, request)] = calls
    assert isinstance(target, LocalTarget)
    assert target.endpoint == "http://127.0.0.1:9"
    assert request.config.name == "staging"
    assert request.artifact.path == Path("build/artifacts/lambda.zip")  # the stage runs in the repo
    options = request.options
    assert (options.commit, options.actor, options.dry_run) == ("abc1234", "ci-bot", True)


@pytest.mark.parametrize("kind", ["status", "history"])
def test_status_and_history_read_what_is_there(
    recorded: RecordStore,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    kind: str,
) -> None:
    monkeypatch.chdir(tmp_path)
    environ = {"PIPELINE_TARGET": "local", "AWS_ENDPOINT_URL": recorded_endpoint(recorded)}
    assert main([kind, "--env", "dev"], environ=environ) == 0
    out = capsys.readouterr().out
    assert "target: local (chosen with run parameter PIPELINE_TARGET)" in out
    assert DIGEST[:12] in out


def test_staging_deploys_the_digest_dev_proved_fetched_by_digest(
    recorded: RecordStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Build once: `deploy --env staging --digest D` deploys the zip dev recorded green, from
    dev's artifact bucket (sha256 checked), not the build of this run; a digest dev never
    proved is refused (exit 2) before anything is deployed."""
    import hashlib

    from infra.config import load_environment
    from infra.templates.contract import artifact_key

    monkeypatch.chdir(tmp_path)
    endpoint = recorded_endpoint(recorded)
    body = b"the zip dev deployed"
    digest = hashlib.sha256(body).hexdigest()
    now = datetime.now(UTC)
    green = DeploymentRecord(f"green{now.timestamp():.0f}", "dev", "local", digest, "abc1234",
                             "me", now, Outcome.SUCCEEDED, now,
                             notes=(f"smoke passed at {now.isoformat()}",))  # fmt: skip
    recorded.save(green)
    dev = load_environment("dev")
    target = LocalTarget(endpoint)
    conn = target.connect(dev.region)
    bucket = dev.names.artifact_bucket(conn.account_id, dev.region)
    s3 = boto3.client("s3", region_name=dev.region, endpoint_url=endpoint)
    s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": dev.region})  # type: ignore[typeddict-item]
    s3.put_object(Bucket=bucket, Key=artifact_key(digest), Body=body)
    calls: list[DeployRequest] = []
    monkeypatch.setattr(commands, "deploy", lambda target, request, emit: calls.append(request))
    monkeypatch.setattr(commands, "lint_template", lambda request, emit: None)
    environ = {"PIPELINE_TARGET": "local", "AWS_ENDPOINT_URL": endpoint}
    assert main(["deploy", "--env", "staging"], environ={**environ, "PIPELINE_DIGEST": digest}) == 0
    [request] = calls
    assert request.artifact.digest == digest
    assert request.artifact.path is not None
    assert (tmp_path / request.artifact.path).read_bytes() == body  # fetched, not built

    never = "d" * 64
    assert main(["deploy", "--env", "staging"], environ={**environ, "PIPELINE_DIGEST": never}) == 2
    assert main(["deploy", "--env", "dev"], environ={**environ, "PIPELINE_DIGEST": digest}) == 2
    assert len(calls) == 1  # nothing more was deployed
