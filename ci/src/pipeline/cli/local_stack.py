"""`pipeline up local` / `pipeline down local`: the app's local stack (`app.local`), in-process.
On the docker engine the pipeline builds the toolchain image the stack runs in; `down` also
stops the apps releases serve and the release emulator."""

from __future__ import annotations

import argparse

from rich.console import Console

from app.local import Engine, LocalRunError, down, up
from infra.targets.local import stop_recorded
from infra.targets.local_apps import AppRunner, stop_served
from infra.targets.local_state import LOCAL_DIR
from pipeline.cli.stage_commands import repo_of
from pipeline.engines.base import EngineUnavailable
from pipeline.errors import EXIT_FAILED, EXIT_OK, EXIT_USAGE
from pipeline.release.app_runners import DockerAppRunner, HostAppRunner


def stack_up(args: argparse.Namespace, console: Console) -> int:
    if not 1 <= args.port <= 65535:
        console.print(f"--port {args.port} is not a TCP port: use 1..65535")
        return EXIT_USAGE
    repo = repo_of(args)
    image = None
    if args.engine == "docker":
        from pipeline.catalog import PYTHON_TOOLCHAIN
        from pipeline.engines.docker import DockerEngine

        image = DockerEngine.connect().prepare(PYTHON_TOOLCHAIN, repo)
    try:
        up(repo, port=args.port, engine=Engine(args.engine), detach=args.detach, image=image)
    except LocalRunError as exc:
        console.print(f"error: {exc}", markup=False)
        return EXIT_FAILED
    return EXIT_OK


def stack_down(args: argparse.Namespace, console: Console) -> int:
    repo = repo_of(args)
    result = down(repo)
    if result is None:
        console.print("no local stack is running (nothing to stop)")
    else:
        stopped = ", ".join(result.stopped) or "nothing was alive"
        console.print(f"stopped ({result.engine}): {stopped}")
    runners: dict[str, AppRunner] = {"host": HostAppRunner(repo)}
    try:
        from pipeline.engines.docker import DockerEngine

        runners["docker"] = DockerAppRunner(DockerEngine.connect().client, repo, console.print)
    except EngineUnavailable:
        pass  # no daemon: no container of ours can be running
    envs = stop_served(repo, runners)
    console.print(f"stopped the released apps of: {', '.join(envs) or 'none running'}")
    pid = stop_recorded(repo / LOCAL_DIR)
    console.print(f"stopped the local emulator (pid {pid})" if pid else "no release emulator")
    return EXIT_OK
