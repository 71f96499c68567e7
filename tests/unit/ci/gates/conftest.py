"""Fakes for the gates: a scripted tool runner, recorded tool outputs, the real security venv."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import NoReturn

import pytest

from pipeline.gates.context import GateContext
from pipeline.gates.tool_runner import ToolRun
from tests.conftest import IN_CI

FIXTURES = Path(__file__).parent / "fixtures"
REPO_ROOT = Path(__file__).resolve().parents[4]
SECURITY_PROJECT = "ci/toolchains/security"
SECURITY_BIN = REPO_ROOT / SECURITY_PROJECT / ".venv" / "bin"
# The docker engine's toolchain images keep uv here (engines/docker/recipe.py, UV_VENV).
IMAGE_UV_BIN = "/opt/uv/bin"
ALL_TOOLS = ("bandit", "pip-audit", "detect-secrets", "zizmor", "checkov")

Reply = tuple[int, str, str]
Script = Callable[[list[str], Path], Reply]


def option(argv: Sequence[str], flag: str) -> str:
    """The value after `flag` in argv."""
    return argv[list(argv).index(flag) + 1]


@dataclass
class FakeRunner:
    """Answers like the real tools would: `script` may write report files and returns
    (exit code, stdout, stderr). Records every argv it was asked to run."""

    script: Script = lambda argv, cwd: (0, "", "")
    installed: Iterable[str] = ALL_TOOLS
    calls: list[list[str]] = field(default_factory=list)

    def which(self, tool: str) -> str | None:
        return tool if tool in set(self.installed) else None

    def run(self, argv: Sequence[str], cwd: Path) -> ToolRun:
        self.calls.append(list(argv))
        code, out, err = self.script(list(argv), cwd)
        return ToolRun(tuple(argv), code, out, err, 0.01)


def fixture_text(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    root.mkdir()
    return root


def context(repo: Path, runner: FakeRunner) -> GateContext:
    """A gate context with an empty environment (no GitHub token: offline audits only)."""
    return GateContext(repo=repo, runner=runner, environ={})


@pytest.fixture(scope="session")
def security_bin() -> Path:
    """The security toolchain's venv bin folder, created with `uv sync --frozen` if missing."""
    if not (SECURITY_BIN / "checkov").exists():
        uv = shutil.which("uv") or shutil.which("uv", path=IMAGE_UV_BIN)
        if uv is None:
            _unavailable(f"uv is neither on PATH nor in {IMAGE_UV_BIN}")
        proc = subprocess.run(
            [uv, "sync", "--frozen", "--project", SECURITY_PROJECT],
            cwd=REPO_ROOT,
            capture_output=True,
            text=True,
            check=False,
            env={**os.environ, "UV_PROJECT_ENVIRONMENT": str(SECURITY_BIN.parent)},
        )
        if proc.returncode != 0:
            command = f"uv sync --frozen --project {SECURITY_PROJECT}"
            _unavailable(f"`{command}` failed: {proc.stderr[-800:]}")
    return SECURITY_BIN


def _unavailable(why: str) -> NoReturn:
    message = f"the security toolchain venv is not available: {why}"
    if IN_CI:
        pytest.fail(message + " (CI=true: these tests must run, not skip)")
    pytest.skip(message)
