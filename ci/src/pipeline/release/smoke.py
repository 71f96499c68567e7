"""The smoke step: run tests/smoke against an environment and note the result on its latest
deployment record: `smoke passed at …` (the evidence staging's deploy and the promotion gate
read), or the record marked failed (so history shows the digest did not pass) and exit 1."""

from __future__ import annotations

import subprocess  # nosec B404 - runs pytest with a fixed argv
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

from infra.deploy.promotion_source import SMOKE_PASSED
from pipeline.release.deployed import RecordsPort, latest_deployment, mark_failed
from pipeline.release.errors import SmokeFailed

SMOKE_DIR = "tests/smoke"
Emit = Callable[[str], None]


@dataclass(frozen=True)
class SmokeEndpoint:
    """Where the smoke tests go, where that URL came from (for the log), and the token."""

    base_url: str
    source: str
    token: str = field(repr=False)


@dataclass(frozen=True)
class SmokeRun:
    exit_code: int
    junit: Path


def pytest_argv(endpoint: SmokeEndpoint, digest: str, junit: Path) -> list[str]:
    """The token never goes on the command line (process lists, logs): only in the env."""
    return [
        sys.executable,
        "-m",
        "pytest",
        SMOKE_DIR,
        "-p",
        "no:cacheprovider",
        "-q",
        "--base-url",
        endpoint.base_url,
        "--expected-digest",
        digest,
        f"--junitxml={junit}",
    ]


def run_pytest(
    repo: Path, endpoint: SmokeEndpoint, digest: str, report_dir: Path, environ: Mapping[str, str]
) -> SmokeRun:
    report_dir.mkdir(parents=True, exist_ok=True)
    junit = report_dir / "smoke-junit.xml"
    env = {**environ, "SMOKE_TOKEN": endpoint.token}
    code = subprocess.call(  # nosec B603 - our interpreter, fixed argv
        pytest_argv(endpoint, digest, junit), cwd=repo, env=env
    )
    return SmokeRun(code, junit.relative_to(repo) if junit.is_relative_to(repo) else junit)


def smoke_environment(
    env: str,
    endpoint: SmokeEndpoint,
    store: RecordsPort,
    run: Callable[[SmokeEndpoint, str], SmokeRun],
    emit: Emit = print,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> str:
    """Smoke-test `env`'s latest deployment; returns its digest or raises SmokeFailed after
    marking that record failed."""
    record = latest_deployment(env, store)
    emit(
        f"smoke {env}: {endpoint.base_url} (from {endpoint.source}), expecting digest "
        f"{record.digest[:12]} (deployment {record.deployment_id})"
    )
    result = run(endpoint, record.digest)
    at = now().isoformat(timespec="seconds")
    if result.exit_code == 0:
        # The evidence a later environment (and promotion) is built on: green, on the record.
        store.save(replace(record, notes=(*record.notes, f"{SMOKE_PASSED} at {at}")))
        emit(f"smoke {env}: passed; noted on deployment {record.deployment_id}")
        return record.digest
    error = f"smoke tests failed against {endpoint.base_url} (pytest exit {result.exit_code})"
    mark_failed(store, record, "smoke", error, now)
    emit(f"smoke {env}: FAILED; marked deployment {record.deployment_id} failed")
    raise SmokeFailed(
        f"smoke tests failed against {env} ({endpoint.base_url}); deployment "
        f"{record.deployment_id} is marked failed. Details: {result.junit}"
    )
