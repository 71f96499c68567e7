"""`pipeline release`: build -> deploy dev -> smoke dev -> deploy staging -> smoke staging on one
engine, with the local emulator started first and each env's app served after its deploy."""

from __future__ import annotations

import argparse
import os

from rich.console import Console

from infra.deploy.provenance import actor, git_head
from pipeline.catalog import CATALOG, RELEASE_ENVS, RELEASE_STAGES
from pipeline.release.errors import EXIT_FAILED
from pipeline.release.orchestrate import (
    LocalServing,
    ReleaseHooks,
    app_runner_for,
    artifact_digest,
    local_server,
    prepare_local,
    release_params,
    release_secrets,
)
from pipeline.release.targets import Target


def run_release(args: argparse.Namespace, console: Console) -> int:
    from pipeline.console import Progress, print_report
    from pipeline.release.commands import (
        local_engine,
        repo_of,
        resolve_target,
        start_emulator,
    )
    from pipeline.scheduler import RunOptions, run_stages

    repo = repo_of(args)
    choice = resolve_target(args, console)
    engine = local_engine(args.engine)
    serving: LocalServing | None = None
    if choice.target is Target.LOCAL:
        serving = prepare_local(repo, RELEASE_ENVS, start_emulator(repo, console))
    params = release_params(
        choice.target,
        git_head(repo),
        actor(),
        serving.emulator_url if serving else None,
        serving.urls if serving else {},
    )
    secrets = release_secrets(choice.target, os.environ, serving.token if serving else None)
    options = RunOptions(
        fail_fast=True,
        use_cache=not args.no_cache,
        strict=args.strict,
        jobs=args.jobs,
        secrets=secrets,
        params=params,
    )
    console.print(f"pipeline: {' -> '.join(RELEASE_STAGES)} on the {engine.name} engine")
    with Progress(console, verbose=args.verbose) as progress:
        server = None
        if serving is not None:
            runner = app_runner_for(engine, repo, console.print)
            server = local_server(repo, runner, serving)
        hooks = ReleaseHooks(progress, server, console.print)
        report = run_stages(CATALOG, engine, repo, RELEASE_STAGES, options, on_event=hooks)
    print_report(console, report)
    report.write(repo / "build" / "reports" / "release.json")
    for error in hooks.errors:
        console.print(f"[red]serving failed:[/] {error}")
    if report.status.ok and not hooks.errors:
        digest = artifact_digest(repo)
        console.print(f"released digest {digest} to {', '.join(RELEASE_ENVS)} ({choice.target})")
        for env, served in hooks.served.items():
            console.print(f"  {env}: {served.url}")
        console.print("history: `pipeline history --env dev`, `pipeline history --env staging`")
        return 0
    return EXIT_FAILED
