"""`pipeline users create|reset-password|disable|list --env E`: infra's operations library,
in-process, against the environment's user pool on the chosen target (AWS, or the local
emulator's pool that serving the environment created). Notes go to stderr, the result to stdout.
Refusals (unknown command or user, prod without --approved-by) exit 2 before any change."""

from __future__ import annotations

import argparse
import sys

from infra.aws.items import ItemTable
from infra.clock import SystemClock
from infra.config import load_environment
from infra.deploy.provenance import actor
from infra.operations.audit import AuditStore
from infra.operations.users.commands import render_users, run_users
from infra.operations.users.plan import UsersRequest, parse_action
from infra.targets.local_state import LOCAL_DIR
from infra.targets.select import choose_target, open_target
from pipeline.cli.stage_commands import repo_of
from pipeline.errors import EXIT_OK


def users(args: argparse.Namespace) -> int:
    """Plan (exit 2 on a refusal, nothing called), act on the pool, audit, print."""
    action = parse_action(args.what)  # exit 2 with the choices
    config = load_environment(args.env)  # the one place an environment name is checked
    request = UsersRequest(config.name, action, args.user or "", args.approved_by or "")
    repo = repo_of(args)
    choice = choose_target(args.target)
    print(choice.describe(), file=sys.stderr, flush=True)
    target = open_target(choice.kind, start=False, state_dir=repo / LOCAL_DIR)
    clients = target.connect(config.region).clients
    result = run_users(
        request,
        config=config,
        clients=clients,
        audit=AuditStore(ItemTable(clients, config.names.deployments_table), config.name),
        clock=SystemClock(),
        actor=actor(),
    )
    for line in render_users(result):
        print(line, flush=True)
    return EXIT_OK
