"""Whole promotions on the local router: a real HAProxy, records and the deploy lock in a real
moto server, steady client load counted by X-App-Version. Durations come from the config
scaled by the local time scale (10 s intervals run as 1 s)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from infra.aws.errors import AwsCallFailed
from infra.rollout import commands, requests
from infra.rollout.analysis import Phase
from infra.rollout.commands import RolloutPorts
from infra.rollout.errors import RollbackFailed
from infra.rollout.record import RolloutRecord, Status
from infra.rollout.router.process import LocalRouter
from tests.integration.infra.rollout.harness import (
    TABLE,
    TIME_SCALE,
    Backend,
    FixedInstances,
    aws_clients,
    config,
    create_table,
    ports,
)

pytestmark = [pytest.mark.router, pytest.mark.emulator, pytest.mark.slow]
DIGEST = "d" * 64
REPO = Path(__file__).resolve().parents[4]


@dataclass
class Load:
    """Steady requests through the router: (started, finished, version, status) each."""

    url: str
    seen: list[tuple[float, float, str, int]] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)

    def run(self) -> None:
        with httpx.Client(base_url=self.url, timeout=5) as client:
            while not self._stop.is_set():
                started = time.time()
                try:
                    response = client.get("/sites/s1/readings")
                    version, status = (
                        response.headers.get("x-app-version", "?"),
                        response.status_code,
                    )
                except httpx.HTTPError:
                    version, status = "?", 0
                self.seen.append((started, time.time(), version, status))
                time.sleep(0.002)  # each client: up to ~200 requests a second

    def stop(self) -> None:
        self._stop.set()

    def versions_started_after(self, moment: float) -> set[str]:
        return {version for started, _, version, _ in self.seen if started > moment}


@pytest.fixture
def table(moto_endpoint: str) -> Iterator[str]:
    clients = aws_clients(moto_endpoint)
    create_table(clients)
    yield moto_endpoint
    try:
        clients.dynamodb.delete_table(TableName=TABLE)
    except Exception as exc:  # the table is per test; a failed cleanup must be visible
        raise AwsCallFailed(f"could not delete {TABLE}: {exc}") from exc


@pytest.fixture
def load(router: LocalRouter) -> Iterator[Load]:
    """Two clients, so a stalled one (2 busy cores) still leaves the canary enough requests."""
    generator = Load(router.url)
    threads = [threading.Thread(target=generator.run, daemon=True) for _ in range(2)]
    for thread in threads:
        thread.start()
    yield generator
    generator.stop()
    for thread in threads:
        thread.join(timeout=10)


def bind(table: str, router: LocalRouter, stable: Backend, canary: Backend) -> RolloutPorts:
    instances = FixedInstances([stable.instance, canary.instance], {DIGEST: canary.version})
    urls = {b.version: b.endpoint.url for b in (stable, canary)}
    return ports(table, router.spec.runtime.port, instances, urls, owner="pytest")


def explain(record: RolloutRecord) -> str:
    """Why a rollout ended as it did, for assertion messages."""
    lines = [
        f"{record.status.value}: {record.verdict} {record.verdict_message} {record.pause_reason}"
    ]
    lines += [
        f"  step {m.step} {m.metric.value}/{m.source} {m.phase.value} v={m.value} n={m.sample_size}"
        f" {m.detail}"
        for m in record.measurements
        if m.phase is not Phase.SUCCESSFUL
    ]
    return "\n".join(lines)


def rounds(record: RolloutRecord, step: int) -> int:
    return len({m.at for m in record.measurements if m.step == step})


def test_a_good_release_reaches_100_percent(
    table: str, router: LocalRouter, stable: Backend, canary: Backend, load: Load
) -> None:
    bound = bind(table, router, stable, canary)
    record = commands.promote(config(count=3, watch=2), DIGEST, "rita", bound, TIME_SCALE)
    assert record.status is Status.SUCCEEDED, explain(record)
    assert [s.index for s in record.steps_done] == [0, 1, 2, 3, 4, 5]
    assert [rounds(record, i) for i in (1, 3, 5)] == [3, 3, 2]
    router_samples = [m.sample_size for m in record.measurements if m.source == "router"]
    assert router_samples and all(n is not None and n >= 5 for n in router_samples)
    servers = router.runtime.servers("app")
    assert servers["stable"].port == canary.endpoint.port  # the canary is the live version now
    done_at = record.finished_at.timestamp() if record.finished_at else 0
    time.sleep(0.5)
    assert load.versions_started_after(done_at) == {"v2"}


def test_a_faulty_release_is_rolled_back_and_serves_nothing_after(
    table: str, router: LocalRouter, stable: Backend, load: Load
) -> None:
    faulty = Backend("v2", failing=True)
    try:
        bound = bind(table, router, stable, faulty)
        record = commands.promote(config(count=3, watch=2), DIGEST, "rita", bound, TIME_SCALE)
        assert record.status is Status.ROLLED_BACK, explain(record)
        assert record.verdict == Phase.FAILED.value
        assert {m.source for m in record.cause} >= {"router"}
        assert record.weight == 0 and router.runtime.weight("app", "canary") == 0
        rolled_back_at = record.finished_at.timestamp() if record.finished_at else 0
        time.sleep(1.0)
        after = load.versions_started_after(rolled_back_at)
        assert after == {"v1"}, f"responses after rollback came from {after}"
    finally:
        faulty.stop()


def test_router_down_leaves_a_pending_rollback_that_a_rerun_finishes(
    table: str, router: LocalRouter, stable: Backend, canary: Backend, load: Load
) -> None:
    bound = bind(table, router, stable, canary)
    killer = threading.Timer(2.0, router.stop)  # HAProxy dies during the first analysis
    killer.start()
    with pytest.raises(RollbackFailed, match="rollback could not move traffic"):
        commands.promote(config(count=10, watch=0), DIGEST, "rita", bound, TIME_SCALE)
    stuck = bound.store.latest()
    assert stuck is not None
    assert stuck.status is Status.ROLLING_BACK
    # the router's last stats (servers going down as it stops) or its silence decide
    assert stuck.verdict in (Phase.ERROR.value, Phase.FAILED.value), explain(stuck)
    assert {m.source for m in stuck.cause} == {"router"}, explain(stuck)
    router.start()  # back, from its config: all traffic on stable
    done = requests.abort("prod", "oscar", bound)
    assert done.status is Status.ROLLED_BACK
    assert done.rollout_id == stuck.rollout_id


def test_a_controller_killed_mid_analysis_is_resumed_by_a_rerun(
    table: str, router: LocalRouter, stable: Backend, canary: Backend, load: Load
) -> None:
    argv = [
        sys.executable, "-m", "tests.integration.infra.rollout.harness",
        "--moto", table, "--runtime-port", str(router.spec.runtime.port),
        "--stable", f"v1={stable.endpoint.port}", "--canary", f"v2={canary.endpoint.port}",
        "--digest", DIGEST,
    ]  # fmt: skip
    child = subprocess.Popen(  # the harness runs promote with 8-measurement analyses
        argv, cwd=REPO, env={**os.environ, "PYTHONPATH": f"{REPO}:{REPO / 'ci' / 'src'}"},
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    bound = bind(table, router, stable, canary)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            latest = bound.store.latest()
            if latest is not None and latest.step_index == 1 and rounds(latest, 1) >= 2:
                break
            if child.poll() is not None:
                pytest.fail(
                    f"the controller ended early: {child.stdout.read() if child.stdout else ''}"
                )
            time.sleep(0.05)
        else:
            pytest.fail("the controller never reached its second measurement")
        child.send_signal(signal.SIGKILL)
    finally:
        child.wait(timeout=30)
    killed = bound.store.latest()
    assert killed is not None and killed.status is Status.RUNNING
    assert router.runtime.weight("app", "canary") == 10  # traffic stays where the dead run left it
    done = commands.resume("prod", bound)
    assert done.status is Status.SUCCEEDED, explain(done)
    assert done.rollout_id == killed.rollout_id
    assert [s.index for s in done.steps_done] == [0, 1, 2, 3, 4]
    assert [rounds(done, 1), rounds(done, 3)] == [8, 8]
    assert done.run_token != killed.run_token
