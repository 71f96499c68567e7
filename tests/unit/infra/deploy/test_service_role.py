"""Every change set (bootstrap, deploy) runs under the CloudFormation service role the
environment's config names, so the deploy role needs no rights on the stack's resources."""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from infra.config import load_environment
from infra.config.deploy import DeployConfig, partition_of
from infra.deploy.artifact_store import resolve_local
from infra.deploy.deployer import Deployer
from infra.deploy.request import DeployOptions, DeployRequest
from infra.targets.base import Connection
from infra.templates.stack import render_template
from tests.unit.infra.deploy.conftest import FakeClock

IDS = itertools.count()
ROLE = "arn:aws:iam::123456789012:role/energy-insights-dev-cloudformation"


@pytest.mark.parametrize(
    ("region", "partition"),
    [("eu-west-1", "aws"), ("cn-north-1", "aws-cn"), ("us-gov-west-1", "aws-us-gov")],
)
def test_the_role_arn_is_built_in_the_deploying_account_and_partition(
    region: str, partition: str
) -> None:
    config = DeployConfig(cloudformation_role="deployer-cfn")
    arn = config.cloudformation_role_arn("210987654321", region)
    assert arn == f"arn:{partition}:iam::210987654321:role/deployer-cfn"
    assert partition_of(region) == partition
    assert DeployConfig().cloudformation_role_arn("210987654321", region) is None


def test_every_environment_names_its_service_role() -> None:
    for env in ("dev", "staging", "prod"):
        role = load_environment(env).deploy.cloudformation_role
        assert role == f"energy-insights-{env}-cloudformation"


class Recording:
    """Wraps the CloudFormation client and records each CreateChangeSet's RoleARN."""

    def __init__(self, real: Any) -> None:
        self._real = real
        self.roles: list[tuple[str, str | None]] = []

    def create_change_set(self, **kwargs: Any) -> Any:
        self.roles.append((kwargs["ChangeSetName"].split("-")[0], kwargs.get("RoleARN")))
        return self._real.create_change_set(**kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)


@pytest.mark.parametrize(
    ("role", "expected"), [("energy-insights-dev-cloudformation", ROLE), (None, None)]
)
def test_bootstrap_and_deploy_change_sets_pass_the_role(
    in_process: Connection,
    make_zip: Callable[[str], Path],
    monkeypatch: pytest.MonkeyPatch,
    role: str | None,
    expected: str | None,
) -> None:
    dev = load_environment("dev")
    dev = dev.model_copy(update={"deploy": DeployConfig(cloudformation_role=role)})
    recording = Recording(in_process.clients.cloudformation)
    monkeypatch.setattr(type(in_process.clients), "cloudformation", property(lambda _: recording))
    artifact = make_zip("one")
    base = DeployRequest(
        config=dev,
        template_body=render_template(dev),
        template_name="test",
        artifact=resolve_local(artifact, None, artifact.parent),
        options=DeployOptions(commit="abcdef1", actor="tester"),
        lint_checked=True,
    )
    deployer = Deployer(
        in_process, FakeClock(), lambda _line: None, new_id=lambda: f"id{next(IDS)}"
    )
    dry = dataclasses.replace(base, options=dataclasses.replace(base.options, dry_run=True))
    deployer.deploy(dry)
    assert recording.roles == [], "a dry run creates no change set"
    deployer.deploy(base)
    kinds = [kind for kind, _ in recording.roles]
    assert kinds == ["bootstrap", "deploy"]
    assert {arn for _, arn in recording.roles} == {expected}
