"""Runtime dependencies for Lambda: `uv export` of the lock, then pip with Lambda's platform tags.

Wheels are downloaded once into a cache folder and installed from it with --no-index, so a
rebuild with an unchanged lock works offline and fast; the lock's hashes are checked either way.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Protocol

from infra.artifact.errors import BuildError
from infra.artifact.runtime import LAMBDA_PLATFORM, LAMBDA_PYTHON

OUTPUT_TAIL = 20


class Runner(Protocol):
    def __call__(
        self, argv: Sequence[str], cwd: Path, env: Mapping[str, str] | None = None
    ) -> None: ...


def run_tool(argv: Sequence[str], cwd: Path, env: Mapping[str, str] | None = None) -> None:
    """Run a build tool; BuildError with the tail of its output if it fails."""
    try:
        result = subprocess.run(
            list(argv),
            cwd=cwd,
            env={**os.environ, **env} if env else None,
            capture_output=True,
            text=True,
            check=False,
        )
    except FileNotFoundError:
        raise BuildError(
            f"{argv[0]} was not found: install it, or build in the toolchain"
        ) from None
    if result.returncode != 0:
        tail = "\n".join((result.stdout + result.stderr).splitlines()[-OUTPUT_TAIL:])
        raise BuildError(f"`{' '.join(argv[:4])} ...` failed ({result.returncode}):\n{tail}")


# Where the pipeline's toolchain image installs uv (outside the project venv, not on PATH).
TOOLCHAIN_UV = Path("/opt/uv/bin/uv")


def find_uv() -> str:
    found = shutil.which("uv")
    if found:
        return found
    return str(TOOLCHAIN_UV) if TOOLCHAIN_UV.is_file() else "uv"


def export_command(out: Path) -> list[str]:
    uv = find_uv()
    return [
        uv,
        "export",
        "--frozen",
        "--no-dev",
        "--no-default-groups",
        "--no-emit-project",
        "--no-header",
        "--format",
        "requirements-txt",
        "--output-file",
        str(out),
    ]


def platform_args() -> list[str]:
    return [
        "--only-binary=:all:",
        "--platform",
        LAMBDA_PLATFORM,
        "--python-version",
        LAMBDA_PYTHON,
        "--implementation",
        "cp",
        "--no-deps",  # the exported lock already lists every transitive dependency
    ]


def download_command(requirements: Path, cache: Path) -> list[str]:
    return [
        sys.executable, "-m", "pip", "download", "--quiet", *platform_args(),
        "--dest", str(cache), "-r", str(requirements),
    ]  # fmt: skip


def install_command(requirements: Path, cache: Path, target: Path) -> list[str]:
    return [
        sys.executable, "-m", "pip", "install", "--quiet", *platform_args(),
        "--no-index", "--find-links", str(cache), "--no-compile",
        "--target", str(target), "-r", str(requirements),
    ]  # fmt: skip


def install_dependencies(
    repo: Path, work: Path, cache: Path, target: Path, run: Runner = run_tool
) -> Path:
    """Install the locked runtime deps for Lambda into `target`; returns the requirements file."""
    requirements = work / "requirements.txt"
    run(export_command(requirements), repo)
    cache.mkdir(parents=True, exist_ok=True)
    try:
        run(install_command(requirements, cache, target), repo)
    except BuildError:
        # Cache miss (first build, or the lock changed): fetch, then install from the cache.
        if target.exists():
            shutil.rmtree(target)
        run(download_command(requirements, cache), repo)
        run(install_command(requirements, cache, target), repo)
    return requirements
