"""Stage-running commands on the dagger engine. The Dagger module schedules and caches the
stages itself, so the CLI hands the run over (`dagger call <function>`, or the SDK inside the
session `dagger run` opened) and refuses, with exit 2, every option it cannot honour there:
none is silently ignored."""

from __future__ import annotations

import argparse
import subprocess  # nosec B404 - drives the Dagger CLI
from pathlib import Path

from rich.console import Console

from pipeline.engines.select import DaggerCli, DaggerSession
from pipeline.errors import EXIT_FAILED, EXIT_OK, UsageError
from pipeline.runs import RunRequest


def unsupported(args: argparse.Namespace, engine: DaggerCli | DaggerSession) -> list[str]:
    """The given options this way of running on Dagger cannot honour, each with why."""
    refused = []
    if args.jobs is not None:
        refused.append("--jobs (Dagger's engine decides how many stages run at once)")
    if args.fail_fast:
        refused.append("--fail-fast (the Dagger module runs every stage whose needs passed)")
    if isinstance(engine, DaggerCli):
        if args.no_cache:
            refused.append(
                "--no-cache (`dagger call` answers unchanged stages from Dagger's cache; inside "
                "`dagger run ./pipeline ...` the CLI can make them rerun)"
            )
        if args.report is not None:
            refused.append(
                "--report (`dagger call` prints the Markdown report: run inside `dagger run "
                "./pipeline ...` for the JSON one, or `dagger call reports export --path "
                "build/reports`)"
            )
    return refused


def run(
    engine: DaggerCli | DaggerSession,
    args: argparse.Namespace,
    request: RunRequest,
    repo: Path,
    console: Console,
) -> int:
    if args.command == "run":
        raise UsageError("`pipeline run` is not available on the dagger engine: name one stage")
    refused = unsupported(args, engine)
    if refused:
        raise UsageError(
            "on the dagger engine these options cannot be honoured: "
            + "; ".join(refused)
            + ". Drop them, or pick --engine docker or --engine host"
        )
    if isinstance(engine, DaggerCli):
        return dagger_call(engine, args, console)
    return in_session(request, repo, args, console)


def dagger_call(cli: DaggerCli, args: argparse.Namespace, console: Console) -> int:
    """Hand the run to the Dagger module (`dagger call`), which schedules the stages itself;
    Dagger streams every log line itself (`--progress plain`), so `-v` changes nothing."""
    argv = [cli.executable, "call", "--progress", "plain", str(args.command)]
    if args.strict:
        argv.append("--strict")
    console.print(f"pipeline: {' '.join(argv[1:])} (dagger engine)")
    code = subprocess.call(argv)  # nosec B603 - fixed argv, the Dagger CLI
    return EXIT_OK if code == 0 else EXIT_FAILED


def in_session(request: RunRequest, repo: Path, args: argparse.Namespace, console: Console) -> int:
    """`dagger run ./pipeline ci`: the module's container chains, through the SDK, in the
    session that `dagger run` opened (its engine schedules and caches the stages)."""
    import anyio

    from pipeline.engines.dagger import plan
    from pipeline.engines.dagger.session import run_in_session

    names = request.names
    console.print(f"pipeline: {', '.join(names)} in the current Dagger session")
    report = anyio.run(run_in_session, repo, names, args.strict, args.no_cache)
    console.print(plan.summary(report.stages, strict=args.strict), markup=False, highlight=False)
    if args.report is not None:
        report.write(args.report)
    return EXIT_OK if report.status.ok else EXIT_FAILED
