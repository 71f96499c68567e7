"""The run's report: our JSON summary (everything the gate saw and decided; the capacity report
reads it back) and the Markdown block for the step summary. Pure: data in, text out."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from infra.deploy.table_items import format_time
from infra.perf.gate import Check, Conditions, GateResult, Verdict, generator_use
from infra.perf.journeys import Kind
from infra.perf.measure import LatencyStats, RunStats, Window
from infra.perf.plan import PerfPlan

SCHEMA_VERSION = 1
SUMMARY_FILE = "summary.json"
MARKDOWN_FILE = "summary.md"
ICONS = {
    Verdict.SUCCESSFUL: "✅",
    Verdict.FAILED: "❌",
    Verdict.INCONCLUSIVE: "⚠️",
    Verdict.ERROR: "💥",
}


@dataclass(frozen=True)
class RunFacts:
    """Who/what/where of a run, for the report header."""

    run_id: str
    base_url: str
    digest: str
    commit: str
    started_at: datetime
    finished_at: datetime
    load_average: tuple[float, ...] = ()  # 1/5/15-minute load of the generator's machine


def summary(
    plan: PerfPlan, facts: RunFacts, stats: RunStats, result: GateResult, conditions: Conditions
) -> dict[str, Any]:
    baseline = result.baseline
    return {
        "schema_version": SCHEMA_VERSION,
        "run_id": facts.run_id,
        "env": plan.env,
        "target": plan.target,
        "base_url": facts.base_url,
        "digest": facts.digest,
        "commit": facts.commit,
        "started_at": format_time(facts.started_at),
        "finished_at": format_time(facts.finished_at),
        "verdict": result.verdict.value,
        "load": {
            **plan.profile.model_dump(),
            "source": plan.profile_source,
            "profile_key": plan.profile_key,
            "sites": list(plan.sites),
        },
        "thresholds": plan.thresholds.model_dump(),
        "baseline_policy": plan.policy.model_dump(),
        "conditions": {
            "generator_cpu": conditions.generator_cpu,
            "generator_wait": conditions.generator_wait,
            "generator_limit": conditions.generator_limit,
            "generator_warning": conditions.generator_warning,
            "load_average": list(facts.load_average),
            "emulator_ceiling": conditions.emulator_ceiling,
            "emulator_saturated": conditions.emulator_saturated,
        },
        "measured": stats_to_dict(stats),
        "baseline": None
        if baseline is None
        else {
            "run_id": baseline.run_id,
            "started_at": format_time(baseline.started_at),
            "digest": baseline.digest,
            "rps": baseline.rps,
            "p95_ms": {k.value: v for k, v in baseline.p95_ms.items()},
            "samples": {k.value: v for k, v in baseline.samples.items()},
        },
        "checks": [check_to_dict(c) for c in result.checks],
        "notes": list(result.notes),
    }


def check_to_dict(check: Check) -> dict[str, Any]:
    data = asdict(check)
    data["verdict"] = check.verdict.value
    data["downgraded_from"] = check.downgraded_from.value if check.downgraded_from else None
    return data


def stats_to_dict(stats: RunStats) -> dict[str, Any]:
    return {
        "duration_s": round(stats.duration_s, 3),
        "requests": stats.overall.requests,
        "failures": stats.overall.failures,
        "error_rate": stats.overall.error_rate,
        "rps": round(stats.rps, 3),
        "requests_per_minute": round(stats.rps * 60, 1),
        "peak_users": stats.peak_users,
        "failures_by_status": dict(stats.failures_by_status),
        "overall": asdict(stats.overall),
        "by_kind": {kind.value: asdict(s) for kind, s in stats.by_kind.items()},
        "by_name": {name: asdict(s) for name, s in stats.by_name.items()},
        "window_s": stats.window_s,
        "windows": [asdict(w) for w in stats.windows],
    }


def _latency(data: Mapping[str, Any]) -> LatencyStats:
    return LatencyStats(**{**data, "top_ms": tuple(data.get("top_ms", ()))})


def stats_from_dict(data: Mapping[str, Any]) -> RunStats:
    """RunStats back from a summary's `measured` block (the capacity report reads it)."""
    return RunStats(
        duration_s=float(data["duration_s"]),
        overall=_latency(data["overall"]),
        by_kind={Kind(k): _latency(v) for k, v in data["by_kind"].items()},
        by_name={name: _latency(v) for name, v in data["by_name"].items()},
        failures_by_status={str(k): int(v) for k, v in data["failures_by_status"].items()},
        peak_users=int(data["peak_users"]),
        windows=tuple(Window(**w) for w in data.get("windows", [])),
        window_s=float(data.get("window_s", 5.0)),
    )


def write_summary(out_dir: Path, data: Mapping[str, Any]) -> Path:
    path = out_dir / SUMMARY_FILE
    path.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return path


def conditions_from(data: Mapping[str, Any]) -> Conditions:
    return Conditions(
        generator_cpu=data.get("generator_cpu"),
        generator_wait=data.get("generator_wait"),
        generator_limit=data.get("generator_limit", 0.9),
        generator_warning=data.get("generator_warning", ""),
        emulator_saturated=data.get("emulator_saturated"),
        emulator_ceiling=data.get("emulator_ceiling", ""),
    )


def ms(value: float | None) -> str:
    return "-" if value is None else f"{value:,.0f}"


def markdown(data: Mapping[str, Any], files: Mapping[str, str]) -> str:
    """The step-summary block: verdict first, then every check, latencies next to failures."""
    verdict = Verdict(data["verdict"])
    load, measured, cond = data["load"], data["measured"], data["conditions"]
    lines = [
        f"### Perf {data['env']}: {ICONS[verdict]} {verdict.value}",
        "",
        f"{data['target']} target, {data['base_url']}, digest `{data['digest'][:12] or '-'}`: "
        f"{load['users']} users for {load['duration_s']} s ({load['source']}).",
        "",
    ]
    baseline = data["baseline"]
    for note in data["notes"]:  # e.g. "no baseline yet: judged on the absolute thresholds only"
        lines.append(f"**{note[:1].upper()}{note[1:]}.**")
    if baseline is not None:
        lines.append(
            f"Baseline: run `{baseline['run_id']}` of {baseline['started_at'][:19]} (digest "
            f"`{baseline['digest'][:12]}`), the last green run with the same load profile."
        )
    lines += [
        "",
        "| check | verdict | measured | limit | config key | note |",
        "|---|---|---|---|---|---|",
    ]
    for check in data["checks"]:
        note = str(check["note"]).replace("|", "\\|")
        lines.append(
            f"| {check['name']} | {ICONS[Verdict(check['verdict'])]} {check['verdict']} | "
            f"{check['measured']} | {check['limit']} | `{check['key'] or '-'}` | {note} |"
        )
    lines += [
        "",
        f"{measured['requests']:,} requests in {measured['duration_s']:.0f} s "
        f"({measured['rps']:.1f} req/s, {measured['requests_per_minute']:,.0f}/min), "
        f"{measured['failures']:,} failed ({measured['error_rate']:.2%}); failures by status: "
        + (
            ", ".join(f"{code} x{n}" for code, n in measured["failures_by_status"].items())
            + " (0 = no response)."
            if measured["failures_by_status"]
            else "none."
        ),
        "",
        "| requests (ms) | requests | failures | p50 all | p95 all | p99 all | max | "
        "p50 successes | p95 successes | p99 successes |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    rows = [(f"**{k}**", s) for k, s in measured["by_kind"].items() if s["requests"]]
    rows += [(name, s) for name, s in measured["by_name"].items()]
    rows.append(("**all**", measured["overall"]))
    for label, s in rows:
        lines.append(
            f"| {label} | {s['requests']:,} | {s['failures']:,} | {ms(s['p50_ms'])} | "
            f"{ms(s['p95_ms'])} | {ms(s['p99_ms'])} | {ms(s['max_ms'])} | "
            f"{ms(s['success_p50_ms'])} | {ms(s['success_p95_ms'])} | {ms(s['success_p99_ms'])} |"
        )
    lines += [
        "",
        f"Conditions: load generator {generator_use(conditions_from(cond))} "
        f"(limit {cond['generator_limit']:.0%})"
        + (f", locust warned: {cond['generator_warning']}" if cond["generator_warning"] else "")
        + "; load average "
        + ("/".join(f"{v:.2f}" for v in cond["load_average"]) or "-")
        + "; emulator: "
        + (cond["emulator_ceiling"] or "n/a")
        + (f" (saturated: {cond['emulator_saturated']})" if cond["emulator_saturated"] else "")
        + ".",
    ]
    if files:
        lines += ["", "Files: " + ", ".join(f"`{path}`" for path in files.values())]
    return "\n".join(lines) + "\n"
