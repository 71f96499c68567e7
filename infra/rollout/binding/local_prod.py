"""The local prod of one promotion: HAProxy (the router) in front of the app versions it
needs, each served from its digest's bundle, all started by the process that runs the rollout
and stopped when it ends. Which digest is live comes from the rollout records (the emulator's
deployments table), so a later promotion starts from where the last one left prod."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from app.local.ports import free_port
from infra.clock import Clock
from infra.rollout.errors import RolloutError
from infra.rollout.record import RolloutRecord, Status
from infra.rollout.router.config import Endpoint, RouterSpec, RuntimeAddress
from infra.rollout.router.process import LocalRouter, RouterProcess
from infra.rollout.router.runtime import HAProxyRuntime
from infra.rollout.shifters.haproxy import AppInstance

# Starts one app version: (digest, version) -> where it answers. Raises an InfraError.
Launch = Callable[[str, str], AppInstance]
LOOPBACK = "127.0.0.1"
ROUTER_FILE = "router.json"


def version_digests(history: Sequence[RolloutRecord]) -> dict[str, str]:
    """Every version the records name, with the digest it runs (the canary's is recorded)."""
    return {r.canary_version: r.digest for r in history if r.canary_version}


def live_digest(history: Sequence[RolloutRecord]) -> str | None:
    """The digest prod serves per its records (newest first): the newest finished rollout's
    digest when it succeeded, its stable's when it rolled back; the stable of one that is
    still running or paused. None: nothing was ever released here."""
    digests = version_digests(history)
    for record in history:
        if record.status is Status.SUCCEEDED:
            return record.digest
        if record.stable_version:
            return digests.get(record.stable_version)
    return None


class ProcessInstances:
    """`LocalInstances` whose versions run as children of this promotion: the live one on
    first use (the router starts in front of it), others when the rollout asks."""

    def __init__(
        self,
        history: Sequence[RolloutRecord],
        launch: Launch,
        version_of: Callable[[str], str],
        on_start: Callable[[AppInstance, bool], None],
    ) -> None:
        self._digests = version_digests(history)
        self._live = live_digest(history)
        self._launch = launch
        self._version_of = version_of
        self._on_start = on_start  # (instance, first): the router starts with the first
        self.running: dict[str, AppInstance] = {}

    def live(self) -> AppInstance | None:
        if self._live is None:
            return None
        return self._serve(self._live)

    def start(self, digest: str) -> AppInstance:
        return self._serve(digest)

    def find(self, version: str) -> AppInstance | None:
        if version in self.running:
            return self.running[version]
        digest = self._digests.get(version)
        return self._serve(digest) if digest else None  # a resumed rollout: start it again

    def _serve(self, digest: str) -> AppInstance:
        version = self._version_of(digest)
        self._digests[version] = digest
        if version not in self.running:
            instance = self._launch(digest, version)
            first = not self.running
            self.running[version] = instance
            self._on_start(instance, first)
        return self.running[version]


class LocalProd:
    """The router and instances of one promotion; `close` stops everything it started."""

    def __init__(
        self,
        workdir: Path,
        process: RouterProcess,
        clock: Clock,
        listen_port: int = 0,
        runtime_port: int = 0,
        check_interval_ms: int = 500,
    ) -> None:
        self.listen = Endpoint(LOOPBACK, listen_port or free_port())
        self.runtime_address = RuntimeAddress(port=runtime_port or free_port())
        self.runtime = HAProxyRuntime(self.runtime_address)
        self._workdir = workdir
        self._process = process
        self._clock = clock
        self._check_ms = check_interval_ms
        self.router: LocalRouter | None = None
        self.instances: dict[str, AppInstance] = {}

    @property
    def url(self) -> str:
        return self.listen.url

    def served(self, instance: AppInstance, first: bool) -> None:
        """ProcessInstances' hook: the router starts in front of the first version; where
        every version listens is written down for `rollout status`."""
        if first:
            self.start_router(instance)
        self.instances[instance.version] = instance
        write_router_file(self._workdir, RouterFile(self.runtime_address.port, self.instances))

    def start_router(self, stable: AppInstance) -> None:
        """HAProxy in front of `stable` (all traffic), the canary slot idle."""
        if self.router is not None:
            raise RolloutError("the local prod router is already running")
        spec = RouterSpec(
            listen=self.listen,
            runtime=self.runtime_address,
            stable=stable.endpoint,
            check_interval_ms=self._check_ms,
        )
        router = LocalRouter(spec, self._workdir, self._process, self._clock)
        router.start()
        self.router = router

    def close(self) -> None:
        if self.router is not None:
            self.router.stop()
            self.router = None
        (self._workdir / ROUTER_FILE).unlink(missing_ok=True)


@dataclass(frozen=True)
class RouterFile:
    """Where a running promotion's router and versions are (read by `rollout status`)."""

    runtime_port: int
    instances: Mapping[str, AppInstance]


def write_router_file(workdir: Path, found: RouterFile) -> None:
    workdir.mkdir(parents=True, exist_ok=True)
    data = {
        "runtime_port": found.runtime_port,
        "instances": {v: [i.endpoint.host, i.endpoint.port] for v, i in found.instances.items()},
    }
    (workdir / ROUTER_FILE).write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")


def read_router_file(workdir: Path) -> RouterFile | None:
    """None when no promotion runs the local prod now (or its file is unreadable)."""
    try:
        data = json.loads((workdir / ROUTER_FILE).read_text(encoding="utf-8"))
        instances = {
            str(v): AppInstance(str(v), Endpoint(str(at[0]), int(at[1])))
            for v, at in data["instances"].items()
        }
        return RouterFile(int(data["runtime_port"]), instances)
    except (OSError, ValueError, KeyError, TypeError, IndexError):
        return None
