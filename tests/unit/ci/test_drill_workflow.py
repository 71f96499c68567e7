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


def drill_function() -> Any:
    from pipeline.main import Pipeline

    return Pipeline.__dagger_module__.get_object("Pipeline").functions["drill"]


def test_the_call_matches_the_modules_drill_function(workflow: dict[Any, Any]) -> None:
    """Each `--flag` of the call is an argument of the generated `drill` function: a switch
    alone, any other argument followed by its value."""
    [job] = workflow["jobs"].values()
    [step] = [s for s in job["steps"] if s["uses"].startswith("dagger/")]
    function, *words = step["with"]["call"].split()
    assert function == "drill"
    params = drill_function().parameters
    given: dict[str, str | None] = {}
    while words:
        flag = words.pop(0)
        assert flag.startswith("--"), flag
        name = flag[2:].replace("-", "_")
        assert name in params, f"{flag} is no argument of the drill function ({sorted(params)})"
        switch = params[name].resolved_type is bool
        given[name] = None if switch else words.pop(0)
    assert given == {
        "env": "staging",
        "target": "aws",
        "fresh_backup": None,
        "aws_access_key_id": "env:AWS_ACCESS_KEY_ID",
        # pragma: allowlist nextline secret
        "aws_secret_access_key": "env:AWS_SECRET_ACCESS_KEY",
        # pragma: allowlist nextline secret
        "aws_session_token": "env:AWS_SESSION_TOKEN",
        "actor": "github-actions",
    }


def test_the_drill_function_takes_the_clis_switches_and_options() -> None:
    params = drill_function().parameters
    assert {"fresh_backup", "keep", "allow_prod", "to_time"} <= set(params)
    for switch in ("fresh_backup", "keep", "allow_prod"):
        assert params[switch].resolved_type is bool
        assert params[switch].default_value == "false"
    assert params["to_time"].resolved_type is str
    assert params["to_time"].default_value == '""'
    assert drill_function().doc.startswith("Restore drill of an environment")


def test_the_drill_function_hands_switches_and_options_to_the_stage(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import anyio

    from pipeline.catalog import DRILL, PARAM_TO_TIME
    from pipeline.engines.dagger import functions
    from pipeline.engines.dagger.release import ReleaseRequest
    from pipeline.main import Pipeline
    from tests.unit.ci.fake_dagger import SOURCE, FakeClient

    seen: list[tuple[str, str, ReleaseRequest]] = []

    async def run_kind(
        _client: object, _catalog: object, kind: Any, env: str, _src: object, req: Any
    ) -> str:
        seen.append((kind.name, env, req))
        return "ran"

    monkeypatch.setattr(functions, "run_kind", run_kind)
    monkeypatch.setattr("pipeline.main.dag", FakeClient())
    obj = Pipeline.__dagger_module__.get_object("Pipeline")
    fn = obj.get_bound_function(Pipeline(), "drill")
    bound = fn.bind_arguments(
        source=SOURCE, env="staging", fresh_backup=True, to_time="2026-12-04T13:55:00Z"
    )

    assert anyio.run(lambda: fn.wrapped(*bound.args, **bound.kwargs)) == "ran"
    [(kind, env, request)] = seen
    assert (kind, env) == (DRILL.name, "staging")
    params = request.params
    assert params["PIPELINE_FRESH_BACKUP"] == "1" and params[PARAM_TO_TIME] == (
        "2026-12-04T13:55:00Z"
    )
    assert "PIPELINE_KEEP" not in params and "PIPELINE_ALLOW_PROD" not in params


def test_a_drill_time_without_a_timezone_is_refused_before_anything_runs(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import anyio

    from pipeline.engines.dagger.release import PipelineError
    from pipeline.main import Pipeline
    from tests.unit.ci.fake_dagger import SOURCE, FakeClient

    client = FakeClient()
    monkeypatch.setattr("pipeline.main.dag", client)
    obj = Pipeline.__dagger_module__.get_object("Pipeline")
    fn = obj.get_bound_function(Pipeline(), "drill")
    bound = fn.bind_arguments(source=SOURCE, env="staging", to_time="2026-12-04T13:55")
    with pytest.raises(PipelineError, match="--to-time '2026-12-04T13:55' has no timezone"):
        anyio.run(lambda: fn.wrapped(*bound.args, **bound.kwargs))
    assert client.events == []
