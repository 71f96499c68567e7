"""`pipeline status|history --env E` and `pipeline config ...`: infra's library, in-process.
Notes (the target and why) go to stderr, so stdout is the view alone (`--json`)."""

from __future__ import annotations

import argparse
import sys

from infra.config import load_environment
from infra.deploy import commands
from infra.targets.local_state import LOCAL_DIR
from infra.targets.select import choose_target, open_target
from pipeline.cli.stage_commands import repo_of
from pipeline.errors import EXIT_OK, UsageError

CONFIG_COMMANDS = ("show", "diff", "export")


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
    else:
        commands.show_history(target, config, _out, as_json=args.json)
    return EXIT_OK


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
