"""The one way the CLI runs stages on the docker or host engine: open the target when a stage
reaches an environment, show progress, print the report, write it (and the step summary), and
close the target (a dry run leaves nothing running)."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from rich.console import Console

from infra.targets.select import choose_target
from pipeline.catalog import DRY_RUN, Catalog, Switch, kind_of
from pipeline.console import Progress, print_report
from pipeline.engines.base import Engine
from pipeline.release.app_runners import app_runner_for
from pipeline.release.target_run import LifecycleHooks, OnTarget, open_on_target
from pipeline.report_formats import write_step_summary
from pipeline.results import RunReport
from pipeline.scheduler import RunOptions, StageHooks, run_stages

REPORTS = Path("build") / "reports"

__all__ = ["OnTarget", "RunRequest", "reaches_an_environment", "run_and_report"]


@dataclass(frozen=True)
class RunRequest:
    """What to run and how: `catalog` holds exactly what runs with what it needs."""

    catalog: Catalog
    names: tuple[str, ...]
    options: RunOptions
    verbose: bool = False
    report_name: str = "report.json"  # under build/reports/
    report: Path | None = None  # --report: a copy of the JSON report
    # for runs that reach an environment:
    target: str | None = None  # --target (None: aws when credentials are found, else local)
    commit: str = "unknown"
    actor: str = "unknown"
    switches: tuple[Switch, ...] = ()  # the stage kind's switches that are on (--dry-run)
    # The stage kind's valued options (--digest D): run parameter -> value.
    kind_options: Mapping[str, str] = field(default_factory=dict)

    @property
    def dry_run(self) -> bool:
        return DRY_RUN in self.switches


def declared_secrets(
    catalog: Catalog, names: Sequence[str], environ: Mapping[str, str]
) -> dict[str, str]:
    """The calling environment's values of the secrets the CI stages among `names` declare, and
    no more (e.g. GH_TOKEN for the workflow audit); each stage then gets only its own. Stages
    that reach an environment get theirs from the target (AWS keys only towards AWS)."""
    wanted = {
        secret
        for name in names
        if kind_of(catalog.stages[name]) is None
        for secret in catalog.stages[name].secrets
    }
    return {name: environ[name] for name in sorted(wanted) if environ.get(name)}


def reaches_an_environment(catalog: Catalog, names: tuple[str, ...]) -> bool:
    return any(kind_of(catalog.stages[name]) for name in catalog.closure(names))


def run_and_report(
    console: Console,
    engine: Engine,
    repo: Path,
    request: RunRequest,
) -> tuple[RunReport, OnTarget | None]:
    """Run the request's stages (and what they need) on `engine`; the report is printed and
    written whatever happened. The target is opened only when a stage reaches an environment."""
    closure = request.catalog.closure(request.names)
    on_target: OnTarget | None = None
    hooks: StageHooks | None = None
    options = replace(
        request.options,
        secrets={
            **declared_secrets(request.catalog, closure, os.environ),
            **request.options.secrets,
        },
    )
    if reaches_an_environment(request.catalog, request.names):
        choice = choose_target(request.target)
        console.print(choice.describe())
        on_target = open_on_target(
            choice,
            repo,
            [request.catalog.stages[name] for name in closure],
            lambda: app_runner_for(engine, repo, console.print),
            commit=request.commit,
            actor=request.actor,
            environ=os.environ,
            dry_run=request.dry_run,
            say=console.print,
        )
        hooks = LifecycleHooks(on_target.lifecycle, console.print, choice.kind.value)
        options = RunOptions(
            fail_fast=options.fail_fast,
            use_cache=options.use_cache,
            strict=options.strict,
            jobs=options.jobs,
            secrets={**options.secrets, **on_target.secrets},
            params={
                **options.params,
                **on_target.params,
                **{switch.param: "1" for switch in request.switches},
                **request.kind_options,
            },
        )
    console.print(f"pipeline: {', '.join(closure)} on the {engine.name} engine")
    try:
        with Progress(console, verbose=request.verbose) as progress:
            report = run_stages(
                request.catalog, engine, repo, request.names, options, progress, hooks
            )
    finally:
        if on_target is not None:
            closed = on_target.lifecycle.close()
            if closed:
                console.print(closed)
    print_report(console, report)
    report.write(repo / REPORTS / request.report_name)
    if request.report is not None:
        report.write(request.report)
    write_step_summary(report)
    return report, on_target
