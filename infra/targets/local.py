"""The local target: the AWS emulator (moto server, a host process, see `local_emulator`) with
fixed fake credentials; an environment's API is the app the local target serves for it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import MappingProxyType
from typing import ClassVar

from infra.aws import AwsClients, Endpoint
from infra.aws.sessions import emulator_session
from infra.aws.sts import account_id
from infra.config.model import EnvironmentConfig
from infra.targets.base import Connection, TargetError, TargetKind, WaitPolicy
from infra.targets.local_emulator import (
    STATE_DIR,
    EmulatorState,
    ensure_emulator,
    running_endpoint,
    stop_emulator,
)

# The emulator applies synchronously; a resource that fails there never rolls back, so a short
# timeout turns "stuck IN_PROGRESS" into an error quickly.
LOCAL_WAITS = WaitPolicy(poll_seconds=0.1, timeout_seconds=60.0)


@dataclass(frozen=True)
class LocalTarget:
    """The emulator at `endpoint` (recorded in `state_dir`); `app_urls`: where each served
    environment's app answers; `started` when this process started the emulator."""

    kind: ClassVar[TargetKind] = TargetKind.LOCAL
    endpoint: str
    app_urls: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    started: EmulatorState | None = None
    state_dir: Path = STATE_DIR

    @classmethod
    def start(cls, state_dir: Path = STATE_DIR) -> LocalTarget:
        """The one place the release side starts the emulator: reuse the one that runs (or
        AWS_ENDPOINT_URL's), else start one on a free loopback port and record it."""
        state = ensure_emulator(state_dir)
        return cls(state.endpoint, started=state if state.started else None, state_dir=state_dir)

    @classmethod
    def running(
        cls, state_dir: Path = STATE_DIR, app_urls: Mapping[str, str] | None = None
    ) -> LocalTarget:
        """The emulator that already runs (AWS_ENDPOINT_URL, else the recorded one); never
        starts one: EmulatorUnreachable names what to do."""
        urls = MappingProxyType(dict(app_urls or {}))
        return cls(running_endpoint(state_dir), urls, state_dir=state_dir)

    def with_apps(self, app_urls: Mapping[str, str]) -> LocalTarget:
        """The same emulator, with where these environments' apps answer."""
        return replace(self, app_urls=MappingProxyType({**self.app_urls, **app_urls}))

    def stop(self) -> int | None:
        """Stop this target's emulator (the one recorded in its `state_dir`)."""
        return stop_recorded(self.state_dir)

    def describe_start(self) -> str:
        if self.started is not None:
            return f"local emulator started (pid {self.started.pid}) at {self.endpoint}"
        return f"local emulator already running at {self.endpoint}"

    def clients(self, region: str) -> AwsClients:
        """Clients for the emulator (fixed fake credentials), not yet checked."""
        return AwsClients(emulator_session(region), Endpoint(region=region, url=self.endpoint))

    def connect(self, region: str) -> Connection:
        clients = self.clients(region)
        note = f"target: local emulator at {self.endpoint} (fake credentials)"
        return Connection(clients, self.kind, LOCAL_WAITS, account_id(clients), (note,))

    def api_url(self, config: EnvironmentConfig) -> str:
        url = self.app_urls.get(config.name, "")
        if not url:
            raise TargetError(
                f"{config.name} is not served locally: run `pipeline deploy --env "
                f"{config.name}` or `pipeline release` first (the local target serves an "
                "environment's app after its deploy)"
            )
        return url.rstrip("/")


def stop_recorded(state_dir: Path = STATE_DIR) -> int | None:
    """Stop the emulator recorded in `state_dir`, only while that process is still a moto
    server, and forget it; returns the pid stopped, or None."""
    return stop_emulator(state_dir)
