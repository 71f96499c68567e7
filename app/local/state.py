"""The state file of a backgrounded local run (.pipeline/local/state.json)."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

STATE_DIR = Path(".pipeline/local")
STATE_FILE = "state.json"


@dataclass(frozen=True)
class LocalRun:
    """A running local stack: where it answers, a dev token, and what to stop."""

    engine: str
    base_url: str
    emulator_url: str
    token: str
    pids: tuple[int, ...] = ()
    containers: tuple[str, ...] = ()


def state_dir(repo: Path) -> Path:
    return repo / STATE_DIR


def write_state(repo: Path, run: LocalRun) -> Path:
    folder = state_dir(repo)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / STATE_FILE
    path.write_text(json.dumps(asdict(run), indent=2))
    path.chmod(0o600)  # holds the dev token
    return path


def read_state(repo: Path) -> LocalRun | None:
    path = state_dir(repo) / STATE_FILE
    if not path.exists():
        return None
    raw = json.loads(path.read_text())
    return LocalRun(
        engine=str(raw["engine"]),
        base_url=str(raw["base_url"]),
        emulator_url=str(raw["emulator_url"]),
        token=str(raw["token"]),
        pids=tuple(int(p) for p in raw.get("pids", ())),
        containers=tuple(str(c) for c in raw.get("containers", ())),
    )


def clear_state(repo: Path) -> None:
    (state_dir(repo) / STATE_FILE).unlink(missing_ok=True)
