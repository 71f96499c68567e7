from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path

import pytest
from rich.console import Console

from pipeline import cli
from pipeline.catalog import CATALOG
from pipeline.engines.host import HostEngine
from pipeline.release import commands

Calls = list[tuple[str, list[str]]]


@pytest.fixture
def delegated(monkeypatch: pytest.MonkeyPatch) -> Calls:
    calls: Calls = []

    def fake(repo: Path, module: str, argv: Sequence[str], console: Console) -> int:
        calls.append((module, list(argv)))
        return 0

    monkeypatch.setattr(commands, "delegate", fake)
    monkeypatch.setattr(commands, "find_credentials", lambda: None)
    return calls


def test_help_lists_the_release_commands(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["--help"]) == 0
    out = capsys.readouterr().out
    for name in ("release", "deploy", "smoke", "status", "history", "config", "up", "down"):
        assert f"    {name} " in out


@pytest.mark.parametrize(
    "argv",
    [
        ["deploy", "--env", "qa"],
        ["smoke", "--env", "Dev"],
        ["history", "--env", ""],
        ["status", "--env", "test"],
        ["deploy", "--env", "dev", "--target", "gcp"],
        ["up", "remote"],
        ["config"],
        ["config", "delete", "--env", "dev"],
    ],
)
def test_bad_usage_exits_2(argv: list[str], delegated: Calls) -> None:
    assert cli.main(argv) == 2
    assert delegated == []


@pytest.mark.parametrize(
    ("argv", "module", "expected"),
    [
        (["history", "--env", "dev"], "infra", ["history", "--env", "dev", "--target", "local"]),
        (
            ["status", "--env", "staging", "--target", "aws", "--json"],
            "infra",
            ["status", "--env", "staging", "--target", "aws", "--json"],
        ),
        (
            ["config", "diff", "--env", "dev", "--against", "prod"],
            "infra",
            ["config", "diff", "--env", "dev", "--against", "prod"],
        ),
        (["up", "local", "--detach"], "app.local", ["up", "--detach"]),
    ],
)
def test_delegated_commands(
    argv: list[str], module: str, expected: list[str], delegated: Calls
) -> None:
    assert cli.main(argv) == 0
    assert delegated == [(module, expected)]


def test_smoke_of_an_env_that_is_not_served_locally(
    tmp_path: Path, delegated: Calls, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["smoke", "--env", "dev", "--target", "local", "--repo", str(tmp_path)]
    assert cli.main(argv) == 2
    assert "dev is not served locally" in capsys.readouterr().err


def test_single_stage_drops_the_needs() -> None:
    catalog = commands.single_stage(CATALOG, "smoke-staging")
    assert list(catalog.stages) == ["smoke-staging"]
    assert catalog.stage("smoke-staging").needs == ()
    assert catalog.closure(["smoke-staging"]) == ("smoke-staging",)


def test_after_build_prints_the_digest(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    console = Console(width=200)
    assert commands.after_build(HostEngine(), tmp_path, console) == 2
    folder = tmp_path / "build" / "artifacts"
    folder.mkdir(parents=True)
    (folder / "lambda.zip").write_bytes(b"zip")
    assert commands.after_build(HostEngine(), tmp_path, console) == 0
    assert f"sha256:{hashlib.sha256(b'zip').hexdigest()}" in capsys.readouterr().out


def test_local_engine_refuses_an_unknown_engine() -> None:
    from pipeline.engines.base import EngineUnavailable

    with pytest.raises(EngineUnavailable):
        commands.local_engine("kubernetes")
    assert commands.local_engine("host").name == "host"
