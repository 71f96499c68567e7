from __future__ import annotations

from pathlib import Path

import pytest

from pipeline import cli
from pipeline.release import commands, release_run
from pipeline.release.local_state import ServedApp
from pipeline.results import Status
from tests.unit.ci.fake_engine import FakeEngine

DIGEST = "d" * 64


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    (tmp_path / "dagger.json").write_text("{}")
    (tmp_path / "pyproject.toml").write_text("")
    (tmp_path / "uv.lock").write_text("")
    return tmp_path


def wire(monkeypatch: pytest.MonkeyPatch, engine: FakeEngine, served: list[str]) -> None:
    monkeypatch.setattr(commands, "local_engine", lambda _name: engine)
    monkeypatch.setattr(commands, "start_emulator", lambda _repo, _c: "http://127.0.0.1:1")
    monkeypatch.setattr(commands, "find_credentials", lambda: None)
    monkeypatch.setattr(release_run, "artifact_digest", lambda _repo: DIGEST)

    def server(repo: Path, runner: object, serving: object) -> object:
        def serve(env: str) -> ServedApp:
            served.append(env)
            return ServedApp(env, f"http://127.0.0.1/{env}", 1, DIGEST, "host", "1")

        return serve

    monkeypatch.setattr(release_run, "local_server", server)


def test_local_release_runs_the_stages_and_serves_each_env(
    repo: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    engine, served = FakeEngine(), list[str]()
    wire(monkeypatch, engine, served)
    assert cli.main(["release", "--repo", str(repo)]) == 0
    assert engine.calls == ["build", "deploy-dev", "smoke-dev", "deploy-staging", "smoke-staging"]
    assert served == ["dev", "staging"]
    out = " ".join(capsys.readouterr().out.split())  # undo the console's line wrapping
    assert "target: local (no AWS credentials configured" in out
    assert f"released digest {DIGEST} to dev, staging (local)" in out
    assert (repo / "build" / "reports" / "release.json").is_file()


def test_a_failed_deploy_stops_the_release(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    engine = FakeEngine(outcomes={"deploy-staging": Status.FAILED})
    served: list[str] = []
    wire(monkeypatch, engine, served)
    assert cli.main(["release", "--repo", str(repo)]) == 1
    assert "smoke-staging" not in engine.calls
    assert served == ["dev"]


def test_aws_release_serves_nothing_locally(
    repo: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    engine, served = FakeEngine(), list[str]()
    wire(monkeypatch, engine, served)
    assert cli.main(["release", "--target", "aws", "--repo", str(repo)]) == 0
    assert served == []
    assert "target: aws (chosen with --target)" in capsys.readouterr().out
