"""`pipeline release|deploy|smoke|status|history|config|up|down`: the release side of the CLI.

Thin: parse, resolve target and engine, hand off (to the scheduler, or to `python -m infra` /
`python -m app.local` for what they already do), map errors to 0/1/2 in `run_command`.
"""

from __future__ import annotations

import argparse
import os
import subprocess  # nosec B404 - delegates to `python -m infra` / `python -m app.local`
import sys
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path

from rich.console import Console
from rich.markup import escape

from infra.deploy.provenance import actor
from pipeline.catalog import CATALOG, RELEASE_ENVS, RELEASE_STAGES, Catalog, validate
from pipeline.engines.base import Engine
from pipeline.release.app_runners import AppRunner
from pipeline.release.errors import EXIT_FAILED, ReleaseError, ReleaseUsageError
from pipeline.release.local_state import LOCAL_DIR, read_app
from pipeline.release.targets import Target, TargetChoice, check_env, choose_target
from pipeline.release.targets import credential_source as find_credentials

Handler = Callable[[argparse.Namespace, Console], int]
Common = Callable[[argparse.ArgumentParser], None]
TARGETS = tuple(t.value for t in Target)


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser], common: Common) -> None:
    """Add the release commands; each sets `release_command` to its handler."""
    release = commands.add_parser(
        "release", help=f"run {' -> '.join(RELEASE_STAGES)} (local: a full rehearsal)"
    )
    common(release)
    _target(release)
    release.set_defaults(release_command=cmd_release)

    deploy = commands.add_parser("deploy", help="deploy build/artifacts to one environment")
    _env(deploy)
    _target(deploy)
    deploy.add_argument("--dry-run", action="store_true", help="print the plan and stop")
    deploy.add_argument("--repo", type=Path, help="repository root (default: found from cwd)")
    deploy.set_defaults(release_command=cmd_deploy)

    smoke = commands.add_parser("smoke", help="run tests/smoke against an environment")
    common(smoke)
    _env(smoke)
    _target(smoke)
    smoke.set_defaults(release_command=cmd_smoke)

    for name, what in (("status", "what is live in"), ("history", "the deployments of")):
        sub = commands.add_parser(name, help=f"show {what} an environment")
        _env(sub)
        _target(sub)
        sub.add_argument("--json", action="store_true", help="one JSON document")
        sub.add_argument("--repo", type=Path, help="repository root (default: found from cwd)")
        sub.set_defaults(release_command=cmd_records, records=name)

    config = commands.add_parser("config", help="show|diff|export an environment's config")
    config.add_argument("rest", nargs=argparse.REMAINDER, help="e.g. show --env dev")
    config.set_defaults(release_command=cmd_config)
    for name in ("up", "down"):
        sub = commands.add_parser(name, help=f"{name} the local stack (python -m app.local)")
        sub.add_argument("where", choices=("local",))
        sub.add_argument("rest", nargs=argparse.REMAINDER, help="passed to app.local")
        sub.set_defaults(release_command=cmd_local_stack, action=name)


def _env(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--env", required=True, help=f"one of {', '.join(RELEASE_ENVS)}, prod")


def _target(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--target",
        choices=TARGETS,
        help="aws or local (default: aws when boto3 finds AWS credentials, else local)",
    )


def run_command(args: argparse.Namespace, console: Console) -> int:
    """Run a release command; typed errors become one message and exit code 1 or 2."""
    handler: Handler = args.release_command
    try:
        return int(handler(args, console))
    except ReleaseError as exc:
        Console(stderr=True).print(f"[red]error:[/] {escape(str(exc))}", soft_wrap=True)
        return exc.exit_code


def resolve_target(args: argparse.Namespace, console: Console) -> TargetChoice:
    requested = getattr(args, "target", None)
    choice = choose_target(requested, None if requested else find_credentials())
    console.print(choice.describe())
    return choice


def repo_of(args: argparse.Namespace) -> Path:
    from pipeline.cli import UsageError, find_repo

    try:
        return Path(args.repo or find_repo(Path.cwd())).resolve()
    except UsageError as exc:
        raise ReleaseUsageError(str(exc)) from None


def delegate(repo: Path, module: str, argv: Sequence[str], console: Console) -> int:
    """Run `python -m <module> argv` in the repository (its state files are relative to it)."""
    console.print(f"[dim]$ python -m {module} {' '.join(argv)}[/]")
    return subprocess.call(  # nosec B603 - our interpreter, argv from argparse choices
        [sys.executable, "-m", module, *argv], cwd=repo
    )


def cmd_records(args: argparse.Namespace, console: Console) -> int:
    notes = Console(stderr=True, highlight=False)  # stdout stays the records alone (--json)
    env = check_env(args.env)
    choice = resolve_target(args, notes)
    argv = [args.records, "--env", env, "--target", choice.target.value]
    return delegate(repo_of(args), "infra", [*argv, *(["--json"] if args.json else [])], notes)


def cmd_config(args: argparse.Namespace, console: Console) -> int:
    rest = list(args.rest)
    if not rest or rest[0] not in ("show", "diff", "export"):
        raise ReleaseUsageError(
            "pipeline config: choose show, diff or export, e.g. "
            "`pipeline config show --env dev --format yaml`"
        )
    repo = repo_of(argparse.Namespace(repo=None))
    return delegate(repo, "infra", ["config", *rest], Console(stderr=True, highlight=False))


def cmd_local_stack(args: argparse.Namespace, console: Console) -> int:
    """`up local` / `down local`: app.local's stack; `down` also stops what releases serve."""
    repo = repo_of(argparse.Namespace(repo=None))
    code = delegate(repo, "app.local", [args.action, *args.rest], console)
    if args.action == "down":
        code = max(code, stop_release_services(repo, console))
    return code


def stop_release_services(repo: Path, console: Console) -> int:
    from infra.targets.local_emulator import stop_emulator
    from pipeline.release.app_runners import HostAppRunner
    from pipeline.release.local_app import stop_served

    runners: dict[str, AppRunner] = {"host": HostAppRunner(repo)}
    engine = local_engine("auto")
    if engine.name == "docker":
        runners["docker"] = _app_runner(repo, console)
    stopped = stop_served(repo, runners)
    console.print(f"stopped the released apps of: {', '.join(stopped) or 'none running'}")
    pid = stop_emulator(repo / LOCAL_DIR)
    console.print(f"stopped the local emulator (pid {pid})" if pid else "no release emulator")
    return 0


def cmd_deploy(args: argparse.Namespace, console: Console) -> int:
    from infra.deploy.provenance import git_head
    from pipeline.release.local_app import serve, single_artifact

    env = check_env(args.env)
    repo = repo_of(args)
    choice = resolve_target(args, console)
    artifact = single_artifact(repo)
    argv = ["deploy", "--env", env, "--target", choice.target.value, "--artifact", str(artifact)]
    argv += ["--commit", git_head(repo)]
    emulator_url = None
    if choice.target is Target.LOCAL:
        emulator_url = start_emulator(repo, console)
    env_vars = {**os.environ, "PIPELINE_ACTOR": actor()}
    if emulator_url:
        env_vars["AWS_ENDPOINT_URL"] = emulator_url
    console.print(f"[dim]$ python -m infra {' '.join(argv)}{' --dry-run' * args.dry_run}[/]")
    code = subprocess.call(  # nosec B603 - our interpreter, argv from argparse choices
        [sys.executable, "-m", "infra", *argv, *(["--dry-run"] if args.dry_run else [])],
        cwd=repo,
        env=env_vars,
    )
    if code != 0 or args.dry_run or emulator_url is None:
        return code
    runner = _app_runner(repo, console)
    console.print(f"serving {env} locally from the deployed artifact ({runner.name} runner)")
    served = serve(repo, env, runner, emulator_url)
    console.print(f"{env} answers at {served.url} (digest {served.digest[:12]})")
    return 0


def start_emulator(repo: Path, console: Console) -> str:
    from infra.errors import InfraError
    from infra.targets.local_emulator import ensure_emulator

    try:
        state = ensure_emulator(repo / LOCAL_DIR)
    except InfraError as exc:
        raise ReleaseError(f"the local emulator cannot start: {exc}") from None
    how = f"started (pid {state.pid})" if state.started else "already running"
    console.print(f"local emulator {how} at {state.endpoint} (a host process)")
    return state.endpoint


def _app_runner(repo: Path, console: Console) -> AppRunner:
    from pipeline.release.orchestrate import app_runner_for

    return app_runner_for(local_engine("auto"), repo, console.print)


def single_stage(catalog: Catalog, name: str) -> Catalog:
    """A catalog holding only `name`, without its needs: run one stage on what already exists."""
    stage = replace(catalog.stage(name), needs=())
    return validate(replace(catalog, stages={name: stage}))


def cmd_smoke(args: argparse.Namespace, console: Console) -> int:
    from pipeline.release.local_state import local_token
    from pipeline.release.orchestrate import release_params, release_secrets

    env = check_env(args.env)
    repo = repo_of(args)
    choice = resolve_target(args, console)
    emulator_url, urls, token = None, {}, None
    if choice.target is Target.LOCAL:
        served = read_app(repo, env)
        if served is None:
            raise ReleaseUsageError(
                f"{env} is not served locally: run `pipeline deploy --env {env}` or "
                "`pipeline release` first"
            )
        emulator_url, urls, token = start_emulator(repo, console), {env: served.url}, None
        token = local_token(repo)
    params = release_params(choice.target, "unknown", actor(), emulator_url, urls)
    secrets = release_secrets(choice.target, os.environ, token)
    return run_on_engine(
        args, console, single_stage(CATALOG, f"smoke-{env}"), (f"smoke-{env}",), params, secrets
    )


def run_on_engine(
    args: argparse.Namespace,
    console: Console,
    catalog: Catalog,
    names: Sequence[str],
    params: dict[str, str],
    secrets: dict[str, str],
) -> int:
    from pipeline.console import Progress, print_report
    from pipeline.scheduler import RunOptions, run_stages

    repo = repo_of(args)
    engine = local_engine(args.engine)
    options = RunOptions(
        use_cache=not args.no_cache,
        strict=args.strict,
        jobs=args.jobs,
        secrets=secrets,
        params=params,
    )
    console.print(f"pipeline: {', '.join(names)} on the {engine.name} engine")
    with Progress(console, verbose=args.verbose) as progress:
        report = run_stages(catalog, engine, repo, names, options, on_event=progress)
    print_report(console, report)
    return 0 if report.status.ok else EXIT_FAILED


def local_engine(name: str) -> Engine:
    """The docker or host engine (`auto`: docker when a daemon answers, else host)."""
    from pipeline.engines.base import EngineUnavailable
    from pipeline.engines.host import HostEngine
    from pipeline.engines.select import DaggerCli, DaggerSession, choose, docker_engine

    if name == "auto":
        try:
            return docker_engine()
        except EngineUnavailable:
            return HostEngine()
    engine = choose(name)
    if isinstance(engine, DaggerCli | DaggerSession):
        raise ReleaseUsageError(
            "release commands drive stages on the docker or host engine: pass --engine docker "
            "or --engine host, or use the Dagger module's own functions (`dagger call release`)"
        )
    return engine


def cmd_release(args: argparse.Namespace, console: Console) -> int:
    from pipeline.release.release_run import run_release

    return run_release(args, console)


def after_build(engine: Engine, repo: Path, console: Console) -> int:
    """After `pipeline build`: print the digest, and on docker build the local app image."""
    from pipeline.release.app_image import ensure_app_image
    from pipeline.release.local_app import sha256_of, single_artifact

    try:
        bundle = single_artifact(repo)
        digest = sha256_of(bundle)
        console.print(f"artifact {bundle.relative_to(repo)} sha256:{digest}")
        client = getattr(engine, "client", None) if engine.name == "docker" else None
        if client is not None:
            tag = ensure_app_image(client, repo, bundle, digest, console.print)
            console.print(f"local app image {tag} (the same bundle, served by uvicorn)")
    except ReleaseError as exc:
        Console(stderr=True).print(f"[red]error:[/] {escape(str(exc))}", soft_wrap=True)
        return exc.exit_code
    return 0
