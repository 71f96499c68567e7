"""The AWS notifier's pure parts: what an SNS alarm message becomes per channel."""

from __future__ import annotations

import json
from typing import Any

import pytest

from infra.monitoring.notifier_function import PAGERDUTY, payload, post, summary

TOPIC = "arn:aws:sns:eu-west-1:123456789012:energy-insights-prod-alerts-p0"


def record(message: str, subject: str | None = None) -> dict[str, Any]:
    return {"Sns": {"TopicArn": TOPIC, "Message": message, "Subject": subject}}


def test_alarm_messages_carry_their_severity_from_the_topic() -> None:
    alarm = {"AlarmName": "a", "NewStateValue": "ALARM", "NewStateReason": "3 of 5"}
    severity, parsed = summary(record(json.dumps(alarm)))
    assert (severity, parsed) == ("P0", alarm)


def test_plain_text_messages_such_as_budget_alerts_are_kept() -> None:
    severity, parsed = summary(record("AWS Budget Notification ...", "Budget exceeded"))
    assert severity == "P0"
    assert parsed["AlarmName"] == "Budget exceeded"
    assert parsed["NewStateReason"].startswith("AWS Budget")


@pytest.mark.parametrize(("state", "action"), [("ALARM", "trigger"), ("OK", "resolve")])
def test_pagerduty_events(state: str, action: str) -> None:
    url, body = payload(
        "pagerduty", "routing-key", "P0", {"AlarmName": "a", "NewStateValue": state}
    )
    assert url == PAGERDUTY
    assert (body["routing_key"], body["event_action"], body["dedup_key"]) == (
        "routing-key",
        action,
        "a",
    )
    assert body["payload"]["severity"] == "critical"


def test_slack_and_webhooks_get_text() -> None:
    url, body = payload("slack", "https://hooks.example/x", "P2", {"AlarmName": "a"})
    assert url == "https://hooks.example/x"
    assert body["text"].startswith("[P2] a is ?")


def test_only_https_endpoints() -> None:
    with pytest.raises(ValueError, match="not https"):
        post("http://example.com/hook", {})
