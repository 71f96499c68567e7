"""The rollout record (`rollout#` kind in the deployments table): who promoted what, the plan,
where the controller is, every measurement, the verdict and its cause. Pure item mapping."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from typing import Any

from infra.config.rollout import MetricName
from infra.deploy.table_items import PARTITION_KEY, SORT_KEY, format_time, parse_time
from infra.rollout.analysis import Measurement, Phase
from infra.rollout.plan import RolloutPlan, plan_from_json, plan_to_json

SCHEMA_VERSION = 1
RECORD_PREFIX = "rollout#"


class Status(StrEnum):
    RUNNING = "running"
    PAUSED = "paused"  # waits for a human: `rollout promote` or `rollout abort`
    ROLLING_BACK = "rolling_back"  # decided; a rerun finishes it if traffic could not move
    SUCCEEDED = "succeeded"
    ROLLED_BACK = "rolled_back"

    @property
    def terminal(self) -> bool:
        return self in (Status.SUCCEEDED, Status.ROLLED_BACK)


class Kind(StrEnum):
    PROMOTE = "promote"
    HOTFIX = "hotfix"  # skipped the staging gate, never the canary
    UNDO = "undo"  # fast revert to a previous green digest


class RequestKind(StrEnum):
    PROMOTE = "promote"  # end the current pause or analysis step
    PROMOTE_FULL = "promote_full"  # straight to 100 % (the post-promotion watch still runs)
    ABORT = "abort"  # roll back now


@dataclass(frozen=True)
class Request:
    kind: RequestKind
    by: str
    at: datetime


@dataclass(frozen=True)
class StepOutcome:
    index: int
    what: str
    outcome: str
    started_at: datetime | None
    ended_at: datetime


@dataclass(frozen=True)
class RolloutRecord:
    rollout_id: str
    env: str
    target: str
    kind: Kind
    digest: str
    stable_version: str
    canary_version: str
    requested_by: str  # the approver (promote) or the person running hotfix/undo
    started_at: datetime
    plan: RolloutPlan
    app_version: str = ""  # the canary's X-App-Version / EMF version
    reason: str = ""
    backup_arn: str = ""
    probe_url: str = ""
    status: Status = Status.RUNNING
    step_index: int = 0
    step_started_at: datetime | None = None
    weight: int = 0
    measurements: tuple[Measurement, ...] = ()
    steps_done: tuple[StepOutcome, ...] = ()
    pause_reason: str = ""
    verdict: str = ""  # a Phase value, or "aborted"
    verdict_message: str = ""
    cause: tuple[Measurement, ...] = ()
    requests: tuple[Request, ...] = ()
    handled_requests: int = 0
    notes: tuple[str, ...] = ()
    run_token: str = ""  # the controller run driving it now
    revision: int = 0
    heartbeat_at: datetime | None = None
    finished_at: datetime | None = None

    @property
    def sort_key(self) -> str:
        return f"{RECORD_PREFIX}{format_time(self.started_at)}#{self.rollout_id}"

    @property
    def pending_request(self) -> Request | None:
        if self.handled_requests < len(self.requests):
            return self.requests[self.handled_requests]
        return None

    def note(self, text: str) -> RolloutRecord:
        return replace(self, notes=(*self.notes, text))


def to_item(record: RolloutRecord) -> dict[str, Any]:
    r = record
    item: dict[str, Any] = {
        PARTITION_KEY: {"S": r.env},
        SORT_KEY: {"S": r.sort_key},
        "schema_version": {"N": str(SCHEMA_VERSION)},
        "record_kind": {"S": "rollout"},
        "rollout_id": {"S": r.rollout_id},
        "target": {"S": r.target},
        "kind": {"S": r.kind.value},
        "digest": {"S": r.digest},
        "stable_version": {"S": r.stable_version},
        "canary_version": {"S": r.canary_version},
        "requested_by": {"S": r.requested_by},
        "started_at": {"S": format_time(r.started_at)},
        "plan": {"S": plan_to_json(r.plan)},
        "app_version": {"S": r.app_version},
        "reason": {"S": r.reason},
        "backup_arn": {"S": r.backup_arn},
        "probe_url": {"S": r.probe_url},
        "status": {"S": r.status.value},
        "step_index": {"N": str(r.step_index)},
        "weight": {"N": str(r.weight)},
        "measurements": {"S": _dumps([_measurement(m) for m in r.measurements])},
        "steps_done": {"S": json.dumps([_outcome(s) for s in r.steps_done])},
        "pause_reason": {"S": r.pause_reason},
        "verdict": {"S": r.verdict},
        "verdict_message": {"S": r.verdict_message},
        "cause": {"S": _dumps([_measurement(m) for m in r.cause])},
        "requests": {"L": [{"S": request_json(q)} for q in r.requests]},
        "handled_requests": {"N": str(r.handled_requests)},
        "notes": {"L": [{"S": note} for note in r.notes]},
        "run_token": {"S": r.run_token},
        "revision": {"N": str(r.revision)},
    }
    for name, moment in (
        ("step_started_at", r.step_started_at),
        ("heartbeat_at", r.heartbeat_at),
        ("finished_at", r.finished_at),
    ):
        if moment is not None:
            item[name] = {"S": format_time(moment)}
    return item


def from_item(item: Mapping[str, Any]) -> RolloutRecord:
    def text(name: str) -> str:
        return str(item.get(name, {}).get("S", ""))

    def number(name: str) -> int:
        return int(item.get(name, {}).get("N", "0"))

    def moment(name: str) -> datetime | None:
        return parse_time(text(name)) if text(name) else None

    started = parse_time(text("started_at"))
    return RolloutRecord(
        rollout_id=text("rollout_id"),
        env=text(PARTITION_KEY),
        target=text("target"),
        kind=Kind(text("kind")),
        digest=text("digest"),
        stable_version=text("stable_version"),
        canary_version=text("canary_version"),
        requested_by=text("requested_by"),
        started_at=started,
        plan=plan_from_json(text("plan")),
        app_version=text("app_version"),
        reason=text("reason"),
        backup_arn=text("backup_arn"),
        probe_url=text("probe_url"),
        status=Status(text("status")),
        step_index=number("step_index"),
        step_started_at=moment("step_started_at"),
        weight=number("weight"),
        measurements=tuple(_measurement_from(m) for m in json.loads(text("measurements") or "[]")),
        steps_done=tuple(_outcome_from(s) for s in json.loads(text("steps_done") or "[]")),
        pause_reason=text("pause_reason"),
        verdict=text("verdict"),
        verdict_message=text("verdict_message"),
        cause=tuple(_measurement_from(m) for m in json.loads(text("cause") or "[]")),
        requests=tuple(request_from(q["S"]) for q in item.get("requests", {}).get("L", [])),
        handled_requests=number("handled_requests"),
        notes=tuple(str(n.get("S", "")) for n in item.get("notes", {}).get("L", [])),
        run_token=text("run_token"),
        revision=number("revision"),
        heartbeat_at=moment("heartbeat_at"),
        finished_at=moment("finished_at"),
    )


def request_json(request: Request) -> str:
    return json.dumps(
        {"kind": request.kind.value, "by": request.by, "at": format_time(request.at)},
        sort_keys=True,
    )


def request_from(text: str) -> Request:
    data = json.loads(text)
    return Request(RequestKind(data["kind"]), str(data["by"]), parse_time(data["at"]))


def _measurement(m: Measurement) -> dict[str, Any]:
    """Short keys: a rollout keeps hundreds of these and every save writes them all."""
    data: dict[str, Any] = {
        "s": m.step,
        "m": m.metric.value,
        "src": m.source,
        "p": m.phase.value,
        "v": None if m.value is None else round(m.value, 6),
        "l": m.limit,
        "n": m.sample_size,
        "at": format_time(m.at),
    }
    if m.detail:
        data["d"] = m.detail
    return data


def _measurement_from(d: Mapping[str, Any]) -> Measurement:
    return Measurement(
        step=int(d["s"]),
        metric=MetricName(d["m"]),
        source=str(d["src"]),
        phase=Phase(d["p"]),
        value=None if d["v"] is None else float(d["v"]),
        limit=float(d["l"]),
        sample_size=None if d["n"] is None else int(d["n"]),
        at=parse_time(d["at"]),
        detail=str(d.get("d", "")),
    )


def _outcome(s: StepOutcome) -> dict[str, Any]:
    return {
        "index": s.index,
        "what": s.what,
        "outcome": s.outcome,
        "started_at": format_time(s.started_at) if s.started_at else None,
        "ended_at": format_time(s.ended_at),
    }


def _outcome_from(d: Mapping[str, Any]) -> StepOutcome:
    started = d.get("started_at")
    return StepOutcome(
        int(d["index"]),
        str(d["what"]),
        str(d["outcome"]),
        parse_time(started) if started else None,
        parse_time(d["ended_at"]),
    )


def _dumps(data: object) -> str:
    return json.dumps(data, separators=(",", ":"))
