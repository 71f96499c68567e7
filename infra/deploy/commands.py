"""The deploy, history and status commands as library calls on a target: what `python -m infra`,
the `pipeline` CLI and the release stages' entries all call (typed arguments, lines out)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from infra.aws.items import ItemTable
from infra.clock import Clock, SystemClock
from infra.config.model import EnvironmentConfig
from infra.deploy.artifact_store import Artifact
from infra.deploy.deployer import Deployer
from infra.deploy.errors import DeployUsageError
from infra.deploy.records import (
    DeploymentRecord,
    Outcome,
    RecordStore,
    record_as_dict,
    render_history,
)
from infra.deploy.request import DeployOptions, DeployRequest, DeployResult, lint_template
from infra.deploy.status import live_status, render_status, status_as_dict
from infra.targets.base import Target

Emit = Callable[[str], None]

__all__ = ["DeployOptions", "deploy", "deploy_request", "history", "show_history", "show_status"]


def deploy_request(
    config: EnvironmentConfig, artifact: Artifact, options: DeployOptions, emit: Emit
) -> DeployRequest:
    """The deploy's template (synthesized unless given), linted: a template cfn-lint refuses
    stops here, before any target is opened or called."""
    template_name, body = _template(options.template, config)
    request = DeployRequest(config, body, template_name, artifact, options, lint_checked=True)
    lint_template(request, emit)
    return request


def deploy(
    target: Target, request: DeployRequest, emit: Emit, clock: Clock | None = None
) -> DeployResult:
    """Connect, plan and print; unless a dry run, apply. Ends with a one-line summary."""
    conn = target.connect(request.config.region)
    for note in conn.notes:
        emit(note)
    result = Deployer(conn, clock or SystemClock(), emit).deploy(request)
    if not request.options.dry_run:
        emit(summary(request.config.name, request.artifact, result))
    return result


def summary(env: str, artifact: Artifact, result: DeployResult) -> str:
    """`deploy dev: succeeded (digest …, live -> version 3, deployment … in 4.2 s)`."""
    outcome = "no changes" if result.outcome is Outcome.NO_CHANGE else result.outcome.value
    details = [f"digest {artifact.digest[:12]}"]
    if result.verification is not None:
        details.append(f"live -> version {result.verification.alias_version}")
    record = result.record
    if record is not None and record.finished_at is not None:
        seconds = (record.finished_at - record.started_at).total_seconds()
        details.append(f"deployment {record.deployment_id} in {seconds:.1f} s")
    return f"deploy {env}: {outcome} ({', '.join(details)})"


def history(target: Target, config: EnvironmentConfig, limit: int = 20) -> list[DeploymentRecord]:
    """The environment's deployment records, newest first (none before its first deploy)."""
    table = ItemTable(target.connect(config.region).clients, config.names.deployments_table)
    return RecordStore(table, config.name).history(limit) if table.exists() else []


def show_history(
    target: Target, config: EnvironmentConfig, emit: Emit, *, limit: int = 20, as_json: bool
) -> None:
    records = history(target, config, limit)
    if as_json:
        emit(json.dumps([record_as_dict(record) for record in records], indent=2))
        return
    for line in render_history(records):
        emit(line)


def show_status(
    target: Target,
    config: EnvironmentConfig,
    emit: Emit,
    *,
    as_json: bool,
    clock: Clock | None = None,
) -> None:
    now = (clock or SystemClock()).now()
    status = live_status(target.connect(config.region), config)
    if as_json:
        emit(json.dumps(status_as_dict(status, now), indent=2))
        return
    for line in render_status(status, now):
        emit(line)


def _template(path: Path | None, config: EnvironmentConfig) -> tuple[str, str]:
    if path is None:
        from infra.templates.stack import render_template

        return f"(synthesized for {config.name})", render_template(config)
    try:
        return str(path), path.read_text(encoding="utf-8")
    except OSError as exc:
        raise DeployUsageError(f"--template {path} cannot be read: {exc.strerror}") from None
