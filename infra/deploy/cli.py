"""`deploy`, `history`, `status` and `emulator` subcommands: parse, choose and open the target,
hand off to `infra.deploy.commands`, and map typed errors to a message and an exit code (0 ok,
1 a step failed, 2 bad usage/config) in one place.

Hook into `python -m infra` with `register(subparsers)`: each subcommand sets
`command=<handler(args, out) -> int>` like infra/cli.py's own commands, and its handler maps
its own errors, so the host CLI needs nothing else. Or run `python -m infra.deploy ...`.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path
from typing import TextIO

from infra.config import EnvironmentConfig, load_environment
from infra.deploy import commands
from infra.deploy.artifact_store import DEFAULT_BUILD_DIR, resolve_local
from infra.deploy.provenance import actor, git_head
from infra.errors import InfraError, exit_code_for
from infra.targets.base import AUTO, TARGET_CHOICES, TargetKind
from infra.targets.local import LocalTarget, stop_recorded
from infra.targets.local_emulator import running_endpoint
from infra.targets.select import choose_target, open_target

COMMANDS = ("deploy", "history", "status")


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the deploy, history, status and emulator subcommands to an argparse CLI."""
    deploy = subparsers.add_parser("deploy", help="plan and apply the stack to an environment")
    _common(deploy, "deploy")
    deploy.add_argument("--artifact", type=Path, help="the Lambda zip (checked against --digest)")
    deploy.add_argument("--digest", help="sha256 of the artifact (default: the file's own)")
    deploy.add_argument("--commit", help="commit the artifact was built from (default: git HEAD)")
    deploy.add_argument("--app-version", default="0.0.0", help="version the app reports")
    deploy.add_argument(
        "--live-version", default="", help="pin the live alias to this version (canary)"
    )
    deploy.add_argument("--template", type=Path, help="template JSON (default: synthesize)")
    deploy.add_argument("--build-dir", type=Path, default=DEFAULT_BUILD_DIR)
    deploy.add_argument("--dry-run", action="store_true", help="print the plan and stop")
    deploy.add_argument("--break-lock", action="store_true", help="take a stale lock")
    history = subparsers.add_parser("history", help="list an environment's deployments")
    _common(history, "history")
    history.add_argument("--limit", type=int, default=20)
    history.add_argument("--json", action="store_true", help="one JSON document")
    status = subparsers.add_parser("status", help="show what is live in an environment")
    _common(status, "status")
    status.add_argument("--json", action="store_true", help="one JSON document")
    emulator = subparsers.add_parser("emulator", help="start, stop or show the local emulator")
    emulator.add_argument("action", choices=("start", "stop", "status"))
    emulator.set_defaults(command=run_emulator)


def _common(parser: argparse.ArgumentParser, name: str) -> None:
    parser.set_defaults(command=partial(dispatch, name=name), deploy_command=name)
    parser.add_argument("--env", required=True, help="dev, staging or prod")
    parser.add_argument(
        "--target",
        choices=TARGET_CHOICES,
        default=AUTO,
        help="aws (credential chain), local (emulator), auto (aws if credentials, else local)",
    )


def dispatch(args: argparse.Namespace, out: TextIO | None = None, name: str = "") -> int:
    """Run the parsed command; returns the exit code. Errors become one message, no traceback."""
    stream = out or sys.stdout

    def emit(line: str) -> None:
        print(line, file=stream, flush=True)

    command = name or args.deploy_command
    try:
        config = load_environment(args.env)
        choice = choose_target(args.target)
        if command == "deploy":
            return _deploy(args, config, choice.kind, emit)
        target = open_target(choice.kind, start=False)
        if command == "history":
            commands.show_history(target, config, emit, limit=args.limit, as_json=args.json)
        else:
            commands.show_status(target, config, emit, as_json=args.json)
        return 0
    except InfraError as exc:  # each domain error carries its exit code
        _error(str(exc))
        return exit_code_for(exc)


def _deploy(
    args: argparse.Namespace,
    config: EnvironmentConfig,
    kind: TargetKind,
    emit: Callable[[str], None],
) -> int:
    options = commands.DeployOptions(
        commit=args.commit or git_head(),
        actor=actor(),
        app_version=args.app_version,
        live_version=args.live_version,
        template=args.template,
        dry_run=args.dry_run,
        break_lock=args.break_lock,
        build_dir=args.build_dir,
    )
    artifact = resolve_local(args.artifact, args.digest, args.build_dir)
    request = commands.deploy_request(config, artifact, options, emit)
    target = open_target(kind, start=True)
    if isinstance(target, LocalTarget):
        emit(target.describe_start())
    try:
        commands.deploy(target, request, emit)
    finally:
        # A dry run starts nothing it does not stop: an emulator started for it goes again.
        if args.dry_run and isinstance(target, LocalTarget) and target.started is not None:
            target.stop()
            emit(f"stopped the local emulator this dry run started (pid {target.started.pid})")
    return 0


def run_emulator(args: argparse.Namespace, out: TextIO | None = None) -> int:
    """`emulator start|stop|status`: the moto server `--target local` uses on this host."""
    stream = out or sys.stdout
    try:
        if args.action == "start":
            print(LocalTarget.start().describe_start(), file=stream)
        elif args.action == "stop":
            pid = stop_recorded()
            print(
                f"stopped local emulator (pid {pid})" if pid else "no emulator to stop", file=stream
            )
        else:
            print(f"local emulator running at {running_endpoint()}", file=stream)
    except InfraError as exc:
        _error(str(exc))
        return exit_code_for(exc)
    return 0


def _error(message: str) -> None:
    print(f"error: {message}", file=sys.stderr, flush=True)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m infra.deploy", description=__doc__)
    register(parser.add_subparsers(required=True, metavar="COMMAND"))
    args = parser.parse_args(argv)
    handler: Callable[[argparse.Namespace, TextIO], int] = args.command
    return handler(args, sys.stdout)
