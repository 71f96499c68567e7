"""The rehearsal's judge at every check's limit: what it must show, and each way it fails."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from infra.rollout.plan import RolloutPlan, SetWeight
from infra.rollout.record import Kind, RolloutRecord, Status
from infra.rollout.rehearsal.judge import Run, judge, percentile, version_loads
from infra.rollout.rehearsal.load import NO_ROUTER, Sample

T0 = 1_800_000_000.0
GOOD, BAD, STABLE = "b" * 64, "c" * 64, "a" * 64


def record(digest: str, status: Status, weight: int, ended: float, kind: Kind) -> RolloutRecord:
    return RolloutRecord(
        rollout_id=f"r-{digest[:4]}",
        env="prod",
        target="local",
        kind=kind,
        digest=digest,
        stable_version=STABLE[:12] if digest == GOOD else GOOD[:12],
        canary_version=digest[:12],
        requested_by="rita",
        started_at=datetime.fromtimestamp(T0, UTC),
        plan=RolloutPlan((SetWeight(100),)),
        status=status,
        weight=weight,
        verdict="" if status is Status.SUCCEEDED else "Failed",
        verdict_message="" if status is Status.SUCCEEDED else "error_rate 1 failed",
        finished_at=datetime.fromtimestamp(ended, UTC),
    )


def samples(version: str, start: float, end: float, status: int = 200) -> list[Sample]:
    out, t = [], start
    while t < end:
        out.append(Sample(t, "read", status, version, 20.0))
        t += 0.5
    return out


def good_run() -> Run:
    weights = [(T0 + 1, 0), (T0 + 2, 10), (T0 + 22, 50), (T0 + 42, 100)]
    seen = samples(STABLE[:12], T0, T0 + 42) + samples(GOOD[:12], T0 + 2, T0 + 60)
    done = record(GOOD, Status.SUCCEEDED, 100, T0 + 55, Kind.PROMOTE)
    return Run("good", "promote", GOOD, Status.SUCCEEDED, done, seen, weights, T0, 60.0)


def faulty_run() -> Run:
    weights = [(T0 + 101, 0), (T0 + 102, 10), (T0 + 112, 0)]
    seen = (
        samples(GOOD[:12], T0 + 100, T0 + 120)
        + samples(BAD[:12], T0 + 102, T0 + 112, status=500)
        + [Sample(T0 + 100.5, "read", 0, "", 0.0, NO_ROUTER)]
    )
    done = record(BAD, Status.ROLLED_BACK, 0, T0 + 112.2, Kind.HOTFIX)
    return Run("faulty", "hotfix", BAD, Status.ROLLED_BACK, done, seen, weights, T0 + 100, 25.0)


def checks(runs: list[Run], missing: int | None = 0, writes: int = 10) -> dict[str, bool]:
    judged = judge(runs, 10.0, (10, 50, 100), missing, writes)
    return {c.name: c.ok for c in judged.checks}


def test_a_rehearsal_that_shows_everything_passes() -> None:
    judged = judge([good_run(), faulty_run()], 10.0, (10, 50, 100), 0, 10)
    assert judged.ok, [c for c in judged.checks if not c.ok]
    assert len(judged.checks) == 9
    assert judged.verdict == "passed"
    within = {c.name: c.detail for c in judged.checks if c.name.endswith("within capacity")}
    assert within["good: emulator within capacity"].startswith("within emulator capacity")
    # the faulty canary's 500s are the release's, not the emulator's
    assert within["faulty: emulator within capacity"].startswith(
        "failures the emulator does not explain"
    )


def test_a_good_release_that_skipped_a_weight_fails() -> None:
    run = replace(good_run(), weights=[(T0 + 2, 10), (T0 + 42, 100)])
    assert not checks([run, faulty_run()])["good: the router went through every weight"]


def test_a_good_release_that_did_not_reach_100_fails() -> None:
    run = good_run()
    assert run.record is not None
    run = replace(run, record=replace(run.record, status=Status.PAUSED, weight=10))
    assert not checks([run, faulty_run()])["good: promote ends succeeded"]


def test_a_stale_record_of_another_digest_is_no_outcome() -> None:
    run = replace(good_run(), record=None)
    assert not checks([run, faulty_run()])["good: promote ends succeeded"]


def test_a_faulty_release_left_live_fails() -> None:
    run = faulty_run()
    assert run.record is not None
    run = replace(run, record=replace(run.record, status=Status.SUCCEEDED, weight=100))
    assert not checks([good_run(), run])["faulty: hotfix ends rolled_back"]


@pytest.mark.parametrize(("back_at", "ok"), [(T0 + 117, True), (T0 + 117.5, False)])
def test_traffic_back_to_0_within_one_interval_plus_5_s(back_at: float, ok: bool) -> None:
    run = replace(faulty_run(), weights=[(T0 + 102, 10), (back_at, 0)])
    assert checks([good_run(), run])["faulty: traffic back to 0 % fast"] is ok


def test_a_faulty_canary_that_got_past_its_first_weight_fails() -> None:
    run = replace(faulty_run(), weights=[(T0 + 102, 10), (T0 + 104, 50), (T0 + 106, 0)])
    assert not checks([good_run(), run])["faulty: traffic back to 0 % fast"]


def test_one_answer_of_the_bad_version_after_the_rollback_fails() -> None:
    run = faulty_run()
    late = Sample(T0 + 113, "read", 500, BAD[:12], 3.0)
    run = replace(run, samples=[*run.samples, late])
    assert not checks([good_run(), run])["faulty: no answer from it after the rollback"]


def test_nothing_sent_after_the_rollback_shows_nothing_and_fails() -> None:
    run = faulty_run()
    run = replace(run, samples=[s for s in run.samples if s.started <= T0 + 112.2])
    assert not checks([good_run(), run])["faulty: no answer from it after the rollback"]


def test_a_read_that_missed_an_acknowledged_write_fails() -> None:
    run = good_run()
    lacking = Sample(T0 + 5, "read", 200, GOOD[:12], 9.0, "missing 1 acknowledged writes")
    run = replace(run, samples=[*run.samples, lacking])
    assert not checks([run, faulty_run()])["reads see every acknowledged write"]


@pytest.mark.parametrize(
    ("missing", "writes", "ok"), [(0, 5, True), (1, 5, False), (None, 5, False), (0, 0, False)]
)
def test_the_data_table_must_hold_every_acknowledged_write(
    missing: int | None, writes: int, ok: bool
) -> None:
    assert (
        checks([good_run(), faulty_run()], missing, writes)["the data table holds every write"]
        is ok
    )


def test_load_per_version_keeps_failures_next_to_latencies() -> None:
    loads = {v.version: v for v in version_loads(faulty_run().samples)}
    bad = loads[BAD[:12]]
    assert (bad.requests, bad.failures, bad.error_rate) == (20, 20, 1.0)
    assert bad.by_status == {"500": 20}
    assert loads[GOOD[:12]].failures == 0
    assert "" not in loads and "(none)" not in loads  # refused sockets are not answers


def test_percentile_is_nearest_rank() -> None:
    assert percentile([1, 2, 3, 4, 100], 95) == 100
    assert percentile([5.0], 50) == 5.0
    assert percentile([], 95) != percentile([], 95)  # nan


def test_503s_at_the_emulators_ceiling_make_it_inconclusive_never_a_pass() -> None:
    """A good canary rolled back for the emulator's 503s is not the release's fault: the
    rehearsal says Inconclusive (emulator saturated), and it is not a pass either."""
    run = good_run()
    assert run.record is not None
    flood = [Sample(T0 + i / 40, "read", 503 if i % 3 == 0 else 200, GOOD[:12], 3000.0)
             for i in range(1200)]  # fmt: skip  # 40 req/s of 60 ms emulator work each
    rolled = replace(run.record, status=Status.ROLLED_BACK, weight=0)
    judged = judge([replace(run, samples=flood, record=rolled), faulty_run()], 10.0,
                   (10, 50, 100), 0, 10)  # fmt: skip
    assert not judged.ok and judged.inconclusive
    assert judged.verdict == "INCONCLUSIVE (emulator saturated)"
    saturated = next(c for c in judged.checks if c.name == "good: emulator within capacity")
    assert saturated.detail.startswith("emulator saturated")
