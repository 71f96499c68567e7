"""`status --env E`: what is live — stack status and outputs, the deployed digest and commit,
where the `live` alias points, the latest record and any lock."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from infra.aws.cloudformation import Stacks
from infra.aws.items import ItemTable
from infra.aws.lambda_ import AliasState, LambdaFunctions
from infra.config.model import EnvironmentConfig
from infra.deploy.lock import DeployLock, Lock
from infra.deploy.records import DeploymentRecord, RecordStore, record_as_dict
from infra.deploy.table_items import format_time
from infra.targets.base import Connection
from infra.templates import contract


@dataclass(frozen=True)
class LiveStatus:
    env: str
    target: str
    stack: str
    stack_status: str  # "(none)" when the stack does not exist
    digest: str
    commit: str
    outputs: tuple[tuple[str, str], ...]
    alias: AliasState | None
    latest: DeploymentRecord | None
    lock: Lock | None


def live_status(conn: Connection, config: EnvironmentConfig) -> LiveStatus:
    """What is live in the environment, read through each service's API (changes nothing)."""
    names = config.names
    state = Stacks(conn.clients).stack(names.stack)
    latest: DeploymentRecord | None = None
    lock: Lock | None = None
    table = ItemTable(conn.clients, names.deployments_table)
    if table.exists():
        history = RecordStore(table, config.name).history(1)
        latest = history[0] if history else None
        lock = DeployLock(table, config.name).current()
    params = state.parameters if state else {}
    alias = LambdaFunctions(conn.clients).alias(names.function, names.alias) if state else None
    return LiveStatus(
        env=config.name,
        target=conn.kind.value,
        stack=names.stack,
        stack_status=state.status if state else "(none)",
        digest=params.get(contract.PARAM_ARTIFACT_DIGEST, ""),
        commit=params.get(contract.PARAM_GIT_COMMIT, ""),
        outputs=tuple(sorted(state.outputs.items())) if state else (),
        alias=alias,
        latest=latest,
        lock=lock,
    )


def status_as_dict(status: LiveStatus, now: datetime) -> dict[str, Any]:
    """JSON-ready form of what is live."""
    lock = status.lock
    return {
        "env": status.env,
        "target": status.target,
        "stack": status.stack,
        "stack_status": status.stack_status,
        "digest": status.digest,
        "commit": status.commit,
        "outputs": dict(status.outputs),
        "alias": None if status.alias is None else _alias_dict(status.alias),
        "latest": record_as_dict(status.latest) if status.latest else None,
        "lock": None
        if lock is None
        else {
            "owner": lock.owner,
            "since": format_time(lock.acquired_at),
            "expires": format_time(lock.expires_at),
            "stale": lock.is_expired(now),
        },
    }


def _alias_dict(alias: AliasState) -> dict[str, Any]:
    return {"version": alias.version, "weights": dict(sorted(alias.weights.items()))}


def render_status(status: LiveStatus, now: datetime) -> list[str]:
    lines = [
        f"environment {status.env} [{status.target}]: stack {status.stack} {status.stack_status}",
        f"  artifact digest: {status.digest or '-'}  commit: {status.commit or '-'}",
    ]
    if status.alias is None:
        lines.append("  alias live: (none)")
    else:
        shares = ", ".join(f"v{v} {w:.0%}" for v, w in sorted(status.alias.weights.items()))
        lines.append(
            f"  alias live -> version {status.alias.version}" + (f" (+ {shares})" if shares else "")
        )
    if status.outputs:
        lines.append("  outputs:")
        lines.extend(f"    {key} = {value}" for key, value in status.outputs)
    elif status.stack_status != "(none)":
        lines.append("  outputs: none reported (the local emulator drops outputs of change sets)")
    if status.latest is not None:
        r = status.latest
        lines.append(
            f"  last deploy: {r.outcome.value} {format_time(r.started_at)} by {r.actor} "
            f"digest {r.digest[:12]}"
        )
    if status.lock is not None:
        state = "STALE" if status.lock.is_expired(now) else "held"
        lines.append(
            f"  lock: {state} by {status.lock.owner} since {format_time(status.lock.acquired_at)}"
        )
    return lines
