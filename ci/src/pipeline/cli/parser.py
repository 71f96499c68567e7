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
        if found is not None and any(o.required for o in found[0].options):  # `pipeline <kind>`
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
    rehearsal = (
        "rehearse prod's promotion on the local target under steady load: release -> "
        "promote a good release to 100%%, then a faulty one rolled back (report + PNG timeline "
        "in build/reports/rollout)"
    )
    rehearse = commands.add_parser(
        "rehearse",
        help=rehearsal,
        description=rehearsal.replace("%%", "%") + ". Its plan: `rollout.rehearsal` in "
        "infra/environments/prod.yaml. Exit 0: every check held; 1: one did not, or a release "
        "failed; 3: inconclusive, the emulator was saturated (never a pass).",
    )
    rehearse.add_argument(
        "--engine",
        default="auto",
        help="where its stages run: docker or host (auto: docker when a daemon answers)",
    )
    rehearse.add_argument("-v", "--verbose", action="store_true", help="stream every log line")
    repo_option(rehearse)
    rehearse.set_defaults(action="rehearse")
    for kind in KINDS.values():
        summary = kind.summary.format(env="one environment").replace("%", "%%")
        sub = commands.add_parser(kind.name, help=summary)
        if kind.subcommand:  # `pipeline drill restore --env E`
            words = sub.add_subparsers(dest="subcommand", metavar=kind.subcommand, required=True)
            sub = words.add_parser(kind.subcommand, help=summary)
        target_option(sub)
        if kind.read_only:  # a view: runs here, in-process
            env_option(sub, "dev, staging or prod")
            sub.add_argument("--json", action="store_true", help="one JSON document")
            repo_option(sub)
            sub.set_defaults(action="view", kind=kind.name)
            continue
        env_option(
            sub, "dev, staging or prod" if kind.any_env else ", ".join(declared_envs(catalog, kind))
        )
        common(sub)
        for switch in kind.switches:
            sub.add_argument(f"--{switch.name}", action="store_true", help=switch.help)
        for option in kind.options:
            sub.add_argument(
                f"--{option.name}",
                metavar=option.metavar,
                required=option.required,
                help=option.help,
            )
        sub.set_defaults(action="kind", kind=kind.name)
    restore_parser(commands)

    # monitoring: host-side views (pipeline.cli.monitoring_commands)
    alarms = commands.add_parser(
        "alarms", help="an environment's alarms: severity, state and reason (aws or local)"
    )
    env_option(alarms, "dev, staging or prod")
    target_option(alarms)
    alarms.add_argument("--json", action="store_true", help="one JSON document")
    repo_option(alarms)
    alarms.set_defaults(action="alarms")
    dashboard = commands.add_parser(
        "dashboard", help="an environment's dashboard widgets; --grafana PATH exports it"
    )
    env_option(dashboard, "dev, staging or prod")
    dashboard.add_argument("--grafana", type=Path, help="write its Grafana JSON model to PATH")
    dashboard.add_argument("--api-id", help="the stack's HTTP API id (fills ${HttpApi})")
    dashboard.set_defaults(action="dashboard")

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
    users = commands.add_parser(
        "users", help="create|reset-password|disable|list the users of an environment's pool"
    )
    users.add_argument("what", metavar="create|reset-password|disable|list")
    env_option(users, "dev, staging or prod")
    users.add_argument("--user", help="the user's e-mail address (all but list)")
    users.add_argument("--approved-by", help="who approved it (required for prod's changes)")
    target_option(users)
    repo_option(users)
    users.set_defaults(action="users")
    report = commands.add_parser(
        "report", help="the daily|weekly operational report of an environment (md, json, PNG)"
    )
    report.add_argument("kind", metavar="daily|weekly")
    env_option(report, "dev, staging or prod")
    report.add_argument("--out", type=Path, help="folder for the files (build/reports/ops)")
    target_option(report)
    repo_option(report)
    report.set_defaults(action="report")
    diagnose = commands.add_parser(
        "diagnose", help="run the troubleshooting checks of an environment (exit 1: a check failed)"
    )
    env_option(diagnose, "dev, staging or prod")
    diagnose.add_argument("--symptom", help="run only that symptom's tree (e.g. 500s)")
    diagnose.add_argument("--json", action="store_true", help="one JSON document")
    target_option(diagnose)
    repo_option(diagnose)
    diagnose.set_defaults(action="diagnose")
    capacity = commands.add_parser(
        "capacity",
        help="an environment's capacity settings against the load a perf run sustained "
        "within the SLO (from its results in build/reports/perf)",
    )
    env_option(capacity, "dev, staging or prod: whose settings to check")
    capacity.add_argument("--results-from", help="whose perf results to use (default: --env)")
    capacity.add_argument("--results", type=Path, help="a perf summary.json (default: latest)")
    repo_option(capacity)
    capacity.set_defaults(action="capacity")
    return parser


def restore_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """`pipeline restore`: the real recovery path, host-side (pipeline.cli.restore_command)."""
    sub = commands.add_parser(
        "restore",
        help="restore the data table into a new table and switch the function to it (plan "
        "first; docs/operations/backup-and-restore.md)",
    )
    env_option(sub, "dev, staging or prod")
    source = sub.add_mutually_exclusive_group(required=True)
    source.add_argument(
        "--from",
        dest="backup",
        metavar="BACKUP",
        help="a backup id (`pipeline backup` prints it), `latest`, or a DynamoDB backup ARN",
    )
    source.add_argument(
        "--to-time", metavar="T", help="the table as it was at T (PITR; ISO 8601 with a timezone)"
    )
    sub.add_argument(
        "--approved-by", required=True, metavar="NAME", help="who approved it (recorded)"
    )
    sub.add_argument(
        "--dry-run", action="store_true", help="print the plan and stop: nothing is changed"
    )
    target_option(sub)
    repo_option(sub)
    sub.set_defaults(action="restore")
