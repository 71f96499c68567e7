"""`pipeline` command line: a thin layer over the catalog, the scheduler and the engines.

Exit codes: 0 every stage passed (degraded allowed unless --strict), 1 a stage failed,
2 bad usage or configuration (nothing was run).
"""

from __future__ import annotations

import argparse
import os
import subprocess  # nosec B404 - drives the Dagger CLI
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

from rich.console import Console

from pipeline.catalog import CI_STAGES, Catalog, CatalogError, validate
from pipeline.engines.base import Engine, EngineError, EngineUnavailable
from pipeline.engines.select import ENGINE_NAMES, DaggerCli, DaggerSession, choose

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


class UsageError(Exception):
    """Bad command line or configuration: exit 2, nothing run."""


def find_repo(start: Path) -> Path:
    for folder in (start, *start.parents):
        if (folder / "dagger.json").is_file() and (folder / "pyproject.toml").is_file():
            return folder
    raise UsageError(
        f"{start} is not inside the pipeline's repository (no dagger.json + pyproject.toml "
        "above it): run pipeline from the repository, or pass --repo PATH"
    )


def load_catalog() -> Catalog:
    try:
        from pipeline.catalog import CATALOG
    except CatalogError as exc:
        raise UsageError(
            f"the stage catalog (ci/src/pipeline/catalog.py) is invalid: {exc}"
        ) from exc
    return CATALOG


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--engine",
        default="auto",
        help=f"where stages run: {', '.join(ENGINE_NAMES)} (auto: dagger, else docker, else host)",
    )
    parser.add_argument("--report", type=Path, help="also write the JSON run report to PATH")
    parser.add_argument("--fail-fast", action="store_true", help="start no stage after a failure")
    parser.add_argument(
        "--no-cache", action="store_true", help="rerun stages with unchanged inputs"
    )
    parser.add_argument("--strict", action="store_true", help="a degraded stage fails the run")
    parser.add_argument("--jobs", type=int, default=4, help="stages run at once (default 4)")
    parser.add_argument("-v", "--verbose", action="store_true", help="stream every log line")
    parser.add_argument("--repo", type=Path, help="repository root (default: found from cwd)")


def build_parser(catalog: Catalog) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="pipeline", description="Energy Insights delivery pipeline (stages in containers)."
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    ci = commands.add_parser("ci", help=f"run the CI stages: {', '.join(CI_STAGES)}")
    _common(ci)
    for stage in catalog.stages.values():
        sub = commands.add_parser(stage.name, help=stage.description.replace("%", "%%"))
        _common(sub)
    run = commands.add_parser("run", help="run the named stages (and what they need)")
    run.add_argument("stages", nargs="+", metavar="STAGE")
    _common(run)
    commands.add_parser("stages", help="list the stage catalog")
    from pipeline.release.commands import register as register_release

    register_release(commands, _common)  # release, deploy, smoke, status, history, config, up…
    return parser


def main(
    argv: Sequence[str] | None = None,
    console: Console | None = None,
    catalog: Catalog | None = None,
) -> int:
    """Run the CLI; `catalog` replaces the built-in stage catalog (it is validated first)."""
    console = console or Console(stderr=False, highlight=False)
    errors = Console(stderr=True, highlight=False)
    try:
        catalog = load_catalog() if catalog is None else validate(catalog)
        parser = build_parser(catalog)
        try:
            args = parser.parse_args(argv)
        except SystemExit as exc:  # argparse already printed the usage error
            return EXIT_OK if exc.code == 0 else EXIT_USAGE
        if args.command == "stages":
            return list_stages(console, catalog)
        if getattr(args, "release_command", None) is not None:
            from pipeline.release.commands import run_command

            return run_command(args, console)
        names = stage_names(args, catalog)
        repo = (args.repo or find_repo(Path.cwd())).resolve()
        preflight(catalog, names, repo)
        if args.jobs < 1:
            raise UsageError(f"--jobs {args.jobs}: must be at least 1")
        engine = choose(args.engine)
        if isinstance(engine, DaggerCli | DaggerSession) and args.command == "run":
            raise UsageError("`pipeline run` is not available on the dagger engine: name stages")
        if isinstance(engine, DaggerCli):
            return run_dagger(engine, args, console)
        if isinstance(engine, DaggerSession):
            return run_in_dagger_session(names, repo, args, console)
        code = run_local(engine, catalog, names, repo, args, console)
        if code == EXIT_OK and args.command == "build":
            from pipeline.release.commands import after_build

            return after_build(engine, repo, console)
        return code
    except (UsageError, EngineUnavailable, CatalogError) as exc:
        errors.print(f"[red]error:[/] {exc}", soft_wrap=True)
        return EXIT_USAGE
    except EngineError as exc:
        errors.print(f"[red]engine error:[/] {exc}", soft_wrap=True)
        return EXIT_FAILED


def stage_names(args: argparse.Namespace, catalog: Catalog) -> tuple[str, ...]:
    if args.command == "ci":
        return CI_STAGES
    if args.command == "run":
        for name in args.stages:
            catalog.stage(name)  # raises CatalogError naming the choices
        return tuple(args.stages)
    return (str(args.command),)


def preflight(catalog: Catalog, names: Sequence[str], repo: Path) -> None:
    """Refuse, before anything runs, a run whose toolchain lock files are missing."""
    for name in catalog.closure(names):
        toolchain = catalog.toolchain_of(catalog.stages[name])
        for lock in toolchain.lock_files:
            if not (repo / lock).is_file():
                raise UsageError(
                    f"{lock} is missing (toolchain {toolchain.name!r}, needed by stage "
                    f"{name!r}): run `uv lock --project {toolchain.project}` and commit the lock"
                )


def list_stages(console: Console, catalog: Catalog) -> int:
    for stage in catalog.stages.values():
        needs = f" (needs {', '.join(stage.needs)})" if stage.needs else ""
        console.print(f"[bold]{stage.name}[/] \\[{stage.toolchain}] {stage.description}{needs}")
    return EXIT_OK


def declared_secrets(
    catalog: Catalog, names: Sequence[str], environ: Mapping[str, str]
) -> dict[str, str]:
    """The calling environment's values of the secrets the run's stages declare, and no more
    (e.g. GH_TOKEN for the workflow audit); each stage then gets only its own."""
    wanted = {s for name in catalog.closure(names) for s in catalog.stages[name].secrets}
    return {name: environ[name] for name in sorted(wanted) if environ.get(name)}


def run_local(
    engine: Engine,
    catalog: Catalog,
    names: Sequence[str],
    repo: Path,
    args: argparse.Namespace,
    console: Console,
) -> int:
    from pipeline.console import Progress, print_report
    from pipeline.report_formats import write_step_summary
    from pipeline.scheduler import RunOptions, run_stages

    options = RunOptions(
        fail_fast=args.fail_fast,
        use_cache=not args.no_cache,
        strict=args.strict,
        jobs=args.jobs,
        secrets=declared_secrets(catalog, names, os.environ),
    )
    console.print(f"pipeline: {', '.join(catalog.closure(names))} on the {engine.name} engine")
    with Progress(console, verbose=args.verbose) as progress:
        report = run_stages(catalog, engine, repo, names, options, on_event=progress)
    print_report(console, report)
    report.write(repo / "build" / "reports" / "report.json")
    if args.report is not None:
        report.write(args.report)
    write_step_summary(report)
    return EXIT_OK if report.status.ok else EXIT_FAILED


def run_dagger(cli: DaggerCli, args: argparse.Namespace, console: Console) -> int:
    """Hand the run to the Dagger module (`dagger call`), which schedules the stages itself."""
    argv = [cli.executable, "call", "--progress", "plain", str(args.command)]
    if args.strict:
        argv.append("--strict")
    console.print(f"pipeline: {' '.join(argv[1:])} (dagger engine)")
    code = subprocess.call(argv)  # nosec B603 - fixed argv, the Dagger CLI
    return EXIT_OK if code == 0 else EXIT_FAILED


def run_in_dagger_session(
    names: Sequence[str], repo: Path, args: argparse.Namespace, console: Console
) -> int:
    """`dagger run ./pipeline ci`: the module's container chains, through the SDK, in the
    session that `dagger run` opened (its engine schedules and caches the stages)."""
    import anyio

    from pipeline.dagger_session import run_check
    from pipeline.main import StagesFailed

    console.print(f"pipeline: {', '.join(names)} in the current Dagger session")
    try:
        report = anyio.run(run_check, repo, tuple(names), args.strict)
    except StagesFailed as exc:
        console.print(str(exc), markup=False, highlight=False)
        return EXIT_FAILED
    console.print(report, markup=False, highlight=False)
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
