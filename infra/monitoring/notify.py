"""Notifications routed by severity: P0/P1 -> PagerDuty + Slack, P2 -> Slack, P3 -> email (per
environment config), delivered with apprise; retried with backoff, then written to a
dead-letter file, so an endpoint that is down never loses an alarm.

Endpoint URLs come from the environment (`EI_NOTIFY_<CHANNEL>_URL`, filled from the secret
store by whoever runs the pipeline) and never appear in a message, report or exception. The
local target and tests use `JsonLinesSink`, a Notifier that appends one JSON line per
notification.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from infra.clock import Clock
from infra.config.model import EnvironmentConfig
from infra.errors import EXIT_USAGE, InfraError
from infra.monitoring.severity import Severity

ENDPOINT_VARIABLE = "EI_NOTIFY_{channel}_URL"


class NotifyConfigError(InfraError):
    """An endpoint is not a URL apprise can use (the URL itself is never shown)."""

    exit_code = EXIT_USAGE


class DeliveryFailed(Exception):
    """One delivery attempt failed; the message never contains the endpoint."""


@dataclass(frozen=True)
class Notification:
    event: str  # e.g. alarm.state_changed, rollout.started
    severity: Severity
    title: str
    body: str
    env: str
    fields: Mapping[str, str] = field(default_factory=dict)

    def as_dict(self) -> dict[str, object]:
        return {
            "event": self.event,
            "severity": self.severity.value,
            "title": self.title,
            "body": self.body,
            "env": self.env,
            "fields": dict(self.fields),
        }


@dataclass(frozen=True)
class Delivery:
    channel: str
    ok: bool
    attempts: int
    detail: str = ""


@dataclass(frozen=True)
class DeliveryReport:
    notification: Notification
    deliveries: tuple[Delivery, ...]
    dead_lettered: bool = False

    @property
    def delivered(self) -> bool:
        return all(d.ok for d in self.deliveries)

    @property
    def ok(self) -> bool:
        """Every channel took it (a dead-lettered notification is kept, not delivered)."""
        return self.delivered and not self.dead_lettered

    @property
    def detail(self) -> str:
        """Why it was not delivered, per channel (endpoint URLs never appear here)."""
        failed = [f"{d.channel}: {d.detail or 'failed'}" for d in self.deliveries if not d.ok]
        if self.dead_lettered:
            failed.append("kept in the dead-letter file")
        return "; ".join(failed)


class Notifier(Protocol):
    def notify(self, n: Notification) -> DeliveryReport: ...


class Channel(Protocol):
    """One endpoint; `send` raises DeliveryFailed."""

    def send(self, n: Notification) -> None: ...


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 3
    first_delay_s: float = 1.0
    factor: float = 2.0

    def delays(self) -> list[float]:
        """The waits between attempts (attempts - 1 of them)."""
        return [self.first_delay_s * self.factor**i for i in range(self.attempts - 1)]


def _line(data: Mapping[str, object]) -> str:
    return json.dumps(data, sort_keys=True, separators=(",", ":")) + "\n"


class JsonLinesSink:
    """The local target's Notifier (and a Channel): one JSON line per notification."""

    def __init__(
        self, path: Path, clock: Clock, routes: Mapping[Severity, tuple[str, ...]] | None = None
    ) -> None:
        self.path = path
        self._clock = clock
        self._routes = dict(routes or {})

    def send(self, n: Notification) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        record = {
            "at": self._clock.now().isoformat(),
            "routed_to": list(self._routes.get(n.severity, ())),
            **n.as_dict(),
        }
        with self.path.open("a", encoding="utf-8") as out:
            out.write(_line(record))

    def notify(self, n: Notification) -> DeliveryReport:
        self.send(n)
        return DeliveryReport(n, (Delivery("local-sink", True, 1),))


def read_jsonl(path: Path) -> list[dict[str, object]]:
    """The records of a sink or dead-letter file (none when it does not exist)."""
    if not path.is_file():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


class AppriseChannel:
    """One apprise endpoint URL (Slack, PagerDuty, mailto, json webhook ...)."""

    def __init__(self, name: str, url: str) -> None:
        import apprise  # imported here: only real deliveries pay for it

        self.name = name
        self._apprise = apprise.Apprise()
        if not self._apprise.add(url):
            raise NotifyConfigError(
                f"the {name} endpoint is not a URL apprise understands; check the value of "
                f"{ENDPOINT_VARIABLE.format(channel=name.upper())} (not shown)"
            )
        self._types = apprise.NotifyType

    def send(self, n: Notification) -> None:
        kind = self._types.INFO if n.severity is Severity.INFO else self._types.FAILURE
        body = n.body + "".join(f"\n{k}: {v}" for k, v in sorted(n.fields.items()))
        title = f"[{n.severity.value}] {n.env}: {n.title}"
        if not self._apprise.notify(body=body, title=title, notify_type=kind):
            raise DeliveryFailed(f"{self.name}: the endpoint did not accept the notification")


class RoutingNotifier:
    """Sends each notification to its severity's channels, retrying each; what still fails is
    written to the dead-letter file with the whole notification."""

    def __init__(
        self,
        routes: Mapping[Severity, tuple[str, ...]],
        channels: Mapping[str, Channel],
        dead_letters: Path,
        clock: Clock,
        retry: RetryPolicy = RetryPolicy(),
    ) -> None:
        self._routes = dict(routes)
        self._channels = dict(channels)
        self._dead_letters = dead_letters
        self._clock = clock
        self._retry = retry

    def notify(self, n: Notification) -> DeliveryReport:
        deliveries = tuple(self._deliver(name, n) for name in self._routes.get(n.severity, ()))
        failed = [d for d in deliveries if not d.ok]
        if failed:
            self._dead_letter(n, failed)
        return DeliveryReport(n, deliveries, dead_lettered=bool(failed))

    def _deliver(self, name: str, n: Notification) -> Delivery:
        channel = self._channels.get(name)
        if channel is None:
            variable = ENDPOINT_VARIABLE.format(channel=name.upper())
            return Delivery(name, False, 0, f"no endpoint configured ({variable} is unset)")
        delays = self._retry.delays()
        detail = ""
        for attempt in range(1, self._retry.attempts + 1):
            try:
                channel.send(n)
                return Delivery(name, True, attempt)
            except DeliveryFailed as exc:
                detail = str(exc)
            if attempt <= len(delays):
                self._clock.sleep(delays[attempt - 1])
        return Delivery(name, False, self._retry.attempts, detail)

    def _dead_letter(self, n: Notification, failed: list[Delivery]) -> None:
        self._dead_letters.parent.mkdir(parents=True, exist_ok=True)
        record = {
            "at": self._clock.now().isoformat(),
            "failed": [
                {"channel": d.channel, "attempts": d.attempts, "detail": d.detail} for d in failed
            ],
            "notification": n.as_dict(),
        }
        with self._dead_letters.open("a", encoding="utf-8") as out:
            out.write(_line(record))


def routes_of(config: EnvironmentConfig) -> dict[Severity, tuple[str, ...]]:
    """Channel names per severity from the environment config (INFO: Slack if routed)."""
    routes: dict[Severity, tuple[str, ...]] = {
        Severity(s): tuple(c) for s, c in config.monitoring.notifications.routes.items()
    }
    slack = any("slack" in channels for channels in routes.values())
    routes[Severity.INFO] = ("slack",) if slack else ()
    return routes


def endpoints_from_environment(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """Endpoint URLs from `EI_NOTIFY_<CHANNEL>_URL` variables (values stay in memory only)."""
    env = os.environ if environ is None else environ
    found = {}
    for channel in ("pagerduty", "slack", "email", "webhook"):
        value = env.get(ENDPOINT_VARIABLE.format(channel=channel.upper()), "").strip()
        if value:
            found[channel] = value
    return found


def build_notifier(
    config: EnvironmentConfig,
    endpoints: Mapping[str, str],
    dead_letters: Path,
    clock: Clock,
    channel_factory: Callable[[str, str], Channel] = AppriseChannel,
    retry: RetryPolicy = RetryPolicy(),
) -> RoutingNotifier:
    """The real-endpoint Notifier of an environment (AWS target)."""
    channels = {name: channel_factory(name, url) for name, url in endpoints.items()}
    return RoutingNotifier(routes_of(config), channels, dead_letters, clock, retry)


def local_notifier(config: EnvironmentConfig, sink: Path, clock: Clock) -> JsonLinesSink:
    """The local target's Notifier: the sink, recording where each would have been routed."""
    return JsonLinesSink(sink, clock, routes_of(config))


class SinkAndRouting:
    """The local sink, and the real endpoints too (a rehearsal that sets EI_NOTIFY_*_URL):
    `routing` retries and dead-letters; the sink keeps every notification either way."""

    def __init__(self, sink: JsonLinesSink, routing: Notifier) -> None:
        self._sink = sink
        self._routing = routing

    def notify(self, n: Notification) -> DeliveryReport:
        self._sink.send(n)
        report = self._routing.notify(n)
        return DeliveryReport(
            n, (Delivery("local-sink", True, 1), *report.deliveries), report.dead_lettered
        )
