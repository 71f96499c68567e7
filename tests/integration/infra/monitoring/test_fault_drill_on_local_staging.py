"""Issue 9's "Done when", as a user runs it on the local target: `pipeline deploy --env staging`
creates and verifies the alarms and the dashboard; with the fault switch at 20 % server errors
the served app's own EMF output drives the P0 error-rate alarm and the composite service-health
alarm to ALARM in our local evaluator (the emulator stores alarms but never evaluates them),
`pipeline alarms --env staging` shows it, and the page lands in the local sink and on the P0
route's endpoints (PagerDuty and Slack, not email). When the errors stop, both recover to OK.

The copy's staging config sets `monitoring.local_time_scale: 0.05` (a 60 s period is 3 s), so
the error-rate alarm's window (5 x 60 s, 3 to alarm) is 15 s: same counts and thresholds."""

from __future__ import annotations

import json
import secrets
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest

from app.local.dev_keys import mint_token
from infra.targets.local_state import local_keys
from tests.integration.release.test_local_release import Pipeline, copy_of_repo, no_credentials_env

pytestmark = [pytest.mark.docker, pytest.mark.emulator, pytest.mark.slow]

ENV = "staging"
SCALE = "0.05"
ERROR_RATE = "energy-insights-staging-api-error-rate"
SERVICE_HEALTH = "energy-insights-staging-service-health"
WAIT_S = 120


class Endpoints:
    """JSON webhooks standing in for PagerDuty, Slack and email: what each one received."""

    def __init__(self) -> None:
        self.received: dict[str, list[dict[str, Any]]] = {}
        received = self.received

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                body = json.loads(self.rfile.read(length) or b"{}")
                received.setdefault(self.path.strip("/"), []).append(body)
                self.send_response(200)
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self._server.server_address[1]
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def variables(self) -> dict[str, str]:
        return {
            f"EI_NOTIFY_{channel.upper()}_URL": f"json://127.0.0.1:{self.port}/{channel}"
            for channel in ("pagerduty", "slack", "email")
        }

    def titles(self, channel: str) -> list[str]:
        return [str(body.get("title", "")) for body in self.received.get(channel, [])]

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


class Traffic:
    """Authorized requests against the served app, in a thread, counting status codes."""

    def __init__(self, url: str, token: str) -> None:
        self.statuses: list[int] = []
        self._url = url
        self._token = token
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        headers = {"Authorization": f"Bearer {self._token}"}
        with httpx.Client(base_url=self._url, headers=headers, timeout=10) as client:
            while not self._stop.is_set():
                self.statuses.append(client.get("/sites/demo").status_code)
                time.sleep(0.02)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=30)


@pytest.fixture(scope="module")
def drill(
    docker_client: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Pipeline, Endpoints]]:
    copy = copy_of_repo(tmp_path_factory.mktemp("drill") / "repo")
    config = copy / "infra" / "environments" / f"{ENV}.yaml"
    text = config.read_text(encoding="utf-8")
    assert "  local_time_scale: 1 " in text
    config.write_text(text.replace("  local_time_scale: 1 ", f"  local_time_scale: {SCALE} "))
    namespace = f"it{secrets.token_hex(3)}"
    endpoints = Endpoints()
    pipeline = Pipeline(copy, {**no_credentials_env(copy, namespace), **endpoints.variables()})
    try:
        yield pipeline, endpoints
    finally:
        endpoints.close()
        pipeline("down", "local")
        try:
            docker_client.containers.get(f"energy-insights-{namespace}-{ENV}").remove(force=True)
        except Exception as exc:  # already removed by `down local`: nothing left to do
            print(f"cleanup {ENV}: {exc}")


def alarms(pipeline: Pipeline) -> dict[str, Any]:
    done = pipeline("alarms", "--env", ENV, "--json")
    assert done.returncode == 0, done.stderr
    document: dict[str, Any] = json.loads(done.stdout)  # stdout is the JSON alone
    return document


def states_of(document: dict[str, Any]) -> dict[str, str]:
    return {a["name"]: a["state"] for a in document["alarms"]}


def poll(pipeline: Pipeline, until: str) -> tuple[dict[str, str], list[dict[str, Any]]]:
    """`pipeline alarms` until both P0 alarms are `until` (or WAIT_S); the states and every
    notification those calls reported."""
    notes: list[dict[str, Any]] = []
    deadline = time.monotonic() + WAIT_S
    while True:
        document = alarms(pipeline)
        notes.extend(document["notifications"]["new"])
        states = states_of(document)
        if states[ERROR_RATE] == states[SERVICE_HEALTH] == until:
            return states, notes
        if time.monotonic() > deadline:
            pytest.fail(f"not {until} after {WAIT_S} s: {json.dumps(document, indent=1)}")
        time.sleep(1)


def test_twenty_percent_server_errors_page_p0_and_recover(
    drill: tuple[Pipeline, Endpoints],
) -> None:
    pipeline, endpoints = drill
    deployed = pipeline(
        "deploy", "--env", ENV, "--engine", "docker", EI_FAULT_ERROR_RATE="0.2", EI_FAULT_SEED="9"
    )
    assert deployed.returncode == 0, deployed.stdout[-3000:] + deployed.stderr[-3000:]
    out = deployed.stdout
    assert out.count("  ok   alarm energy-insights-staging-") >= 15
    assert "ok   dashboard energy-insights-staging: 16 widgets" in out
    assert "NOT CREATED composite alarm energy-insights-staging-service-health" in out

    quiet = alarms(pipeline)
    assert "the log of the staging app (docker" in quiet["source"][0]
    assert "60 s -> 3 s" in quiet["source"][1]
    assert states_of(quiet)[SERVICE_HEALTH] == "OK"

    served = json.loads((pipeline.copy / ".pipeline/local/apps" / f"{ENV}.json").read_text())
    token = mint_token(local_keys(pipeline.copy))
    traffic = Traffic(served["url"], token)
    try:
        states, paged = poll(pipeline, until="ALARM")
        shown = pipeline("alarms", "--env", ENV)  # what a user reads
    finally:
        traffic.stop()

    assert set(traffic.statuses) <= {200, 404, 500}, set(traffic.statuses)
    share = traffic.statuses.count(500) / len(traffic.statuses)
    assert 0.1 < share < 0.3, (share, len(traffic.statuses))  # the fault switch, not a bug
    assert states[ERROR_RATE] == states[SERVICE_HEALTH] == "ALARM"

    assert shown.returncode == 0
    rows = [line for line in shown.stdout.splitlines() if line.startswith("P0  ALARM")]
    assert any(ERROR_RATE in row and "breach (> 5" in row for row in rows), shown.stdout
    assert any(SERVICE_HEALTH in row for row in rows), shown.stdout

    # the composite pages (its children have no actions of their own), on the P0 route
    page = next(n for n in paged if n["title"] == f"{SERVICE_HEALTH} is ALARM")
    assert page["severity"] == "P0"
    assert page["routed_to"] == ["pagerduty", "slack"]
    assert page["fields"]["runbook"].startswith("docs/operations/")
    assert not any(n["title"].startswith(ERROR_RATE) for n in paged)
    sink = pipeline.copy / ".pipeline/local/monitoring" / f"{ENV}-notifications.jsonl"
    assert any(json.loads(line)["title"] == page["title"] for line in sink.read_text().splitlines())
    for channel in ("pagerduty", "slack"):
        assert f"[P0] {ENV}: {SERVICE_HEALTH} is ALARM" in endpoints.titles(channel), channel
    assert not any(SERVICE_HEALTH in title for title in endpoints.titles("email"))
    dead_letters = pipeline.copy / ".pipeline/local/monitoring" / f"{ENV}-dead-letters.jsonl"
    assert not dead_letters.exists()

    # no traffic: missing data is notBreaching, so both recover and the recovery is told
    states, told = poll(pipeline, until="OK")
    assert any(n["title"] == f"{SERVICE_HEALTH} is OK" for n in told)
    assert f"[P0] {ENV}: {SERVICE_HEALTH} is OK" in endpoints.titles("pagerduty")
