"""The rehearsal's steady client against an in-memory API (httpx.MockTransport): it creates its
site first, keeps every answer with its version, reads back what it wrote and says when a read
lacks an acknowledged write, and keeps refused sockets apart from answers."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime

import httpx
import pytest

from infra.rollout.rehearsal.load import (
    NO_ROUTER,
    READ,
    SITE,
    WRITE,
    Ledger,
    SteadyClient,
    Write,
    journey_cycle,
    missing_writes,
)

NOW = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)


class FakeApi:
    """Sites and readings in memory; `lose_writes` acknowledges writes it does not keep."""

    def __init__(self, version: str = "v1", lose_writes: bool = False) -> None:
        self.version = version
        self.lose_writes = lose_writes
        self.sites: set[str] = set()
        self.readings: dict[str, float] = {}
        self.calls: list[str] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.calls.append(f"{request.method} {request.url.path}")
        assert request.headers["authorization"] == "Bearer t0ken"
        headers = {"x-app-version": self.version}
        site = request.url.path.split("/")[2]
        if request.method == "PUT":
            self.sites.add(site)
            return httpx.Response(200, json={"site_id": site}, headers=headers)
        if site not in self.sites:
            return httpx.Response(404, json={"error": "not_found"}, headers=headers)
        if request.method == "POST":
            for reading in json.loads(request.content)["readings"]:
                if not self.lose_writes:
                    self.readings[reading["timestamp"]] = reading["value"]
            return httpx.Response(200, json={"stored": 1}, headers=headers)
        if request.url.path.endswith("/readings"):
            start, end = request.url.params["from"], request.url.params["to"]
            assert start < end, (start, end)
            page = [{"timestamp": t.replace(".000000", ""), "value": v}
                    for t, v in sorted(self.readings.items()) if start <= t < end]  # fmt: skip
            return httpx.Response(200, json={"readings": page}, headers=headers)
        return httpx.Response(200, json={"site_id": site}, headers=headers)


def client(api: FakeApi | httpx.MockTransport, ledger: Ledger) -> SteadyClient:
    transport = api if isinstance(api, httpx.MockTransport) else httpx.MockTransport(api)
    mix = {READ: 2.0, WRITE: 1.0, SITE: 1.0}
    return SteadyClient("http://router", "t0ken", "rehearsal", 50.0, ledger, mix, transport)


def test_the_site_is_created_first_then_writes_are_read_back() -> None:
    api, ledger = FakeApi(), Ledger.starting(NOW)
    steady = client(api, ledger)
    seen = [steady.request(j) for j in (READ, WRITE, WRITE, READ, WRITE, READ, SITE)]
    assert api.calls[0] == "PUT /sites/rehearsal"
    assert [s.status for s in seen] == [200] * 7
    assert {s.version for s in seen} == {"v1"}
    assert len(ledger.written) == 3
    assert all(not s.error for s in seen)  # every read found every acknowledged write
    timestamps = [w.timestamp for w in ledger.written]
    assert timestamps == sorted(timestamps) and len(set(timestamps)) == 3
    assert all(t < NOW.isoformat() for t in timestamps)  # in the past: the app accepts them


def test_a_read_that_lacks_an_acknowledged_write_says_so() -> None:
    api, ledger = FakeApi(lose_writes=True), Ledger.starting(NOW)
    steady = client(api, ledger)
    steady.request(SITE)
    steady.request(WRITE)
    steady.request(WRITE)
    read = steady.request(READ)
    assert read.status == 200 and read.error == "missing 2 acknowledged writes"


def test_a_refused_socket_is_no_router_not_an_answer() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    sample = client(httpx.MockTransport(refuse), Ledger.starting(NOW)).request(READ)
    assert (sample.status, sample.error, sample.answered) == (0, NO_ROUTER, False)


def test_a_timeout_is_an_answered_failure() -> None:
    def slow(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("timed out", request=request)

    sample = client(httpx.MockTransport(slow), Ledger.starting(NOW)).request(READ)
    assert sample.answered and sample.failed and sample.error == "ReadTimeout"


def test_a_5xx_is_a_failure_and_keeps_its_version() -> None:
    steady = client(
        httpx.MockTransport(lambda r: httpx.Response(500, headers={"x-app-version": "bad"})),
        Ledger.starting(NOW),
    )
    sample = steady.request(READ)
    assert (sample.status, sample.version, sample.failed) == (500, "bad", True)


def test_the_client_runs_open_loop_at_its_rate_until_stopped() -> None:
    api, ledger = FakeApi(), Ledger.starting(NOW)
    steady = client(api, ledger)
    steady.start()
    time.sleep(0.5)
    steady.stop()
    steady.stop()  # idempotent
    sent = len(steady.samples)
    assert 15 <= sent <= 35, sent  # 50 req/s for 0.5 s
    journeys = {s.journey for s in steady.samples}
    assert journeys == {READ, WRITE, SITE}


def test_the_journey_cycle_follows_the_weights_interleaved() -> None:
    assert journey_cycle({READ: 2, WRITE: 1, SITE: 1}) == [READ, WRITE, SITE, READ]
    with pytest.raises(ValueError, match="positive weight"):
        journey_cycle({READ: 0})


def test_missing_writes_compares_time_and_value_whatever_the_time_format() -> None:
    ledger = Ledger.starting(NOW)
    stamp, value = ledger.next_reading()
    write = Write(0, 1, stamp, value, "v1")
    short = stamp.replace(".000000", "")
    assert missing_writes([write], [{"timestamp": short, "value": value}]) == []
    assert missing_writes([write], [{"timestamp": short, "value": value + 1}]) == [write]
    assert missing_writes([write], "not a list") == [write]
