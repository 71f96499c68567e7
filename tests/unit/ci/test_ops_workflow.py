"""The ops workflow: scheduled daily report, pinned actions, read-only OIDC, logic in the
pipeline (`dagger call report`), the result posted to the step summary and an artifact."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

WORKFLOW = Path(__file__).resolve().parents[3] / ".github" / "workflows" / "ops.yml"
PINNED = {  # from shared/notes/github-actions.md
    # pragma: allowlist nextline secret
    "actions/checkout": "3d3c42e5aac5ba805825da76410c181273ba90b1",
    # pragma: allowlist nextline secret
    "actions/upload-artifact": "bbbca2ddaa5d8feaa63e36b76fdaad77386f024f",
    # pragma: allowlist nextline secret
    "aws-actions/configure-aws-credentials": "e6de054238d6b7531b4efff3b6587d9aade6a06c",
    # pragma: allowlist nextline secret
    "dagger/dagger-for-github": "27b130bf0f79a7f6fbbbe0fbca6760dc9bb40a77",
}


def load() -> dict[Any, Any]:
    data = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def test_daily_schedule_and_manual_runs_with_no_default_permissions() -> None:
    workflow = load()
    assert workflow[True]["schedule"] == [{"cron": "15 6 * * *"}]
    inputs = workflow[True]["workflow_dispatch"]["inputs"]
    assert inputs["kind"]["options"] == ["daily", "weekly"]
    assert workflow["permissions"] == {}


def test_actions_pinned_and_only_the_pipeline_does_the_work() -> None:
    job = load()["jobs"]["report"]
    # pragma: allowlist nextline secret
    assert job["permissions"] == {"contents": "read", "id-token": "write"}
    steps = job["steps"]
    for step in steps:
        if "uses" in step:
            action, _, ref = step["uses"].partition("@")
            assert PINNED[action] == ref, step["uses"]
    dagger = [s for s in steps if "dagger-for-github" in s.get("uses", "")]
    assert len(dagger) == 1
    call = dagger[0]["with"]["call"]
    assert call.startswith("report --kind ${{ env.KIND }} --env ${{ env.ENV_NAME }} --target aws")
    assert "export --path build/reports/ops" in call
    scripts = [s["run"] for s in steps if "run" in s]
    assert len(scripts) == 1 and "GITHUB_STEP_SUMMARY" in scripts[0]
    checkout = next(s for s in steps if "actions/checkout" in s.get("uses", ""))
    assert checkout["with"] == {"persist-credentials": False, "fetch-depth": 0}
