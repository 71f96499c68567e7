from __future__ import annotations

from pathlib import Path

import pytest

from infra.config import ConfigError
from infra.deploy.errors import DeployError, DeployUsageError
from infra.errors import InfraError, UsageError
from pipeline.release import stage_entry
from pipeline.release.errors import ReleaseUsageError


def test_bad_env_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert stage_entry.main(["deploy", "--env", "qa"], environ={}) == 2
    assert "choose one of dev, staging, prod" in capsys.readouterr().err


def test_local_deploy_without_an_emulator_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    code = stage_entry.main(["deploy", "--env", "dev"], environ={"PIPELINE_TARGET": "local"})
    assert code == 2
    err = capsys.readouterr().err
    assert "AWS_ENDPOINT_URL" in err


def test_deploy_without_artifact_exits_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    environ = {"PIPELINE_TARGET": "local", "AWS_ENDPOINT_URL": "http://127.0.0.1:9"}
    assert stage_entry.main(["deploy", "--env", "dev"], environ=environ) == 2
    assert "run `pipeline build`" in capsys.readouterr().err


def test_emulator_check_accepts_a_recorded_emulator(tmp_path: Path) -> None:
    (tmp_path / ".pipeline" / "local").mkdir(parents=True)
    (tmp_path / ".pipeline" / "local" / "emulator.json").write_text("{}")
    stage_entry.check_emulator_reachable_from_here(tmp_path, {})
    with pytest.raises(ReleaseUsageError):
        stage_entry.check_emulator_reachable_from_here(tmp_path / "elsewhere", {})


@pytest.mark.parametrize(
    ("error", "code"),
    [
        (DeployError("x"), 1),
        (DeployUsageError("x"), 2),
        (UsageError("x"), 2),
        (ConfigError(()), 2),
        (InfraError("x"), 1),
    ],
)
def test_exit_codes_follow_infra(error: InfraError, code: int) -> None:
    assert stage_entry.exit_code_for(error) == code


def test_stage_target_reports_its_source(capsys: pytest.CaptureFixture[str]) -> None:
    assert stage_entry.stage_target({"PIPELINE_TARGET": "aws"}).value == "aws"
    assert "run parameter PIPELINE_TARGET" in capsys.readouterr().out
