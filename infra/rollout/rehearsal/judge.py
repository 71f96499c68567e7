"""What a rehearsal must show, judged from what the client and the weight reader saw and what
the rollout records say (pure; `pipeline rehearse` prints and keeps the result):

- the good release reaches 100 % through every weight of the plan;
- the faulty release is rolled back automatically, within one analysis interval + 5 s of its
  first traffic, and no request started after the rollback is answered by it (with requests
  answered after the rollback: otherwise there is nothing to show);
- every write acknowledged is readable: each read found the writes acknowledged before it, and
  the data table holds them all at the end;
- each promotion's load stayed within the emulator's capacity (`local_capacity.classify`): when
  the emulator's ceiling explains the failures seen, the rehearsal is Inconclusive ("emulator
  saturated"), never the release's fault and never a pass.

Load figures per version always carry failures next to latencies."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from infra.perf.samples import percentile as nearest_rank
from infra.rollout.record import RolloutRecord, Status
from infra.rollout.rehearsal.load import READ, SITE, WRITE, Sample
from infra.targets import local_capacity as lc

ROLLBACK_SLACK_S = 5.0
SATURATION = "emulator within capacity"  # the check's name
# The client's journeys as the emulator calls they make (local_capacity.STEADY_MIX's).
JOURNEY_COSTS = {
    READ: lc.JOURNEYS["readings"],
    WRITE: lc.JOURNEYS["ingest_one"],
    SITE: lc.JOURNEYS["site"],
}


@dataclass(frozen=True)
class Run:
    """One promotion of the rehearsal and what was seen while it ran."""

    role: str  # first release | good | faulty
    kind: str  # promote | hotfix
    digest: str
    expect: Status
    record: RolloutRecord | None
    samples: Sequence[Sample]
    weights: Sequence[tuple[float, int]]  # (epoch s, canary %) read from the router
    started: float  # epoch s, when the stage was started
    seconds: float  # the stage's wall time
    canary_expected: bool = True  # False for a first release (nothing live: no canary)


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str


@dataclass(frozen=True)
class VersionLoad:
    """Requests a version answered: counts, failures by status, percentiles (labelled)."""

    version: str
    requests: int
    failures: int
    by_status: Mapping[str, int]
    p50_all_ms: float
    p95_all_ms: float
    p95_ok_ms: float

    @property
    def error_rate(self) -> float:
        return self.failures / self.requests if self.requests else 0.0


@dataclass(frozen=True)
class Judged:
    checks: tuple[Check, ...]
    loads: Mapping[str, tuple[VersionLoad, ...]] = field(default_factory=dict)  # by role

    @property
    def ok(self) -> bool:
        return all(check.ok for check in self.checks)

    @property
    def inconclusive(self) -> bool:
        """The emulator was saturated in a promotion: what failed may be its doing."""
        return any(c.name.endswith(SATURATION) and not c.ok for c in self.checks)

    @property
    def verdict(self) -> str:
        if self.ok:
            return "passed"
        return "INCONCLUSIVE (emulator saturated)" if self.inconclusive else "FAILED"


def percentile(values: Sequence[float], q: float) -> float:
    """`infra.perf.samples.percentile` (nearest rank); nan for no values (a gap in a plot)."""
    found = nearest_rank(values, q)
    return math.nan if found is None else found


def version_loads(samples: Sequence[Sample]) -> tuple[VersionLoad, ...]:
    """Per answering version ('' = no version header: the router's own answers, timeouts)."""
    answered = [s for s in samples if s.answered]
    out = []
    for version in sorted({s.version for s in answered}):
        mine = [s for s in answered if s.version == version]
        statuses = Counter(str(s.status) if s.status else (s.error or "no answer") for s in mine)
        failed = [s for s in mine if s.failed]
        ok_latencies = [s.latency_ms for s in mine if not s.failed]
        all_latencies = [s.latency_ms for s in mine]
        out.append(
            VersionLoad(
                version or "(none)",
                len(mine),
                len(failed),
                dict(sorted(statuses.items())),
                percentile(all_latencies, 50),
                percentile(all_latencies, 95),
                percentile(ok_latencies, 95),
            )
        )
    return tuple(out)


def distinct_weights(weights: Sequence[tuple[float, int]]) -> list[int]:
    out: list[int] = []
    for _, weight in weights:
        if not out or out[-1] != weight:
            out.append(weight)
    return out


def judge(
    runs: Sequence[Run],
    interval_s: float,
    plan_weights: Sequence[int],
    table_missing: int | None,
    writes: int,
    capacity: lc.EmulatorCapacity = lc.MEASURED,
) -> Judged:
    """Every check of the rehearsal; `table_missing`: acknowledged writes the data table lacks
    at the end (None: it could not be read); `capacity`: the emulator's, probed at the start."""
    checks: list[Check] = []
    for run in runs:
        checks.append(_within_capacity(run, capacity))
        checks.extend(_outcome(run))
        if run.role == "good" and run.canary_expected:
            checks.append(_went_through(run, plan_weights))
        if run.role == "faulty":
            checks.extend(_rolled_back_fast(run, interval_s))
            checks.append(_nothing_from_bad_after(run))
    missing_reads = [s for run in runs for s in run.samples if s.error.startswith("missing")]
    reads = sum(1 for run in runs for s in run.samples if s.journey == "read" and s.status == 200)
    checks.append(
        Check(
            "reads see every acknowledged write",
            not missing_reads and reads > 0,
            f"{reads} reads answered 200, {len(missing_reads)} of them missed a write "
            "acknowledged before they started",
        )
    )
    if table_missing is None:
        checks.append(Check("the data table holds every write", False, "could not be read"))
    else:
        checks.append(
            Check(
                "the data table holds every write",
                table_missing == 0 and writes > 0,
                f"{writes - table_missing} of {writes} acknowledged writes found after the "
                "rehearsal",
            )
        )
    return Judged(tuple(checks), {run.role: version_loads(run.samples) for run in runs})


def _within_capacity(run: Run, capacity: lc.EmulatorCapacity) -> Check:
    """`local_capacity.classify` over what the client sent while the promotion ran (every
    503 counted as a dependency 503: locally the app's only 503 is DynamoDB or S3 timing out)."""
    name = f"{run.role}: {SATURATION}"
    answered = [s for s in run.samples if s.answered and s.journey in JOURNEY_COSTS]
    if len(answered) < 2:
        return Check(name, True, "no load to judge")
    requests: dict[lc.Journey, int] = {}
    for sample in answered:
        journey = JOURNEY_COSTS[sample.journey]
        requests[journey] = requests.get(journey, 0) + 1
    failures = sum(1 for s in answered if s.failed)
    observation = lc.LoadObservation(
        duration_s=max(max(s.started for s in answered) - min(s.started for s in answered), 1.0),
        requests=requests,
        failures=failures,
        dependency_503s=min(failures, sum(1 for s in answered if s.status == 503)),
    )
    found = lc.classify(observation, capacity)
    return Check(name, found.verdict is not lc.Verdict.SATURATED,
                 f"{found.verdict.value}: {found.reason}")  # fmt: skip


def _outcome(run: Run) -> list[Check]:
    name = f"{run.role}: {run.kind} ends {run.expect.value}"
    if run.record is None or run.record.digest != run.digest:
        return [Check(name, False, f"no rollout record of {run.digest[:12]}")]
    record = run.record
    weight = 100 if run.expect is Status.SUCCEEDED else 0
    ok = record.status is run.expect and record.weight == weight
    detail = f"rollout {record.rollout_id}: {record.status.value} at {record.weight}%"
    if record.verdict:
        detail += f" ({record.verdict}: {record.verdict_message})"
    return [Check(name, ok, detail)]


def _went_through(run: Run, plan_weights: Sequence[int]) -> Check:
    seen = distinct_weights(run.weights)
    stepped = [w for w in seen if w in plan_weights]
    ok = stepped == list(plan_weights)
    return Check(
        "good: the router went through every weight",
        ok,
        f"canary weights read from the router: {' -> '.join(map(str, seen)) or 'none'} "
        f"(plan {' -> '.join(map(str, plan_weights))})",
    )


def _rolled_back_fast(run: Run, interval_s: float) -> list[Check]:
    first = next((t for t, w in run.weights if w > 0), None)
    back = next((t for t, w in run.weights if first is not None and t > first and w == 0), None)
    seen = distinct_weights(run.weights)
    positive = [w for w in seen if w > 0]
    beyond = [w for w in positive if w > positive[0]]  # it never got past its first weight
    if first is None or back is None:
        return [Check("faulty: traffic back to 0 % fast", False, f"weights seen: {seen}")]
    took = back - first
    limit = interval_s + ROLLBACK_SLACK_S
    return [
        Check(
            "faulty: traffic back to 0 % fast",
            took <= limit and not beyond,
            f"{took:.1f} s from its first traffic to 0 % (limit: one interval {interval_s:g} s "
            f"+ {ROLLBACK_SLACK_S:g} s); weights {' -> '.join(map(str, seen))}",
        )
    ]


def _nothing_from_bad_after(run: Run) -> Check:
    record = run.record
    name = "faulty: no answer from it after the rollback"
    if record is None or record.finished_at is None:
        return Check(name, False, "the rollout has no end time")
    moment = record.finished_at.timestamp()
    after = [s for s in run.samples if s.started > moment and s.answered]
    bad = [s for s in after if s.version == record.canary_version]
    ok = not bad and len(after) > 0
    return Check(
        name,
        ok,
        f"{len(after)} requests started after the rollback were answered, {len(bad)} of them by "
        f"version {record.canary_version}"
        + ("" if after else ": nothing to show (the client sent nothing after it)"),
    )


def as_dict(judged: Judged) -> dict[str, Any]:
    return {
        "ok": judged.ok,
        "checks": [{"name": c.name, "ok": c.ok, "detail": c.detail} for c in judged.checks],
        "load": {
            role: [
                {
                    "version": v.version,
                    "requests": v.requests,
                    "failures": v.failures,
                    "error_rate": round(v.error_rate, 4),
                    "by_status": dict(v.by_status),
                    "p50_all_ms": _num(v.p50_all_ms),
                    "p95_all_ms": _num(v.p95_all_ms),
                    "p95_successes_ms": _num(v.p95_ok_ms),
                }
                for v in loads
            ]
            for role, loads in judged.loads.items()
        },
    }


def _num(value: float) -> float | None:
    return None if math.isnan(value) else round(value, 1)
