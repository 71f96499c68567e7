"""The Dagger function `report` ops.yml calls: the CLI's report in the toolchain container on
AWS with the credentials as secret variables, its folder returned; refusals before anything runs."""

from __future__ import annotations

import re
from pathlib import Path

import anyio
import pytest
import yaml

from infra.operations.reports.model import ReportKind
from pipeline import main as module
from pipeline.engines.dagger import operations
from pipeline.engines.dagger.stages import PipelineError
from pipeline.main import Pipeline
from tests.unit.ci.fake_dagger import (
    SOURCE,
    FakeClient,
    FakeContainer,
    FakeDirectory,
    Script,
    calls_named,
    env_of,
)

OPS = Path(__file__).resolve().parents[5] / ".github" / "workflows" / "ops.yml"


@pytest.fixture
def client(monkeypatch: pytest.MonkeyPatch) -> FakeClient:
    fake = FakeClient()
    monkeypatch.setattr(module, "dag", fake)
    return fake


def call(client: FakeClient, **kw: object) -> FakeDirectory:
    keys = {"aws_access_key_id": client.set_secret("id", "AKIA"), **kw}
    keys.setdefault("aws_secret_access_key", client.set_secret("key", "s"))
    return anyio.run(lambda: Pipeline().report(SOURCE, **keys))  # type: ignore[arg-type]


def test_the_report_runs_the_cli_on_aws_and_returns_its_folder(client: FakeClient) -> None:
    token = client.set_secret("token", "t")
    folder = call(client, env="prod", kind="weekly", aws_session_token=token)
    ctr, path = folder.origin
    assert isinstance(ctr, FakeContainer)
    assert path == "/src/build/reports/ops"
    (run,) = calls_named(ctr, "with_exec")[-1:]
    assert run.args[0] == [
        "/opt/venv/bin/python", "-m", "pipeline.cli", "report", "weekly", "--target", "aws",
        "--out", "/src/build/reports/ops", "--repo", "/src", "--env", "prod",
    ]  # fmt: skip
    secrets = {c.args[0]: c.args[1].name for c in calls_named(ctr, "with_secret_variable")}
    assert secrets == {
        "AWS_ACCESS_KEY_ID": "id",
        "AWS_SECRET_ACCESS_KEY": "key",  # pragma: allowlist secret
        # pragma: allowlist nextline secret
        "AWS_SESSION_TOKEN": "token",
    }
    env = env_of(ctr)
    assert "PIPELINE_RUN_ID" in env  # a new report on every call, never Dagger's cached one
    assert not any("AKIA" in str(c) for c in ctr.calls)  # plaintexts never in the chain


@pytest.mark.parametrize(
    ("kw", "message"),
    [
        ({"kind": "monthly"}, "--kind 'monthly': choose one of daily, weekly"),
        ({"target": "local"}, "the report function reads AWS only"),
        ({"aws_secret_access_key": None}, "--target aws needs AWS credentials"),
    ],
)
def test_refusals_name_the_fix_before_anything_runs(
    client: FakeClient, kw: dict[str, object], message: str
) -> None:
    with pytest.raises(PipelineError, match=re.escape(message)):
        call(client, env="prod", **kw)
    assert not [event for event in client.events if event[0] == "start"]


def test_a_failed_report_says_what_the_cli_said(client: FakeClient) -> None:
    said = "error: the prod stack has no ApiId output: deploy it first"
    client.scripts["prod"] = Script(exit_code=2, stderr=said)
    with pytest.raises(PipelineError, match=r"report daily --env prod failed \(exit 2\): error"):
        call(client, env="prod")


def test_the_kinds_are_the_reports() -> None:
    assert tuple(kind.value for kind in ReportKind) == operations.REPORT_KINDS


def test_ops_yml_calls_the_function_with_its_arguments() -> None:
    workflow = yaml.safe_load(OPS.read_text(encoding="utf-8"))
    step = next(s for s in workflow["jobs"]["report"]["steps"] if "dagger" in s.get("uses", ""))
    words = step["with"]["call"].split()
    assert words[0] == "report"
    flags = {w[2:].replace("-", "_") for w in words[1 : words.index("export")] if w[:2] == "--"}
    obj = Pipeline.__dagger_module__.get_object("Pipeline")
    params = set(obj.functions["report"].parameters)
    assert flags <= params, flags - params
    assert {"env", "source"} >= {p for p in params if p not in flags}  # source: the default
