"""The E2E step: what the suite's process gets (never a token on the command line), and a
failure marking the environment's latest deployment record failed, as smoke does."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from infra.deploy.records import Outcome
from pipeline.release.e2e import (
    E2ERun,
    E2ETarget,
    e2e_environment,
    pytest_argv,
    suite_environment,
)
from pipeline.release.errors import E2EFailed, ReleaseError
from tests.unit.ci.release.test_smoke_step import FakeStore, record

# pragma: allowlist nextline secret
TOKENS = {"E2E_TOKEN": "e2e-token-value", "E2E_EXPIRED_TOKEN": "expired-value"}
TARGET = E2ETarget("http://127.0.0.1:9", "PIPELINE_APP_URL_DEV", ("e2e-dev-a", "e2e-dev-b"), TOKENS)
LATER = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


def test_the_suite_gets_its_target_through_its_environment_only() -> None:
    argv = pytest_argv(Path("build/reports/e2e-dev/e2e-junit.xml"))
    assert argv[1:4] == ["-m", "pytest", "tests/e2e"]
    assert not any("token-value" in arg or "127.0.0.1" in arg for arg in argv)
    env = suite_environment(TARGET, {"PATH": "/bin", "E2E_SIGNING_KEY": "pem", "E2E_SITES": "x"})
    assert env == {
        "PATH": "/bin",  # the caller's environment is kept...
        **TOKENS,  # ...minus any E2E_* it had (a stray signing key must not change identity)
        "E2E_BASE_URL": "http://127.0.0.1:9",
        "E2E_SITES": "e2e-dev-a,e2e-dev-b",
        "E2E_IDENTITY": "token",
    }


def test_the_target_never_shows_its_tokens() -> None:
    assert "e2e-token-value" not in repr(TARGET)


def test_a_passing_suite_returns_the_digest_and_changes_nothing() -> None:
    store = FakeStore([record()])
    seen: list[E2ETarget] = []

    def run(target: E2ETarget) -> E2ERun:
        seen.append(target)
        return E2ERun(0, Path("junit.xml"))

    lines: list[str] = []
    assert e2e_environment("dev", TARGET, store, run, lines.append) == "d" * 64
    assert seen == [TARGET]
    assert store.saved == []
    assert lines[-1] == "e2e dev: passed (JUnit: junit.xml)"
    assert "sites e2e-dev-a, e2e-dev-b, deployment dep1 (digest dddddddddddd)" in lines[0]


@pytest.mark.parametrize("exit_code", [1, 2, 5])
def test_a_failing_suite_marks_the_latest_record_failed(exit_code: int) -> None:
    store = FakeStore([record()])
    with pytest.raises(E2EFailed, match="deployment dep1 is marked failed") as caught:
        e2e_environment(
            "dev", TARGET, store, lambda _t: E2ERun(exit_code, Path("j.xml")), print, lambda: LATER
        )
    assert "Details: j.xml" in str(caught.value)
    (saved,) = store.saved
    assert saved.outcome is Outcome.FAILED
    assert saved.error == f"E2E tests failed against http://127.0.0.1:9 (pytest exit {exit_code})"
    assert saved.notes == ("verified", "e2e failed at 2026-01-02T03:04:05+00:00")


def test_no_deployment_means_deploy_first() -> None:
    with pytest.raises(ReleaseError, match="dev has no deployment record: deploy it first"):
        e2e_environment("dev", TARGET, FakeStore([]), lambda _t: E2ERun(0, Path("j")), print)
