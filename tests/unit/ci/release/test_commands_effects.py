"""deploy / smoke / down of the CLI with their effects (subprocess, engine, runners) faked."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from pipeline import cli
from pipeline.release import commands, local_app
from pipeline.release.local_state import ServedApp, read_app, write_app


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "dagger.json").write_text("{}")
    (tmp_path / "pyproject.toml").write_text("")
    (tmp_path / "build" / "artifacts").mkdir(parents=True)
    (tmp_path / "build" / "artifacts" / "lambda.zip").write_bytes(b"zip")
    monkeypatch.setattr(commands, "find_credentials", lambda: None)
    monkeypatch.setattr(commands, "start_emulator", lambda _r, _c: "http://127.0.0.1:7")
    return tmp_path


class Calls:
    def __init__(self, code: int) -> None:
        self.code = code
        self.argv: list[list[str]] = []
        self.env: dict[str, str] = {}

    def __call__(self, argv: list[str], cwd: Path, env: dict[str, str]) -> int:
        self.argv.append(argv)
        self.env = env
        return self.code


@pytest.mark.parametrize(
    ("code", "dry_run", "serves"), [(0, False, True), (0, True, False), (1, False, False)]
)
def test_deploy_then_serve_locally(
    repo: Path, monkeypatch: pytest.MonkeyPatch, code: int, dry_run: bool, serves: bool
) -> None:
    calls = Calls(code)
    monkeypatch.setattr(subprocess, "call", calls)
    served: list[str] = []

    def serve(repo_: Path, env: str, runner: Any, url: str) -> ServedApp:
        served.append(env)
        return ServedApp(env, "http://127.0.0.1:1", 1, "d" * 64, "host", "1")

    monkeypatch.setattr(local_app, "serve", serve)
    monkeypatch.setattr(commands, "_app_runner", lambda _r, _c: type("R", (), {"name": "host"})())
    argv = ["deploy", "--env", "dev", "--repo", str(repo), *(["--dry-run"] if dry_run else [])]
    assert cli.main(argv) == code
    (command,) = calls.argv
    assert command[1:5] == ["-m", "infra", "deploy", "--env"]
    assert ("--dry-run" in command) is dry_run
    assert calls.env["AWS_ENDPOINT_URL"] == "http://127.0.0.1:7"
    assert calls.env["PIPELINE_ACTOR"]
    assert served == (["dev"] if serves else [])


def test_smoke_passes_the_served_url_and_a_local_token(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_app(repo, ServedApp("dev", "http://127.0.0.1:8123", 8123, "d", "docker", "c"))
    seen: dict[str, Any] = {}

    def run(
        args: Any, console: Console, catalog: Any, names: Any, params: Any, secrets: Any
    ) -> int:
        seen.update(names=names, params=params, secrets=secrets, catalog=catalog)
        return 1

    monkeypatch.setattr(commands, "run_on_engine", run)
    assert cli.main(["smoke", "--env", "dev", "--repo", str(repo)]) == 1
    assert seen["names"] == ("smoke-dev",)
    assert seen["params"]["PIPELINE_APP_URL_DEV"] == "http://127.0.0.1:8123"
    assert seen["params"]["AWS_ENDPOINT_URL"] == "http://127.0.0.1:7"
    assert seen["secrets"]["SMOKE_TOKEN"].count(".") == 2  # a JWT
    assert seen["catalog"].stage("smoke-dev").needs == ()


def test_down_also_stops_what_releases_serve(
    repo: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(repo)
    write_app(repo, ServedApp("dev", "u", 1, "d", "host", "999999"))
    monkeypatch.setattr(commands, "delegate", lambda *_a: 0)
    monkeypatch.setattr(commands, "local_engine", lambda _n: type("E", (), {"name": "host"})())
    assert cli.main(["down", "local"]) == 0
    out = capsys.readouterr().out
    assert "stopped the released apps of: none running" in out
    assert "no release emulator" in out
    assert read_app(repo, "dev") is None


def test_run_on_engine_with_the_fake_engine(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from pipeline.catalog import CATALOG
    from tests.unit.ci.fake_engine import FakeEngine

    engine = FakeEngine()
    monkeypatch.setattr(commands, "local_engine", lambda _n: engine)
    parser = cli.build_parser(CATALOG)
    args = parser.parse_args(["smoke", "--env", "dev", "--repo", str(repo)])
    catalog = commands.single_stage(CATALOG, "smoke-dev")
    code = commands.run_on_engine(args, Console(), catalog, ("smoke-dev",), {}, {})
    assert code == 0
    assert engine.calls == ["smoke-dev"]
