"""`pipeline alarms --env E` and `pipeline dashboard --env E`: infra's monitoring library,
in-process. On AWS the alarm states are CloudWatch's; on the local target our evaluator computes
them from the served app's log (EMF), keeping states and notifications under
.pipeline/local/monitoring/. Notes (the target and why) go to stderr: stdout is the view."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping
from pathlib import Path

from infra.clock import SystemClock
from infra.config import load_environment
from infra.config.model import EnvironmentConfig
from infra.monitoring.alarm_source import AlarmSource, AlarmState, AwsAlarmSource, render_rows
from infra.monitoring.catalog import build_catalog, catalog_of
from infra.monitoring.dashboard import dashboard_body, dashboard_name
from infra.monitoring.grafana import grafana_dashboard
from infra.monitoring.local_periods import describe_periods
from infra.monitoring.local_source import (
    MONITORING_DIR,
    LocalAlarmSource,
    LogReader,
    ServedAppFeeds,
    local_alarm_source,
    notifications_file,
)
from infra.monitoring.model import AlarmStateValue
from infra.monitoring.notify import endpoints_from_environment, read_jsonl
from infra.monitoring.severity import Severity
from infra.targets.base import TargetKind
from infra.targets.select import choose_target, open_target
from pipeline.cli.stage_commands import repo_of
from pipeline.errors import EXIT_OK, UsageError


def _out(line: str) -> None:
    print(line, flush=True)


def alarms(args: argparse.Namespace) -> int:
    """List the environment's alarms, most urgent first (exit 0 whatever their states)."""
    repo = repo_of(args)
    config = load_environment(args.env)  # the one place an environment name is checked
    choice = choose_target(args.target)
    print(choice.describe(), file=sys.stderr, flush=True)
    sink = notifications_file(repo / MONITORING_DIR, config.name)
    before = len(read_jsonl(sink))
    if choice.kind is TargetKind.AWS:
        clients = open_target(choice.kind, start=False).connect(config.region).clients
        source: AlarmSource = AwsAlarmSource(clients, catalog_of)
        header = [f"{config.name} alarms: CloudWatch's states (DescribeAlarms, {config.region})"]
    else:
        source, feeds = local_alarms(repo)
        header = [
            f"{config.name} alarms: the local evaluator (CloudWatch's semantics; the emulator "
            f"never evaluates alarms) over {feeds(config.name).about}",
            describe_periods(config),
        ]
    states = source.states(config.name)
    new = read_jsonl(sink)[before:]
    if args.json:
        _out(json.dumps(alarms_document(config, header, states, new, sink), indent=2))
        return EXIT_OK
    for line in [*header, *render_rows(states), summary(states)]:
        _out(line)
    if choice.kind is TargetKind.LOCAL:
        _out(f"notifications: {len(new)} new in {sink.relative_to(repo)} (the local sink)")
        for record in new:
            _out(f"  {record.get('severity')} {record.get('title')} -> {record.get('routed_to')}")
    return EXIT_OK


def summary(states: tuple[AlarmState, ...]) -> str:
    counts = {v: sum(s.state is v for s in states) for v in AlarmStateValue}
    p0 = sum(s.severity is Severity.P0 and s.state is AlarmStateValue.ALARM for s in states)
    shown = ", ".join(f"{n} {v.value}" for v, n in counts.items())
    return f"{len(states)} alarms: {shown}; P0 in ALARM: {p0}"


def alarms_document(
    config: EnvironmentConfig,
    header: list[str],
    states: tuple[AlarmState, ...],
    new: list[dict[str, object]],
    sink: Path,
) -> dict[str, object]:
    return {
        "env": config.name,
        "source": header,
        "alarms": [
            {
                "name": s.name,
                "severity": s.severity.value,
                "state": s.state.value,
                "reason": s.reason,
                "updated_at": s.updated_at.isoformat() if s.updated_at else None,
            }
            for s in states
        ],
        "notifications": {"sink": str(sink), "new": new},
    }


def local_alarms(repo: Path) -> tuple[LocalAlarmSource, ServedAppFeeds]:
    """The local target's alarm states for a repository (what `alarms` prints; the rollout,
    diagnose and reports read the same on the local target): the served apps' logs, states and
    the sink under .pipeline/local/monitoring, and EI_NOTIFY_*_URL endpoints when set."""
    feeds = ServedAppFeeds(repo, lambda name: app_log_reader(repo, name))
    endpoints = endpoints_from_environment()  # EI_NOTIFY_*_URL: real pages as well
    return local_alarm_source(repo / MONITORING_DIR, feeds, SystemClock(), endpoints), feeds


def app_log_reader(repo: Path, runner: str) -> LogReader:
    """What reads a served app's log: its container (docker) or its log file (host)."""
    from pipeline.release.app_runners import DockerAppRunner, HostAppRunner

    if runner == "docker":
        from pipeline.engines.docker.engine import connect_client

        return DockerAppRunner(connect_client(), repo, say=lambda _line: None)
    if runner == "host":
        return HostAppRunner(repo)
    raise UsageError(f"the served app's record names runner {runner!r}: redeploy it")


def dashboard(args: argparse.Namespace) -> int:
    """The widgets of the environment's dashboard; with --grafana, its Grafana JSON model."""
    config = load_environment(args.env)
    catalog = build_catalog(config)
    body = dashboard_body(config, catalog)
    _out(f"dashboard {dashboard_name(config)}: {len(body['widgets'])} widgets")
    for number, widget in enumerate(body["widgets"], start=1):
        _out(f"  {number:2}. {widget['properties']['title']} ({widget['type']})")
    _out(
        f"  the alarm status widget lists {len(catalog.names)} alarms: their states with "
        f"`pipeline alarms --env {config.name}`"
    )
    if args.grafana is None:
        return EXIT_OK
    values = {"AWS::Region": config.region}
    if config.account_id:
        values["AWS::AccountId"] = config.account_id
    if args.api_id:
        values["HttpApi"] = args.api_id
    model = grafana_dashboard(config, catalog, values)
    write_model(args.grafana, model)
    _out(f"wrote the Grafana dashboard (CloudWatch data source) to {args.grafana}")
    unresolved = sorted({p for p in ("HttpApi", "AWS::AccountId") if p not in values})
    if unresolved:
        _out(
            "  still placeholders: "
            + ", ".join("${" + p + "}" for p in unresolved)
            + " (pass --api-id; the account comes from account_id in the config)"
        )
    return EXIT_OK


def write_model(path: Path, model: Mapping[str, object]) -> None:
    """Write the Grafana JSON model; a path that cannot be written is a usage error."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(model, indent=2) + "\n", encoding="utf-8")
    except OSError as exc:
        raise UsageError(
            f"--grafana {path}: cannot write it ({exc.strerror or exc}): pass a file path in a "
            "folder you can write to, e.g. build/grafana/dashboard.json"
        ) from None
