from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from infra.deploy.promotion_source import is_green
from infra.deploy.records import DeploymentRecord, Outcome
from pipeline.release.errors import ReleaseError, SmokeFailed
from pipeline.release.smoke import SmokeEndpoint, SmokeRun, pytest_argv, smoke_environment

ENDPOINT = SmokeEndpoint("http://127.0.0.1:9", "PIPELINE_APP_URL_DEV", token="tok-value")
STARTED = datetime(2026, 1, 1, tzinfo=UTC)


def record(outcome: Outcome = Outcome.SUCCEEDED) -> DeploymentRecord:
    return DeploymentRecord(
        deployment_id="dep1",
        env="dev",
        target="local",
        digest="d" * 64,
        commit="abc1234",
        actor="me",
        started_at=STARTED,
        outcome=outcome,
        finished_at=STARTED,
        notes=("verified",),
    )


class FakeStore:
    def __init__(self, records: list[DeploymentRecord]) -> None:
        self.records = records
        self.saved: list[DeploymentRecord] = []

    def history(self, limit: int = 20) -> list[DeploymentRecord]:
        return self.records[:limit]

    def save(self, record: DeploymentRecord) -> None:
        self.saved.append(record)


def test_passing_smoke_notes_the_pass_on_the_record() -> None:
    store = FakeStore([record()])
    seen: list[str] = []

    def run(endpoint: SmokeEndpoint, digest: str) -> SmokeRun:
        seen.append(digest)
        return SmokeRun(0, Path("junit.xml"))

    digest = smoke_environment(
        "dev",
        ENDPOINT,
        store,
        run,
        emit=lambda _l: None,
        now=lambda: datetime(2026, 1, 2, tzinfo=UTC),
    )
    assert digest == "d" * 64
    assert seen == ["d" * 64]
    (saved,) = store.saved
    assert saved.outcome is Outcome.SUCCEEDED  # only a note is added: the evidence of green
    assert saved.notes == ("verified", "smoke passed at 2026-01-02T00:00:00+00:00")
    assert is_green(saved) and not is_green(record())


@pytest.mark.parametrize("exit_code", [1, 2, 5])
def test_failing_smoke_marks_the_latest_record_failed(exit_code: int) -> None:
    store = FakeStore([record()])
    lines: list[str] = []
    with pytest.raises(SmokeFailed, match="deployment dep1 is marked failed") as caught:
        smoke_environment(
            "dev",
            ENDPOINT,
            store,
            lambda _e, _d: SmokeRun(exit_code, Path("junit.xml")),
            emit=lines.append,
            now=lambda: datetime(2026, 1, 2, tzinfo=UTC),
        )
    assert caught.value.exit_code == 1
    (saved,) = store.saved
    assert saved.outcome is Outcome.FAILED
    assert saved.finished_at == STARTED  # the deploy's own end time is kept
    assert f"pytest exit {exit_code}" in saved.error
    assert saved.notes == ("verified", "smoke failed at 2026-01-02T00:00:00+00:00")
    assert "tok-value" not in " ".join(lines) + str(caught.value)


def test_no_record_means_nothing_was_deployed() -> None:
    with pytest.raises(ReleaseError, match="no deployment record"):
        smoke_environment("dev", ENDPOINT, FakeStore([]), lambda _e, _d: SmokeRun(0, Path("x")))


def test_pytest_argv_never_carries_the_token() -> None:
    argv = pytest_argv(ENDPOINT, "d" * 64, Path("out.xml"))
    assert "tok-value" not in " ".join(argv)
    assert argv[argv.index("--base-url") + 1] == ENDPOINT.base_url
    assert argv[argv.index("--expected-digest") + 1] == "d" * 64
    assert "tests/smoke" in argv
