"""The perf stage for real: locust drives the locustfile's journeys against the app (uvicorn +
moto); a healthy app passes with report, plots and a `perf#` record, the next run compares with
it, and the latency fault switch fails the gate naming the exceeded threshold."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from infra.config import load_environment
from infra.config.model import EnvironmentConfig
from infra.perf.endpoint import HttpEndpoint
from infra.perf.gate import Verdict
from infra.perf.locust_process import LocustProcess
from infra.perf.records import PerfRecords, latest_green
from infra.perf.stage import PerfOutcome, PerfPorts, PerfRequest, run_perf
from infra.perf.tokens import DevKeyTokens
from tests.integration.perf.conftest import REPO, LocalStack

pytestmark = [pytest.mark.emulator, pytest.mark.slow]
SHORT = {"users": 4, "spawn_rate_per_s": 4, "duration_s": 20, "sites": 2, "min_requests": 10}


def config(p95_ms: int = 5000) -> EnvironmentConfig:
    """Staging's config with thresholds a 20 s run can judge (few samples, its own p95)."""
    staging = load_environment("staging")
    assert staging.perf is not None
    thresholds = staging.perf.thresholds.model_copy(update={"p95_ms": p95_ms, "min_samples": 3})
    return staging.model_copy(
        update={"perf": staging.perf.model_copy(update={"thresholds": thresholds})}
    )


def perf(stack: LocalStack, url: str, out: Path, cfg: EnvironmentConfig) -> PerfOutcome:
    lines: list[str] = []
    ports = PerfPorts(
        tokens=DevKeyTokens(stack.keys.private_pem),
        endpoint=HttpEndpoint(url),
        generator=LocustProcess(REPO),
        records=PerfRecords(stack.deployments(), "staging"),
        emit=lines.append,
    )
    request = PerfRequest("staging", "local", url, out, digest="e" * 64, overrides=SHORT)
    outcome = run_perf(cfg, request, ports)
    print("\n".join(lines))  # shown when the test fails
    return outcome


def test_a_healthy_app_passes_and_the_next_run_has_a_baseline(
    stack: LocalStack, tmp_path: Path
) -> None:
    url = stack.start_app()
    first = perf(stack, url, tmp_path / "first", config())
    assert first.verdict is Verdict.SUCCESSFUL, first.result
    summary = json.loads(first.files["summary"].read_text())
    assert summary["measured"]["requests"] >= 10
    assert summary["measured"]["failures"] == 0  # refusals (401) of the auth journey included
    for name in ("latency", "throughput", "baseline", "locust_stats", "samples", "markdown"):
        assert first.files[name].is_file(), name
    assert first.record is not None
    green = latest_green(stack.deployments(), "staging", "e" * 64)
    assert green is not None
    assert green.run_id == first.record.run_id

    second = perf(stack, url, tmp_path / "second", config())
    assert second.record is not None
    assert second.record.baseline_run_id == first.record.run_id
    assert second.result is not None
    compared = [c.name for c in second.result.checks if c.name.endswith("vs baseline")]
    assert "throughput vs baseline" in compared


def test_the_latency_fault_fails_the_gate_naming_the_threshold(
    stack: LocalStack, tmp_path: Path
) -> None:
    url = stack.start_app({"EI_FAULT_LATENCY_MS": "1200"})
    outcome = perf(stack, url, tmp_path, config(p95_ms=1000))
    assert outcome.verdict is Verdict.FAILED
    assert outcome.result is not None
    failed = {c.name: c.key for c in outcome.result.failed}
    assert failed.get("interactive p95") == "perf.thresholds.p95_ms"
    assert "❌ Failed" in outcome.files["markdown"].read_text()
    assert outcome.record is not None
    assert outcome.record.verdict is Verdict.FAILED
