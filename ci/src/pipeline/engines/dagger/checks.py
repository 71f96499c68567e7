"""Run stages as checks on Dagger: the Markdown verdict (or StagesFailed carrying it), the run
report, and every stage's report folder as one directory to export."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime

import dagger

from pipeline.catalog import Catalog
from pipeline.engines.base import SOURCE_DIR
from pipeline.engines.dagger import plan
from pipeline.engines.dagger.stages import Clock, RunInputs, StageRun, StagesFailed, run_stages
from pipeline.results import RunReport, run_status


def secret_inputs(given: Mapping[str, dagger.Secret | None]) -> RunInputs:
    """The secrets given as function arguments (by the variable the stage declares); each one
    may be absent: a stage that needs it then degrades (e.g. the online workflow audit)."""
    return RunInputs(
        secrets={name: secret for name, secret in given.items() if secret is not None},
        optional_secrets=tuple(given),
    )


async def check(
    client: dagger.Client,
    catalog: Catalog,
    names: Sequence[str],
    source: dagger.Directory,
    *,
    strict: bool,
    inputs: RunInputs | None = None,
) -> str:
    """Run the stages; return the report, or raise StagesFailed carrying it."""
    runs = await run_stages(client, catalog, names, source, inputs=inputs)
    results = [run.result for run in runs]
    report = plan.summary(results, strict=strict)
    if plan.run_fails(results, strict=strict):
        raise StagesFailed(report)
    return report


async def run_report(
    client: dagger.Client,
    catalog: Catalog,
    names: Sequence[str],
    source: dagger.Directory,
    *,
    strict: bool,
    inputs: RunInputs | None = None,
    clock: Clock = time.monotonic,
) -> tuple[RunReport, list[StageRun]]:
    """Run the stages; the run report (the engines' common format) and each stage's run."""
    started_at = datetime.now(UTC).isoformat(timespec="seconds")
    started = clock()
    runs = await run_stages(client, catalog, names, source, clock=clock, inputs=inputs)
    results = tuple(run.result for run in runs)
    report = RunReport(
        engine=plan.ENGINE,
        status=run_status(results, strict=strict),
        duration_s=round(clock() - started, 3),
        stages=results,
        started_at=started_at,
    )
    return report, runs


async def collect_reports(
    client: dagger.Client,
    catalog: Catalog,
    names: Sequence[str],
    source: dagger.Directory,
    *,
    strict: bool,
    clock: Clock = time.monotonic,
    inputs: RunInputs | None = None,
) -> dagger.Directory:
    """Every stage's report folder plus summary.md and report.json, as one directory."""
    report, runs = await run_report(
        client, catalog, names, source, strict=strict, clock=clock, inputs=inputs
    )
    out = client.directory()
    for run in runs:
        if run.container is not None:
            stage = catalog.stage(run.result.name)
            out = out.with_directory(
                stage.name, run.container.directory(f"{SOURCE_DIR}/{stage.report_dir}")
            )
    summary = plan.summary(report.stages, strict=strict)
    return out.with_new_file("summary.md", summary).with_new_file(
        "report.json", report.to_json() + "\n"
    )
