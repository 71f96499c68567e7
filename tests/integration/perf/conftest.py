"""A local stack the perf and E2E tests can load: a moto server process (with the app's table
and bucket and a deployments table), and app processes under uvicorn signed by a keypair the
tests hold, optionally with the fault switch set."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import boto3
import pytest

from app.local.dev_keys import DevKeys, generate_keys
from app.local.provision import LOCAL_REGION, provision
from app.local.run import app_environment, free_port, wait_for
from app.serving import uvicorn_argv
from infra.aws import AwsClients, Endpoint
from infra.aws.items import ItemTable

REPO = Path(__file__).resolve().parents[3]
DEPLOYMENTS = "energy-insights-staging-deployments"


@dataclass
class LocalStack:
    emulator_url: str
    keys: DevKeys = field(repr=False)
    logs: Path
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def start_app(self, faults: Mapping[str, str] | None = None) -> str:
        """Another app process on a free port (its own faults); returns its base URL."""
        port = free_port()
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("EI_FAULT_", "AWS_"))},
            **app_environment(self.emulator_url, self.keys.public_pem, "1.0.0-perf-test"),
            "EI_ARTIFACT_DIGEST": "e" * 64,
            "POWERTOOLS_METRICS_DISABLED": "true",
            "POWERTOOLS_LOG_LEVEL": "WARNING",
            **(faults or {}),
        }
        log = (self.logs / f"app-{port}.log").open("wb")
        process = subprocess.Popen(
            uvicorn_argv(sys.executable, port=port),
            env=env,
            cwd=REPO,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        self.processes.append(process)
        url = f"http://127.0.0.1:{port}"
        wait_for(f"{url}/health", 60, lambda: process.poll() is None, f"app ({log.name})")
        return url

    def clients(self) -> AwsClients:
        session = boto3.Session(
            aws_access_key_id="local", aws_secret_access_key="local", region_name=LOCAL_REGION
        )
        return AwsClients(session, Endpoint(region=LOCAL_REGION, url=self.emulator_url))

    def deployments(self) -> ItemTable:
        return ItemTable(self.clients(), DEPLOYMENTS)


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    logs = tmp_path_factory.mktemp("stack-logs")
    port = free_port()
    emulator = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    local = LocalStack(f"http://127.0.0.1:{port}", generate_keys(), logs, [emulator])
    try:
        wait_for(f"{local.emulator_url}/moto-api/", 60, lambda: emulator.poll() is None, "moto")
        provision(local.emulator_url)
        local.clients().dynamodb.create_table(
            TableName=DEPLOYMENTS,
            AttributeDefinitions=[{"AttributeName": n, "AttributeType": "S"} for n in ("pk", "sk")],
            KeySchema=[
                {"AttributeName": "pk", "KeyType": "HASH"},
                {"AttributeName": "sk", "KeyType": "RANGE"},
            ],
            BillingMode="PAY_PER_REQUEST",
        )
        yield local
    finally:
        for process in reversed(local.processes):
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
