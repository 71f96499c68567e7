"""The weekly drill workflow's contract: scheduled on staging, pinned actions, OIDC only,
credentials only as Dagger secret arguments, and it only calls the pipeline."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

WORKFLOW = Path(__file__).resolve().parents[3] / ".github" / "workflows" / "drill.yml"
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


def test_it_runs_weekly_and_on_demand_with_no_default_permissions(
    workflow: dict[Any, Any],
) -> None:
    trigger = workflow[True]  # yaml reads the bare key `on` as True
    [schedule] = trigger["schedule"]
    *_, day, month, weekday = schedule["cron"].split()
    assert (day, month) == ("*", "*") and weekday.isdigit()  # once a week
    assert "workflow_dispatch" in trigger
    assert workflow["permissions"] == {}


def test_one_staging_job_with_oidc_and_pinned_actions(workflow: dict[Any, Any]) -> None:
    [job] = workflow["jobs"].values()
    assert job["environment"] == "staging"
    assert job["concurrency"] == {"group": "drill-staging", "cancel-in-progress": False}
    # pragma: allowlist nextline secret
    assert job["permissions"] == {"contents": "read", "id-token": "write"}
    assert job["timeout-minutes"] > 240  # room for the 4 h RTO target, then it fails
    for step in job["steps"]:
        action, _, ref = step["uses"].partition("@")
        assert PINNED[action] == ref, step["uses"]
    checkout = job["steps"][0]
    assert checkout["with"]["persist-credentials"] is False


def test_it_only_calls_the_pipelines_drill_with_secret_arguments(
    workflow: dict[Any, Any],
) -> None:
    [job] = workflow["jobs"].values()
    dagger = [s for s in job["steps"] if s["uses"].startswith("dagger/")]
    assert len(dagger) == 1 and all("run" not in step for step in job["steps"])
    call = dagger[0]["with"]["call"].split()
    assert call[:3] == ["drill", "--env", "staging"]
    assert "--fresh-backup" in call
    for name in ("aws-access-key-id", "aws-secret-access-key", "aws-session-token"):
        value = call[call.index(f"--{name}") + 1]
        assert value.startswith("env:AWS_"), value  # a dagger.Secret, never a literal
