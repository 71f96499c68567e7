"""The API under test, before the load: is it there and healthy, which build is it, and the
reference data the journeys read (one HTTP adapter; httpx)."""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Protocol

import httpx

from infra.perf import journeys
from infra.perf.errors import EndpointUnreachable, PerfError

TIMEOUT_S = 15.0
SEED_WORKERS = 8


@dataclass(frozen=True)
class Deployed:
    """What the API says it runs (`GET /version`)."""

    version: str
    digest: str
    environment: str


class Endpoint(Protocol):
    def preflight(self) -> Deployed:
        """Health must answer 200; EndpointUnreachable naming the URL and the cause otherwise."""
        ...

    def seed(self, sites: Sequence[str], token: str) -> int:
        """Create the sites and their reference day (idempotent); the number of requests."""
        ...


class HttpEndpoint:
    """The Endpoint over HTTP; `transport` replaces the network in tests."""

    def __init__(
        self,
        base_url: str,
        timeout_s: float = TIMEOUT_S,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._timeout = timeout_s
        self._transport = transport

    def _client(self, headers: dict[str, str] | None = None) -> httpx.Client:
        return httpx.Client(
            base_url=self.base_url,
            timeout=self._timeout,
            headers=headers,
            transport=self._transport,
        )

    def preflight(self) -> Deployed:
        with self._client() as client:
            health = self._send(client, "GET", "/health")
            if health.status_code != 200:
                failing = _json(health).get("failing") or health.text[:200]
                raise EndpointUnreachable(
                    f"{self.base_url}/health answered {health.status_code} (failing: {failing}): "
                    "the API is not healthy; fix it before measuring its performance"
                )
            version = _json(self._send(client, "GET", "/version"))
        return Deployed(
            version=str(version.get("version", "")),
            digest=str(version.get("artifact_digest", "")),
            environment=str(version.get("environment", "")),
        )

    def seed(self, sites: Sequence[str], token: str) -> int:
        """Sites in parallel (a slow API must not make seeding take sites x requests x latency),
        each site's requests in order."""
        with (
            self._client({"Authorization": f"Bearer {token}"}) as client,
            ThreadPoolExecutor(max_workers=min(SEED_WORKERS, len(sites) or 1)) as pool,
        ):
            return sum(pool.map(lambda site: self._seed_site(client, site), sites))

    def _seed_site(self, client: httpx.Client, site: str) -> int:
        body = {"name": f"Perf load {site}", "capacity_kw": 500, "timezone": "UTC"}
        self._expect(self._send(client, "PUT", f"/sites/{site}", body))
        batches = journeys.seed_batches()
        for batch in batches:
            self._expect(self._send(client, "POST", f"/sites/{site}/readings", batch))
        return 1 + len(batches)

    def _send(
        self, client: httpx.Client, method: str, path: str, body: object = None
    ) -> httpx.Response:
        try:
            return client.request(method, path, json=body)
        except httpx.HTTPError as exc:
            raise EndpointUnreachable(
                f"nothing answers at {self.base_url}{path} ({type(exc).__name__}: {exc}): "
                "is the API deployed and served there? Check the base URL, or deploy first "
                "(`pipeline deploy --env <env>`)"
            ) from None

    def _expect(self, response: httpx.Response) -> None:
        what = f"{response.request.method} {response.request.url.path}"
        if response.status_code != 200:
            hint = (
                " (the load's token is refused: it must allow the perf sites and scopes)"
                if response.status_code in (401, 403)
                else ""
            )
            raise PerfError(
                f"seeding the reference data failed: {what} answered {response.status_code}"
                f"{hint}: {response.text[:200]}"
            )


def _json(response: httpx.Response) -> dict[str, Any]:
    try:
        data = response.json()
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}
