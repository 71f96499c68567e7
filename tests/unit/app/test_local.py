"""Local-run helpers: dev keys, state file, environment, CLI, process bookkeeping."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import pytest

from app.auth import TokenVerifier
from app.authz import ALL_SCOPES, Scope, decide
from app.local.__main__ import main
from app.local.dev_keys import DEMO_SITES, LOCAL_AUDIENCE, LOCAL_ISSUER, SMOKE_SITE, mint_token
from app.local.ports import free_port
from app.local.processes import is_ours, stop_pid
from app.local.run import (
    LocalRunError,
    app_environment,
    banner,
    down,
    port_is_free,
    up,
    wait_for,
)
from app.local.state import LocalRun, clear_state, read_state, write_state
from app.settings import load_settings

from .support import keys


def started(argv: list[str]) -> subprocess.Popen[bytes]:
    """A child whose /proc cmdline is readable (it is empty for a moment after fork)."""
    child = subprocess.Popen(argv)
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        if Path(f"/proc/{child.pid}/cmdline").read_bytes():
            return child
        time.sleep(0.01)
    return child


def test_dev_token_is_accepted_by_the_settings_the_app_gets() -> None:
    environ = app_environment("http://127.0.0.1:5000", keys().public_pem, "1.0.0")
    settings = load_settings(environ)
    assert settings.auth.issuer == LOCAL_ISSUER
    principal = TokenVerifier(settings.auth).verify(mint_token(keys()))
    assert principal.subject == "local-developer"
    # Every scope on each demo site, and nothing on any other site.
    assert principal.scopes == frozenset(ALL_SCOPES)
    assert principal.sites == frozenset(DEMO_SITES) == {"demo", SMOKE_SITE}
    assert all(decide(principal, scope, "demo").allowed for scope in Scope)
    assert not decide(principal, Scope.READINGS_READ, "someone-else").allowed
    assert environ["AWS_ENDPOINT_URL"] == "http://127.0.0.1:5000"
    assert settings.auth.audience == LOCAL_AUDIENCE


def test_mint_token_for_chosen_scopes_and_sites() -> None:
    environ = app_environment("http://127.0.0.1:5000", keys().public_pem, "1.0.0")
    verifier = TokenVerifier(load_settings(environ).auth)
    token = mint_token(keys(), scopes=["readings:read"], sites=("perf-1", "perf-2"))
    principal = verifier.verify(token)
    assert principal.scopes == {Scope.READINGS_READ}
    assert principal.sites == {"perf-1", "perf-2"}
    assert verifier.verify(mint_token(keys(), scopes=[], sites=[])).sites == frozenset()


def test_the_smoke_suites_default_site_is_the_one_local_tokens_grant() -> None:
    from tests.smoke.conftest import DEFAULT_SITE

    assert DEFAULT_SITE == SMOKE_SITE


def test_state_round_trip_is_private(tmp_path: Path) -> None:
    run = LocalRun("host", "http://127.0.0.1:1", "http://127.0.0.1:2", "tok", pids=(1, 2))
    path = write_state(tmp_path, run)
    assert path.stat().st_mode & 0o077 == 0
    assert read_state(tmp_path) == run
    clear_state(tmp_path)
    assert read_state(tmp_path) is None
    assert down(tmp_path) is None


def test_banner_shows_url_token_and_curl() -> None:
    text = banner(LocalRun("host", "http://127.0.0.1:8000", "http://127.0.0.1:9", "T0KEN"))
    assert "http://127.0.0.1:8000" in text
    assert "T0KEN" in text
    assert "curl" in text


def test_busy_port_is_refused_with_the_flag_named(tmp_path: Path) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = sock.getsockname()[1]
        assert not port_is_free(port)
        with pytest.raises(LocalRunError, match=f"--port {port}"):
            up(tmp_path, port=port, out=lambda _: None)


def test_up_refuses_while_a_stack_runs(tmp_path: Path, fake_stack: list[object]) -> None:
    child = started([sys.executable, "-c", "import time; time.sleep(30)", "uvicorn"])
    try:
        write_state(tmp_path, LocalRun("host", "http://127.0.0.1:1", "x", "t", pids=(child.pid,)))
        with pytest.raises(LocalRunError, match="already running"):
            up(tmp_path, port=free_port(), out=lambda _: None)
        assert fake_stack == []  # nothing was started
    finally:
        assert stop_pid(child.pid, grace_s=5)
        child.wait()


def test_wait_for_reports_a_dead_process_and_a_timeout() -> None:
    with pytest.raises(LocalRunError, match="exited"):
        wait_for("http://127.0.0.1:9/", 5, lambda: False, "the app")
    with pytest.raises(LocalRunError, match="did not answer"):
        wait_for("http://127.0.0.1:9/", 0.3, lambda: True, "the app")


def test_stop_pid_only_touches_our_processes() -> None:
    stranger = started([sys.executable, "-c", "import time; time.sleep(30)"])
    ours = started([sys.executable, "-c", "import time; time.sleep(30)", "moto.server"])
    try:
        assert not is_ours(stranger.pid)
        assert not stop_pid(stranger.pid)
        assert stranger.poll() is None
        assert is_ours(ours.pid)
        assert stop_pid(ours.pid, grace_s=5)
        assert not is_ours(ours.pid)  # gone (stop_pid reaped it)
    finally:
        stranger.kill()
        stranger.wait()
    assert not is_ours(999_999_999)


@pytest.mark.parametrize(
    ("argv", "code"),
    [(["up", "--port", "0"], 2), (["up", "--port", "70000"], 2), (["down"], 0)],
)
def test_cli_exit_codes(
    argv: list[str], code: int, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([*argv, "--repo", str(tmp_path)]) == code
    if argv == ["down"]:
        assert "nothing to stop" in capsys.readouterr().out


def test_cli_reports_local_run_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = sock.getsockname()[1]
        assert main(["up", "--port", str(port), "--repo", str(tmp_path)]) == 1
    assert "already in use" in capsys.readouterr().err


def test_cli_rejects_unknown_engine() -> None:
    with pytest.raises(SystemExit) as caught:
        main(["up", "--engine", "podman"])
    assert caught.value.code == 2


def test_lambda_handler_module_builds_one_handler(monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib

    for name, value in app_environment("http://127.0.0.1:9", keys().public_pem, "2.0").items():
        monkeypatch.setenv(name, value)
    sys.modules.pop("app.lambda_handler", None)
    module = importlib.import_module("app.lambda_handler")
    assert callable(module.handler)
    sys.modules.pop("app.lambda_handler", None)


class FakeLauncher:
    engine = "fake"

    def __init__(self, lives: int, interrupt: bool = False) -> None:
        self.lives = lives
        self.interrupt = interrupt
        self.started: list[str] = []
        self.stopped = False
        self.containers = ("c1", "c2")
        self.app_env: dict[str, str] = {}

    def start_emulator(self, port: int) -> str:
        self.started.append(f"emulator:{port}")
        return "c1"

    def start_app(self, port: int, env: dict[str, str]) -> str:
        self.started.append(f"app:{port}")
        self.app_env = dict(env)
        return "c2"

    def alive(self) -> bool:
        self.lives -= 1
        if self.lives < 0 and self.interrupt:
            raise KeyboardInterrupt
        return self.lives >= 0

    def stop(self) -> list[str]:
        self.stopped = True
        return list(self.containers)


@pytest.fixture
def fake_stack(monkeypatch: pytest.MonkeyPatch) -> list[FakeLauncher]:
    import app.local.run as run_module

    made: list[FakeLauncher] = []
    monkeypatch.setattr(run_module, "provision", lambda endpoint: None)
    monkeypatch.setattr(run_module, "wait_for", lambda *args: None)
    monkeypatch.setattr(run_module, "time", SimpleNamespace(sleep=lambda _: None))

    def make(engine: object, repo: Path, foreground: bool, image: str | None) -> FakeLauncher:
        made.append(FakeLauncher(lives=3, interrupt=foreground))
        return made[-1]

    monkeypatch.setattr(run_module, "make_launcher", make)
    return made


@pytest.mark.parametrize("detach", [True, False])
def test_up_orchestrates_and_cleans_up(
    tmp_path: Path, fake_stack: list[FakeLauncher], detach: bool
) -> None:
    lines: list[str] = []
    run = up(tmp_path, port=free_port(), detach=detach, out=lines.append, version="9.0")
    launcher = fake_stack[0]
    assert [s.split(":")[0] for s in launcher.started] == ["emulator", "app"]
    assert launcher.app_env["EI_VERSION"] == "9.0"
    assert run.containers == ("c1", "c2")
    assert TokenVerifier(load_settings(launcher.app_env).auth).verify(run.token)
    if detach:
        assert read_state(tmp_path) == run
        assert not launcher.stopped
        clear_state(tmp_path)
    else:
        assert launcher.stopped
        assert read_state(tmp_path) is None
        assert lines[-1] == "stopping..."


def test_up_stops_what_it_started_when_startup_fails(
    tmp_path: Path, fake_stack: list[FakeLauncher], monkeypatch: pytest.MonkeyPatch
) -> None:
    import app.local.run as run_module

    def broken(endpoint: str) -> None:
        raise LocalRunError("emulator refused the table")

    monkeypatch.setattr(run_module, "provision", broken)
    with pytest.raises(LocalRunError):
        up(tmp_path, port=free_port(), out=lambda _: None)
    assert fake_stack[0].stopped
    assert read_state(tmp_path) is None


def test_the_docker_engine_needs_the_image_from_its_caller(tmp_path: Path) -> None:
    from app.local.run import Engine, make_launcher

    with pytest.raises(LocalRunError, match="pipeline up local --engine docker"):
        make_launcher(Engine.DOCKER, tmp_path, foreground=False, image=None)
