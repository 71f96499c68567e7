"""The CD workflow's contract: pinned actions, OIDC only where it deploys, one GitHub
environment and concurrency group per environment, credentials only as Dagger secret args."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from pipeline.main import Pipeline

WORKFLOW = Path(__file__).resolve().parents[3] / ".github" / "workflows" / "cd.yml"
PINNED = {  # from shared/notes/github-actions.md
    # pragma: allowlist nextline secret
    "actions/checkout": "3d3c42e5aac5ba805825da76410c181273ba90b1",
    # pragma: allowlist nextline secret
    "aws-actions/configure-aws-credentials": "e6de054238d6b7531b4efff3b6587d9aade6a06c",
    # pragma: allowlist nextline secret
    "dagger/dagger-for-github": "27b130bf0f79a7f6fbbbe0fbca6760dc9bb40a77",
}


@pytest.fixture(scope="module")
def workflow() -> dict[Any, Any]:
    data = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def steps(workflow: dict[Any, Any]) -> list[dict[str, Any]]:
    """The steps that use an action (the digest step is a plain `run`)."""
    return [step for job in workflow["jobs"].values() for step in job["steps"] if "uses" in step]


def test_every_action_is_pinned_to_its_vetted_sha(workflow: dict[Any, Any]) -> None:
    for step in steps(workflow):
        action, _, ref = step["uses"].partition("@")
        assert PINNED[action] == ref, step["uses"]


def test_it_runs_only_when_ci_calls_it_with_no_default_permissions(
    workflow: dict[Any, Any],
) -> None:
    # yaml reads the bare key `on` as True; ci.yml calls it after CI passed (test_ci_gate.py)
    assert workflow[True] == {"workflow_call": None}
    assert workflow["permissions"] == {}


@pytest.mark.parametrize(("job", "needs"), [("dev", None), ("staging", "dev")])
def test_one_job_per_environment_with_its_own_oidc_role(
    workflow: dict[Any, Any], job: str, needs: str | None
) -> None:
    spec = workflow["jobs"][job]
    assert spec["environment"] == job
    assert spec.get("needs") == needs
    assert spec["concurrency"] == {"group": f"deploy-{job}", "cancel-in-progress": False}
    # pragma: allowlist nextline secret
    assert spec["permissions"] == {"contents": "read", "id-token": "write"}
    oidc = next(s for s in spec["steps"] if "configure-aws-credentials" in s.get("uses", ""))
    assert oidc["with"]["role-to-assume"] == "${{ vars.AWS_DEPLOY_ROLE_ARN }}"
    assert not {"aws-access-key-id", "aws-secret-access-key"} & set(oidc["with"])
    calls = [s["with"]["call"] for s in spec["steps"] if "dagger-for-github" in s.get("uses", "")]
    kinds = ["deploy", "smoke", "e2e", *(["perf"] if job == "staging" else [])]
    assert [c.split()[:3] for c in calls] == [[kind, "--env", job] for kind in kinds]


def test_credentials_reach_dagger_only_as_env_secret_arguments(workflow: dict[Any, Any]) -> None:
    fn = Pipeline.__dagger_module__.get_object("Pipeline").functions
    for step in steps(workflow):
        if "dagger-for-github" not in step["uses"]:
            continue
        assert step["with"]["version"] == "0.21.11"
        call = step["with"]["call"]
        flags = dict(re.findall(r"--([a-z0-9-]+) (\S+)", call))
        for name in ("aws-access-key-id", "aws-secret-access-key", "aws-session-token"):
            assert flags[name] == f"env:{name.upper().replace('-', '_')}"
        assert flags["target"] == "aws"
        params = fn[call.split()[0]].parameters
        for flag in flags:  # every flag is an argument of the function
            assert flag.replace("-", "_") in params, flag
        tokens = {  # each suite's tokens: environment secrets, passed as Dagger secrets
            "smoke": ("SMOKE_TOKEN",),
            "e2e": ("E2E_TOKEN", "E2E_EXPIRED_TOKEN", "E2E_FOREIGN_TOKEN"),
            "perf": ("PERF_TOKEN",),
        }.get(call.split()[0], ())
        for name in tokens:
            assert flags[name.lower().replace("_", "-")] == f"env:{name}"
        assert step.get("env", {}) == {n: f"${{{{ secrets.{n} }}}}" for n in tokens}


def test_staging_deploys_the_digest_dev_deployed(workflow: dict[Any, Any]) -> None:
    """Build once: dev's job outputs the digest its deploy call answered with, checked to be
    64 hex characters; staging deploys exactly that digest (`deploy --digest`)."""
    dev = workflow["jobs"]["dev"]
    assert dev["outputs"] == {"digest": "${{ steps.digest.outputs.digest }}"}
    ids = [step.get("id") for step in dev["steps"]]
    assert ids.index("deploy") < ids.index("digest")
    found = next(step for step in dev["steps"] if step.get("id") == "digest")
    assert found["env"] == {"ANSWER": "${{ steps.deploy.outputs.output }}"}
    script = found["run"]
    assert "artifact: sha256:" in script and "[0-9a-f]\\{64\\}" in script
    assert "exit 1" in script  # no digest in the answer: the job fails, staging never runs
    staging_deploy = next(
        step["with"]["call"]
        for step in workflow["jobs"]["staging"]["steps"]
        if step.get("with", {}).get("call", "").startswith("deploy ")
    )
    assert "--digest ${{ needs.dev.outputs.digest }}" in staging_deploy


def test_the_digest_step_finds_the_digest_in_a_deploy_answer(
    workflow: dict[Any, Any], tmp_path: Path
) -> None:
    import os
    import subprocess

    script = next(s for s in workflow["jobs"]["dev"]["steps"] if s.get("id") == "digest")["run"]
    digest = "ab" * 32
    answer = f"deploy-dev passed\n### deploy-dev\n```\nok\n```\nartifact: sha256:{digest}\n"
    out = tmp_path / "out"
    env = {**os.environ, "ANSWER": answer, "GITHUB_OUTPUT": str(out)}
    subprocess.run(["bash", "-c", script], env=env, check=True, capture_output=True)
    assert out.read_text() == f"digest={digest}\n"
    env["ANSWER"] = "deploy-dev passed\nartifact: sha256:not-a-digest\n"
    failed = subprocess.run(["bash", "-c", script], env=env, capture_output=True, text=True)
    assert failed.returncode == 1 and "names no artifact digest" in failed.stdout
