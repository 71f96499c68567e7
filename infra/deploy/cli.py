"""`deploy`, `history` and `status` subcommands: parse, hand off to the library, and map typed
errors to a message and an exit code (0 ok, 1 a step failed, 2 bad usage/config) in one place.

Hook into `python -m infra` with `register(subparsers)`: each subcommand sets
`command=<handler(args, out) -> int>` like infra/cli.py's own commands, and its handler maps
its own errors, so the host CLI needs nothing else. Or run `python -m infra.deploy ...`.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path
from typing import TextIO

from infra.clock import SystemClock
from infra.config import load_environment
from infra.config.model import EnvironmentConfig
from infra.deploy.artifact_store import DEFAULT_BUILD_DIR, resolve_local
from infra.deploy.bootstrap import table_exists
from infra.deploy.connect import connect
from infra.deploy.deployer import Deployer
from infra.deploy.errors import DeployUsageError
from infra.deploy.provenance import actor, git_head
from infra.deploy.records import Outcome, RecordStore, record_as_dict, render_history
from infra.deploy.request import DeployRequest, lint_template
from infra.deploy.status import live_status, render_status, status_as_dict
from infra.errors import InfraError, exit_code_for
from infra.targets.local_emulator import ensure_emulator, running_endpoint, stop_emulator
from infra.targets.model import TargetKind
from infra.templates.contract import COMMIT_PATTERN

COMMANDS = ("deploy", "history", "status")
_COMMIT = re.compile(COMMIT_PATTERN)


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
        choices=[kind.value for kind in TargetKind],
        default=TargetKind.AUTO.value,
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
        if command == "deploy":
            return _deploy(args, config, emit)
        if command == "history":
            return _history(args, config, emit)
        return _status(args, config, emit)
    except InfraError as exc:  # each domain error carries its exit code
        _error(str(exc))
        return exit_code_for(exc)


def run_emulator(args: argparse.Namespace, out: TextIO | None = None) -> int:
    """`emulator start|stop|status`: the moto server `--target local` uses on this host."""
    stream = out or sys.stdout
    try:
        if args.action == "start":
            state = ensure_emulator()
            verb = "started" if state.started else "already running"
            print(f"local emulator {verb} at {state.endpoint}", file=stream)
        elif args.action == "stop":
            pid = stop_emulator()
            print(
                f"stopped local emulator (pid {pid})" if pid else "no emulator to stop", file=stream
            )
        else:
            print(f"local emulator running at {running_endpoint()}", file=stream)
    except InfraError as exc:
        _error(str(exc))
        return exit_code_for(exc)
    return 0


def _deploy(
    args: argparse.Namespace, config: EnvironmentConfig, emit: Callable[[str], None]
) -> int:
    commit = args.commit or git_head()
    if not _COMMIT.fullmatch(commit):
        raise DeployUsageError(f"--commit {commit!r} must be a 7-40 character hex id or unknown")
    artifact = resolve_local(args.artifact, args.digest, args.build_dir)
    template_name, body = _template(args.template, config)
    request = DeployRequest(
        config=config,
        template_body=body,
        template_name=template_name,
        artifact=artifact,
        commit=commit,
        actor=actor(),
        app_version=args.app_version,
        live_version=args.live_version,
        dry_run=args.dry_run,
        break_lock=args.break_lock,
        build_dir=args.build_dir,
        lint_checked=True,
    )
    lint_template(request, emit)  # before connecting: a bad template never reaches AWS
    conn = connect(TargetKind(args.target), config.region, start_emulator=True)
    for note in conn.notes:
        emit(note)
    result = Deployer(conn, SystemClock(), emit).deploy(request)
    if args.dry_run:
        return 0
    outcome = "no changes" if result.outcome is Outcome.NO_CHANGE else result.outcome.value
    details = [f"digest {artifact.digest[:12]}"]
    if result.verification is not None:
        details.append(f"live -> version {result.verification.alias_version}")
    record = result.record
    if record is not None and record.finished_at is not None:
        seconds = (record.finished_at - record.started_at).total_seconds()
        details.append(f"deployment {record.deployment_id} in {seconds:.1f} s")
    emit(f"deploy {config.name}: {outcome} ({', '.join(details)})")
    return 0


def _history(
    args: argparse.Namespace, config: EnvironmentConfig, emit: Callable[[str], None]
) -> int:
    conn = connect(TargetKind(args.target), config.region, start_emulator=False)
    table = config.names.deployments_table
    store = RecordStore(conn.clients, table, config.name)
    records = store.history(args.limit) if table_exists(conn.clients, table) else []
    if args.json:
        emit(json.dumps([record_as_dict(record) for record in records], indent=2))
        return 0
    for line in render_history(records):
        emit(line)
    return 0


def _status(
    args: argparse.Namespace, config: EnvironmentConfig, emit: Callable[[str], None]
) -> int:
    clock = SystemClock()
    conn = connect(TargetKind(args.target), config.region, start_emulator=False)
    status = live_status(conn, config, clock)
    if args.json:
        emit(json.dumps(status_as_dict(status, clock.now()), indent=2))
        return 0
    for line in render_status(status, clock.now()):
        emit(line)
    return 0


def _template(path: Path | None, config: EnvironmentConfig) -> tuple[str, str]:
    if path is None:
        from infra.templates.stack import render_template

        return f"(synthesized for {config.name})", render_template(config)
    try:
        return str(path), path.read_text(encoding="utf-8")
    except OSError as exc:
        raise DeployUsageError(f"--template {path} cannot be read: {exc.strerror}") from None


def _error(message: str) -> None:
    print(f"error: {message}", file=sys.stderr, flush=True)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m infra.deploy", description=__doc__)
    register(parser.add_subparsers(required=True, metavar="COMMAND"))
    args = parser.parse_args(argv)
    handler: Callable[[argparse.Namespace, TextIO], int] = args.command
    return handler(args, sys.stdout)
