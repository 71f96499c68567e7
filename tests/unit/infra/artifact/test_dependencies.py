from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import pytest

from infra.artifact.dependencies import (
    export_command,
    install_dependencies,
    platform_args,
    run_tool,
)
from infra.artifact.errors import BuildError
from infra.artifact.runtime import LAMBDA_PLATFORM, LAMBDA_PYTHON


class FakeRunner:
    """Records commands; `pip install` fails until a `pip download` has happened."""

    def __init__(self, cached: bool) -> None:
        self.cached = cached
        self.commands: list[str] = []

    def __call__(
        self, argv: Sequence[str], cwd: Path, env: Mapping[str, str] | None = None
    ) -> None:
        verb = argv[3] if argv[1:3] == ["-m", "pip"] else argv[1]
        self.commands.append(verb)
        if verb == "download":
            self.cached = True
        if verb == "install" and not self.cached:
            raise BuildError("no matching distribution")


@pytest.mark.parametrize(
    ("cached", "commands"),
    [(True, ["export", "install"]), (False, ["export", "install", "download", "install"])],
)
def test_install_uses_the_cache_first(tmp_path: Path, cached: bool, commands: list[str]) -> None:
    runner = FakeRunner(cached)
    install_dependencies(tmp_path, tmp_path, tmp_path / "cache", tmp_path / "site", runner)
    assert runner.commands == commands


def test_commands_target_lambdas_python_and_platform(tmp_path: Path) -> None:
    args = platform_args()
    assert args[args.index("--python-version") + 1] == LAMBDA_PYTHON
    assert args[args.index("--platform") + 1] == LAMBDA_PLATFORM
    assert "--only-binary=:all:" in args
    export = export_command(tmp_path / "req.txt")
    assert {"--frozen", "--no-dev", "--no-emit-project"} <= set(export)


def test_run_tool_reports_failures_and_missing_tools(tmp_path: Path) -> None:
    with pytest.raises(BuildError, match="failed"):
        run_tool(["python3", "-c", "import sys; print('bad lock'); sys.exit(3)"], tmp_path)
    with pytest.raises(BuildError, match="not found"):
        run_tool(["no-such-tool-here"], tmp_path)
    run_tool(["python3", "-c", "import os; assert os.environ['X'] == '1'"], tmp_path, {"X": "1"})
