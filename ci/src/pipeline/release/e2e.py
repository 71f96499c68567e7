"""The E2E step: run tests/e2e (the user flows) against an environment's API, JUnit in
build/reports/e2e-<env>/; a failure marks the environment's latest deployment record failed (as
a smoke failure does: that digest did not pass there) and exits 1."""

from __future__ import annotations

import subprocess  # nosec B404 - runs pytest with a fixed argv
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from pipeline.release.deployed import RecordsPort, latest_deployment, mark_failed
from pipeline.release.errors import E2EFailed

E2E_DIR = "tests/e2e"
JUNIT_FILE = "e2e-junit.xml"
Emit = Callable[[str], None]


@dataclass(frozen=True)
class E2ETarget:
    """Where the suite goes (and where that URL came from), its sites and its tokens (the
    suite's E2E_* variables: E2E_TOKEN, optionally the expired and foreign-audience ones)."""

    base_url: str
    source: str
    sites: tuple[str, ...]
    tokens: Mapping[str, str] = field(repr=False)


@dataclass(frozen=True)
class E2ERun:
    exit_code: int
    junit: Path


def pytest_argv(junit: Path) -> list[str]:
    """Tokens and URLs never go on the command line: the suite reads E2E_* from its env."""
    return [
        sys.executable,
        "-m",
        "pytest",
        E2E_DIR,
        "-p",
        "no:cacheprovider",
        "-q",
        "-rs",  # say which tests were skipped and why (e.g. no faulted instance)
        f"--junitxml={junit}",
    ]


def suite_environment(target: E2ETarget, environ: Mapping[str, str]) -> dict[str, str]:
    """The suite's environment: the caller's minus any E2E_* it had, plus this target's."""
    kept = {k: v for k, v in environ.items() if not k.startswith("E2E_")}
    return {
        **kept,
        **target.tokens,
        "E2E_BASE_URL": target.base_url,
        "E2E_SITES": ",".join(target.sites),
        "E2E_IDENTITY": "token",
    }


def run_pytest(
    repo: Path, target: E2ETarget, report_dir: Path, environ: Mapping[str, str]
) -> E2ERun:
    report_dir.mkdir(parents=True, exist_ok=True)
    junit = report_dir / JUNIT_FILE
    code = subprocess.call(  # nosec B603 - our interpreter, fixed argv
        pytest_argv(junit), cwd=repo, env=suite_environment(target, environ)
    )
    return E2ERun(code, junit.relative_to(repo) if junit.is_relative_to(repo) else junit)


def e2e_environment(
    env: str,
    target: E2ETarget,
    store: RecordsPort,
    run: Callable[[E2ETarget], E2ERun],
    emit: Emit = print,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> str:
    """Run the E2E suite against `env`'s latest deployment; returns its digest, or raises
    E2EFailed after marking that record failed."""
    record = latest_deployment(env, store)
    emit(
        f"e2e {env}: {target.base_url} (from {target.source}), sites {', '.join(target.sites)}, "
        f"deployment {record.deployment_id} (digest {record.digest[:12]})"
    )
    result = run(target)
    if result.exit_code == 0:
        emit(f"e2e {env}: passed (JUnit: {result.junit})")
        return record.digest
    error = f"E2E tests failed against {target.base_url} (pytest exit {result.exit_code})"
    mark_failed(store, record, "e2e", error, now)
    emit(f"e2e {env}: FAILED; marked deployment {record.deployment_id} failed")
    raise E2EFailed(
        f"E2E tests failed against {env} ({target.base_url}); deployment "
        f"{record.deployment_id} is marked failed. Details: {result.junit}"
    )
