"""The controller: a loop of `decide.next_action` -> do it -> save the record. It returns when
the rollout has ended or waits for a human; every step is persisted before the next begins, so
a killed controller, rerun, continues where it was (a set_weight already applied is read back,
not set again; measurements already recorded count)."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime

from infra.clock import Clock
from infra.config.rollout import MetricName
from infra.errors import InfraError
from infra.rollout import decide
from infra.rollout.analysis import Phase
from infra.rollout.errors import RollbackFailed, StaleRecord, TakenOver
from infra.rollout.measure import expected_series, measure
from infra.rollout.notices import cause_text, deliver, notification
from infra.rollout.plan import Analysis, Template, describe_step
from infra.rollout.ports import Notifier, Severity
from infra.rollout.providers.base import MetricsProvider, Window
from infra.rollout.record import RolloutRecord, Status, StepOutcome
from infra.rollout.shifters.base import TrafficShifter
from infra.rollout.store import RolloutStorePort

Emit = Callable[[str], None]
ROLLBACK_RETRY_S = (1.0, 2.0, 4.0)


class Controller:
    """Drives one rollout record through its plan with the given shifter and providers."""

    def __init__(
        self,
        store: RolloutStorePort,
        shifter: TrafficShifter,
        providers: Sequence[MetricsProvider],
        notifier: Notifier,
        clock: Clock,
        emit: Emit = print,
        poll_s: float = 2.0,
    ) -> None:
        self._store = store
        self._shifter = shifter
        self._providers = tuple(providers)
        self._notifier = notifier
        self._clock = clock
        self._emit = emit
        self._poll_s = poll_s
        self._series: dict[str, tuple[tuple[MetricName, str], ...]] = {}

    def run(self, record: RolloutRecord) -> RolloutRecord:
        """Claim the record for this run, then act until it ends or pauses."""
        record = self._save(replace(record, run_token=uuid.uuid4().hex), claim=True)
        while True:
            action = decide.next_action(record, self._clock.now(), self._series_for)
            if isinstance(action, decide.Finished):
                return record
            if isinstance(action, decide.PauseForHuman):
                return self._pause(record, action)
            record = self._act(record, action)

    def _act(self, record: RolloutRecord, action: decide.Action) -> RolloutRecord:
        now = self._clock.now()
        if isinstance(action, decide.WaitUntil):
            return self._wait(record, action.at)
        if isinstance(action, decide.BeginStep):
            return self._save(replace(record, step_started_at=now))
        if isinstance(action, decide.Measure):
            return self._measure(record, action, now)
        if isinstance(action, decide.ApplyWeight):
            return self._apply_weight(record, action.weight)
        if isinstance(action, decide.CompleteStep):
            return self._complete(record, action)
        if isinstance(action, decide.SkipToFull):
            return self._skip_to_full(record, action.by)
        if isinstance(action, decide.IgnoreRequest):
            self._emit(f"rollout {record.rollout_id}: ignored {action.why}")
            return self._save(replace(record, handled_requests=record.handled_requests + 1))
        if isinstance(action, decide.Rollback):
            return self._rollback(record, action)
        if isinstance(action, decide.Finalize):
            return self._finalize(record)
        raise TypeError(f"unknown action {action!r}")

    # -- steps ---------------------------------------------------------------------------------

    def _apply_weight(self, record: RolloutRecord, weight: int) -> RolloutRecord:
        try:
            current = self._shifter.read_weight()
            if current.canary_percent != weight:  # a rerun after a kill finds it already set
                self._shifter.set_weight(weight)
        except InfraError as exc:
            return self._rollback(
                record, decide.Rollback(Phase.ERROR.value, f"could not shift traffic: {exc}")
            )
        self._emit(f"rollout {record.rollout_id}: canary {record.canary_version} at {weight}%")
        record = replace(record, weight=weight)
        return self._complete(record, decide.CompleteStep(f"weight {weight}%"))

    def _measure(
        self, record: RolloutRecord, action: decide.Measure, now: datetime
    ) -> RolloutRecord:
        step = record.plan.steps[record.step_index]
        if not isinstance(step, Analysis):  # decide only measures analysis steps
            raise TypeError(f"step {record.step_index} is not an analysis")
        window = Window(action.window_start, now, record.canary_version, record.stable_version)
        taken = measure(record.step_index, step.template, self._providers, window, now)
        done = 1 + len({m.at for m in record.measurements if m.step == record.step_index})
        bad = [
            f"{m.metric.value}/{m.source} {m.phase.value}"
            for m in taken
            if m.phase is not Phase.SUCCESSFUL
        ]
        self._emit(
            f"rollout {record.rollout_id}: measurement {done}/{step.count} at {record.weight}%"
            + (f" ({', '.join(bad)})" if bad else ": all successful")
        )
        return self._save(replace(record, measurements=record.measurements + taken))

    def _complete(self, record: RolloutRecord, action: decide.CompleteStep) -> RolloutRecord:
        index = record.step_index
        step = record.plan.steps[index]
        now = self._clock.now()
        outcome = StepOutcome(
            index, describe_step(step), action.outcome, record.step_started_at, now
        )
        record = replace(
            record,
            status=Status.RUNNING,
            pause_reason="",
            step_index=index + 1,
            step_started_at=None,
            steps_done=(*record.steps_done, outcome),
            handled_requests=record.handled_requests + (1 if action.handles_request else 0),
        )
        record = self._save(record)
        if isinstance(step, Analysis):
            record = self._notify(
                record,
                "verdict",
                Severity.INFO,
                f"analysis {action.outcome}",
                f"step {index + 1} ({describe_step(step)}): {action.outcome}",
            )
        return self._notify(
            record,
            "step",
            Severity.INFO,
            f"step {index + 1}/{len(record.plan.steps)} done",
            f"{describe_step(step)}: {action.outcome}; canary at {record.weight}%",
        )

    def _skip_to_full(self, record: RolloutRecord, by: str) -> RolloutRecord:
        try:
            if self._shifter.read_weight().canary_percent != 100:
                self._shifter.set_weight(100)
        except InfraError as exc:
            return self._rollback(
                record,
                decide.Rollback(Phase.ERROR.value, f"could not shift traffic: {exc}", (), True),
            )
        target = decide.watch_index(record)
        now = self._clock.now()
        skipped = tuple(
            StepOutcome(
                i,
                describe_step(record.plan.steps[i]),
                f"skipped: promoted --full by {by}",
                record.step_started_at if i == record.step_index else None,
                now,
            )
            for i in range(record.step_index, target)
        )
        record = replace(
            record,
            status=Status.RUNNING,
            pause_reason="",
            weight=100,
            step_index=target,
            step_started_at=None,
            steps_done=record.steps_done + skipped,
            handled_requests=record.handled_requests + 1,
        )
        record = self._save(record)
        return self._notify(
            record,
            "step",
            Severity.INFO,
            f"promoted to 100% by {by}",
            f"{len(skipped)} step(s) skipped; canary at 100%",
        )

    def _pause(self, record: RolloutRecord, action: decide.PauseForHuman) -> RolloutRecord:
        if record.status is Status.PAUSED:
            return record
        record = self._save(
            replace(
                record,
                status=Status.PAUSED,
                pause_reason=action.reason,
                verdict=action.verdict or record.verdict,
            )
        )
        self._emit(f"rollout {record.rollout_id}: PAUSED at {record.weight}%: {action.reason}")
        return self._notify(
            record,
            "paused",
            Severity.P2,
            "rollout paused: a human decides",
            f"{action.reason}. Continue with `rollout promote`, or `rollout abort` to roll back.",
        )

    def _rollback(self, record: RolloutRecord, action: decide.Rollback) -> RolloutRecord:
        if record.status is not Status.ROLLING_BACK:
            record = self._save(
                replace(
                    record,
                    status=Status.ROLLING_BACK,
                    verdict=action.verdict,
                    verdict_message=action.message,
                    cause=action.cause,
                    handled_requests=record.handled_requests + (1 if action.handles_request else 0),
                )
            )
        self._emit(
            f"rollout {record.rollout_id}: ROLLING BACK ({action.verdict}: {action.message})"
        )
        failure: InfraError | None = None
        for delay in (0.0, *ROLLBACK_RETRY_S):
            if delay:
                self._clock.sleep(delay)
            try:
                self._shifter.reset()
                failure = None
                break
            except InfraError as exc:
                failure = exc
        if failure is not None:
            record = self._save(record.note(f"rollback could not move traffic: {failure}"[:300]))
            self._notify(
                record,
                "rollback_failed",
                Severity.P0,
                "ROLLBACK FAILED: traffic not moved",
                f"{failure}. Rerun the rollout (it resumes the rollback) once the router answers.",
            )
            raise RollbackFailed(
                f"rollout {record.rollout_id}: rollback could not move traffic ({failure}); the "
                "record stays rolling_back: rerun `rollout abort` once the router answers"
            )
        record = self._save(
            replace(record, status=Status.ROLLED_BACK, weight=0, finished_at=self._clock.now())
        )
        return self._notify(
            record,
            "rolled_back",
            Severity.P0,
            f"rolled back to version {record.stable_version}",
            f"{record.verdict}: {record.verdict_message}",
            {"verdict": record.verdict, "cause": cause_text(record)},
        )

    def _finalize(self, record: RolloutRecord) -> RolloutRecord:
        try:
            self._shifter.promote()
        except InfraError as exc:  # still at 100 %: a rerun finalizes
            self._save(record.note(f"finalizing failed, rerun to finish: {exc}"[:300]))
            raise
        record = self._save(
            replace(record, status=Status.SUCCEEDED, weight=100, finished_at=self._clock.now())
        )
        self._emit(f"rollout {record.rollout_id}: version {record.canary_version} is live at 100%")
        return self._notify(
            record,
            "completed",
            Severity.INFO,
            f"version {record.canary_version} is live",
            f"{record.digest[:12]} promoted by {record.requested_by}; all steps successful",
        )

    # -- waiting, saving, notifying ------------------------------------------------------------

    def _wait(self, record: RolloutRecord, until: datetime) -> RolloutRecord:
        """Sleep in short slices; between slices save a heartbeat (which also brings in any
        request written meanwhile); a new request ends the wait. The action after the last
        slice saves anyway, so that slice is not followed by a save of its own."""
        while (remaining := (until - self._clock.now()).total_seconds()) > 0:
            self._clock.sleep(min(self._poll_s, remaining))
            if self._clock.now() >= until:
                break
            record = self._save(record)
            if record.pending_request is not None:
                break
        return record

    def _save(self, record: RolloutRecord, claim: bool = False) -> RolloutRecord:
        record = replace(record, heartbeat_at=self._clock.now())
        try:
            return self._store.save(record)
        except StaleRecord:
            stored = self._store.load(record)
            if stored is None:
                raise
            if not claim and stored.run_token != record.run_token:
                raise TakenOver(
                    f"rollout {record.rollout_id} is now driven by another controller run; "
                    "this one stopped without touching traffic"
                ) from None
            if claim:  # claiming a resumed record: take its latest state, keep our token
                merged = replace(
                    stored, run_token=record.run_token, heartbeat_at=record.heartbeat_at
                )
            else:  # requests appended meanwhile: keep ours, take theirs
                merged = replace(record, requests=stored.requests, revision=stored.revision)
            return self._store.save(merged)

    def _notify(
        self,
        record: RolloutRecord,
        event: str,
        severity: Severity,
        title: str,
        body: str,
        extra: dict[str, str] | None = None,
    ) -> RolloutRecord:
        noted = deliver(
            self._notifier, record, notification(record, event, severity, title, body, extra)
        )
        return self._save(noted) if noted is not record else record

    def _series_for(self, template: Template) -> Sequence[tuple[MetricName, str]]:
        if template.name not in self._series:
            self._series[template.name] = expected_series(template, self._providers)
        return self._series[template.name]
