"""`pipeline promote|hotfix|undo` refuse bad input before any stage runs (exit 2, saying
why): the digest's form, an empty approver or reason, and (promote) the staging gate on the
records the target holds: deploy, smoke and perf must all be green."""

from __future__ import annotations

import argparse
import warnings
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import boto3
import pytest
from moto import mock_aws

from infra.aws import AwsClients, Endpoint
from infra.aws.items import ItemTable
from infra.config import load_environment
from infra.deploy.records import DeploymentRecord, Outcome, RecordStore
from infra.perf.gate import Verdict as Phase
from infra.perf.records import PerfRecord, PerfRecords
from infra.targets.base import Connection, TargetKind
from pipeline import cli
from pipeline.cli import promotion
from pipeline.errors import UsageError

D = "d" * 64
T = datetime(2026, 3, 1, tzinfo=UTC)
REGION = "eu-west-1"


@pytest.mark.parametrize(
    ("kind", "values", "says"),
    [
        ("promote", {"digest": D, "approved-by": "rita"}, None),
        ("promote", {"digest": "xyz", "approved-by": "rita"}, "--digest 'xyz' is not a sha256"),
        ("promote", {"digest": D.upper(), "approved-by": "rita"}, "64 lowercase hex"),
        ("promote", {"digest": D, "approved-by": ""}, "--approved-by is empty"),
        ("hotfix", {"digest": D, "reason": "CVE"}, None),
        ("hotfix", {"digest": D, "reason": ""}, "--reason is empty"),
        ("undo", {}, None),
        ("undo", {"to": D}, None),
        ("undo", {"to": "abc"}, "--to 'abc' is not a sha256 digest"),
        ("resume", {}, None),
    ],
)
def test_input_problems(kind: str, values: dict[str, str], says: str | None) -> None:
    problems = promotion.input_problems(kind, values)
    assert problems == [] if says is None else says in "; ".join(problems)


def test_bad_input_exits_2_before_anything_runs(capsys: pytest.CaptureFixture[str]) -> None:
    code = cli.main(["promote", "--env", "prod", "--digest", "xyz", "--approved-by", "rita"])
    assert code == 2
    assert "--digest 'xyz' is not a sha256 digest" in capsys.readouterr().err


def test_a_missing_approver_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["promote", "--env", "prod", "--digest", D]) == 2
    assert "--approved-by" in capsys.readouterr().err


def test_promotion_runs_only_in_prod(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["promote", "--env", "dev", "--digest", D, "--approved-by", "rita"]) == 2
    assert "promote runs in prod" in capsys.readouterr().err


@pytest.fixture
def clients(monkeypatch: pytest.MonkeyPatch) -> Iterator[AwsClients]:
    for name in ("AWS_ENDPOINT_URL", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    with warnings.catch_warnings(), mock_aws():
        warnings.simplefilter("ignore", UserWarning)
        session = boto3.Session(
            aws_access_key_id="testing", aws_secret_access_key="testing", region_name=REGION
        )
        yield AwsClients(session, Endpoint(region=REGION, emulator=True))


class MotoTarget:
    kind = TargetKind.LOCAL

    def __init__(self, clients: AwsClients) -> None:
        self._clients = clients

    def connect(self, region: str) -> Connection:
        return Connection(self._clients, TargetKind.LOCAL, None, "123456789012")  # type: ignore[arg-type]


@pytest.fixture
def staging(clients: AwsClients, monkeypatch: pytest.MonkeyPatch) -> ItemTable:
    name = load_environment("staging").names.deployments_table
    clients.dynamodb.create_table(
        TableName=name,
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
    monkeypatch.setattr(promotion, "_open", lambda args, repo: MotoTarget(clients))
    return ItemTable(clients, name)


def args() -> argparse.Namespace:
    return argparse.Namespace(kind="promote", env="prod", digest=D, approved_by="rita",
                              target="local")  # fmt: skip


def deployed(table: ItemTable, *notes: str) -> None:
    record = DeploymentRecord("d-1", "staging", "local", D, "c" * 40, "ci", T,
                              Outcome.SUCCEEDED, T, notes=notes)  # fmt: skip
    RecordStore(table, "staging").save(record)


def perf(table: ItemTable, verdict: Phase) -> None:
    record = PerfRecord("p-1", "staging", "local", D, "c" * 40, T, T, verdict, "smoke", 100,
                        0, 10.0)  # fmt: skip
    PerfRecords(table, "staging").save(record)


def test_an_unknown_digest_is_refused(staging: ItemTable) -> None:
    with pytest.raises(
        UsageError, match=r"refused, nothing was changed: digest dddddddddddd… is unknown"
    ):
        promotion.preflight(args(), Path("."))


def test_a_digest_without_smoke_is_refused(staging: ItemTable) -> None:
    deployed(staging)
    with pytest.raises(UsageError) as caught:
        promotion.preflight(args(), Path("."))
    assert "staging smoke has no record" in str(caught.value)
    assert "staging perf has no record" in str(caught.value)


def test_a_red_perf_run_is_refused(staging: ItemTable) -> None:
    deployed(staging, "smoke passed at 2026-03-01T00:00:00+00:00")
    perf(staging, Phase.FAILED)
    with pytest.raises(UsageError, match="staging perf is red: run p-1: Failed"):
        promotion.preflight(args(), Path("."))


def test_green_deploy_smoke_and_perf_pass_the_gate(staging: ItemTable) -> None:
    deployed(staging, "smoke passed at 2026-03-01T00:00:00+00:00")
    perf(staging, Phase.SUCCESSFUL)
    promotion.preflight(args(), Path("."))  # raises when refused


@pytest.fixture
def prod_table(clients: AwsClients, monkeypatch: pytest.MonkeyPatch) -> ItemTable:
    name = load_environment("prod").names.deployments_table
    clients.dynamodb.create_table(
        TableName=name,
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
    monkeypatch.setattr(promotion, "_open", lambda args, repo: MotoTarget(clients))
    return ItemTable(clients, name)


def test_rollout_status_shows_the_latest_rollout_and_says_why_weights_are_missing(
    prod_table: ItemTable, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from dataclasses import replace

    from infra.rollout.record import Status
    from infra.rollout.store import RolloutStore
    from tests.unit.infra.rollout.conftest import record_for, small_plan

    running = replace(record_for(small_plan()), weight=10, status=Status.RUNNING)
    RolloutStore(prod_table, "prod").create(running)
    code = cli.main(["rollout", "status", "--env", "prod", "--repo", str(tmp_path)])
    out = capsys.readouterr().out
    assert code == 0
    assert "r1" in out
    assert "no promotion runs the local prod router now" in out


def test_rollout_promote_and_abort_hand_over_to_the_entry(
    prod_table: ItemTable, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from dataclasses import replace

    from infra.rollout.record import Status
    from pipeline.release.entries import promotion as entries
    from tests.unit.infra.rollout.conftest import record_for, small_plan

    asked: list[tuple[str, bool, str]] = []

    def request(ctx: object, what: str, full: bool = False) -> object:
        asked.append((what, full, ctx.environ["PIPELINE_TARGET"]))  # type: ignore[attr-defined]
        return replace(record_for(small_plan()), status=Status.ROLLED_BACK)

    monkeypatch.setattr(entries, "rollout_request", request)
    repo = ["--repo", str(tmp_path)]
    assert cli.main(["rollout", "abort", "--env", "prod", *repo]) == 0  # rolled back, as asked
    # A promotion that ended rolled back is a failure of that command.
    assert cli.main(["rollout", "promote", "--env", "prod", "--full", *repo]) == 1
    assert asked == [("abort", False, "local"), ("promote", True, "local")]
