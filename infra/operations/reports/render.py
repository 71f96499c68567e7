"""The report as Markdown (GitHub step summary, artifact) and as one JSON document."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date, datetime
from typing import Any

from infra.backup.drill_records import DrillRecord, Verdict
from infra.deploy.records import record_as_dict
from infra.operations.reports.build import OpsReport
from infra.operations.reports.model import Availability, Dora, Section

CHARTS = {
    "availability": "availability.png",
    "deployments": "deployments.png",
    "performance": "performance.png",
    "cost": "cost.png",
}


def _when(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC")


def _pct(value: float | None, digits: int = 2) -> str:
    return "n/a" if value is None else f"{value * 100:.{digits}f}%"


def _hours(value: float | None) -> str:
    if value is None:
        return "n/a"
    return f"{value * 60:.0f} min" if value < 1 else f"{value:.1f} h"


def render_markdown(report: OpsReport, charts: dict[str, str] | None = None) -> str:
    """Markdown; `charts` maps a chart key to its file name (omitted charts are not linked)."""
    charts = charts or {}
    out = [
        f"# {report.title}",
        "",
        f"{_when(report.start)} to {_when(report.end)} · target `{report.target}` · "
        f"generated {_when(report.generated_at)}",
        "",
        "## Availability and SLO",
        "",
    ]
    out += _availability(report.availability)
    out += _chart(charts, "availability", "Requests and availability per day")
    out += ["", "## Alarms fired", ""]
    if isinstance(report.alarms, Section):
        out.append(f"_{report.alarms.note}_")
    elif not report.alarms:
        out.append("No alarm went into ALARM.")
    else:
        out += ["| at | severity | alarm |", "|---|---|---|"]
        out += [f"| {_when(a.at)} | {a.severity.value} | `{a.name}` |" for a in report.alarms]
    out += ["", "## Deployments and rollbacks", ""]
    out += _deployments(report)
    out += ["", "## DORA metrics", ""]
    out += _dora(report.dora, report.env)
    out += _chart(charts, "deployments", "Deployments per day")
    out += ["", "## Performance trend", ""]
    if isinstance(report.perf, Section):
        out.append(f"_{report.perf.note}_")
    elif not report.perf:
        out.append("No performance runs in this range.")
    else:
        out += ["| run | p95 | error rate | requests/s |", "|---|---|---|---|"]
        out += [
            f"| {_when(p.at)} | {p.p95_ms:.0f} ms | {_pct(p.error_rate)} | {p.requests_per_s:.1f} |"
            for p in report.perf
        ]
        out += _chart(charts, "performance", "p95 latency per perf run")
    out += ["", "## Cost", ""]
    if isinstance(report.cost, Section):
        out.append(f"_{report.cost.note}_")
    else:
        total = sum(report.cost.values())
        budget = report.daily_budget_usd * len(report.cost)
        out.append(
            f"{total:.2f} USD over {len(report.cost)} day(s); daily budget "
            f"{report.daily_budget_usd:.2f} USD ({budget:.2f} USD for these days)."
        )
        out += _chart(charts, "cost", "Cost per day")
    out += ["", "## Last restore drill", ""]
    out += _drill(report.last_drill, report.env)
    return "\n".join(out) + "\n"


def _seconds(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1f} s"


def _drill(drill: DrillRecord | Section | None, env: str) -> list[str]:
    """The newest drill, whenever it ran (docs/operations/backup-and-restore.md)."""
    if isinstance(drill, Section):
        return [f"_{drill.note}_"]
    if drill is None:
        return [f"No restore drill of {env} is recorded: `./pipeline drill restore --env {env}`."]
    verdict = drill.verdict.value
    rows = [
        "| measure | value |",
        "|---|---|",
        f"| drill | {drill.drill_id} ({drill.target}), {_when(drill.started_at)} |",
        f"| verdict | {verdict if drill.verdict is Verdict.PASSED else f'**{verdict}**'} |",
        f"| RTO | {_seconds(drill.rto_s)} (target {drill.rto_target_s // 60} min) |",
        f"| RPO | {_seconds(drill.rpo_s)} (target {drill.rpo_target_s // 60} min) |",
        f"| restored / expected | {drill.restored or 'n/a'} / {drill.expected or 'n/a'} |",
    ]
    return rows + [f"- {reason}" for reason in drill.reasons]


def _availability(section: Availability | Section) -> list[str]:
    if isinstance(section, Section):
        return [f"_{section.note}_"]
    if section.availability is None:
        return [f"No traffic in this range (SLO {_pct(section.slo, 1)}): nothing to measure."]
    met = "met" if section.met else "**missed**"
    return [
        "| measure | value |",
        "|---|---|",
        f"| SLO (availability) | {_pct(section.slo, 2)} |",
        f"| availability | {_pct(section.availability, 3)} ({met}) |",
        f"| requests / 5xx | {section.requests} / {section.server_errors} |",
        f"| error budget remaining | {_pct(section.budget_remaining, 1)} "
        f"(of {section.budget_errors:.1f} allowed errors) |",
    ]


def _deployments(report: OpsReport) -> list[str]:
    if isinstance(report.deployments, Section):
        return [f"_{report.deployments.note}_"]
    lines: list[str] = []
    if not report.deployments:
        lines.append("No deployments in this range.")
    else:
        lines += ["| started | id | outcome | digest | commit | by |", "|---|---|---|---|---|---|"]
        lines += [
            f"| {_when(r.started_at)} | {r.deployment_id} | {r.outcome.value} | "
            f"`{r.digest[:12]}` | `{r.commit[:12]}` | {r.actor} |"
            for r in sorted(report.deployments, key=lambda r: r.started_at)
        ]
    lines.append("")
    if isinstance(report.rollouts, Section):
        lines.append(f"Rollbacks: _{report.rollouts.note}_")
    else:
        back = [r for r in report.rollouts if r.rolled_back]
        names = ", ".join(f"{r.rollout_id} ({r.outcome})" for r in back) or "none"
        lines.append(f"Rollouts: {len(report.rollouts)}; rolled back: {names}.")
    return lines


def _dora(dora: Dora | Section, env: str) -> list[str]:
    if isinstance(dora, Section):
        return [f"_{dora.note}_"]
    unknown = f", {dora.lead_time_unknown} without a commit time" if dora.lead_time_unknown else ""
    unrestored = f", {dora.unrestored} not restored yet" if dora.unrestored else ""
    return [
        "| metric | value |",
        "|---|---|",
        f"| deployment frequency | {dora.per_day:.2f} per day ({dora.deployments} to {env}) |",
        f"| lead time for changes (median, commit to {env}) | {_hours(dora.lead_time_median_h)} "
        f"({dora.lead_time_samples} deployment(s){unknown}) |",
        f"| change failure rate | {_pct(dora.change_failure_rate, 1)} ({dora.failures} failed) |",
        f"| time to restore (median) | {_hours(dora.restore_median_h)} "
        f"({dora.restores} restored{unrestored}) |",
    ]


def _chart(charts: dict[str, str], key: str, alt: str) -> list[str]:
    return ["", f"![{alt}]({charts[key]})"] if key in charts else []


def report_as_dict(report: OpsReport) -> dict[str, Any]:
    def section(value: Any) -> Any:
        if isinstance(value, Section):
            return {"available": False, "note": value.note}
        return value

    def plain(value: Any) -> Any:
        if isinstance(value, datetime | date):
            return value.isoformat()
        if isinstance(value, dict):
            return {plain(k): plain(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [plain(v) for v in value]
        return value

    availability: Any = report.availability
    if isinstance(availability, Availability):
        availability = {**asdict(availability), "met": availability.met}
    document: dict[str, Any] = plain(
        {
            "schema_version": 1,
            "kind": report.kind.value,
            "env": report.env,
            "target": report.target,
            "start": report.start,
            "end": report.end,
            "generated_at": report.generated_at,
            "availability": section(availability),
            "alarms_fired": section(
                report.alarms
                if isinstance(report.alarms, Section)
                else [
                    {"name": a.name, "severity": a.severity.value, "at": a.at}
                    for a in report.alarms
                ]
            ),
            "deployments": section(
                report.deployments
                if isinstance(report.deployments, Section)
                else [record_as_dict(r) for r in report.deployments]
            ),
            "rollouts": section(
                report.rollouts
                if isinstance(report.rollouts, Section)
                else [asdict(r) for r in report.rollouts]
            ),
            "dora": section(
                report.dora if isinstance(report.dora, Section) else asdict(report.dora)
            ),
            "performance": section(
                report.perf
                if isinstance(report.perf, Section)
                else [asdict(p) for p in report.perf]
            ),
            "cost": section(
                report.cost
                if isinstance(report.cost, Section)
                else {"daily_usd": report.cost, "daily_budget_usd": report.daily_budget_usd}
            ),
            "last_drill": section(_drill_dict(report.last_drill)),
        }
    )
    return document


def _drill_dict(drill: DrillRecord | Section | None) -> Any:
    if drill is None or isinstance(drill, Section):
        return drill
    return {
        "drill_id": drill.drill_id,
        "target": drill.target,
        "started_at": drill.started_at,
        "verdict": drill.verdict.value,
        "rto_s": drill.rto_s,
        "rto_target_s": drill.rto_target_s,
        "rpo_s": drill.rpo_s,
        "rpo_target_s": drill.rpo_target_s,
        "restored": str(drill.restored) if drill.restored else None,
        "expected": str(drill.expected) if drill.expected else None,
        "reasons": list(drill.reasons),
    }
