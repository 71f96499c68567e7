"""The data-safety entries (`backup`, `drill`, `restore-object`) against a real moto server:
bad input is refused with exit 2 before anything is made, and a deleted report comes back."""

from __future__ import annotations

from pathlib import Path

import boto3
import pytest

from pipeline.release.entries.__main__ import main

pytestmark = pytest.mark.emulator

BUCKET = "energy-insights-dev-reports-123456789012-eu-west-1"
KEY = "reports/site-1/r-1/summary.csv"


def local(endpoint: str, **params: str) -> dict[str, str]:
    return {"PIPELINE_TARGET": "local", "AWS_ENDPOINT_URL": endpoint, **params}


def tables(endpoint: str) -> list[str]:
    ddb = boto3.client("dynamodb", region_name="eu-west-1", endpoint_url=endpoint)
    return list(ddb.list_tables()["TableNames"])


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_a_prod_drill_without_allow_prod_is_refused_before_anything_is_made(
    aws_env: str, repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = tables(aws_env)

    assert main(["drill", "--env", "prod"], environ=local(aws_env)) == 2

    assert "Pass allow_prod (--allow-prod) to drill prod deliberately" in capsys.readouterr().err
    assert tables(aws_env) == before  # no drill table, no records table


@pytest.mark.parametrize(
    ("to_time", "says"),
    [
        ("2026-12-04T13:55", "--to-time '2026-12-04T13:55' has no timezone"),
        ("yesterday", "--to-time 'yesterday' is not an ISO 8601 time"),
    ],
)
def test_a_drill_time_that_is_no_aware_time_is_refused(
    aws_env: str, repo: Path, capsys: pytest.CaptureFixture[str], to_time: str, says: str
) -> None:
    environ = local(aws_env, PIPELINE_TO_TIME=to_time)
    assert main(["drill", "--env", "dev"], environ=environ) == 2
    assert says in capsys.readouterr().err


def test_restore_object_needs_a_key(
    aws_env: str, repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["restore-object", "--env", "dev"], environ=local(aws_env)) == 2
    assert "--key is required" in capsys.readouterr().err


def test_a_deleted_report_is_served_again_and_a_dry_run_changes_nothing(
    aws_env: str, repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    s3 = boto3.client("s3", region_name="eu-west-1", endpoint_url=aws_env)
    s3.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    s3.put_bucket_versioning(Bucket=BUCKET, VersioningConfiguration={"Status": "Enabled"})
    version = s3.put_object(Bucket=BUCKET, Key=KEY, Body=b"day,kwh\n")["VersionId"]
    s3.delete_object(Bucket=BUCKET, Key=KEY)
    environ = local(aws_env, PIPELINE_OBJECT_KEY=KEY)

    dry = {**environ, "PIPELINE_OBJECT_DRY_RUN": "1"}
    assert main(["restore-object", "--env", "dev"], environ=dry) == 0
    assert "dry run: nothing was changed" in capsys.readouterr().out
    with pytest.raises(s3.exceptions.ClientError):
        s3.head_object(Bucket=BUCKET, Key=KEY)

    assert main(["restore-object", "--env", "dev"], environ=environ) == 0
    assert f"now serves version {version}" in capsys.readouterr().out
    assert s3.get_object(Bucket=BUCKET, Key=KEY)["Body"].read() == b"day,kwh\n"

    missing = {**environ, "PIPELINE_OBJECT_KEY": "reports/nope/summary.csv"}
    assert main(["restore-object", "--env", "dev"], environ=missing) == 2
    assert "has no stored version" in capsys.readouterr().err
