"""The app service of the local target on the Dagger engine (runs inside a toolchain container).

`auth --out DIR [--suite-stage perf-staging ...]` writes the public half of a throwaway RS256
key pair and a smoke-test token signed by it (`public.pem`, `token`), and the tokens the named
perf/E2E stages need (`PERF_TOKEN`, `E2E_TOKEN`, ...: one file each). `serve --env E ...`
configures the app like E's deployed function (its environment as the emulator's Lambda API
reports it, auth switched to the local key plus the environment's user pool created on the
emulator, AWS to the emulator:
`infra.targets.local_apps.app_settings`, as the host's local target does) and replaces itself
with uvicorn serving the unpacked bundle. Never used on AWS.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from infra.errors import InfraError, exit_code_for

Exec = Callable[[str, list[str], Mapping[str, str]], Any]


class LauncherError(Exception):
    """The app cannot be configured; the message says what is missing."""


def _write_secret(path: Path, value: str) -> None:
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(value)


def write_auth(out: Path, suite_stages: Sequence[str] = ()) -> None:
    """public.pem and a token (owner-only) for the app and the smoke tests of one call, and
    for `suite_stages` (perf-E, e2e-E) the tokens of their suites, one file per secret name
    (`pipeline.release.suite_tokens`, as the host mints them for the docker and host engines)."""
    from app.local.dev_keys import generate_keys, mint_token
    from pipeline.catalog import CATALOG, TARGET_LOCAL
    from pipeline.release.suite_tokens import LocalMinter, suite_sites

    # a perf config this call cannot run (e.g. prod not allowed) stops it here: PerfConfigError
    sites = suite_sites([CATALOG.stage(name) for name in suite_stages], TARGET_LOCAL)
    keys = generate_keys()
    out.mkdir(parents=True, exist_ok=True)
    (out / "public.pem").write_text(keys.public_pem, encoding="utf-8")
    _write_secret(out / "token", mint_token(keys))
    for name, token in LocalMinter(keys.private_pem).tokens(sites).items():
        _write_secret(out / name, token)


def uvicorn_argv(port: int) -> list[str]:
    from app.serving import uvicorn_argv as serve  # the bundle at /var/task provides `app`

    # A service container, reached only by its alias on the Dagger session's network.
    return serve(sys.executable, port=port, host="0.0.0.0")  # noqa: S104  # nosec B104


def app_env(args: argparse.Namespace, environ: Mapping[str, str]) -> dict[str, str]:
    """The process environment of the app: E's deployed settings, the bundle first on the path."""
    from infra.artifact.digest import sha256_of
    from infra.config import load_environment
    from infra.errors import InfraError
    from infra.targets.local import LocalTarget
    from infra.targets.local_apps import app_settings, ensure_identity

    bundle = Path(args.bundle)
    if not bundle.is_file():
        raise LauncherError(f"--bundle {bundle} does not exist: mount the built lambda.zip there")
    public_pem = Path(args.public_key).read_text(encoding="utf-8")
    try:
        config = load_environment(args.env)
        target = LocalTarget(args.emulator_url)
        settings = app_settings(target, config, sha256_of(bundle), public_pem, environ)
        identity = ensure_identity(target, config)  # as the host's local target does
        if identity is not None:
            settings.update(identity.app_environment())
    except InfraError as exc:
        raise LauncherError(str(exc)) from None
    # The bundle's code and dependencies; uvicorn comes from the toolchain's venv.
    return {**environ, **settings, "PYTHONPATH": args.task_dir}


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="python -m pipeline.engines.dagger.app_service")
    commands = root.add_subparsers(dest="command", required=True)
    auth = commands.add_parser("auth", help="write public.pem and the suites' tokens")
    auth.add_argument("--out", required=True)
    auth.add_argument(
        "--suite-stage", action="append", default=[], help="a perf or e2e stage to mint for"
    )
    srv = commands.add_parser("serve", help="serve the unpacked bundle against the emulator")
    for flag in ("--env", "--bundle", "--task-dir", "--public-key", "--emulator-url"):
        srv.add_argument(flag, required=True)
    srv.add_argument("--commit", default="unknown")
    srv.add_argument("--port", type=int, default=8000)
    return root


def main(argv: Sequence[str] | None = None, run: Exec = os.execve) -> int:
    args = parser().parse_args(argv)
    try:
        if args.command == "auth":
            write_auth(Path(args.out), args.suite_stage)
            return 0
        env = app_env(args, os.environ)
    except LauncherError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except InfraError as exc:  # the config refuses the run (exit 2), or an AWS call failed
        print(f"error: {exc}", file=sys.stderr)
        return exit_code_for(exc)
    os.chdir(args.task_dir)
    command = uvicorn_argv(args.port)
    run(command[0], command, env)
    return 0


if __name__ == "__main__":
    sys.exit(main())
