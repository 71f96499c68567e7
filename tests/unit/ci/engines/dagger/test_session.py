"""`dagger run ./pipeline ci`: inside a Dagger session the CLI runs the module's chains itself."""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import anyio
import pytest
from rich.console import Console

from pipeline import cli
from pipeline.catalog import CI_STAGES, EXCLUDES
from pipeline.engines.dagger import session as dagger_session
from pipeline.engines.select import DaggerSession, choose
from pipeline.engines.select import dagger_session as find_session
from pipeline.main import StagesFailed


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


def test_run_check_reads_the_repo_from_the_host_inside_the_session(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    log: list[str] = []
    fake_dag = FakeDag(log)

    async def fake_check(client: Any, names: Sequence[str], source: Any, *, strict: bool) -> str:
        assert client is fake_dag
        log.append(f"check {','.join(names)} on {source} strict={strict}")
        return "report"

    monkeypatch.setattr(dagger_session.dagger, "connect", lambda: FakeConnection(log))
    monkeypatch.setattr(dagger_session, "dag", fake_dag)
    monkeypatch.setattr(dagger_session, "check", fake_check)
    assert anyio.run(dagger_session.run_check, tmp_path, ("lint",), True) == "report"
    assert log == [
        "connect",
        "enter",
        f"directory {tmp_path} excluding {len(EXCLUDES)}",
        "check lint on SOURCE strict=True",
        "exit",
    ]


@pytest.mark.parametrize(("fails", "code"), [(False, 0), (True, 1)])
def test_cli_in_a_session_runs_the_module_chains(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, fails: bool, code: int
) -> None:
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
    seen: list[tuple[Path, tuple[str, ...], bool]] = []

    async def fake_run_check(repo: Path, names: tuple[str, ...], strict: bool) -> str:
        seen.append((repo, names, strict))
        if fails:
            raise StagesFailed("| lint | failed |")
        return "| lint | passed |"

    monkeypatch.setattr(dagger_session, "run_check", fake_run_check)
    buffer = io.StringIO()
    argv = ["ci", "--repo", str(tmp_path)]
    assert cli.main(argv, console=Console(file=buffer, width=200)) == code
    assert seen == [(tmp_path.resolve(), CI_STAGES, False)]
    assert ("failed" if fails else "passed") in buffer.getvalue()
