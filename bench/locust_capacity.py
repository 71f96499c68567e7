"""Benchmark: how many requests per second one locust worker sustains on this machine, running
the perf stage's own journeys (tests/perf/locustfile.py) against a no-op endpoint.

    uv run --frozen python bench/locust_capacity.py [--users 50] [--duration 20] [--repeat 3]

The no-op endpoint is a bare ASGI callable under uvicorn in its own process: it answers every
journey's request with a canned body (201 + a report id for report creation, 401 when the
bearer token is missing or not the load's), so only the generator's cost is measured. Per run:
requests/s, the generator's CPU (share of one core: locust is one process, one core at most),
the server's CPU (if it nears 100 %, the server and not the generator was the limit), failures,
and the machine's load average before and after (the machine is shared: a busy neighbour lowers
every figure). A perf report whose throughput nears this figure was limited by the generator.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from app.local.ports import free_port  # noqa: E402
from app.local.run import wait_for  # noqa: E402
from infra.clock import SystemClock  # noqa: E402
from infra.config.perf import LoadProfile  # noqa: E402
from infra.perf.locust_process import GeneratorRun, LocustProcess  # noqa: E402
from infra.perf.measure import measure  # noqa: E402
from infra.perf.runner import drive  # noqa: E402

# pragma: allowlist nextline secret
TOKEN = "bench-token"  # noqa: S105 - a fixed value the no-op server compares with  # nosec B105
REPORT = b'{"report_id": "0123456789abcdef0123456789abcdef"}'


async def noop_app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """Any path: 401 without the load's token, 201 for report creation, else 200 `{}`."""
    if scope["type"] != "http":
        return
    more = True
    while more:  # drain the request body (ingest batches are ~8 KB)
        message = await receive()
        more = message.get("more_body", False)
    headers = dict(scope["headers"])
    if scope["path"] in ("/health", "/version"):
        status, body = 200, b"{}"
    elif headers.get(b"authorization") != f"Bearer {TOKEN}".encode():
        status, body = 401, b'{"error": "unauthorized"}'
    elif scope["method"] == "POST" and scope["path"].endswith("/reports"):
        status, body = 201, REPORT
    else:
        status, body = 200, b"{}"
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"application/json")],
        }
    )
    await send({"type": "http.response.body", "body": body})


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def one_run(url: str, users: int, duration: int, server_pid: int, out: Path) -> dict[str, Any]:
    profile = LoadProfile(
        users=users,
        spawn_rate_per_s=users,
        duration_s=duration,
        wait_min_s=0,
        wait_max_s=0,
        sites=4,
        min_requests=1,
    )
    run = GeneratorRun(url, profile, ("s1", "s2", "s3", "s4"), TOKEN, out)
    load_before = os.getloadavg()
    server_before = cpu_seconds(server_pid)
    driven = drive(LocustProcess(REPO), run, SystemClock(), lambda line: None, 1.0, "bench")
    stats = measure(driven.samples, driven.duration_s)
    return {
        "requests": stats.overall.requests,
        "failures": stats.overall.failures,
        "error_rate": round(stats.overall.error_rate, 4),
        "rps": round(stats.rps, 1),
        "p50_ms": stats.overall.p50_ms,
        "p95_ms": stats.overall.p95_ms,
        "generator_cpu_of_one_core": round(driven.generator_cpu or 0.0, 2),
        "generator_waiting_for_cpu": round(driven.generator_wait or 0.0, 2),
        "generator_warning": driven.generator_warning,
        # The server idles outside the load, so its CPU over the load's span is its share.
        "server_cpu_of_one_core": round(
            (cpu_seconds(server_pid) - server_before) / max(stats.duration_s, 1e-9), 2
        ),
        "load_average_before": [round(v, 2) for v in load_before],
        "load_average_after": [round(v, 2) for v in os.getloadavg()],
    }


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--duration", type=int, default=20, help="seconds per run")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--serve", type=int, help=argparse.SUPPRESS)  # the server process
    args = parser.parse_args()
    if args.serve:
        import uvicorn

        uvicorn.run(
            noop_app, host="127.0.0.1", port=args.serve, log_level="warning", access_log=False
        )
        return 0
    port = free_port()
    server = subprocess.Popen([sys.executable, __file__, "--serve", str(port)], cwd=REPO)
    url = f"http://127.0.0.1:{port}"
    runs = []
    try:
        wait_for(f"{url}/health", 30, lambda: server.poll() is None, "no-op server")
        with tempfile.TemporaryDirectory() as scratch:
            for index in range(args.repeat):
                result = one_run(
                    url, args.users, args.duration, server.pid, Path(scratch) / str(index)
                )
                print(json.dumps(result), file=sys.stderr, flush=True)
                runs.append(result)
    finally:
        server.terminate()
        server.wait(timeout=10)
    rates = sorted(r["rps"] for r in runs)
    report = {
        "command": "python bench/locust_capacity.py " + " ".join(sys.argv[1:]),
        "users": args.users,
        "duration_s": args.duration,
        "runs": runs,
        "rps_median": rates[len(rates) // 2],
        "rps_max": rates[-1],
    }
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
