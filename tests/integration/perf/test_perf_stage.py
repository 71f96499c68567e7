"""The perf stage's entry for real, kept short (5 s of load): against the local target (a moto
server and the app under uvicorn) it sizes the load from the emulator's ceiling, states that
ceiling, judges, writes the report and the stage's summary block, and records the verdict for
promotion (`latest_green` per digest); when the emulator's ceiling explains the run it ends
Inconclusive (the degraded exit), recorded, and never green."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path

import pytest

from infra.config import load_environment
from infra.config.model import EnvironmentConfig
from infra.deploy.records import DeploymentRecord, Outcome, RecordStore
from infra.perf.gate import Verdict
from infra.perf.local_ceiling import LocalCeiling
from infra.perf.plan import plan_perf
from infra.perf.records import PerfRecords, latest_green
from infra.targets import local_capacity as lc
from pipeline.release.entries import EntryContext
from pipeline.release.entries import perf as entry
from pipeline.release.errors import StageDegraded
from pipeline.release.suite_tokens import LocalMinter, SuiteSites
from tests.integration.perf.conftest import REPO, LocalStack

pytestmark = [pytest.mark.emulator, pytest.mark.slow]
DIGEST = "e" * 64  # what the conftest's app reports as its artifact
SHORT = {"users": 4, "spawn_rate_per_s": 4, "duration_s": 5, "sites": 2, "min_requests": 5}


def short_staging() -> EnvironmentConfig:
    """Staging with a 5 s local load and thresholds a few samples can judge."""
    staging = load_environment("staging")
    assert staging.perf is not None
    load = staging.perf.local_load.model_copy(update=SHORT)
    thresholds = staging.perf.thresholds.model_copy(update={"min_samples": 1})
    perf = staging.perf.model_copy(update={"local_load": load, "thresholds": thresholds})
    return staging.model_copy(update={"perf": perf})


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A repository root for the stage's files (reports), with the real locustfile."""
    (tmp_path / "tests").symlink_to(REPO / "tests", target_is_directory=True)
    return tmp_path


@pytest.fixture(scope="module")
def app_url(stack: LocalStack) -> str:
    return stack.start_app()


@pytest.fixture
def context(stack: LocalStack, app_url: str, repo: Path) -> EntryContext:
    config = short_staging()
    now = datetime.now(UTC)
    deployed = DeploymentRecord(
        "dep-perf-it", "staging", "local", DIGEST, "abc1234", "it", now, Outcome.SUCCEEDED, now
    )
    RecordStore(stack.deployments(), "staging").save(deployed)
    sites = plan_perf(config, "local").sites
    tokens = LocalMinter(stack.keys.private_pem).tokens(SuiteSites(perf=sites))
    environ = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "EI_FAULT_"))},
        "PIPELINE_TARGET": "local",
        "AWS_ENDPOINT_URL": stack.emulator_url,
        "PIPELINE_APP_URL_STAGING": app_url,
        **tokens,
    }
    return EntryContext(config, repo, environ, lambda line: print(line, flush=True))


def test_a_short_local_run_is_judged_reported_and_recorded_for_promotion(
    stack: LocalStack, context: EntryContext, repo: Path
) -> None:
    entry.run(context)  # returns: Successful (anything else raises, naming why)
    out = repo / "build/reports/perf/staging"
    summary = json.loads((out / "summary.json").read_text())
    assert summary["verdict"] == "Successful"
    assert summary["measured"]["requests"] >= 5
    markdown = (out / "summary.md").read_text()
    assert "emulator ceiling" in markdown  # every local report states the ceiling it ran under
    assert "by the emulator's ceiling" in markdown or "within the emulator's ceiling" in markdown
    for name in ("latency.png", "throughput.png", "baseline.png", "locust_stats.csv"):
        assert (out / name).is_file(), name
    assert (repo / "build/reports/perf-staging/step-summary.md").read_text() == markdown
    green = latest_green(stack.deployments(), "staging", DIGEST)
    assert green is not None
    assert green.verdict is Verdict.SUCCESSFUL
    assert green.run_id == summary["run_id"]


def test_a_run_the_emulators_ceiling_explains_is_inconclusive_and_never_green(
    stack: LocalStack, context: EntryContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    # An emulator 1000 times slower than the recorded one: one user already saturates it.
    rates = ("get_item_per_s", "query_per_s", "empty_query_per_s", "scanned_items_per_s")
    rates += ("batch_write_per_s", "put_object_per_s")
    slow = lc.EmulatorCapacity(
        **{name: getattr(lc.MEASURED, name) / 1000 for name in rates}, source="a slow emulator"
    )
    monkeypatch.setattr(entry, "probe_ceiling", lambda *_: LocalCeiling(slow, recorded=slow))
    before = latest_green(stack.deployments(), "staging", DIGEST)
    with pytest.raises(StageDegraded, match="perf staging: Inconclusive") as caught:
        entry.run(context)
    assert caught.value.exit_code == 3
    assert "emulator saturated" in str(caught.value)
    assert "never a pass" in str(caught.value)
    (latest,) = PerfRecords(stack.deployments(), "staging").history(1)
    assert latest.verdict is Verdict.INCONCLUSIVE
    assert latest.profile.startswith("local users=1 ")  # sized down to the slow ceiling
    after = latest_green(stack.deployments(), "staging", DIGEST)
    assert (after.run_id if after else None) == (before.run_id if before else None)
