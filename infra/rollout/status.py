"""`rollout status`: a view model of the latest rollout (step, recorded and live weights, each
series' latest measurement against its limit) and a pure render of it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from infra.deploy.table_items import format_time
from infra.errors import InfraError
from infra.rollout.analysis import Measurement, Phase
from infra.rollout.commands import RolloutPorts
from infra.rollout.plan import Analysis, describe_step
from infra.rollout.ports import Candidate
from infra.rollout.record import RolloutRecord, Status
from infra.rollout.shifters.base import TrafficShifter, Weights
from infra.rollout.store import RolloutStorePort


@dataclass(frozen=True)
class SeriesView:
    metric: str
    source: str
    phase: str
    value: str
    limit: str
    detail: str


@dataclass(frozen=True)
class StatusView:
    record: RolloutRecord | None
    step: str  # "3/5 analysis 600s (10 x 60s, template canary): 4/10 measurements"
    live: Weights | None
    live_error: str
    series: tuple[SeriesView, ...]


def status_view(
    record: RolloutRecord | None, live: Weights | None, live_error: str = ""
) -> StatusView:
    if record is None:
        return StatusView(None, "", live, live_error, ())
    steps = record.plan.steps
    if record.step_index < len(steps):
        step = steps[record.step_index]
        step_text = f"{record.step_index + 1}/{len(steps)} {describe_step(step)}"
        if isinstance(step, Analysis):
            rounds = len({m.at for m in record.measurements if m.step == record.step_index})
            step_text += f": {rounds}/{step.count} measurements"
    else:
        step_text = f"{len(steps)}/{len(steps)} done"
    shown = record.cause or _latest_round(record)
    return StatusView(record, step_text, live, live_error, tuple(_series(m) for m in shown))


def render_status(view: StatusView) -> list[str]:
    r = view.record
    if r is None:
        return ["no rollout recorded"]
    lines = [
        f"rollout {r.rollout_id} [{r.env}, {r.target}] {r.kind.value} {r.digest[:12]}: "
        f"{r.status.value.upper()}",
        f"  by {r.requested_by}, started {r.started_at.isoformat(timespec='seconds')}"
        + (f", reason: {r.reason}" if r.reason else ""),
        f"  versions: stable {r.stable_version} -> canary {r.canary_version}",
        f"  step {view.step}",
        f"  weight recorded: canary {r.weight}%; live: "
        + (f"canary {view.live.canary_percent}%" if view.live else f"unknown ({view.live_error})"),
    ]
    if view.live and view.live.canary_percent != r.weight and not r.status.terminal:
        lines.append(
            "  ! the live weight differs from the record: a step is in flight or was "
            "changed by hand"
        )
    if r.pause_reason and r.status is Status.PAUSED:
        lines.append(f"  paused: {r.pause_reason}")
    if r.verdict:
        lines.append(
            f"  verdict: {r.verdict}" + (f": {r.verdict_message}" if r.verdict_message else "")
        )
    if view.series:
        lines.append("  measurements (metric/source  value vs limit  phase):")
        lines.extend(
            f"    {s.metric}/{s.source}  {s.value} vs {s.limit}  {s.phase}"
            + (f"  ({s.detail})" if s.detail else "")
            for s in view.series
        )
    if r.backup_arn:
        lines.append(f"  backup: {r.backup_arn}")
    lines.extend(f"  note: {note}" for note in r.notes)
    return lines


def read_status(
    store: RolloutStorePort, shifter_for: Callable[[RolloutRecord, Candidate], TrafficShifter]
) -> StatusView:
    """The latest record and, when it is active, the router's or alias's live weights."""
    record = store.latest()
    if record is None or record.status.terminal:
        return status_view(record, None, "rollout ended" if record else "")
    try:
        candidate = Candidate(
            record.canary_version, record.digest, record.app_version, record.probe_url
        )
        live = shifter_for(record, candidate).read_weight()
    except InfraError as exc:
        return status_view(record, None, str(exc))
    return status_view(record, live)


def status(ports: RolloutPorts) -> StatusView:
    """`rollout status`: the latest rollout with the router's or alias's live weights."""
    return read_status(
        ports.store,
        lambda record, candidate: ports.target.shifter(record.stable_version, candidate),
    )


def _latest_round(record: RolloutRecord) -> tuple[Measurement, ...]:
    if not record.measurements:
        return ()
    last = max(m.at for m in record.measurements)
    return tuple(m for m in record.measurements if m.at == last)


def _series(m: Measurement) -> SeriesView:
    def shown(value: float | None) -> str:
        if value is None:
            return "-"
        if m.metric.value.endswith("rate"):
            return f"{value:.1%}"
        return f"{value:g}"

    return SeriesView(
        m.metric.value,
        m.source,
        m.phase.value if m.phase is not Phase.RUNNING else "running",
        shown(m.value),
        ("<" if not m.metric.rolls_back_above else ">") + " " + shown(m.limit) + " fails",
        m.detail,
    )


def rollout_history_line(record: RolloutRecord) -> str:
    """One rollout in `pipeline history`: when, what, its verdict and who (pure)."""
    ended = format_time(record.finished_at) if record.finished_at else "-"
    over = f" over {record.stable_version}" if record.stable_version else " (first release)"
    line = (
        f"{format_time(record.started_at)}  rollout {record.rollout_id}  {record.kind.value:<7} "
        f"{record.status.value:<12} {record.weight:>3}%  {record.digest[:12]}  version "
        f"{record.canary_version}{over}  by {record.requested_by}  ended {ended}"
    )
    details = []
    if record.verdict:
        details.append(f"verdict: {record.verdict}: {record.verdict_message}")
    if record.reason:
        details.append(f"reason: {record.reason}")
    if record.backup_arn:
        details.append(f"backup: {record.backup_arn}")
    return "\n".join([line, *(f"    {d}" for d in details)])


def rollout_history_item(record: RolloutRecord) -> dict[str, object]:
    """JSON-ready summary of a rollout for `pipeline history --json`."""
    return {
        "record": "rollout",
        "rollout_id": record.rollout_id,
        "env": record.env,
        "target": record.target,
        "kind": record.kind.value,
        "digest": record.digest,
        "stable_version": record.stable_version,
        "canary_version": record.canary_version,
        "requested_by": record.requested_by,
        "started_at": format_time(record.started_at),
        "finished_at": format_time(record.finished_at) if record.finished_at else None,
        "status": record.status.value,
        "weight": record.weight,
        "verdict": record.verdict,
        "verdict_message": record.verdict_message,
        "reason": record.reason,
        "backup_arn": record.backup_arn,
    }
