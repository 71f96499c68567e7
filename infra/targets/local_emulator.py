"""The local AWS emulator (moto server) as a background process on a loopback port.

The deployer starts it on demand and writes `.pipeline/local/emulator.json`, so later commands
(`history`, `status`, the next deploy) find the same process. `AWS_ENDPOINT_URL`, when set,
names an emulator someone else runs (tests, a service container) and wins.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from app.local.ports import free_port, loopback_url
from infra.aws.errors import EmulatorNotStarted, EmulatorUnreachable

STATE_DIR = Path(".pipeline/local")
STATE_FILE = "emulator.json"
ENDPOINT_ENV = "AWS_ENDPOINT_URL"
START_TIMEOUT_S = 15.0


@dataclass(frozen=True)
class EmulatorState:
    endpoint: str
    pid: int | None  # None: not ours (AWS_ENDPOINT_URL)
    started: bool = False  # True when this call started it


def reachable(endpoint: str, timeout: float = 1.0) -> bool:
    """True when anything answers HTTP at `endpoint` (moto answers every path)."""
    if not endpoint.startswith(("http://", "https://")):
        return False
    try:
        url = f"{endpoint}/moto-api/"  # http(s) only: endpoints come from us or AWS_ENDPOINT_URL
        with urllib.request.urlopen(url, timeout=timeout):  # noqa: S310  # nosec B310
            return True
    except urllib.error.HTTPError:
        return True
    except (urllib.error.URLError, OSError):
        return False


def read_state(state_dir: Path = STATE_DIR) -> EmulatorState | None:
    path = state_dir / STATE_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return EmulatorState(endpoint=str(data["endpoint"]), pid=int(data["pid"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def running_endpoint(state_dir: Path = STATE_DIR) -> str:
    """The endpoint of an emulator that already runs; EmulatorUnreachable if there is none."""
    override = os.environ.get(ENDPOINT_ENV)
    if override:
        if not reachable(override):
            raise EmulatorUnreachable(override, f"set by {ENDPOINT_ENV}; nothing answers there")
        return override
    state = read_state(state_dir)
    if state is None:
        raise EmulatorNotStarted(str(state_dir / STATE_FILE))
    if not reachable(state.endpoint):
        raise EmulatorUnreachable(state.endpoint, f"process {state.pid} does not answer")
    return state.endpoint


def ensure_emulator(state_dir: Path = STATE_DIR) -> EmulatorState:
    """Reuse the running emulator, or start one on a free loopback port and record it."""
    override = os.environ.get(ENDPOINT_ENV)
    if override:
        return EmulatorState(endpoint=running_endpoint(state_dir), pid=None)
    state = read_state(state_dir)
    if state is not None and reachable(state.endpoint):
        return state
    port = free_port()
    endpoint = loopback_url(port)
    state_dir.mkdir(parents=True, exist_ok=True)
    log = (state_dir / "emulator.log").open("ab")
    process = subprocess.Popen(  # nosec B603 - fixed argv: our interpreter, loopback port
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        start_new_session=True,  # outlives this command: later commands find it
    )
    log.close()
    deadline = time.monotonic() + START_TIMEOUT_S
    while not reachable(endpoint, timeout=0.5):
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise EmulatorUnreachable(
                endpoint, f"moto server did not start; see {state_dir / 'emulator.log'}"
            )
        time.sleep(0.1)
    (state_dir / STATE_FILE).write_text(
        json.dumps({"endpoint": endpoint, "pid": process.pid, "port": port}) + "\n",
        encoding="utf-8",
    )
    return EmulatorState(endpoint=endpoint, pid=process.pid, started=True)


def stop_emulator(state_dir: Path = STATE_DIR) -> int | None:
    """Stop the emulator this tool started (the pid in the state file, only if that process is
    still a moto server) and forget it; returns the pid stopped, or None."""
    state = read_state(state_dir)
    (state_dir / STATE_FILE).unlink(missing_ok=True)
    if state is None or state.pid is None or not _is_moto_server(state.pid):
        return None
    os.kill(state.pid, signal.SIGTERM)
    return state.pid


def _is_moto_server(pid: int) -> bool:
    """Guards against a recycled pid: the process must still be `python -m moto.server`."""
    try:
        argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return False
    return b"moto.server" in argv
