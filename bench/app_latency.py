"""Benchmark: API latency against the local emulator, Lambda cold import, bundle size.

    uv run --frozen python bench/app_latency.py [--requests 2000] [--clients 50] [--max-seconds 60]

Latency: GET /sites/{id}/summary (one day of 5-minute readings, hourly buckets) and
POST /sites/{id}/readings (100-reading batches), each under N concurrent clients (httpx,
loopback only), bounded by a request count and a time limit. The app runs in its own process
(bench/app_server.py) against a moto server process; "excl. emulator" subtracts the time the
request spent inside botocore calls, reported by the server in a Server-Timing header.
Cold import: `import app.lambda_handler` in a fresh `python -I -S -B` process with only the
unzipped bundle on sys.path (no bytecode written, like Lambda's read-only /var/task); median.
Targets: p95 <= 50 ms for reads excluding emulator time; import <= 500 ms; zip <= 15 MB.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from app.local.dev_keys import generate_keys, mint_token
from app.local.provision import provision
from app.local.run import app_environment, free_port, wait_for
from infra.artifact import MAX_BUNDLE_BYTES, build_bundle

REPO = Path(__file__).resolve().parents[1]
READ_TARGET_MS = 50.0
IMPORT_TARGET_MS = 500.0
DAY = datetime(2026, 1, 10, tzinfo=UTC)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))
    return ordered[index]


def summary_of(values: list[float]) -> dict[str, float]:
    return {f"p{q}": round(percentile(values, q), 2) for q in (50, 95, 99)}


def batch(offset: int) -> dict[str, Any]:
    start = DAY - timedelta(days=1 + offset % 300)
    return {
        "readings": [
            {
                "timestamp": (start + timedelta(minutes=i)).isoformat(),
                "metric": "power_kw",
                "value": i,
            }
            for i in range(100)
        ]
    }


async def load(
    base_url: str,
    token: str,
    clients: int,
    total: int,
    max_seconds: float,
    request: Callable[[httpx.AsyncClient, int], Any],
) -> dict[str, Any]:
    latencies: list[float] = []
    app_only: list[float] = []
    worker_cpu: list[float] = []
    unqueued: list[float] = []
    errors = 0
    counter = iter(range(total))
    deadline = time.monotonic() + max_seconds
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(
        base_url=base_url, headers=headers, limits=limits, timeout=30
    ) as client:

        async def worker() -> None:
            nonlocal errors
            for n in counter:
                if time.monotonic() > deadline:
                    return
                started = time.perf_counter()
                response = await request(client, n)
                elapsed = (time.perf_counter() - started) * 1000
                if response.status_code >= 400:
                    errors += 1
                    continue
                latencies.append(elapsed)
                timing = server_timing(response.headers.get("server-timing", ""))
                app_only.append(max(0.0, elapsed - timing.get("aws", 0.0)))
                worker_cpu.append(timing.get("cpu", 0.0))
                unqueued.append(max(0.0, app_only[-1] - timing.get("queued", 0.0)))

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(clients)))
        wall = time.perf_counter() - started
    return {
        "requests": len(latencies) + errors,
        "errors": errors,
        "throughput_rps": round((len(latencies) + errors) / wall, 1),
        "total_ms": summary_of(latencies),
        "excl_emulator_ms": summary_of(app_only),
        "excl_emulator_and_thread_queue_ms": summary_of(unqueued),
        "handler_cpu_ms": summary_of(worker_cpu),
    }


def server_timing(header: str) -> dict[str, float]:
    """`aws;dur=1.5, cpu;dur=0.7` -> {"aws": 1.5, "cpu": 0.7}."""
    found: dict[str, float] = {}
    for part in header.split(","):
        name, _, duration = part.strip().partition(";dur=")
        if duration:
            found[name] = float(duration)
    return found


def seed(base_url: str, token: str) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    httpx.put(
        f"{base_url}/sites/bench", json={"name": "Bench", "capacity_kw": 500}, headers=headers
    )
    day_start = DAY - timedelta(days=1)
    readings = [
        {
            "timestamp": (day_start + timedelta(minutes=5 * i)).isoformat(),
            "metric": "power_kw",
            "value": i % 400,
        }
        for i in range(288)
    ]
    for chunk in range(0, len(readings), 100):
        response = httpx.post(
            f"{base_url}/sites/bench/readings",
            json={"readings": readings[chunk : chunk + 100]},
            headers=headers,
        )
        response.raise_for_status()


def latency_benchmarks(clients: int, total: int, max_seconds: float) -> dict[str, Any]:
    emulator_port, app_port = free_port(), free_port()
    emulator_url, base_url = f"http://127.0.0.1:{emulator_port}", f"http://127.0.0.1:{app_port}"
    keys = generate_keys()
    env = {**os.environ, **app_environment(emulator_url, keys.public_pem, "bench")}
    env["POWERTOOLS_METRICS_DISABLED"] = "true"  # keep stdout quiet; metrics cost is tiny
    env["POWERTOOLS_LOG_LEVEL"] = "WARNING"
    emulator = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(emulator_port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    server = None
    try:
        wait_for(f"{emulator_url}/moto-api/", 30, lambda: emulator.poll() is None, "moto")
        provision(emulator_url)
        server = subprocess.Popen(
            [sys.executable, str(REPO / "bench" / "app_server.py"), "--port", str(app_port)],
            env=env,
            cwd=REPO,
        )
        wait_for(
            f"{base_url}/health", 30, lambda: server is not None and server.poll() is None, "app"
        )
        token = mint_token(keys, sites=("bench",))
        seed(base_url, token)
        params = {
            "metric": "power_kw",
            "period": "hour",
            "from": (DAY - timedelta(days=1)).isoformat(),
            "to": DAY.isoformat(),
        }

        def read(client: httpx.AsyncClient, n: int) -> Any:
            return client.get("/sites/bench/summary", params=params)

        def write(client: httpx.AsyncClient, n: int) -> Any:
            return client.post("/sites/bench/readings", json=batch(n))

        results = {}
        for name, request in (("GET /summary", read), ("POST /readings (100)", write)):
            asyncio.run(
                load(base_url, token, clients, min(200, total), max_seconds, request)
            )  # warm-up
            results[name] = asyncio.run(load(base_url, token, clients, total, max_seconds, request))
            print(name, json.dumps(results[name]), file=sys.stderr)
        return results
    finally:
        for proc in (server, emulator):
            if proc is not None:
                proc.terminate()
                try:
                    proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()


def cold_import(bundle_zip: Path, repeats: int) -> dict[str, Any]:
    keys = generate_keys()
    env = {
        "EI_ENV": "dev",
        "EI_TABLE_NAME": "t",
        "EI_REPORTS_BUCKET": "b",
        "EI_JWT_ISSUER": "https://issuer",
        "EI_JWT_AUDIENCE": "aud",
        "EI_JWT_PUBLIC_KEY": keys.public_pem,
        "AWS_DEFAULT_REGION": "eu-west-1",
    }
    probe = (
        "import sys, time; sys.path.insert(0, sys.argv[1]); t = time.perf_counter(); "
        "import app.lambda_handler; t1 = time.perf_counter(); "
        "from app.storage.clients import aws_clients; aws_clients(); "
        "print((t1 - t) * 1000, (time.perf_counter() - t1) * 1000)"
    )
    handler_ms: list[float] = []
    clients_ms: list[float] = []
    process_ms: list[float] = []
    with tempfile.TemporaryDirectory() as task:
        with zipfile.ZipFile(bundle_zip) as archive:
            archive.extractall(task)
        for _ in range(repeats):
            started = time.perf_counter()
            out = subprocess.run(
                [sys.executable, "-I", "-S", "-B", "-c", probe, task],
                env=env,
                capture_output=True,
                text=True,
                check=True,
            ).stdout.split()
            process_ms.append((time.perf_counter() - started) * 1000)
            handler_ms.append(float(out[0]))
            clients_ms.append(float(out[1]))
    return {
        "handler_import_ms_median": round(statistics.median(handler_ms), 1),
        "first_clients_ms_median": round(statistics.median(clients_ms), 1),
        "whole_process_ms_median": round(statistics.median(process_ms), 1),
        "repeats": repeats,
    }


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--requests", type=int, default=2000, help="requests per scenario")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--max-seconds", type=float, default=60.0, help="time cap per scenario")
    parser.add_argument("--import-repeats", type=int, default=7)
    parser.add_argument("--skip-bundle", action="store_true", help="latency only")
    args = parser.parse_args()

    latency = latency_benchmarks(args.clients, args.requests, args.max_seconds)
    if args.skip_bundle:
        print(json.dumps(latency, indent=2))
        return 0
    with tempfile.TemporaryDirectory() as out:
        bundle = build_bundle(REPO, Path(out))
        imports = cold_import(bundle.path, args.import_repeats)
    report = {
        "command": "python bench/app_latency.py " + " ".join(sys.argv[1:]),
        "clients": args.clients,
        "latency": latency,
        "cold_import": imports,
        "bundle": {
            "bytes": bundle.size,
            "mib": round(bundle.size / 2**20, 2),
            "sha256": bundle.sha256,
        },
    }
    print(json.dumps(report, indent=2))
    read_p95 = latency["GET /summary"]["excl_emulator_and_thread_queue_ms"]["p95"]
    verdicts = {
        "read p95 excl. emulator (and its thread queue) <= 50 ms": read_p95 <= READ_TARGET_MS,
        "handler import <= 500 ms": imports["handler_import_ms_median"] <= IMPORT_TARGET_MS,
        "zip <= 15 MiB": bundle.size <= MAX_BUNDLE_BYTES,
    }
    for name, ok in verdicts.items():
        print(f"{'PASS' if ok else 'MISS'}  {name}")
    return 0 if all(verdicts.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
