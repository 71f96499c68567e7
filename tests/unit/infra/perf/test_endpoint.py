"""The endpoint adapter over a fake transport: unreachable, unhealthy, wrong token, seeding."""

from __future__ import annotations

import json

import httpx
import pytest

from infra.perf import journeys as j
from infra.perf.endpoint import HttpEndpoint
from infra.perf.errors import EndpointUnreachable, PerfError

VERSION = {"version": "1.2.3", "commit": "c", "artifact_digest": "d" * 64, "environment": "staging"}


def endpoint(handler: object) -> HttpEndpoint:
    return HttpEndpoint("http://api.test/", transport=httpx.MockTransport(handler))  # type: ignore[arg-type]


def test_preflight_reads_the_deployed_build() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/health":
            return httpx.Response(200, json={"status": "ok"})
        return httpx.Response(200, json=VERSION)

    deployed = endpoint(handler).preflight()
    assert (deployed.version, deployed.digest, deployed.environment) == (
        "1.2.3",
        "d" * 64,
        "staging",
    )


def test_an_unreachable_endpoint_is_a_clear_error() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    with pytest.raises(
        EndpointUnreachable,
        match=r"nothing answers at http://api.test/health "
        r"\(ConnectError: connection refused\)",
    ) as caught:
        endpoint(handler).preflight()
    assert caught.value.exit_code == 1


def test_an_unhealthy_endpoint_names_the_failing_dependency() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(503, json={"status": "unavailable", "failing": ["dynamodb"]})

    with pytest.raises(EndpointUnreachable, match=r"answered 503 \(failing: \['dynamodb'\]\)"):
        endpoint(handler).preflight()


def test_seeding_creates_each_site_then_its_reference_day_sites_in_parallel() -> None:
    seen: list[tuple[str, str, int]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        assert request.headers["authorization"] == "Bearer tok"
        body = json.loads(request.content)
        seen.append((request.method, request.url.path, len(body.get("readings", []))))
        return httpx.Response(200, json={})

    sent = endpoint(handler).seed(["s1", "s2"], "tok")
    assert sent == len(seen) == 8
    for site in ("s1", "s2"):
        own = [(method, n) for method, path, n in seen if path.startswith(f"/sites/{site}")]
        assert own == [("PUT", 0)] + [("POST", j.SEED_CHUNK)] * 3  # the site exists first
    assert sum(n for *_, n in seen) == 2 * 288


def test_a_refused_token_while_seeding_says_what_the_token_needs() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(403, json={"error": "forbidden"})

    with pytest.raises(
        PerfError,
        match=r"PUT /sites/s1 answered 403 \(the load's token is "
        r"refused: it must allow the perf sites and scopes\)",
    ):
        endpoint(handler).seed(["s1"], "tok")
