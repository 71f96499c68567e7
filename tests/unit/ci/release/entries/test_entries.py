"""The stage entries: one per stage kind of the catalog, each refusing bad input with the one
exit-code mapping (2: usage or configuration, 1: a step failed)."""

from __future__ import annotations

from pathlib import Path

import pytest

from infra.config import ConfigError
from infra.deploy.errors import DeployError, DeployUsageError
from infra.errors import InfraError, UsageError
from infra.targets.aws import AwsTarget
from infra.targets.base import TargetKind
from infra.targets.local import LocalTarget
from infra.targets.local_lifecycle import SERVE_AFTER
from pipeline.catalog import DEGRADED_EXIT, DEPLOY, KINDS, TARGET_AWS, TARGET_LOCAL
from pipeline.engines.base import EngineError, EngineUnavailable
from pipeline.exits import exit_code_for
from pipeline.release.entries import ENTRIES, EntryContext
from pipeline.release.entries import __main__ as entry_main
from pipeline.release.entries.__main__ import main
from pipeline.release.errors import ReleaseError, ReleaseUsageError, StageDegraded


def test_every_stage_kind_has_its_entry_and_no_entry_lacks_a_kind() -> None:
    assert set(ENTRIES) == set(KINDS)


def test_the_catalog_and_infra_agree_on_names() -> None:
    assert (TargetKind.LOCAL.value, TargetKind.AWS.value) == (TARGET_LOCAL, TARGET_AWS)
    assert DEPLOY.name == SERVE_AFTER  # the local target serves an app after this kind


@pytest.mark.parametrize("env", ["qa", "Dev", ""])
def test_an_unknown_environment_is_refused_by_the_config_loader(
    env: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["deploy", "--env", env], environ={}) == 2
    assert "allowed: dev, staging, prod" in capsys.readouterr().err


def test_a_local_deploy_without_an_emulator_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    (tmp_path / "build" / "artifacts").mkdir(parents=True)
    (tmp_path / "build" / "artifacts" / "lambda.zip").write_bytes(b"zip")
    code = main(["deploy", "--env", "dev"], environ={"PIPELINE_TARGET": "local"})
    assert code == 1
    assert "no local AWS emulator is running" in capsys.readouterr().err


def test_a_deploy_without_an_artifact_exits_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    environ = {"PIPELINE_TARGET": "local", "AWS_ENDPOINT_URL": "http://127.0.0.1:9"}
    assert main(["deploy", "--env", "dev"], environ=environ) == 2
    assert "run `pipeline build`" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("kind", "target", "message"),
    [
        ("smoke", "local", "no smoke token: set the secret SMOKE_TOKEN (the local release mints"),
        ("e2e", "local", "no E2E token: set the secret E2E_TOKEN (the local release mints one"),
        ("perf", "local", "no perf token: set the secret PERF_TOKEN (the local release mints"),
        ("smoke", "aws", "SMOKE_TOKEN (pass a token the API's JWT authorizer accepts (e.g."),
        (
            "e2e",
            "aws",
            "E2E_TOKEN (pass a token the API's JWT authorizer accepts for the sites e2e-dev-a, "
            "e2e-dev-b, e2e-dev-a-never-created",
        ),
        ("perf", "aws", "PERF_TOKEN (pass a token the API's JWT authorizer accepts for the perf"),
    ],
)
def test_a_suite_without_its_token_exits_2_saying_where_one_comes_from(
    kind: str,
    target: str,
    message: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    environ = {
        "PIPELINE_TARGET": target,
        "AWS_ENDPOINT_URL": "http://127.0.0.1:9",
        "PIPELINE_APP_URL_DEV": "http://127.0.0.1:8",
    }
    assert main([kind, "--env", "dev"], environ=environ) == 2
    assert message in " ".join(capsys.readouterr().err.split())


def test_a_degraded_stage_exits_with_the_degraded_code_and_says_why(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def inconclusive(ctx: EntryContext) -> None:
        raise StageDegraded("perf dev: Inconclusive\nerror rate 4% (limit 1%): emulator saturated")

    monkeypatch.setattr(entry_main, "ENTRIES", {"perf": inconclusive})
    assert main(["perf", "--env", "dev"], environ={}) == DEGRADED_EXIT == 3
    assert capsys.readouterr().err.splitlines() == [
        "degraded: perf dev: Inconclusive",
        "degraded: error rate 4% (limit 1%): emulator saturated",
    ]


@pytest.mark.parametrize(
    ("error", "code"),
    [
        (DeployError("x"), 1),
        (DeployUsageError("x"), 2),
        (UsageError("x"), 2),
        (ConfigError(()), 2),
        (InfraError("x"), 1),
        (ReleaseError("x"), 1),
        (ReleaseUsageError("x"), 2),
        (EngineError("x"), 1),
        (EngineUnavailable("x"), 2),
    ],
)
def test_the_one_exit_code_mapping(error: Exception, code: int) -> None:
    assert exit_code_for(error) == code


@pytest.mark.parametrize(
    ("environ", "kind", "endpoint", "app"),
    [
        ({"PIPELINE_TARGET": "aws"}, TargetKind.AWS, None, None),
        (
            {
                "PIPELINE_TARGET": "local",
                "AWS_ENDPOINT_URL": "http://127.0.0.1:5",
                "PIPELINE_APP_URL_DEV": "http://127.0.0.1:8",
            },
            TargetKind.LOCAL,
            "http://127.0.0.1:5",
            "http://127.0.0.1:8",
        ),
        (
            {"PIPELINE_TARGET": "local", "AWS_ENDPOINT_URL": "http://127.0.0.1:5"},
            TargetKind.LOCAL,
            "http://127.0.0.1:5",
            None,
        ),
    ],
)
def test_the_target_comes_from_the_run_parameters(
    environ: dict[str, str],
    kind: TargetKind,
    endpoint: str | None,
    app: str | None,
    capsys: pytest.CaptureFixture[str],
) -> None:
    ctx = EntryContext.load("dev", Path("."), environ)
    target = ctx.target()
    assert target.kind is kind
    assert "run parameter PIPELINE_TARGET" in capsys.readouterr().out
    if kind is TargetKind.AWS:
        assert isinstance(target, AwsTarget)
        return
    assert isinstance(target, LocalTarget)
    assert target.endpoint == endpoint
    assert target.app_urls.get("dev") == app


def test_an_unknown_target_parameter_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["status", "--env", "dev"], environ={"PIPELINE_TARGET": "gcp"}) == 2
    assert "run parameter PIPELINE_TARGET 'gcp'" in capsys.readouterr().err
