"""The toolchain images every stage runs in, the tool caches, and what never enters a
container or a cache key."""

from __future__ import annotations

from pipeline.catalog.model import Cache, Toolchain

# The uv that installs every toolchain (images, Dagger containers, ./pipeline's bootstrap).
UV_VERSION = "0.13.9"

PYTHON_TOOLCHAIN = Toolchain(
    name="python",
    base_image="python:3.11-slim-bookworm",
    project=".",
    lock_files=("pyproject.toml", "uv.lock"),
    groups=("dev",),
    apt_packages=("git",),  # tests and source listing use git
)
SECURITY_TOOLCHAIN = Toolchain(
    name="security",
    base_image="python:3.11-slim-bookworm",
    project="ci/toolchains/security",
    lock_files=("ci/toolchains/security/pyproject.toml", "ci/toolchains/security/uv.lock"),
    apt_packages=("git",),
)
TOOLCHAINS = (PYTHON_TOOLCHAIN, SECURITY_TOOLCHAIN)

CACHES = (
    Cache("ruff", "/cache/ruff", "RUFF_CACHE_DIR"),
    Cache("mypy", "/cache/mypy", "MYPY_CACHE_DIR"),
)

PY_SOURCES = ("app/**/*.py", "infra/**/*.py", "ci/src/**/*.py")
PROJECT_FILES = ("pyproject.toml", "uv.lock")

# Files never read as stage inputs nor copied into containers.
EXCLUDES = (
    ".git",
    ".venv",
    "**/.venv",
    ".pipeline",
    "build",
    "ci/sdk",
    "**/__pycache__",
    ".mypy_cache",
    ".ruff_cache",
    ".pytest_cache",
    ".coverage",
)
