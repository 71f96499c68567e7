"""Deploys through the CLI against a real moto server: first deploy, no-change redeploy,
dry runs, history and status."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from infra.artifact.digest import sha256_of
from infra.config import EnvironmentConfig
from infra.deploy.cli import main
from infra.templates import contract

pytestmark = [
    pytest.mark.emulator,
    pytest.mark.usefixtures("emulator"),
    pytest.mark.filterwarnings("ignore:Tried to parse:UserWarning"),  # moto: skipped types
]


def deploy(*extra: str) -> int:
    return main(["deploy", "--env", "dev", "--target", "local", "--commit", "abcdef1", *extra])


def records(aws: Callable[[str], Any], config: EnvironmentConfig) -> list[dict[str, Any]]:
    items = aws("dynamodb").scan(TableName=config.names.deployments_table)["Items"]
    return [i for i in items if i.get("outcome")]


def test_first_deploy_creates_everything_and_records_success(
    make_zip: Callable[[str], Path],
    aws: Callable[[str], Any],
    dev: EnvironmentConfig,
    capsys: pytest.CaptureFixture[str],
) -> None:
    artifact = make_zip("one")
    digest = sha256_of(artifact)

    assert deploy("--artifact", str(artifact)) == 0

    out = capsys.readouterr().out
    names = dev.names
    for table in (names.data_table, names.deployments_table):
        keys = aws("dynamodb").describe_table(TableName=table)["Table"]["KeySchema"]
        assert [k["KeyType"] for k in keys] == ["HASH", "RANGE"]
    aws("s3").head_bucket(Bucket=names.reports_bucket("123456789012", dev.region))
    bucket = names.artifact_bucket("123456789012", dev.region)
    aws("s3").head_object(Bucket=bucket, Key=contract.artifact_key(digest))
    alias = aws("lambda").get_alias(FunctionName=names.function, Name=names.alias)
    assert alias["FunctionVersion"] == "1"
    [record] = records(aws, dev)
    assert record["outcome"]["S"] == "succeeded"
    assert record["digest"]["S"] == digest
    assert record["commit"]["S"] == "abcdef1"
    assert "NOT DEPLOYED on the local emulator" in out
    assert "LiveAlias (AWS::Lambda::Alias)" in out
    assert "deploy dev: succeeded" in out


def test_redeploy_of_the_same_artifact_is_no_change(
    make_zip: Callable[[str], Path],
    aws: Callable[[str], Any],
    dev: EnvironmentConfig,
    capsys: pytest.CaptureFixture[str],
) -> None:
    artifact = make_zip("one")
    assert deploy("--artifact", str(artifact)) == 0
    capsys.readouterr()

    assert deploy("--artifact", str(artifact)) == 0

    assert "deploy dev: no changes" in capsys.readouterr().out
    outcomes = sorted(r["outcome"]["S"] for r in records(aws, dev))
    assert outcomes == ["no-change", "succeeded"]


def test_new_artifact_is_published_and_the_alias_moves(
    make_zip: Callable[[str], Path], aws: Callable[[str], Any], dev: EnvironmentConfig
) -> None:
    assert deploy("--artifact", str(make_zip("one"))) == 0
    assert deploy("--artifact", str(make_zip("two"))) == 0

    names = dev.names
    alias = aws("lambda").get_alias(FunctionName=names.function, Name=names.alias)
    assert alias["FunctionVersion"] == "2"
    stack = aws("cloudformation").describe_stacks(StackName=names.stack)["Stacks"][0]
    params = {p["ParameterKey"]: p["ParameterValue"] for p in stack["Parameters"]}
    assert params[contract.PARAM_ARTIFACT_DIGEST] == sha256_of(make_zip("two"))


def test_dry_run_on_a_fresh_account_changes_nothing(
    make_zip: Callable[[str], Path],
    aws: Callable[[str], Any],
    dev: EnvironmentConfig,
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert deploy("--artifact", str(make_zip("one")), "--dry-run") == 0

    out = capsys.readouterr().out
    # every effect is in the plan, before anything happens
    names = dev.names
    for effect in (
        f"create the artifact bucket {names.artifact_bucket('123456789012', dev.region)}",
        "upload ",
        f"create stack {names.stack} with only its deployments table",
        "take the deploy lock of dev",
        f"create a change set on {names.stack}",
    ):
        assert effect in out, effect
    assert "resource changes, from comparing templates: " in out
    assert "+ Function (AWS::Lambda::Function)" in out
    assert "dry run: nothing was changed" in out
    # and none of them happened: no stack (not even a deleted one), no change set, no table
    # (so no record and no lock), no bucket
    assert aws("cloudformation").list_stacks()["StackSummaries"] == []
    assert aws("dynamodb").list_tables()["TableNames"] == []
    assert aws("s3").list_buckets()["Buckets"] == []


def test_dry_run_on_a_live_stack_changes_nothing(
    make_zip: Callable[[str], Path],
    aws: Callable[[str], Any],
    dev: EnvironmentConfig,
    capsys: pytest.CaptureFixture[str],
) -> None:
    first = make_zip("one")
    assert deploy("--artifact", str(first)) == 0
    capsys.readouterr()

    cloudformation = aws("cloudformation")
    change_sets_before = cloudformation.list_change_sets(StackName=dev.names.stack)["Summaries"]
    lock_and_records = aws("dynamodb").scan(TableName=dev.names.deployments_table)["Items"]
    bucket = dev.names.artifact_bucket("123456789012", dev.region)
    objects = aws("s3").list_objects_v2(Bucket=bucket)["KeyCount"]

    assert deploy("--artifact", str(make_zip("two")), "--dry-run") == 0

    out = capsys.readouterr().out
    assert "dry run: nothing was changed" in out
    assert f"already in place: artifact bucket {bucket}" in out
    assert "upload " in out  # the new artifact would be uploaded...
    assert "~ Function (AWS::Lambda::Function)" in out  # ...and the function would change
    assert "create stack" not in out  # no bootstrap: the stack exists
    stack = cloudformation.describe_stacks(StackName=dev.names.stack)["Stacks"][0]
    params = {p["ParameterKey"]: p["ParameterValue"] for p in stack["Parameters"]}
    assert params[contract.PARAM_ARTIFACT_DIGEST] == sha256_of(first)
    assert cloudformation.list_change_sets(StackName=dev.names.stack)["Summaries"] == (
        change_sets_before
    )
    assert aws("dynamodb").scan(TableName=dev.names.deployments_table)["Items"] == (
        lock_and_records
    )
    assert aws("s3").list_objects_v2(Bucket=bucket)["KeyCount"] == objects


def test_history_lists_newest_first_and_status_shows_what_is_live(
    make_zip: Callable[[str], Path], aws: Callable[[str], Any], capsys: pytest.CaptureFixture[str]
) -> None:
    one, two = make_zip("one"), make_zip("two")
    assert deploy("--artifact", str(one)) == 0
    assert deploy("--artifact", str(two)) == 0
    capsys.readouterr()

    assert main(["history", "--env", "dev", "--target", "local"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert sha256_of(two)[:12] in lines[0]
    assert sha256_of(one)[:12] in lines[1]

    assert main(["status", "--env", "dev", "--target", "local"]) == 0
    status = capsys.readouterr().out
    assert f"artifact digest: {sha256_of(two)}" in status
    assert "alias live -> version 2" in status
    assert "last deploy: succeeded" in status
