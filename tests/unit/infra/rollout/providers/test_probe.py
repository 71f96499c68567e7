"""The synthetic probe over httpx's mock transport: health, write, read; version checked."""

from __future__ import annotations

import json
from datetime import timedelta

import httpx
import pytest

from infra.rollout.providers.base import Window
from infra.rollout.providers.probe import HttpProbe
from tests.unit.infra.rollout.fakes import T0

WINDOW = Window(T0, T0 + timedelta(minutes=1), "2", "1")
TOKEN = "test-token"  # pragma: allowlist secret


def app(version: str = "v2", failing: frozenset[str] = frozenset()) -> httpx.MockTransport:
    seen: list[httpx.Request] = []

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        name = f"{request.method} {request.url.path}"
        status = 500 if name in failing else 200
        return httpx.Response(status, json={}, headers={"X-App-Version": version})

    transport = httpx.MockTransport(handle)
    transport.seen = seen  # type: ignore[attr-defined]
    return transport


def probe(transport: httpx.MockTransport, token: str = TOKEN, expected: str = "v2") -> HttpProbe:
    client = httpx.Client(base_url="http://canary.test", transport=transport)
    return HttpProbe("http://canary.test", expected, token, client=client)


def test_a_healthy_canary_passes_every_call() -> None:
    transport = app()
    (reading,) = probe(transport).read(WINDOW)
    assert (reading.value, reading.sample_size) == (1.0, 3)
    calls = [f"{r.method} {r.url.path}" for r in transport.seen]  # type: ignore[attr-defined]
    assert calls == [
        "GET /health",
        "PUT /sites/rollout-probe",
        "POST /sites/rollout-probe/readings",
        "GET /sites/rollout-probe",
    ]
    write = transport.seen[2]  # type: ignore[attr-defined]
    assert write.headers["authorization"] == f"Bearer {TOKEN}"
    assert json.loads(write.content)["readings"][0]["timestamp"] == WINDOW.end.isoformat()


def test_the_site_is_created_once() -> None:
    transport = app()
    p = probe(transport)
    p.read(WINDOW)
    p.read(WINDOW)
    puts = [r for r in transport.seen if r.method == "PUT"]  # type: ignore[attr-defined]
    assert len(puts) == 1


@pytest.mark.parametrize(
    ("failing", "value"),
    [
        (frozenset({"GET /health"}), 2 / 3),
        (frozenset({"POST /sites/rollout-probe/readings", "GET /sites/rollout-probe"}), 1 / 3),
    ],
)
def test_failed_calls_lower_the_success_rate(failing: frozenset[str], value: float) -> None:
    (reading,) = probe(app(failing=failing)).read(WINDOW)
    assert reading.value == pytest.approx(value)
    assert "HTTP 500" in reading.detail


def test_an_answer_from_another_version_is_a_failed_call() -> None:
    (reading,) = probe(app(version="v1")).read(WINDOW)
    assert reading.value == 0.0
    assert "answered by version v1, expected v2" in reading.detail


def test_a_dead_canary_fails_rather_than_errors() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    (reading,) = probe(httpx.MockTransport(refuse)).read(WINDOW)
    assert (reading.value, reading.sample_size) == (0.0, 3)
    assert "ConnectError" in reading.detail


def test_without_a_token_only_health_is_probed_and_said() -> None:
    (reading,) = probe(app(), token="").read(WINDOW)
    assert (reading.value, reading.sample_size) == (1.0, 1)
    assert "no token: health only" in reading.detail
    assert TOKEN not in reading.detail
