"""Both targets: a synthetic probe that calls the canary directly each interval (health, a
read, a write) and checks the answering version. A call that fails in any way counts as a
failed call, so a dead canary is Failed, not Error."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import httpx

from infra.config.rollout import MetricName
from infra.rollout.analysis import Reading
from infra.rollout.providers.base import Window

PROBE_SITE = "rollout-probe"  # synthetic data lives under this site id only
VERSION_HEADER = "x-app-version"


@dataclass(frozen=True)
class ProbeCall:
    name: str
    ok: bool
    status: int | None
    latency_ms: float
    detail: str = ""


class HttpProbe:
    """`token` (a bearer token for read/write) is held in memory only and never logged;
    without it the probe calls health only and says so."""

    name = "probe"
    metrics = frozenset({MetricName.PROBE_SUCCESS_RATE})

    def __init__(
        self,
        base_url: str,
        expected_version: str,
        token: str = "",
        client: httpx.Client | None = None,
        timeout_s: float = 5.0,
        site: str = PROBE_SITE,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._client = client or httpx.Client(base_url=base_url, timeout=timeout_s)
        self._expected = expected_version
        self._token = token
        self._site = site
        self._site_ready = False
        self._monotonic = monotonic

    def read(self, window: Window) -> Sequence[Reading]:
        calls = self.run(window)
        ok = sum(c.ok for c in calls)
        failed = "; ".join(f"{c.name}: {c.detail}" for c in calls if not c.ok)
        scope = "" if self._token else " (no token: health only)"
        detail = f"{ok}/{len(calls)} probe calls ok{scope}" + (f"; {failed}" if failed else "")
        return [Reading(MetricName.PROBE_SUCCESS_RATE, ok / len(calls), len(calls), detail)]

    def run(self, window: Window) -> list[ProbeCall]:
        calls = [self._call("health", "GET", "/health", {})]
        if not self._token:
            return calls
        auth = {"Authorization": f"Bearer {self._token}"}
        if not self._site_ready:
            setup = self._call(
                "site", "PUT", f"/sites/{self._site}", auth, {"name": "Rollout probe"}
            )
            self._site_ready = setup.ok
        reading = {"timestamp": window.end.isoformat(), "metric": "energy_kwh", "value": 1.0}
        calls.append(
            self._call(
                "write", "POST", f"/sites/{self._site}/readings", auth, {"readings": [reading]}
            )
        )
        calls.append(self._call("read", "GET", f"/sites/{self._site}", auth))
        return calls

    def _call(
        self,
        name: str,
        method: str,
        path: str,
        headers: dict[str, str],
        body: object | None = None,
    ) -> ProbeCall:
        started = self._monotonic()
        try:
            response = self._client.request(method, path, headers=headers, json=body)
        except httpx.HTTPError as exc:
            elapsed = (self._monotonic() - started) * 1000
            return ProbeCall(name, False, None, elapsed, f"{type(exc).__name__}: {exc}"[:200])
        elapsed = (self._monotonic() - started) * 1000
        version = response.headers.get(VERSION_HEADER, "")
        if response.status_code >= 300:
            return ProbeCall(
                name, False, response.status_code, elapsed, f"HTTP {response.status_code}"
            )
        if self._expected and version != self._expected:
            return ProbeCall(
                name,
                False,
                response.status_code,
                elapsed,
                f"answered by version {version or '(none)'}, expected {self._expected}",
            )
        return ProbeCall(name, True, response.status_code, elapsed)

    def close(self) -> None:
        self._client.close()
