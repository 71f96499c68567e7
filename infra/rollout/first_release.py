"""An environment's first release: nothing is live, so there is nothing to canary against or
roll back to. The digest still passed the gate and has an approver; it is deployed straight to
all traffic and recorded as a promotion that says so."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from infra.clock import Clock
from infra.rollout.notices import deliver, notification
from infra.rollout.plan import all_at_once
from infra.rollout.ports import Notifier, RolloutTarget, Severity
from infra.rollout.record import Kind, RolloutRecord, Status, StepOutcome
from infra.rollout.store import RolloutStorePort

FIRST_RELEASE = "first release: nothing live to canary against"


@dataclass(frozen=True)
class FirstRelease:
    env: str
    rollout_id: str
    digest: str
    approver: str
    notes: tuple[str, ...]


def release_first(
    first: FirstRelease,
    store: RolloutStorePort,
    target: RolloutTarget,
    notifier: Notifier,
    clock: Clock,
    emit: Callable[[str], None],
) -> RolloutRecord:
    """Deploy the digest as the environment's live version and record it (the caller holds
    the lock). A failed deploy leaves no rollout record: nothing went live."""
    started = clock.now()
    emit(
        f"rollout {first.rollout_id}: {FIRST_RELEASE} in {first.env}; deploying {first.digest[:12]}"
    )
    candidate = target.deploy_first(first.digest)
    finished = clock.now()
    plan = all_at_once()
    record = RolloutRecord(
        rollout_id=first.rollout_id,
        env=first.env,
        target=target.name,
        kind=Kind.PROMOTE,
        digest=first.digest,
        stable_version="",
        canary_version=candidate.version,
        requested_by=first.approver,
        started_at=started,
        plan=plan,
        app_version=candidate.app_version,
        probe_url=candidate.probe_url,
        status=Status.SUCCEEDED,
        step_index=len(plan.steps),
        weight=100,
        steps_done=(StepOutcome(0, "set weight 100%", FIRST_RELEASE, started, finished),),
        notes=first.notes,
        finished_at=finished,
    )
    record = store.create(record)
    emit(f"rollout {first.rollout_id}: version {candidate.version} is live at 100% (first release)")
    noted = deliver(
        notifier,
        record,
        notification(
            record,
            "completed",
            Severity.INFO,
            f"first release: version {candidate.version} is live",
            f"{first.digest[:12]} approved by {first.approver}; {FIRST_RELEASE}",
        ),
    )
    return store.save(noted) if noted is not record else record
