"""The deploy CLI: exit codes and messages, with the target connection replaced by
in-process moto."""

from __future__ import annotations

import argparse
import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from infra.aws.errors import CredentialsError
from infra.deploy import cli
from infra.targets.base import Connection
from tests.unit.infra.deploy.conftest import FakeTarget


@pytest.fixture
def connected(monkeypatch: pytest.MonkeyPatch, in_process: Connection) -> Connection:
    def fake_open(*_: Any, **__: Any) -> FakeTarget:
        return FakeTarget(in_process)

    monkeypatch.setattr(cli, "open_target", fake_open)
    return in_process


def test_deploy_history_and_status(
    connected: Connection, make_zip: Callable[[str], Path], capsys: pytest.CaptureFixture[str]
) -> None:
    artifact = str(make_zip("one"))
    assert cli.main(["deploy", "--env", "dev", "--artifact", artifact, "--commit", "abcdef1"]) == 0
    assert "deploy dev: succeeded" in capsys.readouterr().out
    assert cli.main(["deploy", "--env", "dev", "--artifact", artifact, "--dry-run"]) == 0
    assert "dry run: nothing was changed" in capsys.readouterr().out

    assert cli.main(["history", "--env", "dev"]) == 0
    assert "succeeded" in capsys.readouterr().out
    assert cli.main(["status", "--env", "dev"]) == 0
    assert "alias live -> version 1" in capsys.readouterr().out

    assert cli.main(["history", "--env", "dev", "--json"]) == 0
    [record] = json.loads(capsys.readouterr().out)
    assert (record["outcome"], record["commit"]) == ("succeeded", "abcdef1")
    assert cli.main(["status", "--env", "dev", "--json"]) == 0
    status = json.loads(capsys.readouterr().out)
    assert status["alias"] == {"version": "1", "weights": {}}
    assert status["digest"] == record["digest"]
    assert status["latest"]["deployment_id"] == record["deployment_id"]
    assert status["lock"] is None


def test_history_of_an_environment_never_deployed(
    connected: Connection, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["history", "--env", "staging"]) == 0
    assert capsys.readouterr().out.strip() == "no deployments recorded"


def test_deploy_errors_map_to_their_exit_code(
    monkeypatch: pytest.MonkeyPatch,
    make_zip: Callable[[str], Path],
    capsys: pytest.CaptureFixture[str],
) -> None:
    def no_credentials(*_: Any, **__: Any) -> Connection:
        raise CredentialsError("no AWS credentials found")

    monkeypatch.setattr(cli, "open_target", no_credentials)
    assert cli.main(["status", "--env", "dev"]) == 2
    assert capsys.readouterr().err == "error: no AWS credentials found\n"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["status", "--env", "qa"], "unknown environment 'qa'"),
        (["deploy", "--env", "dev"], "--artifact PATH and/or --digest"),
        (["deploy", "--env", "dev", "--digest", "xyz"], "not a sha256 digest"),
        (["deploy", "--env", "dev", "--commit", "zz"], "--commit 'zz'"),
    ],
)
def test_usage_errors_exit_2(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(argv) == 2
    assert message in capsys.readouterr().err


def test_unreadable_template_is_a_usage_error(
    make_zip: Callable[[str], Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["deploy", "--env", "dev", "--artifact", str(make_zip("one"))]
    assert cli.main([*argv, "--template", str(tmp_path / "missing.json")]) == 2
    assert "cannot be read" in capsys.readouterr().err


def test_register_adds_the_three_commands() -> None:
    parser = argparse.ArgumentParser()
    cli.register(parser.add_subparsers())
    args = parser.parse_args(["deploy", "--env", "dev", "--target", "local", "--break-lock"])
    assert (args.deploy_command, args.target, args.break_lock, args.dry_run) == (
        "deploy",
        "local",
        True,
        False,
    )
    assert parser.parse_args(["history", "--env", "prod"]).limit == 20
    status = parser.parse_args(["status", "--env", "qa"])
    assert status.command(status, io.StringIO()) == 2  # the handler infra/cli.py would call


def test_emulator_status_and_stop_when_none_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    assert cli.main(["emulator", "status"]) == 1
    assert "no local AWS emulator is running" in capsys.readouterr().err
    assert cli.main(["emulator", "stop"]) == 0
    assert capsys.readouterr().out == "no emulator to stop\n"
