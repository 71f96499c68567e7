"""The perf stage's entry: plan, check the endpoint, seed, drive the load, judge, then write the
report, plots and record. Every effect arrives as a port, so the stage is testable with fakes
and the pipeline binds the real ones (`infra.perf.cli` shows how)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from infra.clock import Clock, SystemClock
from infra.config.model import EnvironmentConfig
from infra.config.perf import PerfThresholds
from infra.perf.emulator import EmulatorCapacity
from infra.perf.endpoint import Endpoint
from infra.perf.errors import PerfError
from infra.perf.gate import Baseline, Conditions, GateResult, Verdict, judge
from infra.perf.journeys import SCOPES, Kind
from infra.perf.locust_process import GeneratorRun, LoadGenerator
from infra.perf.measure import RunStats, measure
from infra.perf.plan import PerfPlan, plan_perf
from infra.perf.plots import plot_run
from infra.perf.records import PerfRecord, PerfRecordsPort
from infra.perf.report import MARKDOWN_FILE, RunFacts, markdown, summary, write_summary
from infra.perf.runner import drive
from infra.perf.tokens import TokenSource

Plotter = Callable[[Path, str, Verdict, RunStats, PerfThresholds, Baseline | None], dict[str, Path]]
EXIT_CODES = {Verdict.SUCCESSFUL: 0, Verdict.FAILED: 1, Verdict.ERROR: 1, Verdict.INCONCLUSIVE: 3}
TOKEN_MARGIN_S = 900  # the token outlives the run, its stop timeout and the seeding


@dataclass(frozen=True)
class PerfRequest:
    """One perf run: which environment on which target, the API's base URL, the build it is
    expected to serve (empty: not checked), and where the report goes."""

    env: str
    target: str  # local | aws
    base_url: str
    out_dir: Path
    digest: str = ""
    commit: str = ""
    overrides: dict[str, Any] = field(default_factory=dict)  # load settings (e.g. duration_s)
    dry_run: bool = False


@dataclass(frozen=True)
class PerfPorts:
    """The effects: token minting, the endpoint, the load generator, the records (None: none
    written, no baseline), the emulator capacity (local target; None: not measured)."""

    tokens: TokenSource
    endpoint: Endpoint
    generator: LoadGenerator
    records: PerfRecordsPort | None
    emulator: EmulatorCapacity | None = None
    clock: Clock = field(default_factory=SystemClock)
    emit: Callable[[str], None] = print
    load_average: Callable[[], tuple[float, ...]] = lambda: ()
    run_id: Callable[[], str] = lambda: uuid.uuid4().hex[:12]
    plot: Plotter = plot_run


@dataclass(frozen=True)
class PerfOutcome:
    plan: PerfPlan
    verdict: Verdict | None  # None: a dry run
    result: GateResult | None = None
    record: PerfRecord | None = None
    files: dict[str, Path] = field(default_factory=dict)

    @property
    def exit_code(self) -> int:
        """0 Successful (or a dry run), 1 Failed/Error, 3 Inconclusive (the catalog's
        "degraded": ran, but could not judge everything)."""
        return 0 if self.verdict is None else EXIT_CODES[self.verdict]


def run_perf(config: EnvironmentConfig, request: PerfRequest, ports: PerfPorts) -> PerfOutcome:
    """Plan and (unless a dry run) carry out one judged perf run. Raises PerfConfigError (exit
    2) for config refusals and PerfError (exit 1, nothing recorded) when it cannot measure."""
    emit = ports.emit
    plan = plan_perf(config, request.target, request.overrides or None, ports.emulator)
    for line in plan.describe():
        emit(line)
    if request.dry_run:
        return PerfOutcome(plan, None)
    deployed = ports.endpoint.preflight()
    if request.digest and deployed.digest != request.digest:
        raise PerfError(
            f"{request.base_url} serves artifact {deployed.digest[:12] or '(none)'}, expected "
            f"{request.digest[:12]}: measuring another build would record a wrong verdict"
        )
    token = ports.tokens.token(plan.sites, SCOPES, plan.profile.duration_s + TOKEN_MARGIN_S)
    seeded = ports.endpoint.seed(plan.sites, token)
    emit(f"perf {plan.env}: seeded {len(plan.sites)} sites ({seeded} requests)")
    baseline = ports.records.latest_green(profile=plan.profile_key) if ports.records else None
    load_before = ports.load_average()
    started = ports.clock.now()
    run = GeneratorRun(request.base_url, plan.profile, plan.sites, token, request.out_dir)
    driven = drive(
        ports.generator, run, ports.clock, emit, plan.progress_interval_s, f"perf {plan.env}"
    )
    finished = ports.clock.now()
    stats = measure(driven.samples, driven.duration_s)
    conditions = Conditions(
        generator_cpu=driven.generator_cpu,
        generator_wait=driven.generator_wait,
        generator_warning=driven.generator_warning,
        emulator_saturated=ports.emulator.saturated(stats) if ports.emulator else None,
        emulator_ceiling=_ceiling(plan, ports.emulator),
    )
    result = judge(
        stats,
        plan.thresholds,
        plan.profile.min_requests,
        plan.min_requests_key,
        plan.policy,
        baseline.as_baseline() if baseline else None,
        conditions,
    )
    facts = RunFacts(
        ports.run_id(),
        request.base_url,
        request.digest or deployed.digest,
        request.commit,
        started,
        finished,
        load_before or ports.load_average(),
    )
    record = _record(plan, facts, stats, result)
    files = _write(plan, facts, stats, result, conditions, request.out_dir, ports.plot)
    if ports.records is not None:
        ports.records.save(record)
    for check in result.checks:
        if check.verdict is not Verdict.SUCCESSFUL:
            emit(
                f"  {check.verdict.value}: {check.name} {check.measured} (limit {check.limit}"
                f"{', ' + check.key if check.key else ''}){': ' + check.note if check.note else ''}"
            )
    for note in result.notes:
        emit(f"  note: {note}")
    emit(f"perf {plan.env}: {result.verdict.value}; report in {files['summary']}")
    return PerfOutcome(plan, result.verdict, result, record, files)


def _ceiling(plan: PerfPlan, emulator: EmulatorCapacity | None) -> str:
    if plan.target != "local":
        return ""
    if emulator is None:
        return "emulator ceiling not measured (no capacity data bound to this run)"
    return emulator.ceiling()


def _record(plan: PerfPlan, facts: RunFacts, stats: RunStats, result: GateResult) -> PerfRecord:
    judged = (Kind.INTERACTIVE, Kind.LONG, Kind.REPORT)
    return PerfRecord(
        run_id=facts.run_id,
        env=plan.env,
        target=plan.target,
        digest=facts.digest,
        commit=facts.commit,
        started_at=facts.started_at,
        finished_at=facts.finished_at,
        verdict=result.verdict,
        profile=plan.profile_key,
        requests=stats.overall.requests,
        failures=stats.overall.failures,
        rps=stats.rps,
        p95_ms={kind: stats.kind(kind).judged_p95_ms for kind in judged},
        samples={kind: stats.kind(kind).requests for kind in judged},
        findings=tuple(
            f"{c.verdict.value}: {c.name} {c.measured} (limit {c.limit})"
            for c in result.checks
            if c.verdict is not Verdict.SUCCESSFUL
        ),
        baseline_run_id=result.baseline.run_id if result.baseline else "",
    )


def _write(
    plan: PerfPlan,
    facts: RunFacts,
    stats: RunStats,
    result: GateResult,
    conditions: Conditions,
    out_dir: Path,
    plot: Plotter,
) -> dict[str, Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    data = summary(plan, facts, stats, result, conditions)
    files = plot(
        out_dir,
        f"perf {plan.env} ({plan.target})",
        result.verdict,
        stats,
        plan.thresholds,
        result.baseline,
    )
    files["summary"] = write_summary(out_dir, data)
    files["locust_stats"] = out_dir / "locust_stats.csv"
    files["samples"] = out_dir / "samples.csv"
    text = markdown(data, {name: str(path) for name, path in sorted(files.items())})
    files["markdown"] = out_dir / MARKDOWN_FILE
    files["markdown"].write_text(text, encoding="utf-8")
    return files
