"""`pipeline rehearse` as a command: its engines, and a failed release that stops it before
anything is promoted (the whole rehearsal runs end to end in
tests/integration/release/test_rehearse.py)."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from pipeline import cli
from pipeline.cli import rehearse
from pipeline.results import RunReport, Status
from tests.unit.ci.cli.test_main import repo  # noqa: F401 - the fixture
from tests.unit.ci.fake_engine import FakeEngine


def run(argv: list[str]) -> tuple[int, str]:
    buffer = io.StringIO()
    code = cli.main(argv, console=Console(file=buffer, width=200, force_terminal=False))
    return code, buffer.getvalue()


def test_the_help_says_what_it_rehearses(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["rehearse", "--help"]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "faulty one rolled back" in out and "build/reports/rollout" in out


def test_the_dagger_engine_is_refused_saying_which_to_use(
    repo: Path,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, _ = run(["rehearse", "--engine", "dagger"])
    assert code == 2
    err = " ".join(capsys.readouterr().err.split())
    assert "pass --engine docker or --engine host" in err


def test_a_failed_release_stops_it_before_anything_is_promoted(
    repo: Path,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ran: list[tuple[str, ...]] = []

    def failed_release(console: Any, engine: Any, where: Path, request: Any) -> Any:
        ran.append(request.names)
        return RunReport("fake", Status.FAILED, 1.0, (), "now"), None

    monkeypatch.setattr(rehearse, "choose_local", lambda _name: FakeEngine())
    monkeypatch.setattr(rehearse, "run_and_report", failed_release)
    code, out = run(["rehearse"])
    assert code == 1
    assert "rehearsal stopped: the release of the tree failed" in " ".join(out.split())
    assert len(ran) == 1 and "deploy-prod" not in ran[0]  # nothing reached prod
