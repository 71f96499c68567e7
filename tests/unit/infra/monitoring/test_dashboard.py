"""The dashboard: 16 widgets built from the catalog, a body CloudWatch accepts, and the same
dashboard as Grafana JSON on a CloudWatch data source."""

from __future__ import annotations

import json
from typing import Any

import pytest

from infra.config import ENVIRONMENT_NAMES, load_environment
from infra.monitoring.catalog import build_catalog
from infra.monitoring.dashboard import (
    body_text,
    dashboard_body,
    dashboard_name,
    problems,
    resolve_body,
)
from infra.monitoring.grafana import grafana_dashboard

TITLES = [
    "API requests",
    "API 4xx / 5xx",
    "API latency p50 / p95 / p99",
    "Lambda invocations",
    "Lambda errors",
    "Lambda duration",
    "Lambda concurrent executions",
    "Lambda throttles",
    "DynamoDB consumed capacity",
    "DynamoDB throttles",
    "DynamoDB system errors",
    "S3 requests",
    "S3 errors",
    "Recent errors",
    "API error rate (%)",
    "Alarm status",
]
VALUES = {"HttpApi": "abc123", "AWS::Region": "eu-west-1", "AWS::AccountId": "123456789012"}


@pytest.fixture(params=ENVIRONMENT_NAMES)
def body(request: pytest.FixtureRequest) -> dict[str, Any]:
    config = load_environment(request.param)
    return dashboard_body(config, build_catalog(config))


def test_sixteen_widgets_in_order(body: dict[str, Any]) -> None:
    assert [w["properties"]["title"] for w in body["widgets"]] == TITLES


def test_the_body_is_sound(body: dict[str, Any]) -> None:
    assert problems(body) == []


def test_error_rate_widget_draws_the_catalogs_threshold() -> None:
    config = load_environment("prod")
    catalog = build_catalog(config)
    widget = dashboard_body(config, catalog)["widgets"][14]
    (line,) = widget["properties"]["annotations"]["horizontal"]
    assert line["value"] == config.monitoring.thresholds.api_error_rate_pct


def test_alarm_widget_lists_every_catalog_alarm() -> None:
    config = load_environment("prod")
    catalog = build_catalog(config)
    text = resolve_body(body_text(dashboard_body(config, catalog)), VALUES)
    alarms = json.loads(text)["widgets"][15]["properties"]["alarms"]
    assert alarms == [f"arn:aws:cloudwatch:eu-west-1:123456789012:alarm:{n}" for n in catalog.names]
    assert "${" not in text


@pytest.mark.parametrize(
    ("change", "says"),
    [
        (lambda w: w.update(type="chart"), "type 'chart'"),
        (lambda w: w.update(x=20), "outside the 24-column grid"),
        (lambda w: w.update(y=0, x=12), "overlaps"),
        (lambda w: w["properties"]["metrics"].append(["AWS/Lambda"]), "not [namespace, name"),
        (lambda w: w["properties"]["metrics"].__setitem__(0, [{"expression": "m1 / m9"}]), "m1"),
    ],
)
def test_problems_are_found(body: dict[str, Any], change: Any, says: str) -> None:
    widget = body["widgets"][4]  # Lambda errors, x=0 y=12
    change(widget)
    assert any(says in p for p in problems(body))


def test_grafana_export_mirrors_the_dashboard() -> None:
    config = load_environment("staging")
    model = grafana_dashboard(config, build_catalog(config), VALUES)
    assert model["title"] == model["uid"] == dashboard_name(config) == "energy-insights-staging"
    panels = model["panels"]
    assert [p["title"] for p in panels] == TITLES
    assert {p["type"] for p in panels} == {"timeseries", "table", "text"}
    for panel in panels:
        if panel["type"] == "timeseries":
            assert panel["datasource"] == {"type": "cloudwatch", "uid": "${datasource}"}
            assert all(t["region"] == "eu-west-1" for t in panel["targets"])
    requests = panels[0]["targets"][0]
    assert requests["namespace"] == "AWS/ApiGateway"
    assert requests["dimensions"] == {"ApiId": "abc123", "Stage": "$default"}
    rate = panels[14]
    assert rate["targets"][0]["expression"] == "100 * m2 / m1"
    assert [t["hide"] for t in rate["targets"]] == [False, True, True]
    assert rate["fieldConfig"]["defaults"]["thresholds"]["steps"][1]["value"] == 5.0
    logs = panels[13]["targets"][0]
    assert logs["queryMode"] == "Logs"
    assert logs["logGroups"][0]["name"] == "/aws/lambda/energy-insights-staging-api"
    assert "energy-insights-staging-service-health" in panels[15]["options"]["content"]
    json.dumps(model)  # plain JSON
