"""`pipeline users|report|diagnose --env E`: infra's operations library, in-process, on the chosen
target. On AWS the facts come from CloudWatch, Logs Insights, Cost Explorer and the stack; on the
local target from the emulator, the served app's own log and our alarm evaluator over it. Notes
(the target and why) go to stderr; the result to stdout. Refusals exit 2 before any call."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from infra.aws.clients import AwsClients
from infra.aws.items import ItemTable
from infra.clock import SystemClock
from infra.config import load_environment
from infra.config.model import EnvironmentConfig
from infra.deploy.provenance import actor
from infra.monitoring.local_source import MONITORING_DIR, notifications_file
from infra.operations.audit import AuditStore
from infra.operations.diagnose.collectors import aws_collectors, local_collectors
from infra.operations.diagnose.model import parse_symptom
from infra.operations.diagnose.run import diagnose, diagnosis_as_dict, render_diagnosis
from infra.operations.reports.commands import (
    aws_report_sources,
    local_report_sources,
    render_run,
    run_report,
)
from infra.operations.reports.model import parse_kind
from infra.operations.users.commands import render_users, run_users
from infra.operations.users.local_identity import LocalIdentity
from infra.operations.users.plan import IdentityNotDeployed, UsersRequest, parse_action
from infra.operations.users.pool import find_pool
from infra.targets.aws import stack_output
from infra.targets.base import TargetError, TargetKind
from infra.targets.local_state import LOCAL_DIR, read_app
from infra.targets.select import choose_target, open_target
from infra.templates.contract import OUT_API_ID
from pipeline.cli.monitoring_commands import app_log_reader, local_alarms
from pipeline.cli.stage_commands import repo_of
from pipeline.errors import EXIT_OK

# The local alarm evaluator's states and notification sink (<env>-notifications.jsonl).
REPORTS_DIR = Path("build/reports/ops")  # ops.yml posts report.md from here


def _out(line: str) -> None:
    print(line, flush=True)


def _connect(args: argparse.Namespace, config: EnvironmentConfig) -> tuple[TargetKind, Any, Path]:
    """(target kind, the opened target, repo) — never starts an emulator."""
    repo = repo_of(args)
    choice = choose_target(args.target)
    print(choice.describe(), file=sys.stderr, flush=True)
    return choice.kind, open_target(choice.kind, start=False, state_dir=repo / LOCAL_DIR), repo


def users(args: argparse.Namespace) -> int:
    """Plan (exit 2 on a refusal, nothing called), act on the pool, audit, print."""
    action = parse_action(args.what)  # exit 2 with the choices
    config = load_environment(args.env)  # the one place an environment name is checked
    request = UsersRequest(config.name, action, args.user or "", args.approved_by or "")
    _, target, _ = _connect(args, config)
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
        _out(line)
    return EXIT_OK


def report(args: argparse.Namespace) -> int:
    """report.md, report.json and the charts of the last day/week in --out; the headlines."""
    kind = parse_kind(args.kind)
    config = load_environment(args.env)
    kind_of_target, target, repo = _connect(args, config)
    clients: AwsClients = target.connect(config.region).clients
    if kind_of_target is TargetKind.AWS:
        sources = aws_report_sources(
            config, clients, repo, api_id=stack_output(clients, config, OUT_API_ID),
            rollouts=None, perf=None,
        )  # fmt: skip
    else:
        sources = local_report_sources(
            config,
            clients,
            repo,
            app_log_lines=lambda: served_app_lines(repo, config.name),
            notification_sink=notifications_file(repo / MONITORING_DIR, config.name),
            rollouts=None,
            perf=None,
        )
    out_dir = args.out if args.out is not None else repo / REPORTS_DIR
    run = run_report(
        kind,
        config=config,
        sources=sources,
        clock=SystemClock(),
        target=kind_of_target.value,
        out_dir=out_dir,
    )
    for line in render_run(run):
        _out(line)
    return EXIT_OK


def diagnose_command(args: argparse.Namespace) -> int:
    """The checks of the symptom's tree (or all), a verdict and the runbook to open; exit 1
    when a check failed."""
    symptom = parse_symptom(args.symptom)  # exit 2 with the symptoms there are
    config = load_environment(args.env)
    kind_of_target, target, repo = _connect(args, config)
    clients: AwsClients = target.connect(config.region).clients
    clock = SystemClock()
    if kind_of_target is TargetKind.AWS:
        collectors = aws_collectors(
            config, clients, clock, api_url=target.api_url(config), rollouts=None
        )
    else:
        served = read_app(repo, config.name)
        if served is None:
            raise TargetError(
                f"{config.name} is not served locally: run `pipeline deploy --env "
                f"{config.name}` or `pipeline release` first"
            )

        def lines() -> list[str]:
            return served_app_lines(repo, config.name)

        collectors = local_collectors(
            config,
            clients,
            clock,
            app_url=served.url,
            alarm_source=local_alarms(repo)[0],
            app_log_lines=lines,
            jwks_url=local_jwks_url(clients, config),
            rollouts=None,
        )
    result = diagnose(
        config.name, symptom, config=config, collectors=collectors, target=kind_of_target.value
    )
    if args.json:
        _out(json.dumps(diagnosis_as_dict(result), indent=2))
    else:
        for line in render_diagnosis(result):
            _out(line)
    return result.exit_code


def local_jwks_url(clients: AwsClients, config: EnvironmentConfig) -> str | None:
    """The emulator pool's JWKS (the served app's second issuer), None when there is none."""
    url = clients.endpoint.url
    if url is None or config.identity.provider != "cognito":
        return None
    try:
        return LocalIdentity(find_pool(clients, config), url, ()).jwks_url
    except IdentityNotDeployed:
        return None


def served_app_lines(repo: Path, env: str) -> list[str]:
    """Every line `env`'s served app printed (through the runner that serves it, as `alarms`
    reads it); none when no app is served."""
    served = read_app(repo, env)
    if served is None:
        return []
    return app_log_reader(repo, served.runner).logs(served.handle).splitlines()
