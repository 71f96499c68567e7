"""The toolchain images every stage runs in, the tool caches, the services stages talk to,
and what never enters a container or a cache key."""

from __future__ import annotations

from pipeline.catalog.model import Cache, Service, Toolchain

# The uv that installs every toolchain (images, Dagger containers, ./pipeline's bootstrap).
UV_VERSION = "0.13.9"

PYTHON_TOOLCHAIN = Toolchain(
    name="python",
    base_image="python:3.11-slim-bookworm",
    project=".",
    lock_files=("pyproject.toml", "uv.lock"),
    groups=("dev",),
    # git: tests and source listing; haproxy: the local rollout router's config is checked by
    # haproxy itself in the unit tests (infra/rollout/router).
    apt_packages=("git", "haproxy"),
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
    Cache("uv", "/cache/uv", "UV_CACHE_DIR"),
)

# The local AWS emulator as a service; tests/conftest.py uses EMULATOR_URL_ENV when it is set.
EMULATOR_URL_ENV = "PIPELINE_EMULATOR_URL"
EMULATOR_SERVICE = Service(
    name="emulator",
    description="the local AWS emulator (moto server)",
    toolchain="python",
    argv=("python", "-m", "moto.server", "-H", "{host}", "-p", "{port}"),
    port=5000,
    url_env=EMULATOR_URL_ENV,
)
SERVICES = (EMULATOR_SERVICE,)

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
