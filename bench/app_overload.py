"""Benchmark: what clients see when the emulator is overloaded at 1x, 2x and 4x its capacity.

    uv run --frozen python bench/app_overload.py [--phase-seconds 10] [--factors 0.5,1,2,4,0.5]
        [--client-timeout 60] [--json OUT]

The app (bench/app_server.py, the real `create_app()`) against a moto server, as in
bench/app_latency.py. The emulator's ceiling for `GET /sites/{id}/summary` is probed first
(infra.targets.emulator_probe); then open-loop phases send summaries at each factor x that
ceiling (a fixed arrival rate: clients do not slow down when the app does); the first 0.5 is
the headroom the local load settings use, the last checks recovery. Per phase: requests,
failures by status, error rate, latency of all and of succeeded requests, 503s with Retry-After
and a body naming the dependency, other 5xx, hung requests (no answer within --client-timeout),
answers slower than the Lambda timeout (15 s), the app's and the emulator's resident memory,
and the emulator verdict (local_capacity.classify); then whether the app answers /health again.
Expected: no 5xx other than 503, no hung request, memory flat.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import threading
import time
from typing import Any

import httpx
import proc_stats
from app_stack import SITE, SUMMARY_PARAMS, Stack, app_stack, names_dependency
from load_summary import Status, exit_cleanly_on_sigterm, load_average, summarize

from infra.targets import local_capacity as capacity
from infra.targets.emulator_probe import EmulatorCalls, item_count, probe

LAMBDA_TIMEOUT_S = 15.0  # infra/environments/*.yaml lambda.timeout_s
SUMMARY = capacity.JOURNEYS["summary"]


class MemoryWatch:
    """Samples the RSS of the app and the emulator every 0.5 s in a background thread."""

    def __init__(self, pids: dict[str, int]) -> None:
        self.pids = pids
        self.samples: dict[str, list[float]] = {name: [] for name in pids}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(0.5):
            for name, pid in self.pids.items():
                self.samples[name].append(proc_stats.rss_mb(pid))

    def mark(self) -> dict[str, float]:
        return {name: round(proc_stats.rss_mb(pid), 1) for name, pid in self.pids.items()}

    def __enter__(self) -> MemoryWatch:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


async def phase(client: httpx.AsyncClient, rate: float, seconds: float) -> list[dict[str, Any]]:
    """Send at `rate` req/s for `seconds` without waiting for answers; every request's fate."""
    fates: list[dict[str, Any]] = []

    async def one() -> None:
        started = time.perf_counter()
        fate: dict[str, Any] = {}
        try:
            response = await client.get(f"/sites/{SITE}/summary", params=SUMMARY_PARAMS)
            fate["status"] = response.status_code
            if response.status_code == 503:
                fate["retry_after"] = response.headers.get("retry-after")
                fate["names_dependency"] = names_dependency(response)
        except httpx.TimeoutException:
            fate["status"] = "hung"
        except httpx.TransportError as exc:
            fate["status"] = type(exc).__name__
        fate["ms"] = (time.perf_counter() - started) * 1000
        fates.append(fate)

    tasks = []
    start = time.perf_counter()
    for n in range(max(1, round(rate * seconds))):
        delay = start + n / rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one()))
    await asyncio.gather(*tasks)
    return fates


def phase_report(
    factor: float,
    rate: float,
    seconds: float,
    fates: list[dict[str, Any]],
    memory: dict[str, Any],
    measured: capacity.EmulatorCapacity,
) -> dict[str, Any]:
    outcomes: list[tuple[Status, float]] = [(f["status"], f["ms"]) for f in fates]
    summary = summarize(f"{factor}x capacity ({rate:.1f} req/s offered)", outcomes, seconds)
    status_503 = [f for f in fates if f["status"] == 503]
    other_5xx = sum(1 for f in fates if isinstance(f["status"], int) and f["status"] >= 500) - len(
        status_503
    )
    dependency_503s = sum(1 for f in status_503 if f.get("names_dependency"))
    judged = capacity.classify(
        capacity.LoadObservation(
            seconds, {SUMMARY: len(fates)}, summary["failed"], dependency_503s
        ),
        measured,
    )
    return {
        "factor": factor,
        "offered_rps": round(rate, 2),
        **summary,
        "emulator_verdict": judged.verdict.value,
        "emulator_reason": judged.reason,
        "503_with_retry_after": sum(1 for f in status_503 if f.get("retry_after")),
        "503_naming_dependency": dependency_503s,
        "other_5xx": other_5xx,
        "hung": sum(1 for f in fates if f["status"] == "hung"),
        "slower_than_lambda_timeout": sum(1 for f in fates if f["ms"] > LAMBDA_TIMEOUT_S * 1000),
        "memory_mb": memory,
    }


async def overload(
    stack: Stack, measured: capacity.EmulatorCapacity, ceiling_rps: float, args: argparse.Namespace
) -> list[dict[str, Any]]:
    limits = httpx.Limits(max_connections=None, max_keepalive_connections=100)
    headers = {"Authorization": f"Bearer {stack.token}"}
    reports = []
    with MemoryWatch({"app": stack.app_pid, "emulator": stack.emulator_pid}) as watch:
        async with httpx.AsyncClient(
            base_url=stack.base_url, headers=headers, limits=limits, timeout=args.client_timeout
        ) as client:
            for factor in args.factors:
                before, load = watch.mark(), load_average()
                first = len(watch.samples["app"])
                rate = factor * ceiling_rps
                fates = await phase(client, rate, args.phase_seconds)
                peak = {k: round(max(v[first:], default=0.0), 1) for k, v in watch.samples.items()}
                memory = {"before": before, "peak": peak, "after": watch.mark()}
                report = phase_report(factor, rate, args.phase_seconds, fates, memory, measured)
                report["load_average"] = f"{load} .. {load_average()}"
                reports.append(report)
                print(report["headline"], file=sys.stderr)
    return reports


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--phase-seconds", type=float, default=10.0)
    parser.add_argument("--factors", default="0.5,1,2,4,0.5", help="x the ceiling, in order")
    parser.add_argument("--client-timeout", type=float, default=60.0, help="seconds: hung after")
    parser.add_argument("--json", help="write the report here")
    args = parser.parse_args()
    exit_cleanly_on_sigterm()
    try:
        args.factors = [float(f) for f in args.factors.split(",")]
    except ValueError:
        parser.error(f"--factors {args.factors!r}: expected numbers like 1,2,4,0.5")
    if args.phase_seconds <= 0 or args.client_timeout <= 0 or min(args.factors) <= 0:
        parser.error("--phase-seconds, --client-timeout and --factors must be positive")

    with app_stack() as stack:
        calls = EmulatorCalls(stack.emulator_url, stack.region)
        measured = probe(stack.emulator_url, stack.region, table=stack.table)
        items = item_count(calls, stack.table)
        ceiling = capacity.ceiling_rps(measured, {SUMMARY: 1.0}, items)
        print(f"ran against: {capacity.describe(measured, {SUMMARY: 1.0}, items)}", file=sys.stderr)
        started = time.perf_counter()
        phases = asyncio.run(overload(stack, measured, ceiling, args))
        drained = time.perf_counter() - started
        health_started = time.perf_counter()
        health = httpx.get(f"{stack.base_url}/health", timeout=args.client_timeout)
        health_s = time.perf_counter() - health_started
        calls.close()
    report = {
        "command": "python bench/app_overload.py " + " ".join(sys.argv[1:]),
        "emulator_capacity": vars(measured),
        "summary_ceiling_rps": round(ceiling, 2),
        "table_items": items,
        "phases": phases,
        "wall_s": round(drained, 1),
        "health_after": {"status": health.status_code, "seconds": round(health_s, 2)},
    }
    if args.json:
        with open(args.json, "w", encoding="utf-8") as out:
            json.dump(report, out, indent=2)
    print(json.dumps(report, indent=2))
    return print_verdicts(report)


def print_verdicts(report: dict[str, Any]) -> int:
    phases = report["phases"]
    first_app = phases[0]["memory_mb"]["after"]["app"]
    last_app = phases[-1]["memory_mb"]["after"]["app"]
    checks = {
        "no 5xx other than 503": sum(p["other_5xx"] for p in phases) == 0,
        "every 503 has Retry-After": all(
            p["503_with_retry_after"] == p["failures_by_status"].get("503", 0) for p in phases
        ),
        "no hung request": sum(p["hung"] for p in phases) == 0,
        "app memory flat (last phase within 10 % of the first)": last_app <= 1.1 * first_app,
        "/health answers 200 after the overload": report["health_after"]["status"] == 200,
    }
    print(
        f"\nsummary ceiling {report['summary_ceiling_rps']} req/s ({report['table_items']} items)"
    )
    for p in phases:
        rss = p["memory_mb"]
        print(
            f"{p['headline']}\n    other 5xx {p['other_5xx']}, hung {p['hung']}, "
            f"> {LAMBDA_TIMEOUT_S:g} s {p['slower_than_lambda_timeout']}, app RSS "
            f"{rss['before']['app']} -> {rss['after']['app']} MiB (peak {rss['peak']['app']}), "
            f"load average {p['load_average']}\n    {p['emulator_verdict']}: {p['emulator_reason']}"
        )
    for name, ok in checks.items():
        print(f"{'PASS' if ok else 'MISS'}  {name}")
    return 0 if all(checks.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
