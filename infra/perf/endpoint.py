"""The API under test, before the load: is it there and healthy, which build is it, and the
reference data the journeys read (one HTTP adapter; httpx)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import httpx

from infra.perf import journeys
from infra.perf.errors import EndpointUnreachable

TIMEOUT_S = 15.0


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
    def __init__(self, base_url: str, timeout_s: float = TIMEOUT_S) -> None:
        self.base_url = base_url.rstrip("/")
        self._timeout = timeout_s

    def preflight(self) -> Deployed:
        with httpx.Client(base_url=self.base_url, timeout=self._timeout) as client:
            health = self._get(client, "/health")
            if health.status_code != 200:
                failing = _json(health).get("failing") or health.text[:200]
                raise EndpointUnreachable(
                    f"{self.base_url}/health answered {health.status_code} (failing: {failing}): "
                    "the API is not healthy; fix it before measuring its performance"
                )
            version = _json(self._get(client, "/version"))
        return Deployed(
            version=str(version.get("version", "")),
            digest=str(version.get("artifact_digest", "")),
            environment=str(version.get("environment", "")),
        )

    def seed(self, sites: Sequence[str], token: str) -> int:
        headers = {"Authorization": f"Bearer {token}"}
        sent = 0
        with httpx.Client(base_url=self.base_url, timeout=self._timeout, headers=headers) as c:
            for site in sites:
                body = {"name": f"Perf load {site}", "capacity_kw": 500, "timezone": "UTC"}
                self._expect(c.put(f"/sites/{site}", json=body), f"PUT /sites/{site}")
                sent += 1
                for batch in journeys.seed_batches():
                    response = c.post(f"/sites/{site}/readings", json=batch)
                    self._expect(response, f"POST /sites/{site}/readings (seed)")
                    sent += 1
        return sent

    def _get(self, client: httpx.Client, path: str) -> httpx.Response:
        try:
            return client.get(path)
        except httpx.HTTPError as exc:
            raise EndpointUnreachable(
                f"nothing answers at {self.base_url}{path} ({type(exc).__name__}: {exc}): "
                "is the API deployed and served there? Check the base URL, or deploy first "
                "(`pipeline deploy --env <env>`)"
            ) from None

    def _expect(self, response: httpx.Response, what: str) -> None:
        if response.status_code != 200:
            hint = (
                " (the load's token is refused: it must allow the perf sites and scopes)"
                if response.status_code in (401, 403)
                else ""
            )
            raise EndpointUnreachable(
                f"seeding the reference data failed: {what} answered {response.status_code}"
                f"{hint}: {response.text[:200]}"
            )


def _json(response: httpx.Response) -> dict[str, Any]:
    try:
        data = response.json()
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}
