"""`dagger run ./pipeline ci`: inside a Dagger session the CLI runs the module's chains itself."""

from __future__ import annotations

import io
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import anyio
import pytest
from rich.console import Console

from pipeline import cli
from pipeline.catalog import CI_STAGES, EXCLUDES
from pipeline.cli import on_dagger
from pipeline.engines.dagger import session as dagger_session
from pipeline.engines.dagger.stages import RunInputs
from pipeline.engines.select import DaggerSession, choose
from pipeline.engines.select import dagger_session as find_session
from pipeline.results import RunReport, StageResult, Status


@pytest.mark.parametrize(
    ("environ", "found"),
    [
        ({"DAGGER_SESSION_PORT": "1234", "DAGGER_SESSION_TOKEN": "t"}, True),
        ({"DAGGER_SESSION_PORT": "1234"}, False),
        ({"DAGGER_SESSION_TOKEN": "t"}, False),
        ({}, False),
    ],
)
def test_a_session_needs_both_port_and_token(environ: dict[str, str], found: bool) -> None:
    assert (find_session(environ) is not None) is found


def test_auto_prefers_an_open_session(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DAGGER_SESSION_PORT", "1234")
    monkeypatch.setenv("DAGGER_SESSION_TOKEN", "t")
    assert isinstance(choose("auto"), DaggerSession)
    assert isinstance(choose("dagger"), DaggerSession)


class FakeConnection:
    def __init__(self, log: list[str]) -> None:
        self.log = log

    def __await__(self) -> Any:
        async def connected() -> FakeConnection:
            self.log.append("connect")
            return self

        return connected().__await__()

    async def __aenter__(self) -> FakeConnection:
        self.log.append("enter")
        return self

    async def __aexit__(self, *_: object) -> None:
        self.log.append("exit")


class FakeHost:
    def __init__(self, log: list[str]) -> None:
        self.log = log

    def directory(self, path: str, *, exclude: list[str]) -> str:
        self.log.append(f"directory {path} excluding {len(exclude)}")
        assert exclude == list(EXCLUDES)
        return "SOURCE"


class FakeDag:
    def __init__(self, log: list[str]) -> None:
        self.log = log

    def host(self) -> FakeHost:
        return FakeHost(self.log)


def report(status: Status) -> RunReport:
    result = StageResult("lint", status, 1.0, "dagger", "python:3.11-slim-bookworm", True)
    return RunReport("dagger", status, 1.0, (result,), "2026-01-01T00:00:00+00:00")


@pytest.mark.parametrize("rerun", [False, True])
def test_run_in_session_reads_the_repo_from_the_host_inside_the_session(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, rerun: bool
) -> None:
    log: list[str] = []
    fake_dag = FakeDag(log)

    async def fake_run_report(
        client: Any,
        catalog: Any,
        names: Sequence[str],
        source: Any,
        *,
        strict: bool,
        inputs: RunInputs | None,
    ) -> tuple[RunReport, list[Any]]:
        assert client is fake_dag
        log.append(f"run {','.join(names)} on {source} strict={strict}")
        # --no-cache: every stage gets a fresh run id, so Dagger's cache answers none
        assert (inputs is not None and inputs.rerun and inputs.run_id != "") is rerun
        return report(Status.PASSED), []

    monkeypatch.setattr(dagger_session.dagger, "connect", lambda: FakeConnection(log))
    monkeypatch.setattr(dagger_session, "dag", fake_dag)
    monkeypatch.setattr(dagger_session, "run_report", fake_run_report)
    done = anyio.run(dagger_session.run_in_session, tmp_path, ("lint",), True, rerun)
    assert done.status is Status.PASSED
    assert log == [
        "connect",
        "enter",
        f"directory {tmp_path} excluding {len(EXCLUDES)}",
        "run lint on SOURCE strict=True",
        "exit",
    ]


def session_repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "dagger.json").write_text("{}")
    (tmp_path / "pyproject.toml").write_text("")
    root = Path(__file__).resolve().parents[5]
    for lock in (
        "uv.lock",
        "ci/toolchains/security/pyproject.toml",
        "ci/toolchains/security/uv.lock",
    ):
        (tmp_path / lock).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / lock).write_text((root / lock).read_text())
    monkeypatch.setenv("DAGGER_SESSION_PORT", "1234")
    monkeypatch.setenv("DAGGER_SESSION_TOKEN", "t")
    return tmp_path


@pytest.mark.parametrize(("fails", "code"), [(False, 0), (True, 1)])
def test_cli_in_a_session_runs_the_module_chains_and_honours_report_and_no_cache(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, fails: bool, code: int
) -> None:
    repo = session_repo(tmp_path, monkeypatch)
    seen: list[tuple[Path, tuple[str, ...], bool, bool]] = []

    async def fake_run(repo: Path, names: tuple[str, ...], strict: bool, rerun: bool) -> RunReport:
        seen.append((repo, names, strict, rerun))
        return report(Status.FAILED if fails else Status.PASSED)

    monkeypatch.setattr(dagger_session, "run_in_session", fake_run)
    buffer = io.StringIO()
    json_report = tmp_path / "out" / "r.json"
    argv = ["ci", "--repo", str(repo), "--no-cache", "--report", str(json_report)]
    assert cli.main(argv, console=Console(file=buffer, width=200)) == code
    assert seen == [(repo.resolve(), CI_STAGES, False, True)]
    assert json.loads(json_report.read_text())["engine"] == "dagger"
    assert "| lint |" in buffer.getvalue()


@pytest.mark.parametrize(
    ("option", "named"),
    [
        (["--jobs", "2"], "--jobs"),
        (["--fail-fast"], "--fail-fast"),
    ],
)
def test_in_a_session_options_dagger_decides_are_refused(
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    option: list[str],
    named: str,
) -> None:
    repo = session_repo(tmp_path, monkeypatch)
    monkeypatch.setattr(dagger_session, "run_in_session", pytest.fail)
    assert cli.main(["lint", "--repo", str(repo), *option]) == 2
    assert named in capsys.readouterr().err


@pytest.mark.parametrize(
    "option",
    [["--jobs", "1"], ["--fail-fast"], ["--no-cache"], ["--report", "r.json"]],
)
def test_with_the_dagger_cli_every_option_it_cannot_pass_on_is_refused(
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    option: list[str],
) -> None:
    repo = session_repo(tmp_path, monkeypatch)
    monkeypatch.delenv("DAGGER_SESSION_PORT")
    fake_cli = tmp_path / "dagger"
    fake_cli.write_text("#!/bin/sh\nexit 0\n")
    fake_cli.chmod(0o755)
    monkeypatch.setenv("_EXPERIMENTAL_DAGGER_CLI_BIN", str(fake_cli))
    called: list[list[str]] = []
    monkeypatch.setattr(on_dagger.subprocess, "call", lambda argv: called.append(argv) or 0)
    assert cli.main(["lint", "--repo", str(repo), *option]) == 2
    assert option[0] in capsys.readouterr().err
    assert called == []
    assert cli.main(["lint", "--repo", str(repo), "--strict", "-v"]) == 0
    assert called == [[str(fake_cli), "call", "--progress", "plain", "lint", "--strict"]]
