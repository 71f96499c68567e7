"""The promote workflow's contract: manual, one digest, the `production` environment (its
reviewers are the approval), one concurrency group, OIDC, pinned actions, secrets only as
Dagger `env:` arguments of the `promote` function."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from pipeline.main import Pipeline
from tests.unit.ci.test_cd_workflow import PINNED

WORKFLOW = Path(__file__).resolve().parents[3] / ".github" / "workflows" / "promote.yml"


@pytest.fixture(scope="module")
def workflow() -> dict[Any, Any]:
    data = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def test_manual_with_a_digest_and_no_default_permissions(workflow: dict[Any, Any]) -> None:
    inputs = workflow[True]["workflow_dispatch"]["inputs"]
    assert inputs["digest"]["required"] is True
    assert workflow["permissions"] == {}
    assert workflow["concurrency"] == {"group": "deploy-prod", "cancel-in-progress": False}


def test_one_job_in_production_with_the_prod_role(workflow: dict[Any, Any]) -> None:
    (job,) = workflow["jobs"].values()
    assert job["environment"] == "production"
    # pragma: allowlist nextline secret
    assert job["permissions"] == {"contents": "read", "id-token": "write"}
    for step in job["steps"]:
        if "uses" in step:
            action, _, ref = step["uses"].partition("@")
            assert PINNED[action] == ref, step["uses"]
    oidc = next(s for s in job["steps"] if "configure-aws-credentials" in s.get("uses", ""))
    assert oidc["with"]["role-to-assume"] == "${{ vars.AWS_DEPLOY_ROLE_ARN }}"


def test_the_digest_is_checked_before_it_reaches_a_command_line(workflow: dict[Any, Any]) -> None:
    (job,) = workflow["jobs"].values()
    guard = job["steps"][0]
    assert "^[0-9a-f]{64}$" in guard["run"] and "${{" not in guard["run"]
    assert job["env"]["DIGEST"] == "${{ inputs.digest }}"


def test_promote_is_called_with_its_arguments_and_secrets_as_env(workflow: dict[Any, Any]) -> None:
    (job,) = workflow["jobs"].values()
    (step,) = [s for s in job["steps"] if "dagger-for-github" in s.get("uses", "")]
    call = step["with"]["call"]
    assert call.split()[:3] == ["promote", "--env", "prod"]
    flags = dict(re.findall(r"--([a-z-]+) (\S+)", call))
    params = Pipeline.__dagger_module__.get_object("Pipeline").functions["promote"].parameters
    for flag in flags:
        assert flag.replace("-", "_") in params, flag
    assert flags["target"] == "aws"
    assert "--digest ${{ env.DIGEST }}" in call
    for flag, value in flags.items():
        if flag.endswith(("-url", "-token", "-key-id", "-access-key")):
            assert value.startswith("env:"), flag
            assert value[4:] in step["env"] or value[4:].startswith("AWS_"), flag
