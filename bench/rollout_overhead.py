"""Benchmark: the rollout controller's own overhead per step (target: <= 1 s).

    uv run --frozen python bench/rollout_overhead.py [--rounds 3]

Runs prod's real plan (10 % -> 10 x 60 s analysis -> 50 % -> 10 x 60 s -> 100 % -> 30 x 60 s
watch) on a clock that does not wait, so every second measured is the controller's own work:
record saves (conditional PutItem to a moto server over HTTP), weight changes and read-backs on a
real HAProxy, the synthetic probe over HTTP, deciding and notifying. Metrics other than the
probe come from in-memory providers (their cost is the monitoring side's adapter). It also times
the router-side calls one by one. Prints the machine's load average: it is shared and noisy.
"""

from __future__ import annotations

import argparse
import logging
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from pathlib import Path

from moto.server import ThreadedMotoServer

from infra.aws.items import ItemTable
from infra.clock import SystemClock
from infra.config import load_environment
from infra.config.rollout import MetricName
from infra.rollout.analysis import Reading
from infra.rollout.controller import Controller
from infra.rollout.plan import compile_plan
from infra.rollout.providers.base import Window
from infra.rollout.providers.probe import HttpProbe
from infra.rollout.providers.router_stats import router_stats_provider
from infra.rollout.record import Kind, RolloutRecord
from infra.rollout.router.config import Endpoint, RouterSpec, RuntimeAddress
from infra.rollout.router.process import HostHAProxy, LocalRouter
from infra.rollout.shifters.haproxy import HAProxyShifter
from infra.rollout.store import RolloutStore

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.integration.infra.rollout.harness import (
    TABLE,
    Backend,
    aws_clients,
    create_table,
    free_port,
)

TARGET_S = 1.0


class InstantClock:
    """Time moves when slept on, at no cost: what remains is the controller's work."""

    def __init__(self) -> None:
        self.current = datetime.now(UTC)

    def now(self) -> datetime:
        return self.current

    def sleep(self, seconds: float) -> None:
        self.current += timedelta(seconds=seconds)


class Fixed:
    def __init__(self, name: str, metrics: frozenset[MetricName], readings: list[Reading]):
        self.name, self.metrics, self._readings = name, metrics, readings

    def read(self, window: Window) -> Sequence[Reading]:
        return self._readings


class Timeline:
    """Wall time at each notification: a step's overhead is the time between two."""

    def __init__(self) -> None:
        self.marks: list[tuple[str, float]] = []

    def notify(self, n: object) -> object:
        self.marks.append((str(getattr(n, "event", "")), time.perf_counter()))
        return type("Delivered", (), {"ok": True, "detail": ""})()


def one_rollout(
    store: RolloutStore, shifter: HAProxyShifter, probe: HttpProbe, n: int
) -> dict[str, list[float]]:
    plan = compile_plan(load_environment("prod"))
    clock = InstantClock()
    record = store.create(
        RolloutRecord(
            rollout_id=f"bench{n}", env="prod", target="local", kind=Kind.PROMOTE,
            digest="e" * 64, stable_version="v1", canary_version="v2", requested_by="bench",
            started_at=clock.now() + timedelta(days=n), plan=plan, app_version="v2",
        )
    )  # fmt: skip
    traffic = [
        Reading(MetricName.ERROR_RATE, 0.0, 500),
        Reading(MetricName.P95_LATENCY_MS, 90.0, 500),
    ]
    providers = [
        Fixed("emf", frozenset({MetricName.ERROR_RATE, MetricName.P95_LATENCY_MS}), traffic),
        Fixed("alarms", frozenset({MetricName.P0_ALARMS}),
              [Reading(MetricName.P0_ALARMS, 0.0, None, conclusive=True)]),
        probe,
    ]  # fmt: skip
    timeline = Timeline()
    measured: list[float] = []
    started = time.perf_counter()

    def emit(line: str) -> None:
        if ": measurement " in line:
            measured.append(time.perf_counter())

    Controller(store, shifter, providers, timeline, clock, emit, poll_s=60.0).run(record)  # type: ignore[arg-type]
    total = time.perf_counter() - started
    step_marks = [t for event, t in timeline.marks if event == "rollout.step"]
    steps = [b - a for a, b in zip([started, *step_marks], step_marks, strict=False)]
    between = [b - a for a, b in pairwise(measured)]
    return {
        "whole rollout": [total],
        "weight step": steps[0::2],  # apply, read back, save, notify
        "analysis step (all rounds)": steps[1::2],
        "measurement round": between,  # read providers, judge, save
    }


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # moto's per-request access log
    port = free_port()
    moto = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    moto.start()
    stable, canary = Backend("v1"), Backend("v2")
    spec = RouterSpec(Endpoint("127.0.0.1", free_port()), RuntimeAddress(port=free_port()),
                      stable.endpoint)  # fmt: skip
    router = LocalRouter(spec, Path(tempfile.mkdtemp()) / "router", HostHAProxy(), SystemClock())
    router.start()
    try:
        clients = aws_clients(f"http://127.0.0.1:{port}")
        create_table(clients)
        store = RolloutStore(ItemTable(clients, TABLE), "prod")
        shifter = HAProxyShifter(router.runtime, stable.instance, canary.instance)
        probe = HttpProbe(canary.endpoint.url, "v2")
        results: dict[str, list[float]] = {}
        for n in range(args.rounds):
            for key, values in one_rollout(store, shifter, probe, n).items():
                results.setdefault(key, []).extend(values)
            # promotion re-pointed `stable` at v2: put v1 back for the next round
            router.runtime.set_address("app", "stable", "127.0.0.1", stable.endpoint.port)
            router.runtime.set_weight("app", "stable", 100)
        calls: dict[str, list[float]] = {"set_weight + read-back": [], "router stats read": []}
        stats = router_stats_provider(router.runtime)
        window = Window(datetime.now(UTC), datetime.now(UTC), "v2", "v1")
        for i in range(50):
            t = time.perf_counter()
            shifter.set_weight((i % 9 + 1) * 10)
            calls["set_weight + read-back"].append(time.perf_counter() - t)
            t = time.perf_counter()
            stats.read(window)
            calls["router stats read"].append(time.perf_counter() - t)
        shifter.reset()
    finally:
        router.stop()
        stable.stop()
        canary.stop()
        moto.stop()
    print(f"load average (1, 5, 15 min): {', '.join(f'{x:.2f}' for x in os.getloadavg())}")
    worst = 0.0
    for key, values in {**results, **calls}.items():
        median, top = statistics.median(values), max(values)
        print(
            f"{key:<27} n={len(values):<4} median {median * 1000:7.1f} ms  max {top * 1000:7.1f} ms"
        )
        if key in ("weight step", "measurement round"):
            worst = max(worst, top)
    verdict = "within" if worst <= TARGET_S else "OVER"
    print(f"controller overhead per step: max {worst:.3f} s, {verdict} the {TARGET_S:g} s target")
    return 0 if worst <= TARGET_S else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
