"""`capacity --env E`: the capacity report from a perf run's summary (the latest of E, or of
`--results-from`, or a given file) against E's capacity settings, printed and written to
build/reports/perf/<E>/capacity.md. Exit 0, or 1 when a setting is exceeded."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from infra.config import load_environment
from infra.perf.capacity import capacity_report, render
from infra.perf.errors import PerfConfigError, PerfError
from infra.perf.report import SUMMARY_FILE, stats_from_dict

REPORTS = Path("build/reports/perf")
CAPACITY_FILE = "capacity.md"


def capacity_from_results(
    env: str,
    results_from: str | None = None,
    results: Path | None = None,
    reports: Path = REPORTS,
    emit: Callable[[str], None] = print,
    how_to_run: str = "pipeline perf --env {env}",
) -> int:
    """Report; PerfError (exit 1) when there are no readable results, PerfConfigError (exit 2)
    when the run's environment has no perf section (no SLO to judge "sustained" by)."""
    config = load_environment(env)  # refuses an unknown environment, naming the choices
    source = results_from or env
    if results_from is not None:
        load_environment(results_from)
    path = results or reports / source / SUMMARY_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        stats = stats_from_dict(data["measured"])
    except FileNotFoundError:
        raise PerfError(
            f"{path}: no perf results; run `{how_to_run.format(env=source)}` first (or pass "
            "--results SUMMARY.json)"
        ) from None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise PerfError(f"{path}: not a perf summary ({exc})") from None
    source_env = results_from or str(data.get("env") or env)
    perf = load_environment(source_env).perf
    if perf is None:
        raise PerfConfigError(f"infra/environments/{source_env}.yaml: perf: missing (the SLO)")
    run = f"{source_env} ({data.get('target', '?')} target, run {data.get('run_id', '?')})"
    report = capacity_report(stats, run, config, perf.thresholds)
    text = render(report)
    out = reports / env
    out.mkdir(parents=True, exist_ok=True)
    (out / CAPACITY_FILE).write_text(text, encoding="utf-8")
    emit(text.rstrip("\n"))
    emit(f"(written to {out / CAPACITY_FILE})")
    return 1 if report.exceeded else 0
