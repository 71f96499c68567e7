"""Entry functions of the release manager's commands (`promote`, `hotfix`, `undo`, `rollout
promote|abort`, and `resume` after a killed controller), with every effect behind `RolloutPorts`.
The CLI and Dagger functions parse arguments, bind the ports and call these."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from infra.clock import Clock
from infra.config.model import EnvironmentConfig
from infra.rollout.controller import Controller
from infra.rollout.errors import (
    NoActiveRollout,
    NotGreen,
    RolloutInProgress,
    RolloutUsageError,
    UnknownDigest,
)
from infra.rollout.first_release import FirstRelease, release_first
from infra.rollout.gate import require_green, summary
from infra.rollout.measure import expected_series
from infra.rollout.notices import deliver, notification
from infra.rollout.plan import Analysis, Pause, RolloutPlan, all_at_once, compile_plan
from infra.rollout.ports import (
    BackupPort,
    Candidate,
    EvidencePort,
    LockPort,
    Notifier,
    PerfRecords,
    RolloutTarget,
    Severity,
    StackHealth,
)
from infra.rollout.prechecks import run_prechecks
from infra.rollout.record import Kind, RolloutRecord, Status
from infra.rollout.store import RolloutStorePort, busy_message

Emit = Callable[[str], None]
_DIGEST = re.compile(r"^[0-9a-f]{64}$")
LOCK_MARGIN = timedelta(minutes=15)


@dataclass(frozen=True)
class RolloutPorts:
    """Everything a command touches, bound by the caller (CLI, Dagger, tests)."""

    store: RolloutStorePort
    lock: LockPort
    notifier: Notifier
    target: RolloutTarget
    evidence: EvidencePort
    backup: BackupPort
    health: StackHealth
    clock: Clock
    perf: PerfRecords | None = None  # None until the perf stage exists: not required then
    emit: Emit = print
    owner: str = "rollout"  # who runs the controller (user@host, CI run): shown on the lock
    poll_s: float = 2.0  # how often a waiting controller saves a heartbeat and reads requests
    handover_timeout_s: float = 60.0  # how long a request waits for a live controller


def promote(
    config: EnvironmentConfig,
    digest: str,
    approved_by: str,
    ports: RolloutPorts,
    time_scale: float = 1.0,
) -> RolloutRecord:
    """Promote a digest that is green in staging, as the approver's canary; a rerun with the
    same digest resumes the rollout a killed controller left running."""
    approver, notes = check_gate(digest, approved_by, ports.evidence, ports.perf)
    plan = compile_plan(config, time_scale)
    return _start(config.name, Kind.PROMOTE, digest, approver, "", plan, ports, notes, backup=True)


def check_gate(
    digest: str, approved_by: str, evidence: EvidencePort, perf: PerfRecords | None
) -> tuple[str, tuple[str, ...]]:
    """The promotion gate (approver, known digest, staging deploy + smoke and perf green):
    (approver, the gate's notes), or the error saying what is missing."""
    approver = required(approved_by, "approved_by", "--approved-by NAME: who approved it")
    _known(digest, evidence)
    found = [evidence.staging_deploy(digest), evidence.staging_smoke(digest)]
    if perf is not None:
        found.append(perf.verdict("staging", digest))
    require_green(digest, found)
    return approver, (f"gate: {summary(found)}" + ("" if perf else "; perf gate not bound yet"),)


def hotfix(
    config: EnvironmentConfig,
    digest: str,
    reason: str,
    requested_by: str,
    ports: RolloutPorts,
    time_scale: float = 1.0,
) -> RolloutRecord:
    """An audited emergency promotion: skips the staging gate, never the canary."""
    who = required(requested_by, "requested_by", "who runs the hotfix")
    why = required(reason, "reason", "--reason TEXT: why staging is skipped (kept in the record)")
    _known(digest, ports.evidence)
    plan = compile_plan(config, time_scale)
    notes = ("gate: skipped (hotfix)",)
    return _start(config.name, Kind.HOTFIX, digest, who, why, plan, ports, notes, backup=True)


def undo(
    config: EnvironmentConfig, requested_by: str, ports: RolloutPorts, to_digest: str | None = None
) -> RolloutRecord:
    """A recorded, fast revert (straight to 100 %) to a digest that was live and green before:
    `to_digest`, else the newest such digest other than the live one."""
    who = required(requested_by, "requested_by", "who runs the undo")
    if to_digest is not None:
        _known(to_digest, ports.evidence)
    live = ports.target.live_version()
    green = [r for r in ports.store.history(100) if r.status is Status.SUCCEEDED]
    choices = [r for r in green if r.canary_version != live]
    if to_digest is not None:
        choices = [r for r in choices if r.digest == to_digest]
    if not choices:
        wanted = f"digest {to_digest[:12]}" if to_digest else "a previous digest"
        raise NotGreen(
            f"{config.name}: {wanted} was never live and green here (other than the live version "
            f"{live}): undo only returns to a digest a promotion completed; use `promote`"
        )
    back = choices[0]
    reason = f"undo to {back.digest[:12]} (version {back.canary_version}, {back.rollout_id})"
    candidate = ports.target.existing_candidate(back.digest, back.canary_version)
    return _start(
        config.name,
        Kind.UNDO,
        back.digest,
        who,
        reason,
        all_at_once(),
        ports,
        ("gate: was green (completed promotion)",),
        backup=False,
        candidate=candidate,
    )


def resume(env: str, ports: RolloutPorts) -> RolloutRecord:
    """Continue the active rollout in this process (after a kill, or a human's request)."""
    record = active_rollout(env, ports.store)
    ports.lock.acquire(ports.owner, record.rollout_id, _ttl(record.plan))
    try:
        return _controller(record, ports).run(record)
    finally:
        ports.lock.release(record.rollout_id)


def exit_code_of(record: RolloutRecord) -> int:
    """0: live at 100 % or waiting for a human (status says which); 1: rolled back."""
    return 0 if record.status in (Status.SUCCEEDED, Status.PAUSED) else 1


# -- internals ---------------------------------------------------------------------------------


def _start(
    env: str,
    kind: Kind,
    digest: str,
    who: str,
    reason: str,
    plan: RolloutPlan,
    ports: RolloutPorts,
    notes: tuple[str, ...],
    backup: bool,
    candidate: Candidate | None = None,
) -> RolloutRecord:
    latest = ports.store.latest()
    if latest is not None and not latest.status.terminal:
        if latest.digest == digest and latest.kind is kind and latest.status is not Status.PAUSED:
            ports.emit(f"rollout {latest.rollout_id} of {digest[:12]} is active: resuming it")
            return resume(env, ports)
        raise RolloutInProgress(busy_message(latest))
    rollout_id = uuid.uuid4().hex[:12]
    ports.lock.acquire(ports.owner, rollout_id, _ttl(plan))
    try:
        checked = run_prechecks(
            env,
            ports.health,
            ports.target,
            ports.backup if backup else None,
            f"before {kind.value} of {digest[:12]} ({rollout_id})",
            first_release_ok=kind is Kind.PROMOTE,
        )
        if checked.first_release:
            first = FirstRelease(env, rollout_id, digest, who, (*notes, *checked.notes))
            return release_first(first, ports.store, ports.target, ports.notifier, ports.clock,
                                 ports.emit)  # fmt: skip
        candidate = candidate or ports.target.deploy_candidate(digest)
        if candidate.version == checked.live_version:
            raise RolloutUsageError(
                f"{env}: version {candidate.version} ({digest[:12]}) is already live; nothing to do"
            )
        providers = ports.target.providers(candidate)
        for step in plan.steps:
            if isinstance(step, Analysis):
                expected_series(step.template, providers)  # PlanInvalid before any traffic moves
        record = RolloutRecord(
            rollout_id=rollout_id,
            env=env,
            target=ports.target.name,
            kind=kind,
            digest=digest,
            stable_version=checked.live_version,
            canary_version=candidate.version,
            requested_by=who,
            started_at=ports.clock.now(),
            plan=plan,
            app_version=candidate.app_version,
            reason=reason,
            backup_arn=checked.backup_arn,
            probe_url=candidate.probe_url,
            notes=(*notes, *checked.notes),
        )
        record = ports.store.create(record)
        ports.emit(
            f"rollout {rollout_id}: {kind.value} {digest[:12]} as version "
            f"{candidate.version} over {checked.live_version}; plan:"
        )
        for line in plan.describe():
            ports.emit(f"  {line}")
        severity = Severity.P2 if kind is Kind.HOTFIX else Severity.INFO
        started = deliver(
            ports.notifier,
            record,
            notification(
                record,
                "started",
                severity,
                f"{kind.value} of {digest[:12]} started",
                f"{who}: version {candidate.version} over {checked.live_version}"
                + (f"; reason: {reason}" if reason else ""),
            ),
        )
        controller = Controller(
            ports.store,
            ports.target.shifter(record.stable_version, candidate),
            providers,
            ports.notifier,
            ports.clock,
            ports.emit,
            ports.poll_s,
        )
        return controller.run(started)
    finally:
        ports.lock.release(rollout_id)


def _controller(record: RolloutRecord, ports: RolloutPorts) -> Controller:
    candidate = Candidate(
        record.canary_version, record.digest, record.app_version, record.probe_url
    )
    return Controller(
        ports.store,
        ports.target.shifter(record.stable_version, candidate),
        ports.target.providers(candidate),
        ports.notifier,
        ports.clock,
        ports.emit,
        ports.poll_s,
    )


def active_rollout(env: str, store: RolloutStorePort) -> RolloutRecord:
    record = store.latest()
    if record is None or record.status.terminal:
        last = f" (the last one, {record.rollout_id}, is {record.status.value})" if record else ""
        raise NoActiveRollout(f"{env} has no running or paused rollout{last}")
    return record


def _ttl(plan: RolloutPlan) -> timedelta:
    seconds = 0.0
    for step in plan.steps:
        if isinstance(step, Analysis):
            seconds += step.duration_s
        elif isinstance(step, Pause):
            seconds += step.seconds or 0.0
    return timedelta(seconds=seconds) + LOCK_MARGIN


def _known(digest: str, evidence: EvidencePort) -> None:
    if not _DIGEST.fullmatch(digest or ""):
        raise UnknownDigest(
            f"digest {digest!r} is not a sha256 digest (64 lowercase hex characters)"
        )
    if not evidence.known(digest):
        raise UnknownDigest(
            f"digest {digest[:12]}… is unknown: no build, artifact or deployment record has it; "
            "pass the digest `pipeline release` printed (see `pipeline history --env staging`)"
        )


def required(value: str, name: str, what: str) -> str:
    text = (value or "").strip()
    if not text:
        raise RolloutUsageError(f"missing {name}: pass {what}")
    return text
