"""Test harness for the rollout on a real HAProxy: tiny app backends (threads answering with an
X-App-Version header and keeping their own per-request log, like the app's EMF output), ports
backed by them, and a `__main__` that runs a promotion in a separate process (to kill it)."""

from __future__ import annotations

import argparse
import json
import math
import socket
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx

from infra.aws import AwsClients
from infra.aws import Endpoint as AwsEndpoint
from infra.aws.items import ItemTable
from infra.aws.sessions import emulator_session
from infra.clock import SystemClock
from infra.config import load_environment
from infra.config.model import EnvironmentConfig
from infra.config.rollout import MetricName, RolloutConfig
from infra.deploy.lock import DeployLock
from infra.rollout import commands
from infra.rollout.commands import RolloutPorts
from infra.rollout.lock import DeployLockPort
from infra.rollout.ports import Candidate, Health
from infra.rollout.providers.version_metrics import VersionTraffic
from infra.rollout.router.config import Endpoint, RuntimeAddress
from infra.rollout.router.runtime import HAProxyRuntime
from infra.rollout.shifters.haproxy import AppInstance
from infra.rollout.store import RolloutStore
from infra.rollout.targets.local import LocalTarget

REGION = "eu-west-1"
TABLE = "energy-insights-prod-deployments"
TIME_SCALE = 0.1  # config intervals of 10 s run as 1 s


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def config(count: int = 3, watch: int = 2, min_requests: int = 5) -> EnvironmentConfig:
    """The prod config with a shorter canary: same kinds of steps, metrics and limits."""
    rollout = RolloutConfig.model_validate(
        {
            "steps": [
                {"kind": "set_weight", "weight": 10},
                {"kind": "analysis", "duration_s": 10 * count, "interval_s": 10},
                {"kind": "set_weight", "weight": 50},
                {"kind": "analysis", "duration_s": 10 * count, "interval_s": 10},
                {"kind": "set_weight", "weight": 100},
            ],
            "post_promotion_watch": (
                {"duration_s": 10 * watch, "interval_s": 10} if watch else None
            ),
            "templates": {
                "canary": {
                    "metrics": [{"metric": name.value} for name in MetricName],
                    "min_requests": min_requests,
                }
            },
        }
    )
    return load_environment("prod").model_copy(update={"rollout": rollout})


class QuietServer(ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        """HAProxy's health checks hang up early: not worth a traceback."""


class Backend:
    """An HTTP server answering every path with its version; `failing` makes everything but the
    health check (/version) answer 500, like a release built with the fault switch on."""

    def __init__(self, version: str, failing: bool = False) -> None:
        self.version = version
        self.failing = failing
        self.log: list[tuple[float, int, float]] = []  # (wall time, status, latency ms)
        self._lock = threading.Lock()
        backend = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            wbufsize = -1  # headers and body in one write: no Nagle/delayed-ACK stalls
            disable_nagle_algorithm = True

            def do_GET(self) -> None:
                started = time.perf_counter()
                if self.path.startswith("/_traffic"):
                    return self._answer(200, backend.traffic_json(self.path), record=False)
                status = 500 if backend.failing and self.path != "/version" else 200
                self._answer(status, b'{"version": "%s"}' % backend.version.encode())
                if self.path != "/version":
                    with backend._lock:
                        backend.log.append(
                            (time.time(), status, (time.perf_counter() - started) * 1000)
                        )
                return None

            def _answer(self, status: int, body: bytes, record: bool = True) -> None:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.send_header("X-App-Version", backend.version)
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                """Quiet."""

        self.server = QuietServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.endpoint = Endpoint("127.0.0.1", int(self.server.server_address[1]))
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()

    @property
    def instance(self) -> AppInstance:
        return AppInstance(self.version, self.endpoint)

    def traffic(self, start: datetime, end: datetime) -> VersionTraffic:
        with self._lock:
            window = [
                (status, ms)
                for at, status, ms in self.log
                if start.timestamp() <= at < end.timestamp()
            ]
        latencies = sorted(ms for _, ms in window)
        p95 = latencies[max(0, math.ceil(0.95 * len(latencies)) - 1)] if latencies else None
        return VersionTraffic(len(window), sum(s >= 500 for s, _ in window), p95)

    def traffic_json(self, path: str) -> bytes:
        query = dict(part.split("=", 1) for part in path.split("?", 1)[1].split("&"))
        t = self.traffic(
            datetime.fromtimestamp(float(query["start"]), UTC),
            datetime.fromtimestamp(float(query["end"]), UTC),
        )
        return json.dumps(
            {"requests": t.requests, "errors": t.server_errors, "p95": t.p95_latency_ms}
        ).encode()

    def stop(self) -> None:
        """The canary dies: nothing listens on its port any more."""
        if self._thread.is_alive():
            self.server.shutdown()
            self.server.server_close()
            self._thread.join(timeout=5)


class HttpVersionMetrics:
    """The app's per-version metrics, read from each backend's own log over HTTP (what the
    monitoring side's EMF reader provides for real apps)."""

    def __init__(self, backends: dict[str, str]) -> None:
        self._urls = backends  # version -> base URL

    def traffic(self, version: str, start: datetime, end: datetime) -> VersionTraffic:
        url = f"{self._urls[version]}/_traffic?start={start.timestamp()}&end={end.timestamp()}"
        data = httpx.get(url, timeout=5).json()
        return VersionTraffic(int(data["requests"]), int(data["errors"]), data["p95"])


@dataclass(frozen=True)
class NoAlarms:
    def states(self, env: str) -> tuple[Any, ...]:
        return ()


class FixedInstances:
    """LocalInstances over backends that already run: the first is live."""

    def __init__(self, instances: Sequence[AppInstance], digests: dict[str, str]) -> None:
        self._instances = list(instances)
        self._digests = digests  # digest -> version

    def live(self) -> AppInstance | None:
        return self._instances[0]

    def start(self, digest: str) -> AppInstance:
        version = self._digests[digest]
        return next(i for i in self._instances if i.version == version)

    def find(self, version: str) -> AppInstance | None:
        return next((i for i in self._instances if i.version == version), None)


class Green:
    def known(self, digest: str) -> bool:
        return True

    def staging_deploy(self, digest: str) -> Any:
        from infra.rollout.ports import Evidence, Verdict

        return Evidence("staging deploy", Verdict.GREEN)

    def staging_smoke(self, digest: str) -> Any:
        from infra.rollout.ports import Evidence, Verdict

        return Evidence("staging smoke", Verdict.GREEN)


class NoBackup:
    def on_demand(self, env: str, reason: str) -> str:
        return "arn:aws:dynamodb:eu-west-1:123456789012:table/energy-insights-prod-data/backup/1"


class Healthy:
    def check(self, env: str) -> Health:
        return Health(True, "local stack up")


class Quiet:
    def notify(self, n: Any) -> Any:
        return type("Report", (), {"ok": True, "detail": ""})()


def aws_clients(moto_url: str) -> AwsClients:
    return AwsClients(emulator_session(REGION), AwsEndpoint(region=REGION, url=moto_url))


def create_table(clients: AwsClients, name: str = TABLE) -> None:
    """A new, empty deployments-shaped table. The emulator's state is one per test process
    (every in-process moto server shares it), so a table of that name another test left (the
    users audit; a prod stack, whose table is deletion-protected) is dropped first."""
    if name in clients.dynamodb.list_tables()["TableNames"]:
        clients.dynamodb.update_table(TableName=name, DeletionProtectionEnabled=False)
        clients.dynamodb.delete_table(TableName=name)
    clients.dynamodb.create_table(
        TableName=name,
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "S"},
        ],
        KeySchema=[
            {"AttributeName": "pk", "KeyType": "HASH"},
            {"AttributeName": "sk", "KeyType": "RANGE"},
        ],
        BillingMode="PAY_PER_REQUEST",
    )


def ports(
    moto_url: str,
    runtime_port: int,
    instances: FixedInstances,
    metrics_urls: dict[str, str],
    owner: str,
    notifier: Any = None,
) -> RolloutPorts:
    """Real store, lock and router; fakes only where this test has no real counterpart."""
    clients = aws_clients(moto_url)
    runtime = HAProxyRuntime(RuntimeAddress(port=runtime_port))
    target = LocalTarget("prod", runtime, instances, HttpVersionMetrics(metrics_urls), NoAlarms())
    clock = SystemClock()
    return RolloutPorts(
        store=RolloutStore(ItemTable(clients, TABLE), "prod"),
        lock=DeployLockPort(DeployLock(ItemTable(clients, TABLE), "prod"), clock),
        notifier=notifier or Quiet(),
        target=target,
        evidence=Green(),
        backup=NoBackup(),
        health=Healthy(),
        clock=clock,
        emit=lambda line: print(line, flush=True),
        owner=owner,
        poll_s=0.25,
    )


def candidate_of(instance: AppInstance, digest: str) -> Candidate:
    return Candidate(instance.version, digest, instance.version, instance.endpoint.url)


def main(argv: list[str]) -> int:
    """Run one promotion in this process (the integration test kills it mid-analysis)."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--moto", required=True)
    parser.add_argument("--runtime-port", type=int, required=True)
    parser.add_argument("--stable", required=True, help="version=port")
    parser.add_argument("--canary", required=True, help="version=port")
    parser.add_argument("--digest", required=True)
    args = parser.parse_args(argv)
    stable_v, stable_p = args.stable.split("=")
    canary_v, canary_p = args.canary.split("=")
    stable = AppInstance(stable_v, Endpoint("127.0.0.1", int(stable_p)))
    canary = AppInstance(canary_v, Endpoint("127.0.0.1", int(canary_p)))
    instances = FixedInstances([stable, canary], {args.digest: canary_v})
    urls = {stable_v: stable.endpoint.url, canary_v: canary.endpoint.url}
    bound = ports(args.moto, args.runtime_port, instances, urls, owner="subprocess")
    record = commands.promote(config(count=8, watch=0), args.digest, "rita", bound, TIME_SCALE)
    print(f"finished {record.status.value}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
