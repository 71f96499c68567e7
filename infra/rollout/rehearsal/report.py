"""The rehearsal's report in build/reports/rollout/: rehearsal.json (every check, the load per
version with failures next to latencies, the emulator ceiling the load ran under), summary.md
and timeline.png; `render` gives the lines the command prints."""

from __future__ import annotations

import csv
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from infra.rollout.rehearsal import timeline
from infra.rollout.rehearsal.judge import Judged, Run, as_dict

JSON_FILE = "rehearsal.json"
SUMMARY_FILE = "rehearsal.md"
TIMELINE_FILE = "rehearsal-timeline.png"
SAMPLES_FILE = "rehearsal-samples.csv"


@dataclass(frozen=True)
class LoadBasis:
    """Why the steady client sends what it sends."""

    rate_rps: float
    ceiling: str  # the emulator ceiling line (local_capacity.describe)
    basis: str  # how the rate was chosen
    canary_per_interval: float  # expected canary requests per interval at the first weight
    min_requests: int


def write(
    out_dir: Path, runs: Sequence[Run], judged: Judged, load: LoadBasis, seconds: float
) -> dict[str, Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    document = {
        **as_dict(judged),
        "verdict": judged.verdict,
        "seconds": round(seconds, 1),
        "steady_client": {
            "rate_rps": round(load.rate_rps, 2),
            "emulator_ceiling": load.ceiling,
            "basis": load.basis,
            "canary_requests_per_interval_at_first_weight": round(load.canary_per_interval, 1),
            "min_requests": load.min_requests,
        },
        "runs": [_run(run) for run in runs],
    }
    paths = {
        "json": out_dir / JSON_FILE,
        "summary": out_dir / SUMMARY_FILE,
        "timeline": out_dir / TIMELINE_FILE,
        "samples": out_dir / SAMPLES_FILE,
    }
    write_samples(paths["samples"], runs)
    paths["json"].write_text(json.dumps(document, indent=1) + "\n", encoding="utf-8")
    paths["summary"].write_text("\n".join(render(runs, judged, load, seconds)) + "\n",
                                encoding="utf-8")  # fmt: skip
    timeline.draw(runs, paths["timeline"], f"local rehearsal of prod: {judged.verdict}")
    return paths


def render(runs: Sequence[Run], judged: Judged, load: LoadBasis, seconds: float) -> list[str]:
    lines = [
        f"# Rehearsal {judged.verdict} in {seconds:.0f} s",
        "",
        f"Steady client: {load.rate_rps:.1f} req/s ({load.basis}); {load.ceiling}.",
        f"At the first canary weight an interval sees ~{load.canary_per_interval:.0f} canary "
        f"requests (min_requests {load.min_requests}).",
        "",
        "| promotion | digest | outcome | stage s |",
        "|---|---|---|---|",
    ]
    for run in runs:
        outcome = run.record.status.value if run.record else "no record"
        lines.append(f"| {run.role} ({run.kind}) | {run.digest[:12]} | {outcome} | "
                     f"{run.seconds:.1f} |")  # fmt: skip
    lines += ["", "| check | ok | detail |", "|---|---|---|"]
    lines += [f"| {c.name} | {'yes' if c.ok else 'NO'} | {c.detail} |" for c in judged.checks]
    lines += [
        "",
        "| promotion | version | requests | failures | error rate | by status | p50 all ms | "
        "p95 all ms | p95 successes ms |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for role, loads in judged.loads.items():
        for v in loads:
            statuses = ", ".join(f"{k}: {n}" for k, n in v.by_status.items())
            lines.append(
                f"| {role} | {v.version} | {v.requests} | {v.failures} | {v.error_rate:.1%} | "
                f"{statuses} | {_ms(v.p50_all_ms)} | {_ms(v.p95_all_ms)} | {_ms(v.p95_ok_ms)} |"
            )
    return lines


def _ms(value: float) -> str:
    """A latency cell; '-' when there was nothing to take it of (no success: no p95)."""
    return "-" if math.isnan(value) else f"{value:.0f}"


def _run(run: Run) -> dict[str, Any]:
    record = run.record
    return {
        "role": run.role,
        "kind": run.kind,
        "digest": run.digest,
        "expected": run.expect.value,
        "stage_seconds": round(run.seconds, 1),
        "rollout_id": record.rollout_id if record else None,
        "status": record.status.value if record else None,
        "stable_version": record.stable_version if record else None,
        "canary_version": record.canary_version if record else None,
        "verdict": record.verdict if record else None,
        "verdict_message": record.verdict_message if record else None,
        "backup_arn": record.backup_arn if record else None,
        "weights": [[round(t - run.started, 2), w] for t, w in run.weights],
        "requests": len([s for s in run.samples if s.answered]),
        "no_router": len([s for s in run.samples if not s.answered]),
    }


def write_samples(path: Path, runs: Sequence[Run]) -> None:
    """Every request the client sent: promotion, seconds since its stage started, journey,
    status (0: no answer), version, latency and why there was no answer."""
    with path.open("w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle)
        out.writerow(["promotion", "t_s", "journey", "status", "version", "latency_ms", "error"])
        for run in runs:
            for s in run.samples:
                out.writerow([run.role, f"{s.started - run.started:.3f}", s.journey, s.status,
                              s.version, f"{s.latency_ms:.1f}", s.error])  # fmt: skip
