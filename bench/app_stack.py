"""The app benchmarks' stack: a moto server process, the app under uvicorn in its own process
(bench/app_server.py, the real `create_app()`), a dev key pair, and one seeded site."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

from app.local.dev_keys import generate_keys, mint_token
from app.local.ports import free_port
from app.local.provision import LOCAL_REGION, LOCAL_TABLE, provision
from app.local.run import app_environment, wait_for
from infra.targets.local_capacity import is_dependency_503

REPO = Path(__file__).resolve().parents[1]
DAY = datetime(2026, 1, 10, tzinfo=UTC)  # the seeded day ends here
SITE = "bench"


@dataclass(frozen=True)
class Stack:
    base_url: str
    emulator_url: str
    token: str
    app_pid: int
    emulator_pid: int
    table: str = LOCAL_TABLE
    region: str = LOCAL_REGION


@contextmanager
def app_stack() -> Iterator[Stack]:
    """Start both processes, seed one day of 5-minute readings, stop both on exit."""
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
            stdout=subprocess.DEVNULL,  # JSON logs: a warning per 503, thousands when overloaded
        )
        wait_for(
            f"{base_url}/health", 30, lambda: server is not None and server.poll() is None, "app"
        )
        token = mint_token(keys, sites=(SITE,))
        seed(base_url, token)
        yield Stack(base_url, emulator_url, token, server.pid, emulator.pid)
    finally:
        for proc in (server, emulator):
            if proc is not None:
                proc.terminate()
                try:
                    proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()


def seed(base_url: str, token: str) -> None:
    """The site and 288 readings (one day, every 5 minutes): what a summary reads."""
    headers = {"Authorization": f"Bearer {token}"}
    httpx.put(
        f"{base_url}/sites/{SITE}", json={"name": "Bench", "capacity_kw": 500}, headers=headers
    ).raise_for_status()
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
        httpx.post(
            f"{base_url}/sites/{SITE}/readings",
            json={"readings": readings[chunk : chunk + 100]},
            headers=headers,
        ).raise_for_status()


SUMMARY_PARAMS = {
    "metric": "power_kw",
    "period": "hour",
    "from": (DAY - timedelta(days=1)).isoformat(),
    "to": DAY.isoformat(),
}


def names_dependency(response: httpx.Response) -> bool:
    """A 503 the app gave because DynamoDB or S3 (the emulator) did not answer in time."""
    try:
        body = response.json()
    except ValueError:
        return False
    return is_dependency_503(response.status_code, body)
