"""The perf stage end to end with fake ports: green with report, plots and record; failures
named; no baseline said; unreachable endpoint and wrong build leave no record; a dry run."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from infra.config import load_environment
from infra.config.model import EnvironmentConfig
from infra.perf.endpoint import Deployed
from infra.perf.errors import EndpointUnreachable, PerfConfigError, PerfError
from infra.perf.gate import Verdict
from infra.perf.journeys import Kind
from infra.perf.measure import RunStats
from infra.perf.records import PerfRecord
from infra.perf.report import stats_from_dict
from infra.perf.samples import Sample
from infra.perf.stage import PerfOutcome, PerfPorts, PerfRequest, run_perf
from infra.perf.tokens import StaticToken
from tests.unit.infra.perf.support import NOW, FakeClock, FakeGenerator, many

DIGEST = "d" * 64


class Endpoint:
    def __init__(self, digest: str = DIGEST, down: bool = False) -> None:
        self.digest, self.down = digest, down
        self.seeded: list[str] = []

    def preflight(self) -> Deployed:
        if self.down:
            raise EndpointUnreachable("nothing answers at http://api.test/health")
        return Deployed("1.0.0", self.digest, "staging")

    def seed(self, sites: Sequence[str], token: str) -> int:
        self.seeded = list(sites)
        return 4 * len(sites)


class Records:
    def __init__(self, green: PerfRecord | None = None) -> None:
        self.green = green
        self.saved: list[PerfRecord] = []
        self.asked: list[str | None] = []

    def save(self, record: PerfRecord) -> None:
        self.saved.append(record)

    def latest_green(
        self, digest: str | None = None, profile: str | None = None
    ) -> PerfRecord | None:
        self.asked.append(profile)
        return self.green


class Saturated:
    def local_load(self, configured: Any) -> None:
        return None

    def ceiling(self) -> str:
        return "Query ~16/s (measured)"

    def saturated(self, stats: RunStats) -> str | None:
        return "503s from dependency timeouts at 17 req/s"

    def comparable_key(self) -> str:
        return "table~1578"


def healthy(interactive_ms: float = 100.0) -> list[Sample]:
    return [
        *many(Kind.INTERACTIVE, 120, ms=interactive_ms, spread_s=20),
        *many(Kind.LONG, 60, ms=300, spread_s=20),
        *many(Kind.REPORT, 30, ms=800, spread_s=20),
        *many(Kind.AUTH, 10, status=401, spread_s=20),
    ]


def config() -> EnvironmentConfig:
    return load_environment("staging")


def perf(
    tmp_path: Path,
    samples: list[Sample] | None = None,
    endpoint: Endpoint | None = None,
    records: Records | None = None,
    emulator: Any = None,
    request: dict[str, Any] | None = None,
    cfg: EnvironmentConfig | None = None,
    plots: bool = False,
) -> tuple[PerfOutcome, list[str], FakeGenerator]:
    """One run with fake ports; real matplotlib plots only when `plots` (they take seconds)."""
    lines: list[str] = []
    generator = FakeGenerator([samples if samples is not None else healthy(), []], cpu_s=2.0)
    ports = PerfPorts(
        tokens=StaticToken("tok"),
        endpoint=endpoint or Endpoint(),
        generator=generator,
        records=records,
        emulator=emulator,
        clock=FakeClock(),
        emit=lines.append,
        load_average=lambda: (1.5, 1.2, 1.0),
        run_id=lambda: "run42",
        **({} if plots else {"plot": lambda *_: {}}),
    )
    args = {
        "env": "staging",
        "target": "local",
        "base_url": "http://api.test",
        "out_dir": tmp_path / "perf",
        "digest": DIGEST,
        "commit": "abc",
        "overrides": {"min_requests": 100},
        **(request or {}),
    }
    return run_perf(cfg or config(), PerfRequest(**args), ports), lines, generator


def test_a_green_run_writes_report_plots_markdown_and_record(tmp_path: Path) -> None:
    records = Records()
    outcome, lines, generator = perf(tmp_path, records=records, plots=True)
    assert outcome.verdict is Verdict.SUCCESSFUL
    assert outcome.exit_code == 0
    (run,) = generator.runs
    assert run.sites == (
        "perf-staging-001",
        "perf-staging-002",
        "perf-staging-003",
        "perf-staging-004",
    )
    # pragma: allowlist nextline secret
    assert run.token == "tok"
    for name in ("summary", "markdown", "latency", "throughput", "baseline"):
        assert outcome.files[name].is_file(), name
    for name in ("latency", "throughput", "baseline"):
        assert outcome.files[name].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    summary = json.loads(outcome.files["summary"].read_text())
    assert summary["verdict"] == "Successful"
    assert summary["measured"]["requests"] == 220
    assert summary["conditions"]["load_average"] == [1.5, 1.2, 1.0]
    assert summary["baseline"] is None
    assert stats_from_dict(summary["measured"]).overall.requests == 220  # the capacity input
    markdown = outcome.files["markdown"].read_text()
    assert markdown.startswith("### Perf staging: ✅ Successful")
    assert (
        "**No baseline yet (no green run with this load profile): judged on the absolute "
        "thresholds only.**"
    ) in markdown
    assert "failures by status: none." in markdown
    (record,) = records.saved
    assert (record.run_id, record.digest, record.verdict) == ("run42", DIGEST, Verdict.SUCCESSFUL)
    assert record.samples[Kind.REPORT] == 30
    assert records.asked == [outcome.plan.profile_key]
    assert lines[-1] == f"perf staging: Successful; report in {outcome.files['summary']}"
    assert any("p95 so far" in line for line in lines)  # progress while it ran


def test_a_slow_release_fails_naming_the_exceeded_threshold(tmp_path: Path) -> None:
    records = Records()
    outcome, lines, _ = perf(tmp_path, samples=healthy(interactive_ms=6500), records=records)
    assert outcome.verdict is Verdict.FAILED
    assert outcome.exit_code == 1
    assert any(
        line.startswith(
            "  Failed: interactive p95 6,500 ms all / 6,500 ms successes (limit <= "
            "5,000 ms, perf.thresholds.p95_ms)"
        )
        for line in lines
    )
    assert records.saved[0].findings[0].startswith("Failed: interactive p95")
    assert "❌ Failed" in outcome.files["markdown"].read_text()


def test_the_baseline_is_the_last_green_run_with_the_same_load(tmp_path: Path) -> None:
    first, _, _ = perf(tmp_path / "a", records=Records())
    assert first.record is not None
    records = Records(green=first.record)
    outcome, _, _ = perf(tmp_path / "b", samples=healthy(interactive_ms=200), records=records)
    assert outcome.verdict is Verdict.FAILED  # 100 -> 200 ms: +100 %, above the 50 ms floor
    assert outcome.result is not None
    assert [c.name for c in outcome.result.failed] == ["interactive p95 vs baseline"]
    assert outcome.record is not None
    assert outcome.record.baseline_run_id == "run42"
    summary = json.loads(outcome.files["summary"].read_text())
    assert summary["baseline"]["run_id"] == "run42"


def test_zero_requests_served_fails_and_is_recorded(tmp_path: Path) -> None:
    records = Records()
    outcome, _, _ = perf(tmp_path, samples=[], records=records)
    assert outcome.verdict is Verdict.FAILED
    assert records.saved[0].requests == 0


def test_a_saturated_emulator_is_inconclusive_exit_3(tmp_path: Path) -> None:
    outcome, _, _ = perf(tmp_path, samples=healthy(interactive_ms=7000), emulator=Saturated())
    assert outcome.verdict is Verdict.INCONCLUSIVE
    assert outcome.exit_code == 3
    summary = json.loads(outcome.files["summary"].read_text())
    assert summary["conditions"]["emulator_ceiling"] == "Query ~16/s (measured)"


def test_an_unreachable_endpoint_records_nothing_and_starts_no_load(tmp_path: Path) -> None:
    records = Records()
    with pytest.raises(EndpointUnreachable) as caught:
        perf(tmp_path, endpoint=Endpoint(down=True), records=records)
    assert caught.value.exit_code == 1
    assert records.saved == []
    assert not (tmp_path / "perf").exists()


def test_another_build_than_expected_is_refused_before_the_load(tmp_path: Path) -> None:
    records = Records()
    with pytest.raises(PerfError, match=r"serves artifact eeeeeeeeeeee, expected dddddddddddd"):
        perf(tmp_path, endpoint=Endpoint(digest="e" * 64), records=records)
    assert records.saved == []


def test_prod_is_refused_before_touching_anything(tmp_path: Path) -> None:
    endpoint = Endpoint()
    with pytest.raises(PerfConfigError, match=r"perf\.allow_prod is false") as caught:
        perf(tmp_path, endpoint=endpoint, cfg=load_environment("prod"), request={"env": "prod"})
    assert caught.value.exit_code == 2
    assert endpoint.seeded == []


def test_a_dry_run_only_plans(tmp_path: Path) -> None:
    endpoint = Endpoint()
    outcome, lines, generator = perf(tmp_path, endpoint=endpoint, request={"dry_run": True})
    assert (outcome.verdict, outcome.exit_code) == (None, 0)
    assert generator.runs == [] and endpoint.seeded == []
    assert lines[0].startswith("perf staging (local target): 8 users")


def test_times_in_the_record_come_from_the_injected_clock(tmp_path: Path) -> None:
    outcome, _, _ = perf(tmp_path, records=Records())
    assert outcome.record is not None
    assert outcome.record.started_at == NOW
    assert outcome.record.finished_at > NOW
