"""In-memory stand-ins for the rollout's ports, with the same contracts as the real adapters
(the store's revision check, the shifter's read-back), recording what was done to them."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta

from infra.config.rollout import MetricName
from infra.rollout.analysis import Reading
from infra.rollout.errors import (
    NoActiveRollout,
    RolloutInProgress,
    RouterUnavailable,
    StaleRecord,
)
from infra.rollout.ports import (
    Candidate,
    Evidence,
    Health,
    Notification,
    Verdict,
)
from infra.rollout.providers.base import MetricsProvider, Window
from infra.rollout.record import Request, RolloutRecord
from infra.rollout.shifters.base import Weights, check_percent

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
DIGEST = "a" * 64
OLD_DIGEST = "b" * 64


class Killed(BaseException):
    """Stands for SIGKILL: not an Exception, so nothing in the controller can catch it."""


class FakeClock:
    """Moves only when slept on; `kill_after` sleeps raises Killed (a controller dying)."""

    def __init__(self, start: datetime = T0) -> None:
        self.current = start
        self.sleeps: list[float] = []
        self.kill_after: int | None = None

    def now(self) -> datetime:
        return self.current

    def sleep(self, seconds: float) -> None:
        if self.kill_after is not None and len(self.sleeps) >= self.kill_after:
            self.kill_after = None
            raise Killed()
        self.sleeps.append(seconds)
        self.current += timedelta(seconds=seconds)


class MemoryStore:
    """RolloutStorePort in memory, with the real store's revision condition."""

    def __init__(self) -> None:
        self.records: dict[str, RolloutRecord] = {}
        self.saves = 0
        self.kill_on_save: int | None = None  # raise Killed instead of the N-th save

    def create(self, record: RolloutRecord) -> RolloutRecord:
        latest = self.latest()
        if latest is not None and not latest.status.terminal:
            raise RolloutInProgress(f"rollout {latest.rollout_id} is {latest.status.value}")
        self.records[record.sort_key] = record
        return record

    def save(self, record: RolloutRecord) -> RolloutRecord:
        self.saves += 1
        if self.kill_on_save is not None and self.saves >= self.kill_on_save:
            self.kill_on_save = None
            raise Killed()
        stored = self.records[record.sort_key]
        if stored.revision != record.revision:
            raise StaleRecord(f"revision {record.revision} != {stored.revision}")
        saved = replace(record, revision=record.revision + 1)
        self.records[record.sort_key] = saved
        return saved

    def load(self, record: RolloutRecord) -> RolloutRecord | None:
        return self.records.get(record.sort_key)

    def latest(self) -> RolloutRecord | None:
        found = self.history(1)
        return found[0] if found else None

    def history(self, limit: int = 20) -> list[RolloutRecord]:
        return [self.records[k] for k in sorted(self.records, reverse=True)][:limit]

    def add_request(self, record: RolloutRecord, request: Request) -> None:
        stored = self.records[record.sort_key]
        if stored.status.terminal:
            raise NoActiveRollout(f"rollout {record.rollout_id} has ended")
        self.records[record.sort_key] = replace(
            stored, requests=(*stored.requests, request), revision=stored.revision + 1
        )


class FakeShifter:
    """Records every weight it was set to; `down` makes it unreachable like a dead router."""

    def __init__(self, stable: str = "1", canary: str = "2", log: list[str] | None = None):
        self.stable = stable
        self.canary = canary
        self.percent = 0
        self.promoted = False
        self.down = False
        self.log = log if log is not None else []

    def set_weight(self, percent: int) -> Weights:
        self._reachable()
        self.percent = check_percent(percent)
        self.log.append(f"set {percent}")
        return self.read_weight()

    def read_weight(self) -> Weights:
        self._reachable()
        return Weights(self.stable, self.canary, self.percent)

    def promote(self) -> Weights:
        self._reachable()
        if not self.promoted:  # idempotent, like the real shifters
            self.percent = 100
            self.promoted = True
            self.log.append("promote")
        return self.read_weight()

    def reset(self) -> Weights:
        self._reachable()
        self.percent = 0
        self.log.append("reset")
        return self.read_weight()

    def _reachable(self) -> None:
        if self.down:
            raise RouterUnavailable("router runtime API at tcp:127.0.0.1:1 does not answer")


Script = Callable[[Window], Sequence[Reading]]


def healthy(window: Window) -> Sequence[Reading]:
    return [
        Reading(MetricName.ERROR_RATE, 0.0, 100, "0/100 5xx"),
        Reading(MetricName.P95_LATENCY_MS, 120.0, 100, "p95 of 100"),
    ]


@dataclass
class FakeProvider:
    """Answers from `script` (a function of the window), or raises while `down`."""

    name: str = "emf"
    metrics: frozenset[MetricName] = frozenset({MetricName.ERROR_RATE, MetricName.P95_LATENCY_MS})
    script: Script = healthy
    down: bool = False
    windows: list[Window] = field(default_factory=list)

    def read(self, window: Window) -> Sequence[Reading]:
        self.windows.append(window)
        if self.down:
            raise ConnectionError("metrics endpoint refused the connection")
        return self.script(window)


@dataclass
class Delivered:
    ok: bool = True
    detail: str = ""


class RecordingNotifier:
    def __init__(self, down: bool = False) -> None:
        self.sent: list[Notification] = []
        self.down = down

    def notify(self, n: Notification) -> Delivered:
        if self.down:
            raise ConnectionError("hooks.slack.example: connection refused")
        self.sent.append(n)
        return Delivered()

    @property
    def events(self) -> list[str]:
        return [n.event for n in self.sent]


class FakeLock:
    def __init__(self) -> None:
        self.holder: str | None = None
        self.log: list[str] = []

    def acquire(self, owner: str, token: str, ttl: timedelta) -> None:
        if self.holder not in (None, token):
            raise RolloutInProgress(f"environment prod is locked by {self.holder}")
        self.holder = token
        self.log.append(f"acquire {token}")

    def release(self, token: str) -> None:
        if self.holder == token:
            self.holder = None
        self.log.append(f"release {token}")


class FakeTarget:
    """Live version '1'; each deploy publishes the next number. Shifters share one log."""

    name = "aws"

    def __init__(self, providers: Sequence[MetricsProvider] | None = None) -> None:
        self.live: str | None = "1"
        self.next_version = 2
        self.deployed: list[str] = []
        self.log: list[str] = []
        self.shifters: list[FakeShifter] = []
        self.router_down = False
        self._providers = list(providers) if providers is not None else [FakeProvider()]

    def live_version(self) -> str | None:
        return self.live

    def deploy_candidate(self, digest: str) -> Candidate:
        version = str(self.next_version)
        self.next_version += 1
        self.deployed.append(digest)
        return Candidate(version, digest, f"app-{digest[:6]}", "http://canary.invalid")

    def existing_candidate(self, digest: str, version: str) -> Candidate:
        return Candidate(version, digest, f"app-{digest[:6]}", "http://canary.invalid")

    def deploy_first(self, digest: str) -> Candidate:
        candidate = self.deploy_candidate(digest)
        self.live = candidate.version
        self.log.append(f"first {candidate.version}")
        return candidate

    def shifter(self, stable: str, candidate: Candidate) -> FakeShifter:
        shifter = FakeShifter(stable, candidate.version, self.log)
        last = self.shifters[-1] if self.shifters else None
        if last and (last.stable, last.canary) == (stable, candidate.version):
            shifter.percent = last.percent  # same rollout resumed: the weight it left
        shifter.down = self.router_down
        self.shifters.append(shifter)
        return shifter

    def providers(self, candidate: Candidate) -> Sequence[MetricsProvider]:
        return self._providers


class FakeEvidence:
    def __init__(self, known: Sequence[str] = (DIGEST, OLD_DIGEST)) -> None:
        self.known_digests = set(known)
        self.deploy = Verdict.GREEN
        self.smoke = Verdict.GREEN

    def known(self, digest: str) -> bool:
        return digest in self.known_digests

    def staging_deploy(self, digest: str) -> Evidence:
        return Evidence("staging deploy", self.deploy, "deployment d-1")

    def staging_smoke(self, digest: str) -> Evidence:
        return Evidence("staging smoke", self.smoke, "")


class FakePerf:
    def __init__(self, verdict: Verdict) -> None:
        self.verdict_value = verdict

    def verdict(self, env: str, digest: str) -> Evidence:
        return Evidence("staging perf", self.verdict_value, "p95 4.1 s")


class FakeBackup:
    def __init__(self, fail: bool = False) -> None:
        self.taken: list[str] = []
        self.fail = fail

    def on_demand(self, env: str, reason: str) -> str:
        from infra.rollout.errors import RolloutError

        if self.fail:
            raise RolloutError("CreateBackup refused: table is being updated")
        arn = f"arn:aws:dynamodb:eu-west-1:123456789012:table/{env}-data/backup/{len(self.taken)}"
        self.taken.append(arn)
        return arn


class FakeHealth:
    def __init__(self, ok: bool = True) -> None:
        self.ok = ok

    def check(self, env: str) -> Health:
        return Health(self.ok, "UPDATE_COMPLETE" if self.ok else "UPDATE_ROLLBACK_FAILED")
