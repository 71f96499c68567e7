"""The capacity report, pure: from a perf run, the load sustained within the SLO, the Lambda
concurrency it needs (Little's law: rps x duration) and the DynamoDB units it consumes, held
against an environment's reserved/provisioned concurrency, API throttle and table capacity."""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from enum import StrEnum

from infra.config.model import EnvironmentConfig
from infra.config.perf import PerfThresholds
from infra.perf.journeys import UNITS
from infra.perf.measure import RunStats, Window

ACCOUNT_DEFAULT_CONCURRENCY = 1000  # AWS's default regional limit, shared by unreserved functions


class Status(StrEnum):
    OK = "ok"
    TIGHT = "tight"  # fits on average, not at the p95 (or within the scaling target's headroom)
    EXCEEDED = "exceeded"


@dataclass(frozen=True)
class Finding:
    setting: str
    configured: str
    needed: str
    status: Status
    note: str = ""


@dataclass(frozen=True)
class CapacityReport:
    results: str  # which run: "staging (local target, run 1a2b3c)"
    settings_env: str
    sustained_rps: float
    sustained_s: float
    sustained_note: str
    peak_rps: float
    mean_s: float
    p95_s: float
    read_units_per_s: float
    write_units_per_s: float
    findings: tuple[Finding, ...]

    @property
    def concurrency_mean(self) -> float:
        return self.sustained_rps * self.mean_s

    @property
    def concurrency_p95(self) -> float:
        return self.sustained_rps * self.p95_s

    @property
    def exceeded(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.status is Status.EXCEEDED)


def within_slo(window: Window, thresholds: PerfThresholds) -> bool:
    """A window holds the SLO when it served requests, its error rate is within the limit and
    its interactive p95 (when it had interactive requests) is too."""
    p95 = window.interactive_p95_ms
    return (
        window.requests > 0
        and window.error_rate <= thresholds.error_rate
        and (p95 is None or p95 <= thresholds.p95_ms)
    )


def sustained_at_slo(stats: RunStats, thresholds: PerfThresholds) -> tuple[float, float, str]:
    """(rps, seconds, how): the best mean throughput over a span of consecutive windows that
    all held the SLO; the span is half the run, at most 60 s. The last window is partial and
    left out."""
    windows = list(stats.windows[:-1] if len(stats.windows) >= 3 else stats.windows)
    if not windows:
        return 0.0, 0.0, "no requests: nothing was sustained"
    span_s = min(60.0, max(stats.window_s, stats.duration_s / 2))
    k = min(len(windows), max(1, math.ceil(span_s / stats.window_s)))
    best: float | None = None
    for start in range(len(windows) - k + 1):
        span = windows[start : start + k]
        if all(within_slo(w, thresholds) for w in span):
            rps = sum(w.rps for w in span) / k
            best = rps if best is None else max(best, rps)
    seconds = k * stats.window_s
    if best is None:
        return 0.0, seconds, f"the SLO did not hold for {seconds:g} s at any point of the run"
    return (
        best,
        seconds,
        f"best {seconds:g} s span in which every {stats.window_s:g} s window held the SLO",
    )


def units_per_request(stats: RunStats) -> tuple[float, float]:
    """Mean estimated DynamoDB (read, write) units per request of this run's mix."""
    total = stats.overall.requests
    if not total:
        return 0.0, 0.0
    reads = sum(
        s.requests * UNITS[name].read_units for name, s in stats.by_name.items() if name in UNITS
    )
    writes = sum(
        s.requests * UNITS[name].write_units for name, s in stats.by_name.items() if name in UNITS
    )
    return reads / total, writes / total


def capacity_report(
    stats: RunStats, results: str, config: EnvironmentConfig, thresholds: PerfThresholds
) -> CapacityReport:
    rps, seconds, how = sustained_at_slo(stats, thresholds)
    overall = stats.overall
    mean_s = (overall.mean_ms or 0.0) / 1000
    p95_s = (overall.p95_ms or 0.0) / 1000
    read_per, write_per = units_per_request(stats)
    peak = max((w.rps for w in stats.windows), default=0.0)
    report = CapacityReport(
        results=results,
        settings_env=config.name,
        sustained_rps=rps,
        sustained_s=seconds,
        sustained_note=how,
        peak_rps=peak,
        mean_s=mean_s,
        p95_s=p95_s,
        read_units_per_s=rps * read_per,
        write_units_per_s=rps * write_per,
        findings=(),
    )
    findings = [*_lambda(report, config), _api(report, config), *_table(report, config)]
    return replace(report, findings=tuple(findings))


def _status(mean_need: float, peak_need: float, limit: float) -> Status:
    if mean_need > limit:
        return Status.EXCEEDED
    return Status.TIGHT if peak_need > limit else Status.OK


def _lambda(report: CapacityReport, config: EnvironmentConfig) -> list[Finding]:
    mean, p95 = report.concurrency_mean, report.concurrency_p95
    needed = f"{mean:.1f} mean / {p95:.1f} at p95 latency"
    reserved = config.function.reserved_concurrency
    limit = reserved if reserved is not None else ACCOUNT_DEFAULT_CONCURRENCY
    findings = [
        Finding(
            "function.reserved_concurrency",
            str(reserved) if reserved is not None else "unset (account pool, default 1000)",
            needed,
            _status(mean, p95, limit),
            "above it Lambda throttles (429 through the API)",
        )
    ]
    provisioned = config.function.provisioned_concurrency
    if provisioned is not None:
        status = _status(mean, p95, provisioned)
        findings.append(
            Finding(
                "function.provisioned_concurrency",
                str(provisioned),
                needed,
                status,
                "above it requests start cold environments (slower, not refused)",
            )
        )
    return findings


def _api(report: CapacityReport, config: EnvironmentConfig) -> Finding:
    rate = config.api.throttle_rate_per_s
    return Finding(
        "api.throttle_rate_per_s",
        f"{rate:g}/s (burst {config.api.throttle_burst})",
        f"{report.sustained_rps:.1f}/s sustained, {report.peak_rps:.1f}/s peak window",
        _status(report.sustained_rps, report.peak_rps, rate),
        "above it API Gateway answers 429",
    )


def _table(report: CapacityReport, config: EnvironmentConfig) -> list[Finding]:
    capacity = config.data_table
    needs = (("read", report.read_units_per_s), ("write", report.write_units_per_s))
    findings = []
    for name, need in needs:
        shown = f"~{need:.1f} units/s (estimated from item sizes)"
        if capacity.billing_mode == "provisioned":
            scaling = getattr(capacity, name)
            ceiling = scaling.max_units
            target = ceiling * scaling.target_utilization_percent / 100
            status = (
                Status.EXCEEDED
                if need > ceiling
                else (Status.TIGHT if need > target else Status.OK)
            )
            findings.append(
                Finding(
                    f"data_table.{name}.max_units",
                    f"{ceiling} (scales {scaling.min_units}"
                    f"-{ceiling} at {scaling.target_utilization_percent}%)",
                    shown,
                    status,
                    "above it DynamoDB throttles and the API answers 503",
                )
            )
            continue
        cap = getattr(capacity, f"max_{name}_request_units")
        if cap is None:
            findings.append(
                Finding(
                    f"data_table ({name})",
                    "on-demand, no cap",
                    shown,
                    Status.OK,
                    "on-demand scales with the load",
                )
            )
        else:
            findings.append(
                Finding(
                    f"data_table.max_{name}_request_units",
                    str(cap),
                    shown,
                    Status.EXCEEDED if need > cap else Status.OK,
                    "above the cap DynamoDB throttles and the API answers 503",
                )
            )
    return findings


def render(report: CapacityReport) -> str:
    """Markdown: the sustained load, what it needs, and each setting against it."""
    lines = [
        f"### Capacity: {report.settings_env} settings vs the perf run of {report.results}",
        "",
        f"- Sustained within the SLO: **{report.sustained_rps:.1f} req/s = "
        f"{report.sustained_rps * 60:,.0f} requests/min** ({report.sustained_note}).",
        f"- Lambda concurrency needed (req/s x duration): {report.concurrency_mean:.1f} at the "
        f"mean latency ({report.mean_s * 1000:,.0f} ms), {report.concurrency_p95:.1f} at the p95 "
        f"({report.p95_s * 1000:,.0f} ms). Latency is measured at the client, so this is an "
        "upper bound of the function's own duration.",
        f"- DynamoDB: ~{report.read_units_per_s:.1f} read and ~{report.write_units_per_s:.1f} "
        "write units/s, estimated from this run's request mix and item sizes.",
        "",
        "| setting | configured | needed | status | note |",
        "|---|---|---|---|---|",
    ]
    for f in report.findings:
        lines.append(
            f"| `{f.setting}` | {f.configured} | {f.needed} | {f.status.value} | {f.note} |"
        )
    if report.exceeded:
        names = ", ".join(f"`{f.setting}`" for f in report.exceeded)
        lines += ["", f"**Exceeded:** {names}: the measured load would not fit these settings."]
    return "\n".join(lines) + "\n"
