"""`--target local` starts a moto server process on a free loopback port and records it, so
later commands find the same emulator."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest

from infra.targets.local_emulator import (
    ensure_emulator,
    reachable,
    read_state,
    running_endpoint,
    stop_emulator,
)

pytestmark = pytest.mark.emulator


def test_starts_once_records_state_and_is_reused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    first = ensure_emulator(tmp_path)
    try:
        assert first.started is True
        assert first.pid is not None
        assert first.endpoint.startswith("http://127.0.0.1:")
        assert reachable(first.endpoint)
        assert read_state(tmp_path) == type(first)(first.endpoint, first.pid)
        again = ensure_emulator(tmp_path)
        assert (again.started, again.pid) == (False, first.pid)
        assert running_endpoint(tmp_path) == first.endpoint
        assert stop_emulator(tmp_path) == first.pid
        os.waitpid(first.pid, 0)
        assert read_state(tmp_path) is None
        assert stop_emulator(tmp_path) is None
    finally:
        if first.pid is not None and read_state(tmp_path) is not None:
            os.kill(first.pid, signal.SIGTERM)
            os.waitpid(first.pid, 0)


@pytest.mark.filterwarnings("ignore:Tried to parse:UserWarning")
def test_a_dry_run_stops_the_emulator_it_had_to_start(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import re
    import zipfile

    from infra.deploy.cli import main

    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    monkeypatch.chdir(tmp_path)  # the emulator's state lives in ./.pipeline/local
    artifact = tmp_path / "lambda.zip"
    with zipfile.ZipFile(artifact, "w") as archive:
        archive.writestr("app/lambda_handler.py", "def handler(event, context):\n    return 1\n")
    argv = ["deploy", "--env", "dev", "--target", "local", "--artifact", str(artifact)]

    assert main([*argv, "--commit", "abcdef1", "--dry-run"]) == 0

    out = capsys.readouterr().out
    assert "dry run: nothing was changed" in out
    stopped = re.search(r"stopped the local emulator this dry run started \(pid (\d+)\)", out)
    assert stopped is not None, out
    os.waitpid(int(stopped.group(1)), 0)  # it was our child: it is gone once reaped
    assert read_state(tmp_path / ".pipeline" / "local") is None
