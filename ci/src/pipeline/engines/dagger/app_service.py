"""The app service of the local target on the Dagger engine (runs inside a toolchain container).

`auth --out DIR` writes the public half of a throwaway RS256 key pair and a smoke-test token
signed by it (`public.pem`, `token`). `serve --env E ...` configures the app like E's deployed
function (its environment as the emulator's Lambda API reports it, auth switched to the local
key plus the environment's user pool created on the emulator, AWS to the emulator:
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

Exec = Callable[[str, list[str], Mapping[str, str]], Any]


class LauncherError(Exception):
    """The app cannot be configured; the message says what is missing."""


def write_auth(out: Path) -> None:
    """public.pem and a token (owner-only) for the app and the smoke tests of one call."""
    from app.local.dev_keys import generate_keys, mint_token

    keys = generate_keys()
    out.mkdir(parents=True, exist_ok=True)
    (out / "public.pem").write_text(keys.public_pem, encoding="utf-8")
    descriptor = os.open(out / "token", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(mint_token(keys))


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
    auth = commands.add_parser("auth", help="write public.pem and a smoke-test token")
    auth.add_argument("--out", required=True)
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
            write_auth(Path(args.out))
            return 0
        env = app_env(args, os.environ)
    except LauncherError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    os.chdir(args.task_dir)
    command = uvicorn_argv(args.port)
    run(command[0], command, env)
    return 0


if __name__ == "__main__":
    sys.exit(main())
