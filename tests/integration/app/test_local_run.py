"""`up`/`down` of the local stack: a new user's curl session, host processes and containers."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from app.local import Engine, down, up
from app.local.ports import free_port
from app.local.processes import is_ours
from app.local.state import read_state
from tests.conftest import unavailable

pytestmark = pytest.mark.emulator


def exercise(base_url: str, token: str) -> None:
    auth = {"Authorization": f"Bearer {token}"}
    assert httpx.get(f"{base_url}/health", timeout=10).json()["status"] == "ok"
    assert httpx.get(f"{base_url}/sites/demo", timeout=10).status_code == 401
    put = httpx.put(f"{base_url}/sites/demo", json={"name": "Demo"}, headers=auth, timeout=10)
    assert put.status_code == 200
    readings = {
        "readings": [{"timestamp": "2026-01-01T00:00:00Z", "metric": "power_kw", "value": 1}]
    }
    posted = httpx.post(f"{base_url}/sites/demo/readings", json=readings, headers=auth, timeout=10)
    assert posted.json()["stored"] == 1
    window = {"metric": "power_kw", "from": "2026-01-01T00:00:00Z", "to": "2026-01-02T00:00:00Z"}
    report = httpx.post(f"{base_url}/sites/demo/reports", json=window, headers=auth, timeout=10)
    assert report.status_code == 201  # the dev token holds every scope on its demo sites...
    other = httpx.get(f"{base_url}/sites/not-a-demo-site", headers=auth, timeout=10)
    assert other.status_code == 403  # ...and no other site


@pytest.mark.slow
def test_host_engine_up_detached_then_down(tmp_path: Path) -> None:
    lines: list[str] = []
    run = up(tmp_path, port=free_port(), engine=Engine.HOST, detach=True, out=lines.append)
    try:
        assert run.base_url in lines[0]
        assert read_state(tmp_path) == run
        assert len(run.pids) == 2
        exercise(run.base_url, run.token)
    finally:
        result = down(tmp_path)
    assert result is not None
    assert sorted(result.stopped) == sorted(str(p) for p in run.pids)
    assert not any(is_ours(pid) for pid in run.pids)
    assert read_state(tmp_path) is None
    assert down(tmp_path) is None


@pytest.mark.docker
@pytest.mark.slow
def test_docker_engine_up_detached_then_down(docker_client: object) -> None:
    repo = Path(__file__).resolve().parents[3]
    state_root = repo / ".pipeline" / "local"
    if (state_root / "state.json").exists():
        # A developer's own stack would be clobbered: skip on a laptop, fail under CI=true.
        unavailable("a free local stack slot", "`python -m app.local down` first")
    # The image comes from the caller (`pipeline up local --engine docker` does the same).
    from pipeline.catalog import PYTHON_TOOLCHAIN
    from pipeline.engines.docker.images import ensure_toolchain_image

    image = ensure_toolchain_image(docker_client, PYTHON_TOOLCHAIN, repo)
    run = up(
        repo, port=free_port(), engine=Engine.DOCKER, detach=True, out=lambda _: None, image=image
    )
    try:
        assert len(run.containers) == 2
        exercise(run.base_url, run.token)
    finally:
        result = down(repo)
    assert result is not None
    assert sorted(result.stopped) == sorted(run.containers)


@pytest.mark.slow
def test_foreground_up_stops_cleanly_on_ctrl_c(tmp_path: Path) -> None:
    import signal
    import subprocess
    import sys
    import time

    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "app.local", "up", "--port", str(port), "--repo", str(tmp_path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        state = None
        while state is None and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.2)
            state = read_state(tmp_path)
        assert state is not None, "the stack did not come up"
        assert httpx.get(f"{state.base_url}/health", timeout=10).status_code == 200
        proc.send_signal(signal.SIGINT)
        output, _ = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, output
    assert "dev token" in output
    assert "stopping" in output
    assert not any(is_ours(pid) for pid in state.pids)
    assert read_state(tmp_path) is None
