"""The one place the gates start processes: scanners run as argv lists, never through a shell."""

from __future__ import annotations

import os
import shutil
import subprocess  # nosec B404 - running the security scanners is the point of the gates
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from pipeline.gates.outcome import ToolFailed, ToolNotInstalled

INSTALL_HINT = (
    "install the security toolchain with `uv sync --frozen --project ci/toolchains/security` "
    "and put ci/toolchains/security/.venv/bin first on PATH (the scan stage's image has it)"
)


@dataclass(frozen=True)
class ToolRun:
    argv: tuple[str, ...]
    exit_code: int
    stdout: str
    stderr: str
    duration_s: float


class ToolRunner(Protocol):
    def which(self, tool: str) -> str | None:
        """The executable's path, or None when it is not installed."""
        ...

    def run(self, argv: Sequence[str], cwd: Path) -> ToolRun:
        """Run argv (argv[0] already resolved) to completion, capturing its output."""
        ...


class SubprocessRunner:
    """Runs tools found on PATH, optionally with extra folders searched first."""

    def __init__(self, path_prefix: Sequence[Path] = ()) -> None:
        parts = [str(p) for p in path_prefix]
        self._path = os.pathsep.join([*parts, os.environ.get("PATH", os.defpath)])

    def which(self, tool: str) -> str | None:
        return shutil.which(tool, path=self._path)

    def run(self, argv: Sequence[str], cwd: Path) -> ToolRun:
        env = {**os.environ, "PATH": self._path}
        started = time.monotonic()
        try:
            proc = subprocess.run(  # nosec B603 - argv list from the gate modules, no shell
                list(argv),
                cwd=cwd,
                env=env,
                capture_output=True,
                text=True,
                errors="replace",
                check=False,
            )
        except OSError as exc:
            raise ToolFailed(f"cannot start {argv[0]}: {exc}; {INSTALL_HINT}") from exc
        return ToolRun(
            tuple(argv), proc.returncode, proc.stdout, proc.stderr, time.monotonic() - started
        )


def require(runner: ToolRunner, tool: str) -> str:
    """The path of `tool`, or ToolNotInstalled saying how to get it."""
    found = runner.which(tool)
    if found is None:
        raise ToolNotInstalled(f"{tool} is not installed (not on PATH): {INSTALL_HINT}")
    return found


def output_tail(run: ToolRun, lines: int = 15) -> str:
    """The last lines of a tool's stderr (or stdout), for an error message."""
    text = run.stderr.strip() or run.stdout.strip() or "(no output)"
    return "\n".join(text.splitlines()[-lines:])
