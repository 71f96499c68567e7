"""local: HAProxy in front of the stable and canary app instances (the local prod endpoint is
the router's URL); the canary is judged by router stats, the app's EMF metrics by version,
our own alarm evaluation (when bound) and the probe."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from infra.rollout.errors import PrecheckFailed
from infra.rollout.ports import AlarmSource, Candidate
from infra.rollout.providers.alarms import AlarmsProvider
from infra.rollout.providers.base import MetricsProvider
from infra.rollout.providers.probe import HttpProbe
from infra.rollout.providers.router_stats import router_stats_provider
from infra.rollout.providers.version_metrics import EmfProvider, VersionMetricsPort
from infra.rollout.router.config import BACKEND, CANARY, STABLE
from infra.rollout.router.runtime import HAProxyRuntime
from infra.rollout.shifters.haproxy import AppInstance, HAProxyShifter


class LocalInstances(Protocol):
    """The local app instances (the lead's launcher: containers or processes per digest)."""

    def live(self) -> AppInstance | None:
        """The instance behind the router's stable server."""
        ...

    def start(self, digest: str) -> AppInstance:
        """Serve `digest` from its built artifact on a new address; its label is its version."""
        ...

    def find(self, version: str) -> AppInstance | None:
        """Where a version listens now (a resumed rollout rebuilds its shifter from this)."""
        ...


class LocalTarget:
    name = "local"

    def __init__(
        self,
        env: str,
        runtime: HAProxyRuntime,
        instances: LocalInstances,
        version_metrics: VersionMetricsPort | None,
        alarms: AlarmSource | None,
        probe_token: str = "",
    ) -> None:
        self._env = env
        self._runtime = runtime
        self._instances = instances
        self._version_metrics = version_metrics
        self._alarms = alarms
        self._probe_token = probe_token

    def live_version(self) -> str | None:
        live = self._instances.live()
        return live.version if live else None

    def deploy_candidate(self, digest: str) -> Candidate:
        return self._candidate(self._instances.start(digest), digest)

    def deploy_first(self, digest: str) -> Candidate:
        """Start the first version and point the router's `stable` server at it (all traffic)."""
        instance = self._instances.start(digest)
        at = instance.endpoint
        self._runtime.set_address(BACKEND, STABLE, at.host, at.port)
        self._runtime.set_weight(BACKEND, STABLE, 100)
        self._runtime.set_weight(BACKEND, CANARY, 0)
        return self._candidate(instance, digest)

    def existing_candidate(self, digest: str, version: str) -> Candidate:
        found = self._instances.find(version)
        return self._candidate(found or self._instances.start(digest), digest)

    def shifter(self, stable: str, candidate: Candidate) -> HAProxyShifter:
        live = self._instances.find(stable)
        canary = self._instances.find(candidate.version)
        if live is None or canary is None:
            missing = stable if live is None else candidate.version
            raise PrecheckFailed(f"no local app instance serves version {missing}: start it first")
        return HAProxyShifter(self._runtime, live, canary)

    def providers(self, candidate: Candidate) -> Sequence[MetricsProvider]:
        found: list[MetricsProvider] = [router_stats_provider(self._runtime)]
        if self._version_metrics is not None:
            found.append(EmfProvider(self._version_metrics, candidate.app_version))
        if self._alarms is not None:
            found.append(AlarmsProvider(self._alarms, self._env))
        if candidate.probe_url:
            found.append(HttpProbe(candidate.probe_url, candidate.app_version, self._probe_token))
        return found

    def _candidate(self, instance: AppInstance, digest: str) -> Candidate:
        return Candidate(instance.version, digest, instance.version, instance.endpoint.url)
