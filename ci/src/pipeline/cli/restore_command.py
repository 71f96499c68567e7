"""`pipeline restore --env E (--from BACKUP | --to-time T) --approved-by NAME [--dry-run]`:
the real recovery path (infra.backup.restore), host-side and in-process.

It runs here rather than as a stage: its config change must land in this checkout's
`infra/environments/<env>.yaml` (to be committed), and on the local target the env's app must
be served again between the switch deploy and the smoke test, which only the host can do
(stage containers cannot start containers). The deploy and the smoke test are the deploy and
smoke stages' own library calls (pipeline.release.restore_switch)."""

from __future__ import annotations

import argparse
import os
from datetime import datetime
from pathlib import Path

from infra.backup import bind, plan_restore, restore
from infra.config import load_environment
from infra.deploy.provenance import actor
from infra.targets.base import Target
from infra.targets.local import LocalTarget
from infra.targets.local_apps import AppRunner, LocalApps
from infra.targets.local_state import LOCAL_DIR, local_token, read_app
from infra.targets.select import choose_target, open_target
from pipeline.catalog import (
    PARAM_EMULATOR,
    PARAM_TARGET,
    SMOKE_TOKEN_SECRET,
    app_url_param,
    aware_time,
)
from pipeline.cli.stage_commands import repo_of
from pipeline.errors import UsageError
from pipeline.release.restore_switch import Reserve, SmokeSuite, prepare_switch


def _out(line: str) -> None:
    print(line, flush=True)


def point(text: str | None) -> datetime | None:
    if text is None:
        return None
    problem = aware_time(text)
    if problem:
        raise UsageError(f"--to-time {text!r} {problem}")
    return datetime.fromisoformat(text)


def restore_command(args: argparse.Namespace) -> int:
    """Show the plan (with the switch's), then unless --dry-run carry it out; 0 restored or
    planned, 1 a step failed (the output says what is live), 2 refused before anything."""
    repo = repo_of(args)
    config = load_environment(args.env, repo / "infra" / "environments")
    to_time = point(args.to_time)
    choice = choose_target(args.target)
    _out(choice.describe())
    target = open_target(choice.kind, start=False, state_dir=repo / LOCAL_DIR)
    connection = target.connect(config.region)
    for note in connection.notes:
        _out(note)
    safety = bind(connection, config, emit=_out)
    # Read-only: an unknown backup, an empty approver, a bad point are refused (exit 2) here,
    # before the switch and the smoke test are looked at or anything is printed as planned.
    plan_restore(safety, args.backup, args.approved_by, to_time=to_time)
    environ = smoke_environ(target, config.name, repo)
    who = f"{actor()} (restore approved by {args.approved_by.strip()})"
    reserve = local_reserve(target, repo) if isinstance(target, LocalTarget) else None
    switch, lines = prepare_switch(repo, target, connection, config, who, _out, reserve)
    for line in lines:
        _out(line)
    _out(f"smoke: tests/smoke against {config.name} after the switch")
    result = restore(
        safety,
        args.backup,
        args.approved_by,
        args.dry_run,
        switch,
        SmokeSuite(repo, environ, _out),
        to_time=to_time,
    )
    for line in result.lines()[len(result.plan.lines()) :]:  # the plan was printed already
        _out(line)
    return result.exit_code


def smoke_environ(target: Target, env: str, repo: Path) -> dict[str, str]:
    """What the smoke stage would get: the target, and locally the emulator, where the env's
    app answers and a token it accepts; on AWS the token must be in SMOKE_TOKEN."""
    environ = {**os.environ, PARAM_TARGET: target.kind.value}
    if isinstance(target, LocalTarget):
        served = read_app(repo, env)
        if served is None:
            raise UsageError(
                f"{env} is not served locally, so the restore could not be smoke-tested: run "
                f"`pipeline deploy --env {env}` or `pipeline release` first"
            )
        environ.update(
            {
                PARAM_EMULATOR: target.endpoint,
                app_url_param(env): served.url,
                SMOKE_TOKEN_SECRET: local_token(repo),
            }
        )
    elif not environ.get(SMOKE_TOKEN_SECRET):
        raise UsageError(
            f"set {SMOKE_TOKEN_SECRET} (a token the API's JWT authorizer accepts): the restore "
            "ends with the smoke test"
        )
    return environ


def local_reserve(target: LocalTarget, root: Path) -> Reserve:
    """Serve the env's app again with what served it before (container or process)."""

    def reserve(env: str) -> str:
        served = read_app(root, env)
        runner: AppRunner
        if served is not None and served.runner == "docker":
            from pipeline.engines.docker import DockerEngine
            from pipeline.release.app_runners import DockerAppRunner

            runner = DockerAppRunner(DockerEngine.connect().client, root, _out)
        else:
            from pipeline.release.app_runners import HostAppRunner

            runner = HostAppRunner(root)
        again = LocalApps(root, runner, target).serve(env)
        return f"serving {env} again: {again.url} ({again.runner} {again.handle}), new table"

    return reserve
