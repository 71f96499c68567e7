"""Routing by severity, retry with backoff, dead letters (an endpoint down never loses the
alarm), and real apprise deliveries to a local HTTP endpoint and a closed port."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import ClassVar

import pytest

from infra.config import load_environment
from infra.errors import EXIT_USAGE
from infra.monitoring.notify import (
    AppriseChannel,
    DeliveryFailed,
    Notification,
    NotifyConfigError,
    RetryPolicy,
    RoutingNotifier,
    build_notifier,
    endpoints_from_environment,
    read_jsonl,
    routes_of,
)
from infra.monitoring.severity import Severity
from tests.unit.infra.monitoring.conftest import FakeClock


def note(severity: Severity = Severity.P0) -> Notification:
    return Notification(
        event="alarm.state_changed",
        severity=severity,
        title="energy-insights-prod-service-health is ALARM",
        body="rule holds",
        env="prod",
        fields={"alarm": "energy-insights-prod-service-health"},
    )


class Recording:
    def __init__(self, failures: int = 0) -> None:
        self.failures = failures
        self.sent: list[Notification] = []

    def send(self, n: Notification) -> None:
        if self.failures:
            self.failures -= 1
            raise DeliveryFailed("slack: the endpoint did not accept the notification")
        self.sent.append(n)


@pytest.mark.parametrize(
    ("severity", "channels"),
    [
        (Severity.P0, {"pagerduty", "slack"}),
        (Severity.P1, {"pagerduty", "slack"}),
        (Severity.P2, {"slack"}),
        (Severity.P3, {"email"}),
        (Severity.INFO, {"slack"}),
    ],
)
def test_routes_follow_the_config(severity: Severity, channels: set[str], tmp_path: Path) -> None:
    recorders = {name: Recording() for name in ("pagerduty", "slack", "email")}
    notifier = RoutingNotifier(
        routes_of(load_environment("prod")), recorders, tmp_path / "dead.jsonl", FakeClock()
    )
    report = notifier.notify(note(severity))
    assert report.delivered
    assert {name for name, r in recorders.items() if r.sent} == channels


def test_a_flaky_endpoint_is_retried_with_backoff(tmp_path: Path) -> None:
    clock = FakeClock()
    slack = Recording(failures=2)
    notifier = RoutingNotifier(
        {Severity.P2: ("slack",)}, {"slack": slack}, tmp_path / "dead.jsonl", clock,
        RetryPolicy(attempts=3, first_delay_s=1.0, factor=2.0),
    )  # fmt: skip
    report = notifier.notify(note(Severity.P2))
    assert report.delivered
    assert report.deliveries[0].attempts == 3
    assert clock.sleeps == [1.0, 2.0]
    assert not (tmp_path / "dead.jsonl").exists()


def test_an_endpoint_down_dead_letters_the_whole_notification(tmp_path: Path) -> None:
    clock = FakeClock()
    slack, pagerduty = Recording(failures=99), Recording()
    notifier = RoutingNotifier(
        {Severity.P0: ("pagerduty", "slack")},
        {"slack": slack, "pagerduty": pagerduty},
        tmp_path / "dead.jsonl",
        clock,
        RetryPolicy(attempts=4, first_delay_s=0.5),
    )
    report = notifier.notify(note())
    assert not report.delivered
    assert report.dead_lettered
    assert clock.sleeps == [0.5, 1.0, 2.0]
    assert len(pagerduty.sent) == 1
    (letter,) = read_jsonl(tmp_path / "dead.jsonl")
    assert letter["failed"] == [
        {
            "channel": "slack",
            "attempts": 4,
            "detail": "slack: the endpoint did not accept the notification",
        }
    ]
    assert letter["notification"] == note().as_dict()


def test_a_channel_without_endpoint_is_a_dead_letter_not_a_silent_drop(tmp_path: Path) -> None:
    notifier = RoutingNotifier({Severity.P3: ("email",)}, {}, tmp_path / "dead.jsonl", FakeClock())
    report = notifier.notify(note(Severity.P3))
    assert report.dead_lettered
    assert report.deliveries[0].detail == "no endpoint configured (EI_NOTIFY_EMAIL_URL is unset)"


def test_endpoints_come_from_the_environment() -> None:
    environ = {"EI_NOTIFY_SLACK_URL": " json://127.0.0.1/x ", "EI_NOTIFY_EMAIL_URL": ""}
    assert endpoints_from_environment(environ) == {"slack": "json://127.0.0.1/x"}


class Receiver(BaseHTTPRequestHandler):
    received: ClassVar[list[dict[str, object]]] = []

    def do_POST(self) -> None:
        length = int(self.headers["Content-Length"])
        Receiver.received.append(json.loads(self.rfile.read(length)))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *_: object) -> None:
        pass


@pytest.fixture
def receiver() -> Iterator[int]:
    Receiver.received = []
    server = HTTPServer(("127.0.0.1", 0), Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1]
    server.shutdown()


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_apprise_delivers_to_a_json_webhook(receiver: int, tmp_path: Path) -> None:
    config = load_environment("dev")
    notifier = build_notifier(
        config, {"slack": f"json://127.0.0.1:{receiver}/hook"}, tmp_path / "dead.jsonl", FakeClock()
    )
    report = notifier.notify(note(Severity.P2))
    assert report.delivered
    (payload,) = Receiver.received
    assert payload["title"] == "[P2] prod: energy-insights-prod-service-health is ALARM"
    assert "alarm: energy-insights-prod-service-health" in str(payload["message"])


def test_apprise_endpoint_down_retries_then_dead_letters_without_the_url(tmp_path: Path) -> None:
    credentials = "user:s3cret-token"  # pragma: allowlist secret
    secret_url = f"json://{credentials}@127.0.0.1:{closed_port()}/hook"
    clock = FakeClock()
    notifier = build_notifier(
        load_environment("dev"), {"slack": secret_url}, tmp_path / "dead.jsonl", clock,
        retry=RetryPolicy(attempts=2, first_delay_s=5),
    )  # fmt: skip
    report = notifier.notify(note(Severity.P2))
    assert report.dead_lettered
    assert clock.sleeps == [5]
    text = (tmp_path / "dead.jsonl").read_text()
    assert "s3cret-token" not in text
    assert "s3cret-token" not in repr(report)
    assert read_jsonl(tmp_path / "dead.jsonl")[0]["notification"]["title"]  # type: ignore[index]


def test_a_url_apprise_cannot_use_is_a_config_error_that_hides_it() -> None:
    with pytest.raises(NotifyConfigError) as caught:
        AppriseChannel("slack", "nonsense://hidden-secret")
    assert caught.value.exit_code == EXIT_USAGE
    assert "hidden-secret" not in str(caught.value)
    assert "EI_NOTIFY_SLACK_URL" in str(caught.value)
