from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import pytest
from rich.console import Console

from pipeline import cli
from pipeline.cli import stage_commands
from pipeline.results import Status
from tests.unit.ci.fake_engine import FakeEngine

ROOT = Path(__file__).resolve().parents[4]


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in ("pyproject.toml", "uv.lock", "dagger.json"):
        (tmp_path / name).write_text((ROOT / name).read_text() if (ROOT / name).exists() else "{}")
    security = tmp_path / "ci/toolchains/security"
    security.mkdir(parents=True)
    for name in ("pyproject.toml", "uv.lock"):
        shutil.copy(ROOT / "ci/toolchains/security" / name, security / name)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def run(argv: list[str]) -> tuple[int, str]:
    buffer = io.StringIO()
    code = cli.main(argv, console=Console(file=buffer, width=200, force_terminal=False))
    return code, buffer.getvalue()


def use(monkeypatch: pytest.MonkeyPatch, engine: FakeEngine) -> None:
    monkeypatch.setattr(stage_commands, "choose", lambda _name: engine)


def test_ci_passes_and_writes_reports(
    repo: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    engine = FakeEngine()
    use(monkeypatch, engine)
    summary = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    code, out = run(["ci", "--report", str(tmp_path / "r.json")])
    assert code == 0
    assert sorted(engine.calls) == ["integration", "lint", "scan", "synth", "test", "typecheck"]
    report = json.loads((tmp_path / "r.json").read_text())
    assert report["engine"] == "fake"
    assert report["status"] == "passed"
    stage = report["stages"][0]
    assert {"name", "status", "duration_s", "engine", "image", "cached"} <= set(stage)
    assert (repo / "build/reports/report.json").is_file()
    assert "| lint | ✅ passed |" in summary.read_text()
    assert "pipeline passed" in out


def test_failing_stage_exits_1_and_the_rest_still_run(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = FakeEngine(outcomes={"lint": Status.FAILED, "typecheck": Status.FAILED})
    use(monkeypatch, engine)
    code, out = run(["ci"])
    assert code == 1
    assert sorted(engine.calls) == ["integration", "lint", "scan", "synth", "test", "typecheck"]
    assert "log of lint" in out and "log of typecheck" in out
    report = json.loads((repo / "build/reports/report.json").read_text())
    statuses = {s["name"]: s["status"] for s in report["stages"]}
    assert statuses == {
        "lint": "failed",
        "typecheck": "failed",
        "test": "passed",
        "integration": "passed",
        "synth": "passed",
        "scan": "passed",
    }


def test_each_stage_gets_only_the_secrets_it_declares_from_the_environment(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pipeline.catalog import Stage
    from pipeline.engines.base import StageContext
    from pipeline.results import StageResult

    given: dict[str, dict[str, str]] = {}

    class Recording(FakeEngine):
        def run_stage(self, stage: Stage, ctx: StageContext) -> StageResult:
            given[stage.name] = dict(ctx.secrets)
            return super().run_stage(stage, ctx)

    use(monkeypatch, Recording())
    monkeypatch.setenv("GH_TOKEN", "gh-token-value")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "planted-aws-secret")
    assert run(["ci", "--no-cache"])[0] == 0
    # pragma: allowlist nextline secret
    assert given.pop("scan") == {"GH_TOKEN": "gh-token-value"}
    assert given and all(secrets == {} for secrets in given.values()), given


def test_degraded_passes_unless_strict(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    use(monkeypatch, FakeEngine(outcomes={"scan": Status.DEGRADED}))
    assert run(["scan", "--no-cache"])[0] == 0
    assert run(["scan", "--no-cache", "--strict"])[0] == 1


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["nope"], ""),
        (["run", "nope"], "unknown stage 'nope'"),
        (["lint", "--engine", "kubernetes"], "unknown engine 'kubernetes'"),
        (["lint", "--jobs", "0"], "--jobs 0"),
    ],
)
def test_usage_errors_exit_2(
    repo: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    argv: list[str],
    message: str,
) -> None:
    engine = FakeEngine()
    if argv[-1] != "kubernetes":
        use(monkeypatch, engine)
    code, _ = run(argv)
    assert code == 2
    assert message in capsys.readouterr().err.replace("\n", " ")
    assert engine.calls == []


def test_missing_lock_file_exits_2_before_running(
    repo: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    engine = FakeEngine()
    use(monkeypatch, engine)
    (repo / "uv.lock").unlink()
    assert run(["lint"])[0] == 2
    err = capsys.readouterr().err
    assert "uv.lock is missing" in err
    assert "uv lock" in err
    assert engine.calls == []


def test_dagger_without_cli_exits_2_saying_what_to_install(
    repo: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PATH", str(repo))  # no dagger binary anywhere
    monkeypatch.delenv("_EXPERIMENTAL_DAGGER_CLI_BIN", raising=False)
    assert run(["ci", "--engine", "dagger"])[0] == 2
    err = " ".join(capsys.readouterr().err.split())
    assert "needs the Dagger CLI" in err
    assert "--engine docker" in err


def test_docker_without_daemon_exits_2(
    repo: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DOCKER_HOST", f"unix://{repo}/no-such-docker.sock")
    assert run(["lint", "--engine", "docker"])[0] == 2
    assert "no-such-docker.sock" in " ".join(capsys.readouterr().err.split())


def test_outside_the_repo_is_a_usage_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    use(monkeypatch, FakeEngine())
    assert run(["lint"])[0] == 2
    assert "not inside the pipeline's repository" in capsys.readouterr().err


def test_stages_lists_the_catalog(repo: Path) -> None:
    code, out = run(["stages"])
    assert code == 0
    assert "scan [security]" in out and "(needs synth)" in out


@pytest.mark.parametrize(
    ("needs", "message"),
    [
        ({"lint": ("test",), "test": ("lint",)}, "cycle: lint -> test -> lint"),
        ({"lint": ("nope",)}, "needs unknown stage 'nope'"),
    ],
)
def test_an_invalid_catalog_exits_2_and_runs_nothing(
    repo: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    needs: dict[str, tuple[str, ...]],
    message: str,
) -> None:
    from dataclasses import replace
    from types import MappingProxyType

    from pipeline.catalog import CATALOG, Catalog

    engine = FakeEngine()
    use(monkeypatch, engine)
    stages = {n: replace(s, needs=needs.get(n, s.needs)) for n, s in CATALOG.stages.items()}
    broken = Catalog(CATALOG.toolchains, CATALOG.caches, MappingProxyType(stages), CATALOG.services)
    buffer = io.StringIO()
    code = cli.main(["ci"], console=Console(file=buffer), catalog=broken)
    assert code == 2
    assert message in capsys.readouterr().err
    assert engine.calls == []
