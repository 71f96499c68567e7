"""The commands that run stages: `ci`, `<stage>`, `run`, `release` and one per stage kind
(`deploy --env E`, `smoke --env E`). Each becomes a `RunRequest` for the one run path
(`pipeline.runs`), or goes to the Dagger module on the dagger engine."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from rich.console import Console

from infra.artifact.digest import sha256_of, single_artifact
from infra.config import load_environment
from infra.deploy.provenance import actor, git_head
from infra.targets.local_state import read_app
from pipeline.catalog import (
    DEPLOY,
    KINDS,
    PROMOTION_KINDS,
    RELEASE_ENVS,
    Catalog,
    Stage,
    StageKind,
    alone,
    kind_stage,
    option_values,
    with_stage,
)
from pipeline.cli import on_dagger, promotion
from pipeline.cli.parser import DEFAULT_JOBS
from pipeline.engines.base import Engine
from pipeline.engines.select import DaggerCli, DaggerSession, choose, choose_local
from pipeline.errors import EXIT_FAILED, EXIT_OK, EXIT_USAGE, UsageError
from pipeline.results import LOG_FILE, RunReport
from pipeline.runs import OnTarget, RunRequest, reaches_an_environment, run_and_report
from pipeline.scheduler import RunOptions


def find_repo(start: Path) -> Path:
    for folder in (start, *start.parents):
        if (folder / "dagger.json").is_file() and (folder / "pyproject.toml").is_file():
            return folder
    raise UsageError(
        f"{start} is not inside the pipeline's repository (no dagger.json + pyproject.toml "
        "above it): run pipeline from the repository, or pass --repo PATH"
    )


def repo_of(args: argparse.Namespace) -> Path:
    if args.repo is not None and not Path(args.repo).is_dir():
        raise UsageError(f"--repo {args.repo}: no such directory; pass the repository's root")
    return Path(args.repo or find_repo(Path.cwd())).resolve()


def run_request(args: argparse.Namespace, catalog: Catalog, repo: Path) -> RunRequest:
    """What a stage-running command runs, with which options (usage errors raised here)."""
    jobs = DEFAULT_JOBS if args.jobs is None else args.jobs
    if jobs < 1:
        raise UsageError(f"--jobs {jobs}: must be at least 1")
    options = RunOptions(
        fail_fast=args.fail_fast or args.action == "release",  # a release stops at a failure
        use_cache=not args.no_cache,
        strict=args.strict,
        jobs=jobs,
    )
    request = RunRequest(
        catalog=catalog,
        names=tuple(getattr(args, "names", ())),
        options=options,
        verbose=args.verbose,
        report=args.report,
        target=getattr(args, "target", None),
        commit=git_head(repo),
        actor=actor(),
    )
    if getattr(args, "stages", None):  # `run STAGE...`
        for name in args.stages:
            catalog.stage(name)  # raises CatalogError naming the choices
        return replace(request, names=tuple(args.stages))
    if args.action == "release":
        return replace(request, report_name="release.json")
    if args.action == "kind":  # one environment's stage, with what it needs re-made (build)
        kind = KINDS[args.kind]
        if kind.any_env:
            load_environment(args.env)  # the one place an environment name is checked
        stage = kind_stage(catalog, kind, args.env)
        on = tuple(s for s in kind.switches if getattr(args, s.name.replace("-", "_")))
        return replace(
            request,
            catalog=alone(with_stage(catalog, stage), stage.name),
            names=(stage.name,),
            switches=on,
            values=given_options(kind, args),
        )
    return request


def given_options(kind: StageKind, args: argparse.Namespace) -> dict[str, str]:
    """The kind's valued options that were given, as run parameters; a bad one is refused
    here (exit 2), before anything runs."""
    return option_values({o: getattr(args, o.name.replace("-", "_"), None) for o in kind.options})


def refused(report: RunReport, stage: str) -> bool:
    """True when `stage` failed by refusing its input (its step exited 2): nothing was done."""
    found = [r for r in report.stages if r.name == stage]
    return bool(found) and any(step.exit_code == EXIT_USAGE for step in found[0].steps)


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


def run_command(args: argparse.Namespace, catalog: Catalog, console: Console) -> int:
    """Run the command's stages on the chosen engine; 0 passed, 1 a stage failed."""
    repo = repo_of(args)
    request = run_request(args, catalog, repo)
    preflight(request.catalog, request.names, repo)
    if args.action == "kind" and KINDS[args.kind] in PROMOTION_KINDS:
        promotion.preflight(args, repo)
    if reaches_an_environment(request.catalog, request.names):
        engine: Engine | DaggerCli | DaggerSession = choose_local(args.engine)
    else:
        engine = choose(args.engine)
    if isinstance(engine, DaggerCli | DaggerSession):
        return on_dagger.run(engine, args, request, repo, console)
    report, on_target = run_and_report(console, engine, repo, request)
    if args.action == "kind" and report.status.ok:  # what the stage did: the plan, the tests
        show_log(console, repo, request.catalog.stage(request.names[0]))
    if not report.status.ok:
        kind_refused = args.action == "kind" and refused(report, request.names[0])
        return EXIT_USAGE if kind_refused else EXIT_FAILED
    if args.command == "build":
        after_build(engine, repo, console)
    if on_target is not None and not request.dry_run:
        tell_where(args, repo, on_target, console)
    return EXIT_OK


def tell_where(args: argparse.Namespace, repo: Path, on_target: OnTarget, console: Console) -> None:
    """After a passing release or deploy: the digest, and where the local apps answer."""
    served = [read_app(repo, env) for env in RELEASE_ENVS]
    answering = {app.env: app.url for app in served if app is not None}
    if args.action == "release":
        digest = sha256_of(single_artifact(repo))
        where = on_target.choice.kind.value
        console.print(f"released digest {digest} to {', '.join(RELEASE_ENVS)} ({where})")
        for env, url in answering.items():
            console.print(f"  {env}: {url}")
        console.print("history: `pipeline history --env dev`, `pipeline history --env staging`")
    elif args.action == "kind" and args.kind == DEPLOY.name and args.env in answering:
        console.print(f"{args.env} answers at {answering[args.env]}")


def show_log(console: Console, repo: Path, stage: Stage) -> None:
    """The stage's whole log (a failed stage's tail is in the report already)."""
    log = repo / stage.report_dir / LOG_FILE
    if log.is_file():
        console.rule(f"{stage.name}: its log ({log.relative_to(repo)})")
        console.print(log.read_text(encoding="utf-8").rstrip(), markup=False, highlight=False)


def after_build(engine: Engine, repo: Path, console: Console) -> None:
    """After `pipeline build`: print the digest, and on docker build the local app image."""
    from pipeline.release.app_image import ensure_app_image

    bundle = single_artifact(repo)
    digest = sha256_of(bundle)
    console.print(f"artifact {bundle.relative_to(repo)} sha256:{digest}")
    client = getattr(engine, "client", None) if engine.name == "docker" else None
    if client is not None:
        tag = ensure_app_image(client, repo, bundle, digest, console.print)
        console.print(f"local app image {tag} (the same bundle, served by uvicorn)")
