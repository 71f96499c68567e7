"""`pipeline status|history --env E` and `pipeline config ...`: infra's library, in-process.
Notes (the target and why) go to stderr, so stdout is the view alone (`--json`)."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable

from infra.aws.items import ItemTable
from infra.config import load_environment
from infra.config.model import EnvironmentConfig
from infra.deploy import commands
from infra.deploy.records import record_as_dict, render_history
from infra.rollout.status import rollout_history_item, rollout_history_line
from infra.rollout.store import RolloutStore
from infra.targets.base import Target
from infra.targets.local_state import LOCAL_DIR
from infra.targets.select import choose_target, open_target
from pipeline.cli.stage_commands import repo_of
from pipeline.errors import EXIT_OK, UsageError

CONFIG_COMMANDS = ("show", "diff", "export")
LIMIT = 20  # records of each kind shown


def _out(line: str) -> None:
    print(line, flush=True)


def view(args: argparse.Namespace) -> int:
    """What is live in an environment, or its deployment records (never starts an emulator)."""
    repo = repo_of(args)
    config = load_environment(args.env)  # the one place an environment name is checked
    choice = choose_target(args.target)
    print(choice.describe(), file=sys.stderr, flush=True)
    target = open_target(choice.kind, start=False, state_dir=repo / LOCAL_DIR)
    if args.kind == "status":
        commands.show_status(target, config, _out, as_json=args.json)
        return EXIT_OK
    show_history(target, config, _out, as_json=args.json)
    return EXIT_OK


def show_history(
    target: Target, config: EnvironmentConfig, emit: Callable[[str], None], *, as_json: bool
) -> None:
    """The deployment records, then the rollouts (promotions, hotfixes, undos) with their
    verdicts where the environment has any; `--json`: one list, newest first, each item
    saying which `record` it is."""
    deployments = commands.history(target, config, LIMIT)
    table = ItemTable(target.connect(config.region).clients, config.names.deployments_table)
    rollouts = RolloutStore(table, config.name).history(LIMIT) if table.exists() else []
    if as_json:
        items = [{"record": "deployment", **record_as_dict(r)} for r in deployments]
        items += [rollout_history_item(r) for r in rollouts]
        items.sort(key=lambda item: str(item["started_at"]), reverse=True)
        emit(json.dumps(items, indent=2))
        return
    for line in render_history(deployments):
        emit(line)
    if rollouts:
        emit(f"rollouts of {config.name} (newest first):")
        for record in rollouts:
            emit(rollout_history_line(record))


def config(args: argparse.Namespace) -> int:
    """`config show|diff|export ...`: infra's config commands (same options)."""
    from infra.cli import main as infra_main

    rest = list(args.rest)
    if not rest or rest[0] not in CONFIG_COMMANDS:
        raise UsageError(
            f"pipeline config: choose {', '.join(CONFIG_COMMANDS)}, e.g. "
            "`pipeline config show --env dev --format yaml`"
        )
    return infra_main(["config", *rest])
