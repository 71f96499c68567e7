"""The perf stage's load: weighted user journeys against the Energy Insights API.

Run by `infra.perf` (never by pytest): `python -m locust -f tests/perf/locustfile.py --headless
--host URL ...` with PYTHONPATH at the repository root and these environment variables:
PERF_TOKEN (bearer token allowed for the sites; never on the command line), PERF_SITES
(comma-separated site ids, seeded beforehand), PERF_SAMPLES_FILE (one CSV row per request:
what the gate reads), PERF_WAIT_MIN_S / PERF_WAIT_MAX_S (think time), PERF_TIMEOUT_S.
Names, kinds, weights and data come from `infra.perf.journeys`, shared with the gate.
"""

from __future__ import annotations

import itertools
import os
import random
from typing import Any

from locust import between, events, task
from locust.contrib.fasthttp import FastHttpUser
from locust.env import Environment

from infra.perf import journeys as j
from infra.perf.samples import Sample, format_sample, header_line

SITES = tuple(s for s in os.environ.get("PERF_SITES", "").split(",") if s)
TOKEN = os.environ.get("PERF_TOKEN", "")
SAMPLES_FILE = os.environ.get("PERF_SAMPLES_FILE", "")
WAIT = (
    float(os.environ.get("PERF_WAIT_MIN_S", "0.5")),
    float(os.environ.get("PERF_WAIT_MAX_S", "2")),
)
TIMEOUT_S = float(os.environ.get("PERF_TIMEOUT_S", "65"))
INGEST = j.ingest_batch()  # built once: the same body every time (see journeys.INGEST_METRIC)
_user_numbers = itertools.count()
_samples: Any = None  # the open samples file (line-buffered: progress reads it while we run)
_environment: Environment | None = None


def tampered(token: str) -> str:
    """The same token with a broken signature: the API must refuse it (401)."""
    head, _, signature = token.rpartition(".")
    flipped = ("A" if signature[:1] != "A" else "B") + signature[1:]
    return f"{head}.{flipped}" if head else "not-a-jwt"


@events.init.add_listener
def _open_samples(environment: Environment, **_: Any) -> None:
    global _samples, _environment
    _environment = environment
    if not SITES or not TOKEN or not SAMPLES_FILE:
        raise SystemExit("PERF_SITES, PERF_TOKEN and PERF_SAMPLES_FILE must be set (infra.perf)")
    _samples = open(SAMPLES_FILE, "w", encoding="utf-8", buffering=1)  # noqa: SIM115
    _samples.write(header_line())


@events.request.add_listener
def _record(
    name: str,
    response_time: float,
    response: Any = None,
    exception: BaseException | None = None,
    start_time: float | None = None,
    **_: Any,
) -> None:
    if _samples is None:
        return
    runner = _environment.runner if _environment is not None else None
    status = int(getattr(response, "status_code", 0) or 0)
    sample = Sample(
        start=start_time or 0.0,
        name=name,
        status=status,
        ok=exception is None,
        ms=float(response_time or 0.0),
        users=runner.user_count if runner is not None else 0,
    )
    _samples.write(format_sample(sample))


@events.quitting.add_listener
def _close_samples(**_: Any) -> None:
    if _samples is not None:
        _samples.close()


class ApiUser(FastHttpUser):
    """A client of one site (users are spread round-robin over the seeded sites)."""

    wait_time = between(*WAIT)
    network_timeout = TIMEOUT_S
    connection_timeout = min(TIMEOUT_S, 10.0)

    def on_start(self) -> None:
        self.site = SITES[next(_user_numbers) % len(SITES)]
        self.auth = {"Authorization": f"Bearer {TOKEN}"}
        self.window = j.reference_window()
        self.draws = random.Random(self.site)  # noqa: S311 - load shape, not security

    @task(j.WEIGHTS["range_query"])
    def range_query(self) -> None:
        start, end = self.window
        params = f"metric={j.METRIC}&from={start}&to={end}&limit={j.READINGS_PAGE}"
        self.client.get(
            f"/sites/{self.site}/readings?{_quoted(params)}",
            headers=self.auth,
            name=j.QUERY_READINGS,
        )

    @task(j.WEIGHTS["summary"])
    def summary(self) -> None:
        start, end = self.window
        params = f"metric={j.METRIC}&period=hour&from={start}&to={end}"
        self.client.get(
            f"/sites/{self.site}/summary?{_quoted(params)}", headers=self.auth, name=j.SUMMARY
        )

    @task(j.WEIGHTS["ingest"])
    def ingest(self) -> None:
        self.client.post(
            f"/sites/{self.site}/readings", json=INGEST, headers=self.auth, name=j.INGEST_BATCH
        )

    @task(j.WEIGHTS["site"])
    def site_details(self) -> None:
        self.client.get(f"/sites/{self.site}", headers=self.auth, name=j.GET_SITE)

    @task(j.WEIGHTS["report"])
    def report(self) -> None:
        with self.client.post(
            f"/sites/{self.site}/reports",
            json=j.report_request(),
            headers=self.auth,
            name=j.CREATE_REPORT,
            catch_response=True,
        ) as created:
            if created.status_code != 201:
                created.failure(f"expected 201, got {created.status_code}")
                return
            report_id = (created.json() or {}).get("report_id", "")
        self.client.get(f"/reports/{report_id}", headers=self.auth, name=j.GET_REPORT)

    @task(j.WEIGHTS["auth_failure"])
    def auth_failure(self) -> None:
        if self.draws.random() < 0.5:
            name, headers = j.ANONYMOUS, {}
        else:
            name, headers = j.FORGED, {"Authorization": f"Bearer {tampered(TOKEN)}"}
        with self.client.get(
            f"/sites/{self.site}", headers=headers, name=name, catch_response=True
        ) as response:
            if response.status_code == 401:
                response.success()
            else:
                response.failure(
                    f"expected 401 for a request without a valid token, got {response.status_code}"
                )


def _quoted(query: str) -> str:
    """`+` in the ISO offsets must reach the API as a plus, not a space."""
    return query.replace("+", "%2B")
