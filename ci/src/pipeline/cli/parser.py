"""The `pipeline` command line as argparse: every command and option, parsed into a namespace
whose `action` says which handler runs it (`pipeline.cli.main`). Nothing here acts."""

from __future__ import annotations

import argparse
from pathlib import Path

from pipeline.catalog import CI_STAGES, KINDS, RELEASE_STAGES, Catalog, StageKind, kind_of
from pipeline.engines.select import ENGINE_NAMES

DEFAULT_JOBS = 4
TARGETS = ("aws", "local")


def common(parser: argparse.ArgumentParser) -> None:
    """The options of every command that runs stages."""
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
    parser.add_argument("--jobs", type=int, help=f"stages run at once (default {DEFAULT_JOBS})")
    parser.add_argument("-v", "--verbose", action="store_true", help="stream every log line")
    repo_option(parser)


def repo_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--repo", type=Path, help="repository root (default: found from cwd)")


def target_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--target",
        choices=TARGETS,
        help="aws or local (default: aws when boto3 finds AWS credentials, else local)",
    )


def env_option(parser: argparse.ArgumentParser, envs: str) -> None:
    parser.add_argument("--env", required=True, help=f"the environment: {envs}")


def declared_envs(catalog: Catalog, kind: StageKind) -> list[str]:
    """The environments the catalog declares `kind`'s stages in."""
    found = filter(None, (kind_of(stage) for stage in catalog.stages.values()))
    return [env for of, env in found if of == kind]


def build_parser(catalog: Catalog) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="pipeline", description="Energy Insights delivery pipeline (stages in containers)."
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    ci = commands.add_parser("ci", help=f"run the CI stages: {', '.join(CI_STAGES)}")
    common(ci)
    ci.set_defaults(action="stages", names=CI_STAGES)
    for stage in catalog.stages.values():
        found = kind_of(stage)
        if found is not None and found[0].options:  # needs its options: `pipeline <kind> ...`
            continue
        sub = commands.add_parser(stage.name, help=stage.description.replace("%", "%%"))
        common(sub)
        sub.set_defaults(action="stages", names=(stage.name,))
    run = commands.add_parser("run", help="run the named stages (and what they need)")
    run.add_argument("stages", nargs="+", metavar="STAGE")
    common(run)
    run.set_defaults(action="stages", names=())
    commands.add_parser("stages", help="list the stage catalog").set_defaults(action="list")

    release = commands.add_parser(
        "release", help=f"run {' -> '.join(RELEASE_STAGES)} (local: a full rehearsal)"
    )
    common(release)
    target_option(release)
    release.set_defaults(action="release", names=RELEASE_STAGES)
    for kind in KINDS.values():
        sub = commands.add_parser(kind.name, help=kind.summary.format(env="one environment"))
        target_option(sub)
        if kind.read_only:  # a view: runs here, in-process
            env_option(sub, "dev, staging or prod")
            sub.add_argument("--json", action="store_true", help="one JSON document")
            repo_option(sub)
            sub.set_defaults(action="view", kind=kind.name)
            continue
        env_option(sub, ", ".join(declared_envs(catalog, kind)))
        common(sub)
        for switch in kind.switches:
            sub.add_argument(f"--{switch.name}", action="store_true", help=switch.help)
        for option in kind.options:
            sub.add_argument(
                f"--{option.name}", required=option.required, default="", help=option.help
            )
        sub.set_defaults(action="kind", kind=kind.name)

    rollout = commands.add_parser(
        "rollout", help="an environment's rollout: status, promote (accept now), abort (roll back)"
    )
    rollout.add_argument("what", choices=("status", "promote", "abort"))
    rollout.add_argument("--full", action="store_true", help="promote: straight to 100%%")
    target_option(rollout)
    env_option(rollout, "prod")
    rollout.add_argument("--json", action="store_true", help="one JSON document")
    repo_option(rollout)
    rollout.set_defaults(action="rollout")

    config = commands.add_parser("config", help="show|diff|export an environment's config")
    config.add_argument("rest", nargs=argparse.REMAINDER, help="e.g. show --env dev")
    config.set_defaults(action="config")
    up = commands.add_parser("up", help="start the local stack: the API on localhost")
    up.add_argument("where", choices=("local",))
    up.add_argument("--engine", choices=("host", "docker"), default="host")
    up.add_argument("--port", type=int, default=8000, help="the app's port on 127.0.0.1")
    up.add_argument("--detach", action="store_true", help="return once it answers")
    repo_option(up)
    up.set_defaults(action="up")
    down = commands.add_parser(
        "down", help="stop the local stack, the apps releases serve, and the release emulator"
    )
    down.add_argument("where", choices=("local",))
    repo_option(down)
    down.set_defaults(action="down")
    return parser
