"""`pipeline`: parse, dispatch to the handler the command names, and turn every reported error
into its message and exit code in one place (`pipeline.exits`).

Exit codes: 0 every stage passed (degraded allowed unless --strict), 1 a stage failed,
2 bad usage or configuration (nothing was run).
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from rich.console import Console

from pipeline.catalog import Catalog, validate
from pipeline.cli import (
    environment_commands,
    local_stack,
    monitoring_commands,
    operations_commands,
    perf_commands,
    promotion,
    rehearse,
    restore_command,
    stage_commands,
)
from pipeline.cli.parser import build_parser
from pipeline.errors import EXIT_OK, EXIT_USAGE, UsageError
from pipeline.exits import REPORTED, report


def load_catalog() -> Catalog:
    from pipeline.catalog import CATALOG  # an invalid catalog raises CatalogError on import

    return CATALOG


def main(
    argv: Sequence[str] | None = None,
    console: Console | None = None,
    catalog: Catalog | None = None,
) -> int:
    """Run the CLI; `catalog` replaces the built-in stage catalog (it is validated first)."""
    console = console or Console(stderr=False, highlight=False)
    try:
        catalog = load_catalog() if catalog is None else validate(catalog)
        parser = build_parser(catalog)
        try:
            args = parser.parse_args(argv)
        except SystemExit as exc:  # argparse already printed the usage error
            return EXIT_OK if exc.code == 0 else EXIT_USAGE
        return dispatch(args, catalog, console)
    except REPORTED as exc:
        return report(exc)


def dispatch(args: argparse.Namespace, catalog: Catalog, console: Console) -> int:
    action = str(args.action)
    if action == "list":
        return list_stages(console, catalog)
    if action in ("stages", "release", "kind"):
        return stage_commands.run_command(args, catalog, console)
    if action == "view":
        return environment_commands.view(args)
    if action == "config":
        return environment_commands.config(args)
    if action == "alarms":
        return monitoring_commands.alarms(args)
    if action == "dashboard":
        return monitoring_commands.dashboard(args)
    if action == "rehearse":
        return rehearse.rehearse(args, catalog, console)
    if action == "rollout":
        return promotion.rollout_command(args, stage_commands.repo_of(args))
    if action == "up":
        return local_stack.stack_up(args, console)
    if action == "down":
        return local_stack.stack_down(args, console)
    if action == "restore":
        return restore_command.restore_command(args)
    if action == "users":
        return operations_commands.users(args)
    if action == "report":
        return operations_commands.report(args)
    if action == "diagnose":
        return operations_commands.diagnose_command(args)
    if action == "capacity":
        return perf_commands.capacity(args)
    raise UsageError(f"unknown action {action!r}")


def list_stages(console: Console, catalog: Catalog) -> int:
    for stage in catalog.stages.values():
        needs = f" (needs {', '.join(stage.needs)})" if stage.needs else ""
        console.print(f"[bold]{stage.name}[/] \\[{stage.toolchain}] {stage.description}{needs}")
    return EXIT_OK
