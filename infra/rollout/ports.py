"""What the rollout needs from the rest of the system, as small protocols (ports). The lead
binds them: notifications and alarm states to infra.monitoring, backups to infra.backup, the
lock to infra.deploy.lock (see `lock.py`), evidence and perf records to the release records.

Notifications, severities and alarm states are infra.monitoring's own types (re-exported here).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Protocol

from infra.monitoring.alarm_source import AlarmSource as AlarmSource
from infra.monitoring.alarm_source import AlarmState as AlarmState
from infra.monitoring.notify import DeliveryReport as DeliveryReport
from infra.monitoring.notify import Notification as Notification
from infra.monitoring.notify import Notifier as Notifier
from infra.monitoring.severity import Severity as Severity
from infra.rollout.providers.base import MetricsProvider
from infra.rollout.shifters.base import TrafficShifter


class LockPort(Protocol):
    """One promotion per environment at a time (the deploy lock)."""

    def acquire(self, owner: str, token: str, ttl: timedelta) -> None:
        """Take the lock, or re-take it when `token` already holds it (a resumed rollout);
        raise an InfraError naming the holder otherwise."""
        ...

    def release(self, token: str) -> None: ...


class BackupPort(Protocol):
    def on_demand(self, env: str, reason: str) -> str:
        """Back up the environment's data table now; returns the backup's ARN."""
        ...


@dataclass(frozen=True)
class Health:
    ok: bool
    detail: str


class StackHealth(Protocol):
    def check(self, env: str) -> Health: ...


class Verdict(StrEnum):
    GREEN = "green"
    RED = "red"
    MISSING = "missing"


@dataclass(frozen=True)
class Evidence:
    """One gate's verdict about a digest (a deploy, smoke or perf record)."""

    what: str  # "staging deploy", "staging smoke", "staging perf"
    verdict: Verdict
    detail: str = ""
    at: datetime | None = None


class EvidencePort(Protocol):
    """What the release records say about a digest before production."""

    def known(self, digest: str) -> bool:
        """Any build, artifact or record knows this digest."""
        ...

    def staging_deploy(self, digest: str) -> Evidence: ...

    def staging_smoke(self, digest: str) -> Evidence: ...


class PerfRecords(Protocol):
    """The perf gate's records (once that stage exists)."""

    def verdict(self, env: str, digest: str) -> Evidence: ...


@dataclass(frozen=True)
class Candidate:
    """The new version, deployed next to the live one and receiving no traffic yet."""

    version: str  # what the shifter routes to: a Lambda version number, or the local label
    digest: str
    app_version: str  # what the app answers in X-App-Version and tags its EMF metrics with
    probe_url: str = ""  # where the synthetic probe reaches this version directly


class RolloutTarget(Protocol):
    """Where one environment's live traffic is shifted (aws: Lambda alias; local: HAProxy)."""

    @property
    def name(self) -> str: ...

    def live_version(self) -> str | None:
        """The version taking all live traffic now (None: nothing deployed yet)."""
        ...

    def deploy_candidate(self, digest: str) -> Candidate:
        """Deploy a digest next to the live version, with no traffic (aws: stack update with
        `live` pinned; local: start the canary app from the artifact)."""
        ...

    def deploy_first(self, digest: str) -> Candidate:
        """The environment's first version, straight to all traffic (nothing live to canary
        against): aws, a plain stack deploy; local, the stack (the host serves it after)."""
        ...

    def existing_candidate(self, digest: str, version: str) -> Candidate:
        """A version deployed before (undo): check it still runs `digest`; start it locally."""
        ...

    def shifter(self, stable: str, candidate: Candidate) -> TrafficShifter: ...

    def providers(self, candidate: Candidate) -> Sequence[MetricsProvider]: ...
