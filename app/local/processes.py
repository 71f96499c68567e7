"""Host engine: the emulator and the app as child processes of this Python."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path

from app.serving import uvicorn_argv

# A pid from a state file is only signalled if its command line still names one of these:
# pids are recycled, and `down` must never stop a stranger's process.
OUR_COMMANDS = ("moto.server", "uvicorn")
STOP_GRACE_S = 10.0


class HostLauncher:
    """Starts processes in their own session, so Ctrl-C reaches us and we stop them in order."""

    engine = "host"

    def __init__(self, repo: Path, log_dir: Path, foreground: bool) -> None:
        self.repo = repo
        self.log_dir = log_dir
        self.foreground = foreground
        self.pids: list[int] = []
        self._procs: list[subprocess.Popen[bytes]] = []

    def _spawn(self, name: str, argv: list[str], env: Mapping[str, str], show: bool) -> str:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        log = None if show else (self.log_dir / f"{name}.log").open("ab")
        proc = subprocess.Popen(
            argv,
            cwd=self.repo,
            env={**os.environ, **env},
            stdout=log,
            stderr=subprocess.STDOUT if log else None,
            start_new_session=True,
        )
        if log is not None:
            log.close()
        self._procs.append(proc)
        self.pids.append(proc.pid)
        return str(proc.pid)

    def start_emulator(self, port: int) -> str:
        argv = [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)]
        return self._spawn("emulator", argv, {}, show=False)

    def start_app(self, port: int, env: Mapping[str, str]) -> str:
        argv = uvicorn_argv(sys.executable, port=port)
        return self._spawn("app", argv, env, show=self.foreground)

    def alive(self) -> bool:
        return all(proc.poll() is None for proc in self._procs)

    def stop(self) -> list[str]:
        """Stop the app, then the emulator (reverse start order)."""
        return [str(pid) for pid in reversed(self.pids) if stop_pid(pid)]


def is_ours(pid: int) -> bool:
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return False
    return any(marker in cmdline for marker in OUR_COMMANDS)


def stop_pid(pid: int, grace_s: float = STOP_GRACE_S) -> bool:
    """SIGTERM, then SIGKILL after grace_s; True if the process was ours and is now gone."""
    if not is_ours(pid):
        return False
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return True
    deadline = time.monotonic() + grace_s
    while time.monotonic() < deadline:
        if _reaped(pid):
            return True
        time.sleep(0.1)
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        return True
    _reaped(pid)
    return True


def _reaped(pid: int) -> bool:
    """True when the process is gone (reaping it if it is our child)."""
    try:
        done, _ = os.waitpid(pid, os.WNOHANG)
        if done == pid:
            return True
    except ChildProcessError:
        pass  # not our child (started by an earlier `up --detach`): just check it exists
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return not is_ours(pid)  # a zombie of someone else's, or the pid was reused
