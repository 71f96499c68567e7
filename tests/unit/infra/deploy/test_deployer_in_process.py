"""The whole deploy sequence against in-process moto: bootstrap, lock, plan, apply, verify,
record, status. The real-server versions of these live in tests/integration/infra/deploy."""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from infra.aws.backup_objects import BackupObjects, BucketProtection
from infra.aws.cloudformation import StackState
from infra.aws.errors import AwsCallFailed
from infra.aws.items import ItemTable
from infra.aws.lambda_ import LambdaFunctions
from infra.backup.config_edit import with_table_override
from infra.config import EnvironmentConfig, load_environment
from infra.deploy.artifact_store import resolve_local
from infra.deploy.deployer import Deployer
from infra.deploy.errors import (
    ArtifactNotFound,
    DeployError,
    DeployUsageError,
    LockHeld,
    TemplateInvalid,
)
from infra.deploy.lock import DeployLock
from infra.deploy.planner import check_stack
from infra.deploy.records import Outcome, RecordStore
from infra.deploy.request import DeployOptions, DeployRequest, is_concurrent_create
from infra.deploy.status import live_status, render_status
from infra.deploy.verify import Check, reports_versions
from infra.errors import InfraError
from infra.targets.base import Connection, TargetKind
from infra.templates import contract
from infra.templates.stack import render_template
from tests.unit.infra.deploy.conftest import FakeClock

IDS = itertools.count()


@pytest.fixture(scope="module")
def dev() -> EnvironmentConfig:
    return load_environment("dev")


@pytest.fixture(scope="module")
def template(dev: EnvironmentConfig) -> str:
    return render_template(dev)


def request(
    config: EnvironmentConfig, body: str, artifact: Path, lint_checked: bool = True, **kw: Any
) -> DeployRequest:
    return DeployRequest(
        config=config,
        template_body=body,
        template_name="test",
        artifact=resolve_local(artifact, None, artifact.parent),
        options=DeployOptions(commit="abcdef1", actor="tester", **kw),
        lint_checked=lint_checked,
    )


def run(
    conn: Connection, clock: FakeClock, req: DeployRequest, lines: list[str] | None = None
) -> Any:
    sink = lines if lines is not None else []
    clock.sleep(1)  # each deploy starts at its own time
    return Deployer(conn, clock, sink.append, new_id=lambda: f"id{next(IDS)}").deploy(req)


def test_first_deploy_then_no_change_then_status(
    in_process: Connection,
    clock: FakeClock,
    dev: EnvironmentConfig,
    template: str,
    make_zip: Callable[[str], Path],
) -> None:
    artifact = make_zip("one")
    lines: list[str] = []
    first = run(in_process, clock, request(dev, template, artifact), lines)
    assert first.outcome is Outcome.SUCCEEDED
    assert first.plan.creates_stack is False  # the bootstrap created the stack
    assert any(line.startswith("first deploy of stack") for line in lines)
    assert first.verification.alias_version == "1"
    # The emulator's CloudFormation ignores the reports bucket's versioning: set as declared.
    days = dev.backup.noncurrent_version_expiry_days
    bucket = dev.names.reports_bucket(in_process.account_id, dev.region)
    assert BackupObjects(in_process.clients).protection(bucket) == BucketProtection("Enabled", days)
    [versions] = [c for c in first.verification.checks if c.what == f"bucket {bucket} versions"]
    assert versions.ok
    assert "set directly" in versions.detail

    second = run(in_process, clock, request(dev, template, artifact))
    assert second.outcome is Outcome.NO_CHANGE

    store = RecordStore(ItemTable(in_process.clients, dev.names.deployments_table), dev.name)
    assert [r.outcome for r in store.history()] == [Outcome.NO_CHANGE, Outcome.SUCCEEDED]
    status = live_status(in_process, dev)
    assert status.digest == first.record.digest
    assert status.alias is not None
    assert status.alias.version == "1"
    text = "\n".join(render_status(status, clock.now()))
    assert "alias live -> version 1" in text
    assert "last deploy: no-change" in text


def test_dry_run_creates_nothing(
    in_process: Connection,
    clock: FakeClock,
    dev: EnvironmentConfig,
    template: str,
    make_zip: Callable[[str], Path],
) -> None:
    result = run(in_process, clock, request(dev, template, make_zip("one"), dry_run=True))
    assert result.plan.creates_stack is True
    assert result.record is None
    status = live_status(in_process, dev)
    assert status.stack_status == "(none)"
    assert render_status(status, clock.now())[0].endswith("(none)")


def test_a_held_lock_refuses_and_break_lock_takes_it(
    in_process: Connection,
    clock: FakeClock,
    dev: EnvironmentConfig,
    template: str,
    make_zip: Callable[[str], Path],
) -> None:
    artifact = make_zip("one")
    run(in_process, clock, request(dev, template, artifact))
    lock = DeployLock(ItemTable(in_process.clients, dev.names.deployments_table), dev.name)
    lock.acquire("someone-else", "other1", clock.now(), break_lock=False)

    with pytest.raises(LockHeld) as caught:
        run(in_process, clock, request(dev, template, artifact))
    assert caught.value.owner == "someone-else"
    assert caught.value.stale is False
    assert "lock: held by someone-else" in "\n".join(
        render_status(live_status(in_process, dev), clock.now())
    )

    clock.sleep(timedelta(hours=1).total_seconds())
    with pytest.raises(LockHeld) as stale:
        run(in_process, clock, request(dev, template, artifact))
    assert stale.value.stale is True

    lines: list[str] = []
    result = run(in_process, clock, request(dev, template, artifact, break_lock=True), lines)
    assert result.outcome is Outcome.NO_CHANGE
    assert any("broke the lock of someone-else" in line for line in lines)
    assert lock.current() is None
    assert lock.release("other1") is False  # the broken holder can no longer release


def test_lint_failure_is_refused(
    in_process: Connection,
    clock: FakeClock,
    dev: EnvironmentConfig,
    make_zip: Callable[[str], Path],
) -> None:
    bad = '{"Resources": {"T": {"Type": "AWS::DynamoDB::Table", "Properties": {}}}}'
    with pytest.raises(TemplateInvalid, match="fails cfn-lint"):
        run(in_process, clock, request(dev, bad, make_zip("one"), lint_checked=False))


def test_dry_run_outcome_is_planned(
    in_process: Connection,
    clock: FakeClock,
    dev: EnvironmentConfig,
    template: str,
    make_zip: Callable[[str], Path],
) -> None:
    result = run(in_process, clock, request(dev, template, make_zip("one"), dry_run=True))
    assert result.outcome is Outcome.PLANNED


def test_template_that_is_not_json_is_a_usage_error(
    in_process: Connection,
    clock: FakeClock,
    dev: EnvironmentConfig,
    make_zip: Callable[[str], Path],
) -> None:
    with pytest.raises(DeployUsageError, match="template test is not JSON"):
        run(in_process, clock, request(dev, "{nope", make_zip("one")))


def test_a_stack_whose_creation_rolled_back_is_refused_with_the_fix() -> None:
    dead = StackState("energy-insights-dev", "ROLLBACK_COMPLETE", {}, {})
    with pytest.raises(DeployError, match="delete-stack --stack-name energy-insights-dev"):
        check_stack(dead)
    check_stack(None)  # no stack yet: a first deploy
    check_stack(StackState("energy-insights-dev", "UPDATE_ROLLBACK_COMPLETE", {}, {}))


def test_aws_credentials_for_another_account_are_refused(
    in_process: Connection,
    clock: FakeClock,
    dev: EnvironmentConfig,
    template: str,
    make_zip: Callable[[str], Path],
) -> None:
    elsewhere = dev.model_copy(update={"account_id": "111111111111"})
    on_aws = dataclasses.replace(in_process, kind=TargetKind.AWS)
    with pytest.raises(DeployUsageError, match="lives in account 111111111111"):
        run(on_aws, clock, request(elsewhere, template, make_zip("one")))


def test_dry_run_of_a_digest_found_nowhere_is_refused(
    in_process: Connection, clock: FakeClock, dev: EnvironmentConfig, template: str, tmp_path: Path
) -> None:
    digest = "e" * 64
    req = DeployRequest(
        config=dev,
        template_body=template,
        template_name="test",
        artifact=resolve_local(None, digest, tmp_path),
        options=DeployOptions(dry_run=True, build_dir=tmp_path),
        lint_checked=True,
    )
    with pytest.raises(ArtifactNotFound, match=f"artifact digest {digest} not found"):
        run(in_process, clock, req)


def test_on_aws_gaps_are_failures_and_the_failure_is_recorded(
    in_process: Connection,
    clock: FakeClock,
    dev: EnvironmentConfig,
    template: str,
    make_zip: Callable[[str], Path],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # moto ignores bucket policy conditions, so the artifact bucket's TLS-only policy would deny
    # it every S3 call (that policy is tested in test_artifact_bucket.py): leave it off here.
    monkeypatch.setattr("infra.deploy.bucket_policy.denies_insecure_transport", lambda _p: True)
    # The same in-process moto, treated as real AWS: nothing papers over what it skips.
    endpoint = dataclasses.replace(in_process.clients.endpoint, emulator=False)
    in_process.clients.endpoint = endpoint
    on_aws = dataclasses.replace(in_process, kind=TargetKind.AWS)
    with pytest.raises(InfraError):  # a verification failure, or the failed AWS call itself
        run(on_aws, clock, request(dev, template, make_zip("one")))
    table = ItemTable(on_aws.clients, dev.names.deployments_table)
    [record] = RecordStore(table, dev.name).history()
    assert record.outcome is Outcome.FAILED
    assert record.error
    assert record.target == "aws"
    assert DeployLock(table, dev.name).current() is None


def test_a_first_deploy_that_loses_the_bootstrap_race_waits_and_goes_on(
    in_process: Connection,
    clock: FakeClock,
    dev: EnvironmentConfig,
    template: str,
    make_zip: Callable[[str], Path],
) -> None:
    artifact = make_zip("one")
    lines: list[str] = []
    late = Deployer(in_process, clock, lines.append, new_id=lambda: f"id{next(IDS)}")
    plan = late.plan(request(dev, template, artifact))  # it looked first: no stack yet
    assert plan.creates_stack
    run(in_process, clock, request(dev, template, artifact))  # "the other" first deploy
    real_create = late._cf.create

    def create(stack_name: str, name: str, *args: Any) -> Any:
        if name.startswith("bootstrap-"):  # AWS refuses a second CREATE (moto does not)
            raise AwsCallFailed("cloudformation CreateChangeSet", "AlreadyExistsException", "x")
        return real_create(stack_name, name, *args)

    late._cf.create = create  # type: ignore[method-assign]
    result = late.apply(plan, request(dev, template, artifact))

    assert result.outcome is Outcome.NO_CHANGE
    assert any(line.startswith("another deploy is creating stack") for line in lines)


@pytest.mark.parametrize(
    ("code", "message", "concurrent"),
    [
        ("AlreadyExistsException", "Stack [s] already exists", True),
        (
            "ValidationError",
            "Stack:arn is in CREATE_IN_PROGRESS state and can not be updated.",
            True,
        ),
        (
            "ValidationError",
            "ChangeSet cannot be executed in its current status of [OBSOLETE]",
            True,
        ),
        ("ValidationError", "Template format error", False),
        ("AccessDenied", "already exists", False),
    ],
)
def test_is_concurrent_create(code: str, message: str, concurrent: bool) -> None:
    assert is_concurrent_create(AwsCallFailed("op", code, message)) is concurrent


def test_the_reports_bucket_keeps_old_versions_or_verification_says_it_does_not(
    in_process: Connection, dev: EnvironmentConfig
) -> None:
    clients = in_process.clients
    bucket = dev.names.reports_bucket(in_process.account_id, dev.region)
    clients.s3.create_bucket(
        Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"}
    )
    days = dev.backup.noncurrent_version_expiry_days
    emulator = clients.endpoint
    clients.endpoint = dataclasses.replace(emulator, emulator=False)  # treated as real AWS

    on_aws = reports_versions(clients, bucket, days)

    assert not on_aws.ok
    assert on_aws.detail == (
        f"versioning never enabled, old versions expire never; the template declares Enabled "
        f"and {days} days"
    )
    assert BackupObjects(clients).protection(bucket) == BucketProtection("", None)  # untouched
    clients.endpoint = emulator
    fixed = reports_versions(clients, bucket, days)
    assert (fixed.ok, "set directly" in fixed.detail) == (True, True)
    again = reports_versions(clients, bucket, days)
    assert again == Check(
        f"bucket {bucket} versions", True, f"versioned, old versions expire after {days} days"
    )
    missing = reports_versions(clients, "no-such-bucket", days)
    assert (missing.ok, missing.detail) == (False, "could not be read (NoSuchBucket)")


def test_a_configuration_only_change_is_published_and_the_alias_follows_it(
    in_process: Connection,
    clock: FakeClock,
    dev: EnvironmentConfig,
    make_zip: Callable[[str], Path],
) -> None:
    """A restore's switch changes only EI_TABLE_NAME: the emulator publishes no version for
    that, so the verifier does, and `live` serves the new table as it would on AWS."""
    artifact = make_zip("one")
    first = run(in_process, clock, request(dev, render_template(dev), artifact))
    assert first.verification.alias_version == "1"
    switched = with_table_override(dev, "energy-insights-dev-data-restored-r1")

    second = run(in_process, clock, request(switched, render_template(switched), artifact))

    assert second.outcome is Outcome.SUCCEEDED
    assert second.verification.alias_version == "2"
    functions = LambdaFunctions(in_process.clients)
    live = functions.environment(dev.names.function, "2")
    assert live[contract.ENV_TABLE_NAME] == "energy-insights-dev-data-restored-r1"
    assert functions.environment(dev.names.function, "1")[contract.ENV_TABLE_NAME] == (
        dev.names.data_table
    )
