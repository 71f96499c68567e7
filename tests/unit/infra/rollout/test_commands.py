"""The entry functions with every port faked: gates, approvals, refusals that leave nothing
half-done, hotfix, undo, resume after a kill, and requests to a live or dead controller."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from infra.config.model import EnvironmentConfig
from infra.errors import exit_code_for
from infra.rollout import commands, requests
from infra.rollout.commands import RolloutPorts, exit_code_of
from infra.rollout.errors import (
    NoActiveRollout,
    NotGreen,
    PrecheckFailed,
    RolloutInProgress,
    RolloutUsageError,
    UnknownDigest,
)
from infra.rollout.ports import Severity, Verdict
from infra.rollout.record import Kind, RolloutRecord, Status
from infra.rollout.retire import retire_versions
from infra.rollout.status import render_status, status
from tests.unit.infra.rollout.conftest import every_metric
from tests.unit.infra.rollout.fakes import (
    DIGEST,
    OLD_DIGEST,
    FakeBackup,
    FakeClock,
    FakeEvidence,
    FakeHealth,
    FakeLock,
    FakePerf,
    FakeTarget,
    Killed,
    MemoryStore,
    RecordingNotifier,
)

NEW_DIGEST = "c" * 64


def make_ports(**changes: object) -> RolloutPorts:
    ports = RolloutPorts(
        store=MemoryStore(),
        lock=FakeLock(),
        notifier=RecordingNotifier(),
        target=FakeTarget(every_metric()),
        evidence=FakeEvidence((DIGEST, OLD_DIGEST, NEW_DIGEST)),
        backup=FakeBackup(),
        health=FakeHealth(),
        clock=FakeClock(),
        emit=lambda _: None,
        owner="rita@laptop",
        poll_s=60.0,
    )
    return replace(ports, **changes)  # type: ignore[arg-type]


def nothing_done(ports: RolloutPorts) -> None:
    assert ports.store.latest() is None  # type: ignore[union-attr]
    assert ports.target.deployed == []  # type: ignore[attr-defined]
    assert ports.backup.taken == []  # type: ignore[attr-defined]
    assert ports.lock.holder is None  # type: ignore[attr-defined]
    assert ports.target.log == []  # type: ignore[attr-defined]


def test_promote_a_green_digest_to_100(prod_config: EnvironmentConfig) -> None:
    ports = make_ports()
    record = commands.promote(prod_config, DIGEST, " rita ", ports)
    assert record.status is Status.SUCCEEDED
    assert (record.kind, record.requested_by, record.digest) == (Kind.PROMOTE, "rita", DIGEST)
    assert (record.stable_version, record.canary_version) == ("1", "2")
    assert record.backup_arn == ports.backup.taken[0]  # type: ignore[attr-defined]
    assert record.notes[0] == (
        "gate: staging deploy green, staging smoke green; perf gate not bound yet"
    )
    assert ports.target.log == ["set 10", "set 50", "set 100", "promote"]  # type: ignore[attr-defined]
    assert ports.lock.holder is None  # type: ignore[attr-defined]
    sent = ports.notifier.sent  # type: ignore[attr-defined]
    assert (sent[0].event, sent[0].severity) == ("rollout.started", Severity.INFO)
    assert sent[0].fields["requested_by"] == "rita"
    assert exit_code_of(record) == 0


@pytest.mark.parametrize(
    ("digest", "approver", "error", "says"),
    [
        (DIGEST, "", RolloutUsageError, "missing approved_by: pass --approved-by NAME"),
        (DIGEST, "   ", RolloutUsageError, "missing approved_by"),
        ("d" * 64, "rita", UnknownDigest, "digest dddddddddddd… is unknown"),
        ("not-a-digest", "rita", UnknownDigest, "is not a sha256 digest"),
        (DIGEST.upper(), "rita", UnknownDigest, "is not a sha256 digest"),
    ],
)
def test_bad_input_is_a_usage_error_and_nothing_is_done(
    prod_config: EnvironmentConfig, digest: str, approver: str, error: type, says: str
) -> None:
    ports = make_ports()
    with pytest.raises(error, match=says) as caught:
        commands.promote(prod_config, digest, approver, ports)
    assert exit_code_for(caught.value) == 2
    nothing_done(ports)


@pytest.mark.parametrize(
    ("deploy", "smoke", "perf", "says"),
    [
        (Verdict.RED, Verdict.GREEN, None, "staging deploy is red: deployment d-1"),
        (Verdict.GREEN, Verdict.MISSING, None, "staging smoke has no record"),
        (Verdict.GREEN, Verdict.GREEN, Verdict.RED, "staging perf is red: p95 4.1 s"),
        (Verdict.GREEN, Verdict.GREEN, Verdict.MISSING, "staging perf has no record"),
    ],
)
def test_a_digest_not_green_in_staging_is_refused(
    prod_config: EnvironmentConfig, deploy: Verdict, smoke: Verdict, perf: Verdict | None, says: str
) -> None:
    evidence = FakeEvidence((DIGEST,))
    evidence.deploy, evidence.smoke = deploy, smoke
    ports = make_ports(evidence=evidence, perf=FakePerf(perf) if perf else None)
    with pytest.raises(NotGreen, match=says) as caught:
        commands.promote(prod_config, DIGEST, "rita", ports)
    assert exit_code_for(caught.value) == 1
    assert "use `hotfix` with a reason" in str(caught.value)
    nothing_done(ports)


def test_a_green_perf_record_is_part_of_the_gate(prod_config: EnvironmentConfig) -> None:
    ports = make_ports(perf=FakePerf(Verdict.GREEN))
    record = commands.promote(prod_config, DIGEST, "rita", ports)
    assert record.notes[0] == "gate: staging deploy green, staging smoke green, staging perf green"


@pytest.mark.parametrize(
    ("changes", "says"),
    [
        ({"health": FakeHealth(ok=False)}, "stack unhealthy: UPDATE_ROLLBACK_FAILED"),
        ({"backup": FakeBackup(fail=True)}, "on-demand backup of the data table failed"),
    ],
)
def test_failed_prechecks_shift_nothing(
    prod_config: EnvironmentConfig, changes: dict[str, object], says: str
) -> None:
    ports = make_ports(**changes)
    with pytest.raises(PrecheckFailed, match=says):
        commands.promote(prod_config, DIGEST, "rita", ports)
    nothing_done(ports)


def test_a_first_promotion_goes_live_without_a_canary(prod_config: EnvironmentConfig) -> None:
    ports = make_ports()
    ports.target.live = None  # type: ignore[attr-defined]
    record = commands.promote(prod_config, DIGEST, "rita", ports)
    assert record.status is Status.SUCCEEDED
    assert (record.stable_version, record.canary_version, record.weight) == ("", "2", 100)
    assert ports.target.log == ["first 2"]  # type: ignore[attr-defined]
    assert any("first release" in note for note in record.notes)
    assert ports.store.latest() == record
    assert ports.lock.holder is None  # type: ignore[attr-defined]


def test_no_previous_version_means_no_hotfix(prod_config: EnvironmentConfig) -> None:
    ports = make_ports()
    ports.target.live = None  # type: ignore[attr-defined]
    with pytest.raises(PrecheckFailed, match="no live version in prod"):
        commands.hotfix(prod_config, DIGEST, "urgent fix", "rita", ports)
    nothing_done(ports)


def inconclusive_ports() -> RolloutPorts:
    from infra.config.rollout import MetricName
    from infra.rollout.analysis import Reading

    def trickle(window: object) -> list[Reading]:
        return [Reading(MetricName.ERROR_RATE, 0.0, 2), Reading(MetricName.P95_LATENCY_MS, 1.0, 2)]

    return make_ports(target=FakeTarget(every_metric(trickle)))


def test_a_second_promotion_while_one_is_paused_is_refused(prod_config: EnvironmentConfig) -> None:
    ports = inconclusive_ports()
    first = commands.promote(prod_config, DIGEST, "rita", ports)
    assert first.status is Status.PAUSED
    assert exit_code_of(first) == 0
    with pytest.raises(RolloutInProgress, match=r"has a paused rollout .* `rollout abort` it"):
        commands.promote(prod_config, NEW_DIGEST, "rita", ports)
    assert ports.target.deployed == [DIGEST]  # type: ignore[attr-defined]


def test_a_second_promotion_while_the_lock_is_held_is_refused(
    prod_config: EnvironmentConfig,
) -> None:
    ports = make_ports()
    ports.lock.holder = "deploy-42"  # type: ignore[attr-defined]
    with pytest.raises(RolloutInProgress, match="locked by deploy-42"):
        commands.promote(prod_config, DIGEST, "rita", ports)
    assert ports.target.deployed == []  # type: ignore[attr-defined]


def test_a_killed_controller_resumes_when_promote_is_rerun(prod_config: EnvironmentConfig) -> None:
    ports = make_ports()
    ports.clock.kill_after = 7  # type: ignore[attr-defined]
    with pytest.raises(Killed):
        commands.promote(prod_config, DIGEST, "rita", ports)
    stuck = ports.store.latest()
    assert stuck is not None and stuck.status is Status.RUNNING
    ports.lock.holder = stuck.rollout_id  # type: ignore[attr-defined]  # SIGKILL skips `finally`
    done = commands.promote(prod_config, DIGEST, "rita", ports)
    assert done.rollout_id == stuck.rollout_id
    assert done.status is Status.SUCCEEDED
    assert ports.target.log == ["set 10", "set 50", "set 100", "promote"]  # type: ignore[attr-defined]
    assert ports.target.deployed == [DIGEST]  # type: ignore[attr-defined]  # not deployed twice
    assert ports.backup.taken and len(ports.backup.taken) == 1  # type: ignore[attr-defined]


def test_promote_now_continues_a_paused_rollout(prod_config: EnvironmentConfig) -> None:
    ports = inconclusive_ports()
    commands.promote(prod_config, DIGEST, "rita", ports)
    ports.target._providers[:] = every_metric()  # type: ignore[attr-defined]  # traffic arrives
    done = requests.promote_now("prod", "rita", ports)
    assert done.status is Status.SUCCEEDED
    assert done.steps_done[1].outcome == "promoted by rita"


def test_abort_rolls_a_paused_rollout_back(prod_config: EnvironmentConfig) -> None:
    ports = inconclusive_ports()
    commands.promote(prod_config, DIGEST, "rita", ports)
    done = requests.abort("prod", "oscar", ports)
    assert done.status is Status.ROLLED_BACK
    assert (done.verdict, done.verdict_message) == ("aborted", "aborted by oscar")
    assert ports.target.log == ["set 10", "reset"]  # type: ignore[attr-defined]
    assert exit_code_of(done) == 1
    with pytest.raises(NoActiveRollout, match=r"prod has no running or paused rollout \(the last"):
        requests.abort("prod", "oscar", ports)


def running_record(ports: RolloutPorts, prod_config: EnvironmentConfig) -> RolloutRecord:
    paused = commands.promote(prod_config, DIGEST, "rita", ports)
    store = ports.store
    running = replace(paused, status=Status.RUNNING, heartbeat_at=ports.clock.now())
    store.records[paused.sort_key] = running  # type: ignore[attr-defined]
    return running


def test_abort_hands_over_to_a_live_controller(prod_config: EnvironmentConfig) -> None:
    ports = inconclusive_ports()
    running = running_record(ports, prod_config)
    clock = ports.clock
    original = clock.sleep

    def live_controller_acts(seconds: float) -> None:
        original(seconds)
        store = ports.store
        current = store.latest()
        assert current is not None
        store.records[current.sort_key] = replace(  # type: ignore[attr-defined]
            current, status=Status.ROLLED_BACK, handled_requests=1, heartbeat_at=clock.now()
        )

    clock.sleep = live_controller_acts  # type: ignore[method-assign]
    shifters_before = len(ports.target.shifters)  # type: ignore[attr-defined]
    done = requests.abort("prod", "oscar", ports)
    assert done.status is Status.ROLLED_BACK
    assert done.rollout_id == running.rollout_id
    assert len(ports.target.shifters) == shifters_before  # type: ignore[attr-defined]


def test_abort_takes_over_from_a_dead_controller(prod_config: EnvironmentConfig) -> None:
    ports = inconclusive_ports()
    running = running_record(ports, prod_config)
    ports.clock.current += timedelta(minutes=10)  # type: ignore[attr-defined]  # no heartbeat
    done = requests.abort("prod", "oscar", ports)
    assert done.status is Status.ROLLED_BACK
    assert done.rollout_id == running.rollout_id
    assert ports.target.log[-1] == "reset"  # type: ignore[attr-defined]


def test_hotfix_skips_staging_never_the_canary(prod_config: EnvironmentConfig) -> None:
    evidence = FakeEvidence((DIGEST,))
    evidence.deploy = evidence.smoke = Verdict.RED
    ports = make_ports(evidence=evidence)
    record = commands.hotfix(prod_config, DIGEST, "CVE-2026-1 in the JWT library", "oscar", ports)
    assert record.status is Status.SUCCEEDED
    assert (record.kind, record.reason, record.requested_by) == (
        Kind.HOTFIX, "CVE-2026-1 in the JWT library", "oscar",
    )  # fmt: skip
    assert record.notes[0] == "gate: skipped (hotfix)"
    assert ports.target.log == ["set 10", "set 50", "set 100", "promote"]  # type: ignore[attr-defined]
    started = ports.notifier.sent[0]  # type: ignore[attr-defined]
    assert started.severity is Severity.P2 and "reason: CVE-2026-1" in started.body


@pytest.mark.parametrize(("reason", "who"), [("", "oscar"), ("fix", "")])
def test_hotfix_needs_a_reason_and_a_person(
    prod_config: EnvironmentConfig, reason: str, who: str
) -> None:
    ports = make_ports()
    with pytest.raises(RolloutUsageError, match="missing") as caught:
        commands.hotfix(prod_config, DIGEST, reason, who, ports)
    assert exit_code_for(caught.value) == 2
    nothing_done(ports)


def test_undo_reverts_fast_to_the_previous_green_digest(prod_config: EnvironmentConfig) -> None:
    ports = make_ports()
    commands.promote(prod_config, OLD_DIGEST, "rita", ports)  # version 2
    ports.target.live = "2"  # type: ignore[attr-defined]
    ports.clock.current += timedelta(hours=1)  # type: ignore[attr-defined]
    commands.promote(prod_config, DIGEST, "rita", ports)  # version 3
    ports.target.live = "3"  # type: ignore[attr-defined]
    ports.target.log.clear()  # type: ignore[attr-defined]
    ports.clock.current += timedelta(hours=1)  # type: ignore[attr-defined]
    done = commands.undo(prod_config, "oscar", ports)
    assert done.status is Status.SUCCEEDED
    assert (done.kind, done.digest, done.canary_version, done.stable_version) == (
        Kind.UNDO, OLD_DIGEST, "2", "3",
    )  # fmt: skip
    assert done.reason.startswith("undo to bbbbbbbbbbbb (version 2")
    assert ports.target.log == ["set 100", "promote"]  # type: ignore[attr-defined]


def test_undo_to_a_digest_that_was_never_live_is_refused(prod_config: EnvironmentConfig) -> None:
    ports = make_ports()
    commands.promote(prod_config, DIGEST, "rita", ports)
    ports.target.live = "2"  # type: ignore[attr-defined]
    with pytest.raises(NotGreen, match="digest cccccccccccc was never live and green"):
        commands.undo(prod_config, "oscar", ports, to_digest=NEW_DIGEST)
    with pytest.raises(NotGreen, match="a previous digest was never live"):
        commands.undo(prod_config, "oscar", ports)
    with pytest.raises(UnknownDigest):
        commands.undo(prod_config, "oscar", ports, to_digest="e" * 64)


def test_status_reads_the_live_weight_through_the_target(prod_config: EnvironmentConfig) -> None:
    ports = inconclusive_ports()
    commands.promote(prod_config, DIGEST, "rita", ports)
    view = status(ports)
    assert view.record is not None and view.record.status is Status.PAUSED
    assert view.live is not None and view.live.canary_percent == 10
    assert any(line.startswith("  paused: analysis inconclusive") for line in render_status(view))


def test_retire_versions_plans_from_the_records(prod_config: EnvironmentConfig) -> None:
    ports = make_ports()
    commands.promote(prod_config, DIGEST, "rita", ports)  # 1 -> 2

    class Catalog:
        def __init__(self) -> None:
            self.deleted: list[str] = []

        def published(self) -> tuple[str, ...]:
            return ("1", "2")

        def routed(self) -> tuple[str, ...]:
            return ("2",)

        def delete(self, version: str) -> None:
            self.deleted.append(version)

    catalog = Catalog()
    plan = retire_versions(catalog, ports, "24h")
    assert plan.delete == () and plan.keep["1"] == "the previous live version, kept for undo"
    assert catalog.deleted == []
    with pytest.raises(RolloutUsageError, match="is not a duration"):
        retire_versions(Catalog(), ports, "soon")
