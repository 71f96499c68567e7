"""The local target's alarm states: real EMF lines of the app with 20 % server errors drive the
P0 error-rate alarm and the service-health composite to ALARM, and the notification lands in
the local sink; only changes notify; recovery notifies OK."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path

import pytest

from infra.config import load_environment
from infra.monitoring.alarm_source import AlarmState, any_p0_in_alarm, render_rows
from infra.monitoring.catalog import build_catalog
from infra.monitoring.local_source import LinesSource, LocalAlarmSource, LocalFeeds, StateFile
from infra.monitoring.model import AlarmStateValue
from infra.monitoring.notify import local_notifier, read_jsonl
from tests.unit.infra.monitoring.conftest import FakeClock, app_emf_lines

ALARM, OK = AlarmStateValue.ALARM, AlarmStateValue.OK


class Feed:
    """Lines appended as the app would print them."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def feeds(self, env: str) -> LocalFeeds:
        return LocalFeeds(LinesSource(self.lines))


@pytest.fixture
def feed() -> Feed:
    return Feed()


def source(feed: Feed, clock: FakeClock, tmp_path: Path) -> LocalAlarmSource:
    return LocalAlarmSource(
        catalog_for=lambda env: build_catalog(load_environment(env)),
        feeds_for=feed.feeds,
        notifier_for=lambda env: local_notifier(
            load_environment(env), tmp_path / "notifications.jsonl", clock
        ),
        state_file=StateFile(tmp_path / "states"),
        clock=clock,
    )


def stream(feed: Feed, clock: FakeClock, minutes: int, share: float, per_minute: int = 50) -> None:
    """`minutes` of traffic ending now, `share` of it answered 500."""
    for minute in range(minutes, 0, -1):
        at = clock.now() - timedelta(minutes=minute) + timedelta(seconds=1)
        feed.lines.extend(app_emf_lines(per_minute, share, at))


def by_name(states: Sequence[AlarmState]) -> dict[str, AlarmState]:
    return {s.name.removeprefix("energy-insights-staging-"): s for s in states}


def test_twenty_percent_server_errors_page_through_service_health(
    feed: Feed, clock: FakeClock, tmp_path: Path
) -> None:
    alarms = source(feed, clock, tmp_path)
    stream(feed, clock, minutes=5, share=0.0)
    calm = by_name(alarms.states("staging"))
    assert calm["api-error-rate"].state is OK
    assert calm["service-health"].state is OK
    assert not any_p0_in_alarm(list(calm.values()))
    assert read_jsonl(tmp_path / "notifications.jsonl") == []

    clock.sleep(180)
    stream(feed, clock, minutes=3, share=0.2)
    states = by_name(alarms.states("staging"))
    assert states["api-error-rate"].state is ALARM
    assert "3 of last 5 x 60s" in states["api-error-rate"].reason
    assert "API metrics from the app's EMF" in states["api-error-rate"].reason
    assert states["availability-fast-burn"].state is ALARM
    assert states["service-health"].state is ALARM
    assert "composite evaluated locally" in states["service-health"].reason
    assert states["dynamodb-throttles"].state is OK  # no local source, notBreaching
    assert "the local target has no AWS/DynamoDB metrics" in states["dynamodb-throttles"].reason
    assert states["service-health"].updated_at == clock.now()
    assert any_p0_in_alarm(list(states.values()))

    sent = read_jsonl(tmp_path / "notifications.jsonl")
    health = [n for n in sent if n["fields"]["alarm"].endswith("service-health")]  # type: ignore[index]
    assert len(health) == 1
    assert health[0]["event"] == "alarm.state_changed"
    assert health[0]["severity"] == "P0"
    assert health[0]["routed_to"] == ["pagerduty", "slack"]
    assert health[0]["fields"]["runbook"] == (  # type: ignore[index]
        "docs/operations/service-health.md#service-health"
    )
    # children of a composite never page themselves
    assert not [n for n in sent if n["fields"]["alarm"].endswith("api-error-rate")]  # type: ignore[index]

    # the same state again: nothing new is sent
    alarms.states("staging")
    assert len(read_jsonl(tmp_path / "notifications.jsonl")) == len(sent)
    rows = render_rows(alarms.states("staging"))
    assert rows[0].startswith("P0  ALARM")


def test_recovery_sends_ok(feed: Feed, clock: FakeClock, tmp_path: Path) -> None:
    alarms = source(feed, clock, tmp_path)
    stream(feed, clock, minutes=5, share=0.2)
    assert by_name(alarms.states("staging"))["service-health"].state is ALARM
    clock.sleep(2 * 3600)  # errors leave every window; healthy traffic since
    stream(feed, clock, minutes=6, share=0.0)
    assert by_name(alarms.states("staging"))["service-health"].state is OK
    sent = read_jsonl(tmp_path / "notifications.jsonl")
    health = [n["fields"]["state"] for n in sent if n["fields"]["alarm"].endswith("service-health")]  # type: ignore[index]
    assert health == ["ALARM", "OK"]


def test_no_traffic_follows_each_alarms_missing_data_setting(
    feed: Feed, clock: FakeClock, tmp_path: Path
) -> None:
    states = by_name(source(feed, clock, tmp_path).states("staging"))
    assert states["api-error-rate"].state is OK  # notBreaching: no requests, no errors
    assert states["estimated-charges"].state is AlarmStateValue.INSUFFICIENT_DATA  # missing
    assert (
        "no datapoint of AWS/Billing EstimatedCharges received; missing data is missing (the "
        "local target has no AWS/Billing metrics)" in states["estimated-charges"].reason
    )


def test_log_files_feed_the_evaluator(tmp_path: Path) -> None:
    log = tmp_path / "app.log"
    log.write_text("uvicorn started\n" + "\n".join(app_emf_lines(3, 0.0, FakeClock().now())) + "\n")
    assert len(list(LinesSource(files=(log, tmp_path / "absent.log")).documents())) == 3


def test_files_are_read_incrementally_and_half_lines_wait(tmp_path: Path) -> None:
    log = tmp_path / "app.log"
    first, second = app_emf_lines(2, 0.0, FakeClock().now())
    log.write_text(first + "\n" + second[:20])
    source = LinesSource(files=(log,))
    assert len(list(source.documents())) == 1
    with log.open("a") as handle:
        handle.write(second[20:] + "\n")
    assert len(list(source.documents())) == 1
    assert list(source.documents()) == []
    log.write_text(first + "\n")  # replaced by a shorter file: read from the start
    assert len(list(source.documents())) == 1


def test_router_deltas_continue_across_calls() -> None:
    from infra.monitoring.local_metrics import LocalMetrics, RouterSample, api_key

    start = FakeClock().now()
    metrics = LocalMetrics("dev")
    metrics.ingest([], [RouterSample(start, "green", 10, 0, 0)])
    metrics.ingest([], [RouterSample(start + timedelta(seconds=5), "green", 30, 0, 4)])
    t = start.timestamp()
    assert metrics.store.values(api_key("Count"), t, t + 60) == [20.0]
    assert metrics.store.values(api_key("5xx"), t, t + 60) == [4.0]
    assert metrics.inputs.router_samples == 2


def test_the_default_local_source_writes_states_and_the_sink_per_environment(
    feed: Feed, clock: FakeClock, tmp_path: Path
) -> None:
    from infra.monitoring.local_source import local_alarm_source

    alarms = local_alarm_source(tmp_path, feed.feeds, clock)
    stream(feed, clock, minutes=5, share=0.2)
    assert any_p0_in_alarm(alarms.states("dev"))
    assert (tmp_path / "dev-alarm-states.json").is_file()
    sent = read_jsonl(tmp_path / "dev-notifications.jsonl")
    assert {n["title"] for n in sent} >= {"energy-insights-dev-service-health is ALARM"}


def test_the_default_source_uses_the_configured_local_periods(
    feed: Feed, clock: FakeClock, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from infra.config.model import EnvironmentConfig
    from infra.monitoring import local_source as module

    def scaled(env: str) -> EnvironmentConfig:
        config = load_environment(env)
        fast = config.monitoring.model_copy(update={"local_time_scale": 0.05})
        return config.model_copy(update={"monitoring": fast})

    monkeypatch.setattr("infra.config.loader.load_environment", scaled)
    alarms = module.local_alarm_source(tmp_path, feed.feeds, clock)
    for second in range(15, 0, -1):  # 15 s of 20 % errors: 5 periods of 3 s
        feed.lines.extend(app_emf_lines(10, 0.2, clock.now() - timedelta(seconds=second)))
    states = by_name(alarms.states("staging"))
    assert states["api-error-rate"].state is ALARM
    assert "5 of last 5 x 3s" in states["api-error-rate"].reason
    assert states["service-health"].state is ALARM


def test_configured_endpoints_get_the_page_too_and_a_down_one_is_dead_lettered(
    feed: Feed, clock: FakeClock, tmp_path: Path
) -> None:
    import socket

    from infra.monitoring.local_source import dead_letters_file, local_alarm_source

    with socket.socket() as sock:  # a port nothing listens on: the endpoint is down
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    endpoints = {"slack": f"json://127.0.0.1:{port}/hook"}
    alarms = local_alarm_source(tmp_path, feed.feeds, clock, endpoints)
    stream(feed, clock, minutes=5, share=0.2)
    assert any_p0_in_alarm(alarms.states("staging"))
    assert clock.sleeps == [1.0, 2.0] * 2  # each page: 3 attempts with backoff, then kept
    kept = read_jsonl(dead_letters_file(tmp_path, "staging"))
    titles = sorted(k["notification"]["title"] for k in kept)  # type: ignore[index]
    assert titles == [
        "energy-insights-staging-availability-slow-burn is ALARM",
        "energy-insights-staging-service-health is ALARM",
    ]
    failed = {f["channel"]: f for f in kept[0]["failed"]}  # type: ignore[index]
    assert failed["slack"]["attempts"] == 3  # down: retried with backoff
    assert failed["pagerduty"]["attempts"] == 0  # routed but not configured
    assert "EI_NOTIFY_PAGERDUTY_URL is unset" in failed["pagerduty"]["detail"]
    sunk = read_jsonl(tmp_path / "staging-notifications.jsonl")
    assert len(sunk) == 2  # the sink has every page whatever the endpoints did
